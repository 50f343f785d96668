/**
 * The report as a `gantry/v1` document (`kind: RunReport`), what `gantry run --json` and
 * `gantry report --format json` print: the same model the comment is rendered from, masked.
 */
import { z } from "zod";
import { unitReasonSchema } from "@gantry/change-detector";
import { jobSchema } from "@gantry/classifier";
import type { SecretMasker } from "../masking.js";
import { jobResultSchema, runStatusSchema } from "../result.js";
import type { RunReport } from "./model.js";

export const runReportDocumentSchema = z.object({
  apiVersion: z.literal("gantry/v1"),
  kind: z.literal("RunReport"),
  event: z.enum(["pull_request", "push"]),
  base: z.string(),
  head: z.string(),
  branch: z.string().optional(),
  /** Why nothing was planned, when there are no jobs. */
  notice: z.string().nullable(),
  /** True when the run was stopped by a signal. */
  interrupted: z.boolean(),
  /** Where the full logs are: a directory or a URL. */
  logs: z.string().nullable(),
  /** An error that stopped the pipeline before any job. */
  error: z
    .object({
      code: z.string(),
      message: z.string(),
      hint: z.string().nullable(),
      location: z.object({ file: z.string(), line: z.number().int().optional() }).nullable(),
    })
    .nullable(),
  /**
   * Per job: its status (its result's, or `superseded`: a merge that landed during a push run changed its units,
   * and the run that merge started deploys them), why it did not run (when it did not), and its result (when it ran).
   */
  jobs: z.array(
    z.object({
      job: jobSchema,
      status: z.enum([...runStatusSchema.options, "superseded"]),
      reason: z.string().nullable(),
      result: jobResultSchema.nullable(),
    }),
  ),
  /** Why each unit runs (from detection). */
  reasons: z.record(z.string(), z.array(unitReasonSchema)),
  /** The change types that put each unit in the run. */
  changeTypes: z.record(z.string(), z.array(z.string())),
  /**
   * Units the plan gave no job (added after the first contract, optional): `up-to-date` or `superseded` by the
   * deployment record (`deployedAt`: the commit it is deployed as of), or `excluded` by its `exclude` block
   * (`from`: where the block is; `dependencyOf`: the unit whose block excludes its dependencies).
   */
  unitsNotRun: z
    .array(
      z.object({
        unit: z.string(),
        reason: z.enum(["up-to-date", "superseded", "excluded"]),
        deployedAt: z.string().nullable(),
        from: z.string().nullable(),
        dependencyOf: z.string().nullable(),
      }),
    )
    .optional(),
});
export type RunReportDocument = z.infer<typeof runReportDocumentSchema>;

export function runReportDocument(report: RunReport, options: { masker?: SecretMasker } = {}): RunReportDocument {
  const document: RunReportDocument = {
    apiVersion: "gantry/v1",
    kind: "RunReport",
    event: report.event,
    base: report.base,
    head: report.head,
    ...(report.branch !== undefined ? { branch: report.branch } : {}),
    notice: report.notice ?? null,
    interrupted: report.interrupted,
    logs: report.logs ?? null,
    error: report.error
      ? {
          code: report.error.code,
          message: report.error.message,
          hint: report.error.hint ?? null,
          location: report.error.location ?? null,
        }
      : null,
    jobs: report.jobs.map((entry) => ({
      job: entry.job,
      status: entry.status,
      reason: entry.reason ?? null,
      result: entry.result,
    })),
    reasons: report.reasons ?? {},
    changeTypes: report.changeTypes ?? {},
    ...(report.unitsNotRun
      ? {
          unitsNotRun: report.unitsNotRun.map((entry) => ({
            unit: entry.unit,
            reason: entry.reason,
            deployedAt: entry.deployedAt,
            from: entry.from ?? null,
            dependencyOf: entry.dependencyOf ?? null,
          })),
        }
      : {}),
  };
  const text = JSON.stringify(document);
  return JSON.parse(options.masker ? options.masker.mask(text) : text) as RunReportDocument;
}
