/**
 * The `gantry/v1` job document: one element of `gantry plan --json`'s `jobs`, and exactly what
 * `gantry execute --job` accepts. It crosses process and repository boundaries (a job is dispatched
 * to another repository's workflow), so it is validated with `jobSchema` wherever it is read.
 */
import { z } from "zod";
import { unitReasonSchema } from "@gantry/change-detector";
import { CycleFound, topologicalOrder } from "./graph.js";

export const jobActionSchema = z.enum(["plan", "apply", "plan-destroy", "destroy"]);
export type JobAction = z.infer<typeof jobActionSchema>;

export const awsAuthenticationSchema = z.object({
  accountId: z.string().regex(/^\d{12}$/),
  planRoleArn: z.string(),
  applyRoleArn: z.string(),
  region: z.string(),
  sessionDurationSeconds: z.number().int().min(900).max(43200),
});
export type AwsAuthentication = z.infer<typeof awsAuthenticationSchema>;

export const jobSchema = z.object({
  apiVersion: z.literal("gantry/v1"),
  kind: z.literal("Job"),
  /** Stable, readable id, unique within a plan: `apply-prod-1`, `destroy-dev-app-x`. */
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/),
  action: jobActionSchema,
  /** Unit directories, repository-relative, in the order they must run (reverse for destroys). */
  units: z.array(z.string()).min(1),
  /** The commit the job runs at: head for plan/apply, base for plan-destroy/destroy. */
  ref: z.string().regex(/^[0-9a-f]{40}$/),
  /** Ids of jobs that must finish successfully first. */
  needs: z.array(z.string()),
  environment: z.string(),
  /** Change types (see `ChangeType`) that produced this job. */
  changes: z.array(z.string()),
  /** Where the job came from, so guards can re-derive it. */
  source: z.object({
    event: z.enum(["pull_request", "push"]),
    base: z.string().regex(/^[0-9a-f]{40}$/),
    head: z.string().regex(/^[0-9a-f]{40}$/),
    branch: z.string(),
    deployBranch: z.string(),
  }),
  authentication: awsAuthenticationSchema.nullable(),
  terragrunt: z.object({
    flags: z.array(z.string()),
    env: z.record(z.string(), z.string()),
    parallelism: z.number().int().min(1),
  }),
});
export type Job = z.infer<typeof jobSchema>;

/**
 * One classified change as the plan reports it (added after the first contract, optional so older plan
 * documents still validate): its type, files, units, and the ids of the jobs that act on it (none when it
 * needs no action; `note` says why).
 */
export const planChangeSchema = z.object({
  type: z.string(),
  files: z.array(z.string()),
  units: z.array(z.string()),
  jobs: z.array(z.string()),
  note: z.string().optional(),
});
export type PlanChange = z.infer<typeof planChangeSchema>;

/**
 * A unit the plan leaves out because the deployment record says it is already deployed (added after the first
 * contract, optional): `superseded` when it was applied at a newer commit than the plan's (applying it here
 * would roll it back), `up-to-date` when it was applied at a commit since which nothing it reads changed.
 */
export const skippedUnitSchema = z.object({
  unit: z.string(),
  reason: z.enum(["superseded", "up-to-date"]),
  /** The commit the unit was last applied (or destroyed) at, from the deployment record. */
  deployedAt: z.string().regex(/^[0-9a-f]{40}$/),
});
export type SkippedUnit = z.infer<typeof skippedUnitSchema>;

/**
 * A unit the plan leaves out because its Terragrunt `exclude` block takes it out of this event's action (added
 * after the first contract, optional): `if` is true and `actions` names the action (`plan`, `apply`, `destroy`,
 * `all`, `all_except_output`), or it is a dependency of such a unit whose block sets `exclude_dependencies`.
 * Terragrunt's `run --all` would exclude it too.
 */
export const excludedUnitSchema = z.object({
  unit: z.string(),
  /** Where the exclude block is: `dev/app/terragrunt.hcl:12`. */
  from: z.string(),
  /** Set when the unit is excluded as a dependency of this unit (its block has `exclude_dependencies = true`). */
  dependencyOf: z.string().optional(),
});
export type ExcludedUnit = z.infer<typeof excludedUnitSchema>;

export const planDocumentSchema = z
  .object({
    apiVersion: z.literal("gantry/v1"),
    kind: z.literal("Plan"),
    event: z.enum(["pull_request", "push"]),
    base: z.string(),
    head: z.string(),
    branch: z.string(),
    deployBranch: z.string(),
    /** Why nothing is planned, when `jobs` is empty (e.g. a push to a branch that is not the deploy branch). */
    notice: z.string().nullable(),
    jobs: z.array(jobSchema),
    /** The classified changes (optional extension, see `planChangeSchema`). */
    changes: z.array(planChangeSchema).optional(),
    /** Changed files the ignore list dropped (optional extension). */
    ignoredFiles: z.array(z.string()).optional(),
    /**
     * Why each unit of a job runs, from detection: the changed file and the chain of reads that links it to the
     * unit (at most `MAX_REASONS_PER_UNIT` per unit; optional extension, for the report).
     */
    reasons: z.record(z.string(), z.array(unitReasonSchema)).optional(),
    /** Units left out as already deployed (optional extension, see `skippedUnitSchema`). */
    skippedUnits: z.array(skippedUnitSchema).optional(),
    /** Units left out by their `exclude` blocks (optional extension, see `excludedUnitSchema`). */
    excludedUnits: z.array(excludedUnitSchema).optional(),
  })
  .superRefine((plan, context) => checkJobGraph(plan.jobs, context));
export type PlanDocument = z.infer<typeof planDocumentSchema>;

/** A plan's jobs can be run in order: ids are unique, every `needs` names a job of the plan, and no cycle. */
function checkJobGraph(jobs: readonly Job[], context: z.RefinementCtx): void {
  const ids = new Set<string>();
  jobs.forEach((job, index) => {
    if (ids.has(job.id))
      context.addIssue({ code: "custom", path: ["jobs", index, "id"], message: `two jobs have the id "${job.id}"` });
    ids.add(job.id);
  });
  jobs.forEach((job, index) =>
    job.needs.forEach((need, needIndex) => {
      if (!ids.has(need))
        context.addIssue({
          code: "custom",
          path: ["jobs", index, "needs", needIndex],
          message: `job "${job.id}" needs "${need}", which is not in the plan`,
        });
    }),
  );
  // `topologicalOrder` ignores a node's edge to itself; a job that needs itself can never start.
  const selfNeeding = jobs.find((job) => job.needs.includes(job.id));
  const needsOf = new Map(jobs.map((job) => [job.id, job.needs]));
  let cycle = selfNeeding ? [selfNeeding.id, selfNeeding.id] : undefined;
  try {
    if (!cycle) topologicalOrder([...needsOf.keys()], (id) => needsOf.get(id) ?? []);
  } catch (error) {
    if (!(error instanceof CycleFound)) throw error;
    cycle = error.cycle as string[];
  }
  if (cycle)
    context.addIssue({
      code: "custom",
      path: ["jobs"],
      message: `jobs need each other in a cycle: ${cycle.join(" -> ")}`,
    });
}
