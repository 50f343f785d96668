/**
 * `GantryError`: the one error base of every Gantry package.
 *
 * - `code` is a key of `ERROR_CODES` (`DETECT_UNKNOWN_REF`, `CONFIG_INVALID`, ...): programs branch on it, and
 *   the registry gives its exit code, so no package chooses exit codes of its own.
 * - `hint` says what the user should do next.
 * - `isInstance` works across duplicated copies of this package (a `Symbol.for` marker, not `instanceof`).
 */
import { ERROR_CODES, type ErrorCode } from "./codes.js";

const marker = Symbol.for("gantry.error");

export interface GantryErrorOptions {
  hint?: string | undefined;
  /** Where the problem is: a file, optionally with line and column (1-based). */
  location?: { file: string; line?: number; column?: number } | undefined;
  cause?: unknown;
}

export class GantryError extends Error {
  readonly [marker] = true;
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly location: GantryErrorOptions["location"];
  /** The process exit code the CLI ends with: the registry's, for `code`. */
  readonly exitCode: number;

  constructor(code: ErrorCode, message: string, options: GantryErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "GantryError";
    this.code = code;
    this.hint = options.hint;
    this.location = options.location;
    this.exitCode = ERROR_CODES[code].exitCode;
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

/**
 * A usage error (`USAGE`, exit 2): an unknown, missing or invalid option, argument or input. With `command`,
 * the hint ends with where to read that command's help.
 */
export function usageError(message: string, options: { command?: string; hint?: string } = {}): GantryError {
  const lines = [options.hint, options.command === undefined ? undefined : `see \`gantry help ${options.command}\``];
  const hint = lines.filter((line) => line !== undefined).join("\n  ");
  return new GantryError("USAGE", message, hint === "" ? {} : { hint });
}

export { ERROR_CODES, EXIT_CODE_RANGES, exitCodeOf, isErrorCode, type ErrorCode, type ExitCodeRange } from "./codes.js";
export { renderErrorCodeTable } from "./table.js";
export { didYouMean, editDistance, formatDidYouMean } from "./did-you-mean.js";
