/**
 * A command's failure as a `gantry/v1` document, so that another step can report it. Pipelines comments when
 * orchestration itself fails, and so does Gantry: with `GANTRY_ERROR_FILE` set, a failing command writes the
 * error there, and `gantry report --error FILE` renders it as the pull request's report.
 */
import { writeFileSync } from "node:fs";
import { GantryError } from "@gantry/errors";

export interface ErrorDocument {
  apiVersion: "gantry/v1";
  kind: "Error";
  /** The gantry command that failed (`plan`, `detect`, …). */
  command: string;
  code: string;
  message: string;
  hint: string | null;
  location: { file: string; line?: number; column?: number } | null;
  exitCode: number;
}

export function writeErrorDocument(file: string, command: string, error: GantryError): void {
  const document: ErrorDocument = {
    apiVersion: "gantry/v1",
    kind: "Error",
    command,
    code: error.code,
    message: error.message,
    hint: error.hint ?? null,
    location: error.location ?? null,
    exitCode: error.exitCode,
  };
  writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`);
}

/** Validates an error document read from a file, naming the field that is wrong. */
export function parseErrorDocument(value: unknown, source: string): ErrorDocument {
  const invalid = (field: string, expected: string) =>
    new GantryError("REPORT_ERROR_INVALID", `not a valid gantry/v1 Error: field "${field}" must be ${expected}`, {
      hint: "pass the file a failing gantry command wrote to GANTRY_ERROR_FILE, unchanged",
      location: { file: source },
      exitCode: 20,
    });
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalid("(document)", "an object");
  const document = value as Record<string, unknown>;
  if (document.apiVersion !== "gantry/v1") throw invalid("apiVersion", '"gantry/v1"');
  if (document.kind !== "Error") throw invalid("kind", '"Error"');
  for (const field of ["command", "code", "message"] as const) {
    if (typeof document[field] !== "string" || document[field] === "") throw invalid(field, "a non-empty string");
  }
  if (document.hint !== null && typeof document.hint !== "string") throw invalid("hint", "a string or null");
  if (!Number.isInteger(document.exitCode)) throw invalid("exitCode", "an integer");
  const location = document.location;
  if (location !== null && (typeof location !== "object" || typeof (location as { file?: unknown }).file !== "string")) throw invalid("location", "null or an object with a file");
  return document as unknown as ErrorDocument;
}
