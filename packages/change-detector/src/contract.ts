/**
 * The `gantry/v1` detection document: what `detectChanges` returns and `gantry detect --json` prints.
 * It crosses process boundaries (the classifier may run elsewhere), so it has a runtime schema
 * (`detectionResultSchema`) that consumers validate with.
 */
import { z } from "zod";

export const API_VERSION = "gantry/v1" as const;

/** How git reported a changed path. A rename lists `[from, to]` in `files`. */
export const fileChangeTypeSchema = z.enum(["added", "modified", "deleted", "renamed", "type-changed"]);
export type FileChangeType = z.infer<typeof fileChangeTypeSchema>;

/**
 * One changed path between base and head, and the units it touches.
 * `insideUnit` is the unit directory the file lives in (looked up in the base tree for deletions), if any.
 */
export const fileChangeSchema = z.object({
  type: fileChangeTypeSchema,
  files: z.array(z.string()).min(1),
  insideUnit: z.string().nullable(),
  units: z.array(z.string()),
});
export type FileChange = z.infer<typeof fileChangeSchema>;

/** How a unit came to read a file. Each link names the file that holds the reference. */
export const readViaSchema = z.enum([
  "unit",
  "include",
  "read_terragrunt_config",
  "terraform.source",
  "module",
  "file",
  "templatefile",
  "fileset",
  "read_tfvars_file",
  "sops_decrypt_file",
  "mark_as_read",
  "find_in_parent_folders",
  "dynamic",
  /** A unit generated from a stack file: the stack file, or the source directory it was copied from. */
  "stack",
]);
export type ReadVia = z.infer<typeof readViaSchema>;

export const readLinkSchema = z.object({
  /** The file (repository-relative) that was read. */
  file: z.string(),
  via: readViaSchema,
  /** Where the reference is: `path/to/terragrunt.hcl:12`. */
  from: z.string().optional(),
});
export type ReadLink = z.infer<typeof readLinkSchema>;

/** Why a unit is in the result: a changed file, and the chain from the unit to it (unit first). */
export const unitReasonSchema = z.object({
  file: z.string(),
  chain: z.array(readLinkSchema),
});
export type UnitReason = z.infer<typeof unitReasonSchema>;

export const unitStatusSchema = z.enum(["added", "changed", "deleted", "affected"]);
export type UnitStatus = z.infer<typeof unitStatusSchema>;

/** A read that could not be resolved statically: the unit is treated conservatively. */
export const dynamicReadSchema = z.object({
  from: z.string(),
  expression: z.string(),
  reason: z.string(),
  /** Glob that the unresolved path was widened to (`**` when nothing is known). */
  pattern: z.string(),
});
export type DynamicRead = z.infer<typeof dynamicReadSchema>;

export const unitProblemSchema = z.object({
  code: z.string(),
  message: z.string(),
  file: z.string().optional(),
  line: z.number().int().optional(),
  column: z.number().int().optional(),
});
export type UnitProblem = z.infer<typeof unitProblemSchema>;

/**
 * A unit's Terragrunt `exclude` block (its own, else inherited from an include), evaluated as Terragrunt does
 * without `--feature` flags; a value only known at run time is null. `if` and `excludeDependencies` are false
 * when absent, `actions` empty. Terragrunt's `run --all` leaves the unit out of a command `actions` names
 * (`plan`, `apply`, `destroy`, `all`, `all_except_output`) when `if` is true, and with `excludeDependencies` its
 * dependencies in the same run too; `no_run` applies to single-unit commands only and is not carried.
 */
export const excludeSettingSchema = z.object({
  if: z.boolean().nullable(),
  actions: z.array(z.string()).nullable(),
  excludeDependencies: z.boolean().nullable(),
  /** Where the block is: `dev/app/terragrunt.hcl:12`. */
  from: z.string(),
});
export type ExcludeSetting = z.infer<typeof excludeSettingSchema>;

export const affectedUnitSchema = z.object({
  /** Unit directory relative to the repository root, `/`-separated, no trailing slash; `.` for the root itself. */
  path: z.string(),
  status: unitStatusSchema,
  reasons: z.array(unitReasonSchema),
  /** Unresolvable reads (the unit was kept conservatively). Empty when everything resolved. */
  dynamic: z.array(dynamicReadSchema),
  /** Parse or evaluation problems; a broken unit is reported as `changed`. */
  problems: z.array(unitProblemSchema),
  /** True when the unit sits inside a directory holding `terragrunt.stack.hcl`. */
  inStack: z.boolean(),
  /** Its `exclude` block, when it has one (added after the first contract, optional). */
  exclude: excludeSettingSchema.optional(),
});
export type AffectedUnit = z.infer<typeof affectedUnitSchema>;

/**
 * The dependency graph: for every unit of the head tree (and every deleted unit, from the base tree),
 * the units it depends on through `dependency` / `dependencies` blocks. A dependency outside the repository
 * is kept as Terragrunt prints it, relative to the repository root (`../other-repo/vpc`): no unit of this
 * repository, so nothing Gantry plans or orders.
 */
export const dependencyGraphSchema = z.object({
  dependencies: z.record(z.string(), z.array(z.string())),
});
export type DependencyGraph = z.infer<typeof dependencyGraphSchema>;

export const detectionResultSchema = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal("Detection"),
  event: z.enum(["pull_request", "push"]),
  /** The commit compared against: the merge-base for pull_request, the given base for push. */
  base: z.string(),
  head: z.string(),
  /** The base as given, resolved to a SHA (differs from `base` on pull_request when the branches diverged). */
  requestedBase: z.string(),
  changes: z.array(fileChangeSchema),
  units: z.array(affectedUnitSchema),
  graph: dependencyGraphSchema,
  /** `terragrunt.stack.hcl` files changed between base and head (stacks are reported, see README). */
  stacks: z.array(z.string()),
  stats: z.object({
    trackedFiles: z.number().int(),
    unitsInHead: z.number().int(),
    filesParsed: z.number().int(),
    cacheHits: z.number().int(),
    elapsedMs: z.number(),
  }),
});
export type DetectionResult = z.infer<typeof detectionResultSchema>;
