/**
 * A command's failure as a `gantry/v1` document, so that another step can report it. Pipelines comments when
 * orchestration itself fails, and so does Gantry: with `GANTRY_ERROR_FILE` set, a failing command writes the
 * error there, and `gantry report --error FILE` renders it as the pull request's report.
 */
import { writeFileSync } from "node:fs";
import type { DocumentSpec } from "@gantry/documents";
import type { GantryError } from "@gantry/errors";
import { z } from "zod";

export const errorDocumentSchema = z.object({
  apiVersion: z.literal("gantry/v1"),
  kind: z.literal("Error"),
  /** The gantry command that failed (`plan`, `detect`, …). */
  command: z.string().min(1),
  code: z.string().min(1),
  message: z.string().min(1),
  hint: z.string().nullable(),
  location: z
    .object({ file: z.string(), line: z.number().int().optional(), column: z.number().int().optional() })
    .nullable(),
  exitCode: z.number().int(),
});
export type ErrorDocument = z.infer<typeof errorDocumentSchema>;

/** The file a failing command wrote to `GANTRY_ERROR_FILE`, as `gantry report --error` reads it. */
export const errorDocument = {
  kind: "Error",
  schema: errorDocumentSchema,
  code: "REPORT_ERROR_INVALID",
  hint: "pass the file a failing gantry command wrote to GANTRY_ERROR_FILE, unchanged",
} as const satisfies DocumentSpec<typeof errorDocumentSchema>;

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
