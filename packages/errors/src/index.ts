/**
 * `GantryError`: the one error base of every Gantry package.
 *
 * - `code` is stable (`DETECT_UNKNOWN_REF`, `CONFIG_INVALID`, ...): programs branch on it, the CLI maps
 *   it to an exit code, and the docs list it.
 * - `hint` says what the user should do next.
 * - `isInstance` works across duplicated copies of this package (a `Symbol.for` marker, not `instanceof`).
 */
const marker = Symbol.for("gantry.error");

export interface GantryErrorOptions {
  hint?: string;
  /** Where the problem is: a file, optionally with line and column (1-based). */
  location?: { file: string; line?: number; column?: number };
  cause?: unknown;
  /**
   * The process exit code the CLI uses for this error. Ranges: 2 usage, 10-19 detection, 20-29
   * configuration and planning, 30-39 execution, 40-59 guards, 60-69 credentials. Default 1.
   */
  exitCode?: number;
}

export class GantryError extends Error {
  readonly [marker] = true;
  readonly code: string;
  readonly hint: string | undefined;
  readonly location: GantryErrorOptions["location"];
  readonly exitCode: number;

  constructor(code: string, message: string, options: GantryErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "GantryError";
    this.code = code;
    this.hint = options.hint;
    this.location = options.location;
    this.exitCode = options.exitCode ?? 1;
  }

  static isInstance(value: unknown): value is GantryError {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[marker] === true;
  }

  /** `file:line:column: message` followed by the hint, as printed to a terminal. */
  format(): string {
    const where = this.location ? `${formatLocation(this.location)}: ` : "";
    return `${where}${this.message}${this.hint ? `\n  hint: ${this.hint}` : ""}`;
  }
}

/** `file`, `file:line` or `file:line:column`, as errors name a place. */
export function formatLocation(location: NonNullable<GantryErrorOptions["location"]>): string {
  return `${location.file}${location.line ? `:${location.line}` : ""}${location.line && location.column ? `:${location.column}` : ""}`;
}

export { didYouMean, editDistance, formatDidYouMean } from "./did-you-mean.js";
