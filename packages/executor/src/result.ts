/**
 * The typed result of executing a job: `gantry execute --json` prints it, the dispatcher collects it and
 * the report renderer reads it. Versioned (`gantry/v1`) since it crosses process boundaries.
 */
import { z } from "zod";
import { jobSchema } from "@gantry/classifier";
import { exitCodeOf, type ErrorCode } from "@gantry/errors";
import type { PlanSummary } from "./plan-summary.js";
import type { AppliedCounts } from "./rendered-output.js";

/** How a unit's or a job's run ended: `skipped` after a failure it needed, `not-started` when stopped first. */
export const runStatusSchema = z.enum(["succeeded", "failed", "skipped", "not-started"]);
export type RunStatus = z.infer<typeof runStatusSchema>;

/** See `PlanSummary` (plan-summary.ts); fields added after the first contract are optional. */
export const planSummarySchema = z.object({
  add: z.number().int(),
  change: z.number().int(),
  destroy: z.number().int(),
  import: z.number().int(),
  forget: z.number().int().optional(),
  addresses: z.object({
    create: z.array(z.string()),
    update: z.array(z.string()),
    delete: z.array(z.string()),
    replace: z.array(z.string()),
    import: z.array(z.string()),
    forget: z.array(z.string()).optional(),
    read: z.array(z.string()).optional(),
    deferred: z.array(z.string()).optional(),
  }),
  moves: z.array(z.object({ from: z.string(), to: z.string() })).optional(),
  outputChanges: z.boolean(),
  outputs: z.array(z.string()).optional(),
  checks: z.array(z.object({ address: z.string(), status: z.string(), messages: z.array(z.string()) })).optional(),
  warnings: z.array(z.string()).optional(),
}) satisfies z.ZodType<PlanSummary>;

export const appliedCountsSchema = z.object({
  import: z.number().int(),
  add: z.number().int(),
  change: z.number().int(),
  destroy: z.number().int(),
  forget: z.number().int(),
}) satisfies z.ZodType<AppliedCounts>;

export const diagnosticSchema = z.object({
  severity: z.enum(["error", "warning"]),
  summary: z.string(),
  file: z.string().optional(),
  line: z.number().int().optional(),
});
export type Diagnostic = z.infer<typeof diagnosticSchema>;

/** Bounds of what a result carries per unit (the full text stays in the unit's log). */
export const UNIT_OUTPUT_LIMIT = 30_000;
export const UNIT_ERROR_LIMIT = 8_000;

export const unitResultSchema = z.object({
  unit: z.string(),
  status: runStatusSchema,
  /** Exit code of the failing (or last) command; null when nothing ran. */
  exitCode: z.number().int().nullable(),
  durationMs: z.number(),
  /** Kept after the run; null when nothing ran. */
  logPath: z.string().nullable(),
  /** The saved plan of a plan or plan-destroy (mode 0600); null for apply/destroy, which plan and apply in one step. */
  planFile: z.string().nullable(),
  plan: planSummarySchema.nullable(),
  /** Why a unit failed or was skipped, in one line. */
  reason: z.string().nullable(),
  /** The commands run (or, on a dry run, that would run), already masked. */
  commands: z.array(z.string()),
  /** What Gantry could not read about this unit (e.g. a plan it cannot summarise); never a failure by itself. */
  warnings: z.array(z.string()).optional(),
  /**
   * What the tool printed for the unit's plan, apply or destroy (the rendered plan; an apply's own output),
   * without init noise or runner paths; masked, and at most `UNIT_OUTPUT_LIMIT` characters (the middle cut
   * and marked). Carried so a report rendered elsewhere (`gantry report`) shows it.
   */
  output: z.string().nullable().optional(),
  /** The tool's own error text (OpenTofu's or Terragrunt's), masked, at most `UNIT_ERROR_LIMIT` characters. */
  error: z.string().nullable().optional(),
  /** What an apply or destroy reported it did ("Apply complete! Resources: …"). */
  applied: appliedCountsSchema.nullable().optional(),
  /** True when Terragrunt did not run the unit because its `exclude` block excludes it: skipped, not a failure. */
  excluded: z.boolean().optional(),
  /** True when the tool died or was stopped while applying or destroying: some changes may have been made. */
  mayBePartiallyApplied: z.boolean().optional(),
  /** Errors with a place in the repository (file repository-relative), for annotations. */
  diagnostics: z.array(diagnosticSchema).optional(),
});
export type UnitResult = z.infer<typeof unitResultSchema>;

export const jobResultSchema = z.object({
  apiVersion: z.literal("gantry/v1"),
  kind: z.literal("JobResult"),
  job: jobSchema,
  status: runStatusSchema,
  /** True when the run was stopped by a signal: some units may be `not-started`. */
  interrupted: z.boolean(),
  dryRun: z.boolean(),
  startedAt: z.string(),
  durationMs: z.number(),
  /** Where the per-unit logs and plan files are kept (`$RUN_DIR` in the commands). */
  runDir: z.string().nullable(),
  /** The worktree the units ran in (`$WORKTREE` in the commands); removed when the job ends. */
  worktree: z.string().nullable(),
  units: z.array(unitResultSchema),
  /** The terragrunt command that ran the job's units, masked (`$WORKTREE`, `$RUN_DIR` for the directories). */
  command: z.string().optional(),
  /** Where the job's full logs are when it ran in GitHub Actions: the run's URL. */
  logsUrl: z.string().nullable().optional(),
  /** An error that stopped the job before or around its units (guard refusal, worktree failure). */
  error: z
    .object({ code: z.string(), message: z.string(), hint: z.string().nullable(), exitCode: z.number().int() })
    .nullable(),
});
export type JobResult = z.infer<typeof jobResultSchema>;
export type JobError = NonNullable<JobResult["error"]>;

/** A job's error, with the registry's exit code for `code`. */
export function jobError(code: ErrorCode, message: string, hint: string | null): JobError {
  return { code, message, hint, exitCode: exitCodeOf(code) };
}
