/**
 * The typed result of executing a job: `gantry execute --json` prints it, the dispatcher collects it and
 * the report renderer reads it. Versioned (`gantry/v1`) since it crosses process boundaries.
 */
import { z } from "zod";
import { jobSchema } from "@gantry/classifier";
import type { PlanSummary } from "./plan-summary.js";

export const unitStatusSchema = z.enum(["succeeded", "failed", "skipped", "not-started"]);
export type UnitStatus = z.infer<typeof unitStatusSchema>;

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

export const unitResultSchema = z.object({
  unit: z.string(),
  status: unitStatusSchema,
  /** Exit code of the failing (or last) command; null when nothing ran. */
  exitCode: z.number().int().nullable(),
  durationMs: z.number(),
  /** Kept after the run; null when nothing ran. */
  logPath: z.string().nullable(),
  /** Saved plan file (plan, plan-destroy, and the plan an apply/destroy applied). */
  planFile: z.string().nullable(),
  plan: planSummarySchema.nullable(),
  /** Why a unit failed or was skipped, in one line. */
  reason: z.string().nullable(),
  /** The commands run (or, on a dry run, that would run), already masked. */
  commands: z.array(z.string()),
  /** What Gantry could not read about this unit (e.g. a plan it cannot summarise); never a failure by itself. */
  warnings: z.array(z.string()).optional(),
});
export type UnitResult = z.infer<typeof unitResultSchema>;

export const jobStatusSchema = z.enum(["succeeded", "failed", "skipped", "not-started"]);
export type JobStatus = z.infer<typeof jobStatusSchema>;

export const jobResultSchema = z.object({
  apiVersion: z.literal("gantry/v1"),
  kind: z.literal("JobResult"),
  job: jobSchema,
  status: jobStatusSchema,
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
  /** An error that stopped the job before or around its units (guard refusal, worktree failure). */
  error: z.object({ code: z.string(), message: z.string(), hint: z.string().nullable(), exitCode: z.number().int() }).nullable(),
});
export type JobResult = z.infer<typeof jobResultSchema>;
