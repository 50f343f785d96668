/**
 * Reads OpenTofu's and Terraform's JSON plan (`tofu show -json PLANFILE`, format_version 1.x) tolerantly:
 * counts and resource addresses per action the way their own "Plan: …" line counts them (a replacement is
 * one add and one destroy; imports and forgets are counted apart; data sources are never counted), moves,
 * data sources read during apply, deferred changes, failed checks, changed outputs, and every value the
 * plan marks sensitive (so it can be masked everywhere).
 *
 * Tolerant means: unknown values (`after_unknown`, outputs without `value`), fields added by later versions
 * and entries that cannot be read never make the reading fail. What could not be read becomes a `warning`
 * of the summary; only a document that is not a plan at all yields no summary (and a warning for the
 * report, never a failed unit).
 */
import { z } from "zod";

export interface PlanSummary {
  add: number;
  change: number;
  destroy: number;
  import: number;
  /** Resources OpenTofu stops managing without destroying them (`removed { lifecycle { destroy = false } }`). */
  forget?: number;
  /** Resource addresses per action; `replace` addresses are also counted in add and destroy. */
  addresses: {
    create: string[];
    update: string[];
    delete: string[];
    replace: string[];
    import: string[];
    forget?: string[];
    /** Data sources read during apply (their configuration depends on values not known yet). */
    read?: string[];
    /** Changes deferred to a later plan (Terraform's `deferred_changes`), not counted. */
    deferred?: string[];
  };
  /** Resources whose address changes (`moved` blocks); not counted, as OpenTofu does not count them. */
  moves?: Array<{ from: string; to: string }>;
  /** Whether any root output changes. */
  outputChanges: boolean;
  /** Root outputs that change (created, updated or deleted). */
  outputs?: string[];
  /** Checks (`check` blocks, conditions) that failed or could not be evaluated until apply. */
  checks?: Array<{ address: string; status: string; messages: string[] }>;
  /** What could not be read; the summary may be incomplete. */
  warnings?: string[];
}

const changeSchema = z.looseObject({
  actions: z.array(z.string()),
  before: z.unknown().optional(),
  after: z.unknown().optional(),
  before_sensitive: z.unknown().optional(),
  after_sensitive: z.unknown().optional(),
  importing: z.unknown().optional(),
});

const resourceChangeSchema = z.looseObject({
  address: z.string(),
  mode: z.string().optional(),
  previous_address: z.string().optional(),
  deposed: z.string().optional(),
  change: changeSchema,
});

/** Only what the reader relies on; each part is checked where it is read, so one bad entry spoils nothing else. */
const jsonPlanSchema = z.looseObject({ format_version: z.string() });
export type JsonPlan = z.infer<typeof jsonPlanSchema> & Record<string, unknown>;

/** Parses `show -json` output; throws only when it is not JSON or not a plan document. */
export function parseJsonPlan(text: string): JsonPlan {
  return jsonPlanSchema.parse(JSON.parse(text)) as JsonPlan;
}

export function emptyPlanSummary(): PlanSummary {
  return {
    add: 0,
    change: 0,
    destroy: 0,
    import: 0,
    addresses: { create: [], update: [], delete: [], replace: [], import: [] },
    outputChanges: false,
  };
}

const knownActions = new Set(["no-op", "create", "read", "update", "delete", "forget"]);

function push<K extends keyof PlanSummary["addresses"]>(summary: PlanSummary, key: K, address: string): void {
  const list: string[] = (summary.addresses[key] ??= []);
  list.push(address);
}

function warn(summary: PlanSummary, message: string): void {
  (summary.warnings ??= []).push(message);
}

function countResourceChange(summary: PlanSummary, resource: z.infer<typeof resourceChangeSchema>): void {
  const { actions } = resource.change;
  const unknown = actions.filter((action) => !knownActions.has(action));
  if (unknown.length > 0)
    warn(summary, `${resource.address}: action ${unknown.join(", ")} is not known to Gantry; not counted`);
  if (resource.mode === "data") {
    if (actions.includes("read")) push(summary, "read", resource.address);
    return;
  }
  const address = resource.deposed ? `${resource.address} (deposed object ${resource.deposed})` : resource.address;
  if (actions.includes("create") && actions.includes("delete")) {
    summary.add++;
    summary.destroy++;
    push(summary, "replace", address);
  } else if (actions.includes("create")) {
    summary.add++;
    push(summary, "create", address);
  } else if (actions.includes("update")) {
    summary.change++;
    push(summary, "update", address);
  } else if (actions.includes("delete")) {
    summary.destroy++;
    push(summary, "delete", address);
  } else if (actions.includes("forget")) {
    summary.forget = (summary.forget ?? 0) + 1;
    push(summary, "forget", address);
  }
  if (resource.change.importing !== undefined && resource.change.importing !== null) {
    summary.import++;
    push(summary, "import", address);
  }
  if (resource.previous_address !== undefined && resource.previous_address !== resource.address) {
    (summary.moves ??= []).push({ from: resource.previous_address, to: resource.address });
  }
}

/** Reads each entry of `list` with `schema`; entries that do not fit are named in a warning and skipped. */
function eachValid<T>(
  summary: PlanSummary,
  field: string,
  list: unknown,
  schema: z.ZodType<T>,
  read: (entry: T) => void,
): void {
  if (list === undefined || list === null) return;
  if (!Array.isArray(list)) return warn(summary, `${field} is not a list; not read`);
  list.forEach((entry, index) => {
    const parsed = schema.safeParse(entry);
    if (parsed.success) read(parsed.data);
    else
      warn(
        summary,
        `${field}[${index}] could not be read (${parsed.error.issues[0]?.message ?? "unexpected shape"}); not counted`,
      );
  });
}

const checkSchema = z.looseObject({
  address: z.looseObject({ to_display: z.string().optional() }).optional(),
  status: z.string(),
  instances: z
    .array(z.looseObject({ problems: z.array(z.looseObject({ message: z.string() })).optional() }))
    .optional(),
});

export function summarisePlan(plan: JsonPlan): PlanSummary {
  const summary = emptyPlanSummary();
  const major = Number(plan.format_version.split(".")[0]);
  if (major !== 1) warn(summary, `format_version ${plan.format_version} is not 1.x; the summary may be incomplete`);
  if (plan.errored === true) warn(summary, "the plan is incomplete: the tool stopped with an error while planning");

  eachValid(summary, "resource_changes", plan.resource_changes, resourceChangeSchema, (resource) =>
    countResourceChange(summary, resource),
  );
  eachValid(
    summary,
    "deferred_changes",
    plan.deferred_changes,
    z.looseObject({ resource_change: z.looseObject({ address: z.string() }) }),
    (deferred) => push(summary, "deferred", deferred.resource_change.address),
  );

  const outputChanges = plan.output_changes;
  if (
    outputChanges !== undefined &&
    outputChanges !== null &&
    typeof outputChanges === "object" &&
    !Array.isArray(outputChanges)
  ) {
    for (const [name, change] of Object.entries(outputChanges)) {
      const parsed = changeSchema.safeParse(change);
      if (!parsed.success) {
        warn(summary, `output_changes.${name} could not be read; not counted`);
        continue;
      }
      if (parsed.data.actions.every((action) => action === "no-op")) continue;
      summary.outputChanges = true;
      (summary.outputs ??= []).push(name);
    }
  }

  eachValid(summary, "checks", plan.checks, checkSchema, (check) => {
    if (check.status === "pass") return;
    const messages = (check.instances ?? []).flatMap((instance) =>
      (instance.problems ?? []).map((problem) => problem.message),
    );
    (summary.checks ??= []).push({ address: check.address?.to_display ?? "(check)", status: check.status, messages });
  });
  return summary;
}

/**
 * What a run needs from `show -json` output: the summary (null when the text is not a plan at all), the
 * sensitive values, and a warning when the plan could not be read or summarised completely.
 */
export function readJsonPlan(text: string): {
  summary: PlanSummary | null;
  sensitive: string[];
  warning: string | null;
} {
  let plan: JsonPlan;
  try {
    plan = parseJsonPlan(text);
  } catch (error) {
    const reason = error instanceof z.ZodError ? "it has no format_version" : (error as Error).message.split("\n")[0];
    return { summary: null, sensitive: [], warning: `the JSON plan could not be read (${reason}); no summary` };
  }
  const summary = summarisePlan(plan);
  return {
    summary,
    sensitive: sensitiveValuesInPlan(plan),
    warning: summary.warnings ? `the plan summary may be incomplete: ${summary.warnings.join("; ")}` : null,
  };
}

/**
 * Whether applying the plan would do anything: any resource action, move, import or forget, any data source
 * read during apply, or any output change. Unknown to the summary counts as a change.
 */
export function hasChanges(summary: PlanSummary): boolean {
  const { addresses } = summary;
  return (
    summary.add + summary.change + summary.destroy + summary.import + (summary.forget ?? 0) > 0 ||
    summary.outputChanges ||
    (summary.moves?.length ?? 0) > 0 ||
    (addresses.read?.length ?? 0) > 0 ||
    (summary.warnings?.length ?? 0) > 0
  );
}

/** "Plan: 1 to import, 1 to add, 0 to change, 0 to destroy, 1 to forget." as OpenTofu prints it. */
export function formatPlanCounts(summary: PlanSummary): string {
  const imports = summary.import > 0 ? `${summary.import} to import, ` : "";
  const forgets = (summary.forget ?? 0) > 0 ? `, ${summary.forget} to forget` : "";
  return `Plan: ${imports}${summary.add} to add, ${summary.change} to change, ${summary.destroy} to destroy${forgets}.`;
}

/** Leaf values of `value` that the sensitivity mask (`true` = all below is sensitive) marks. */
function collectSensitive(value: unknown, mask: unknown, into: string[]): void {
  if (mask === true) {
    collectLeaves(value, into);
    return;
  }
  if (mask === null || typeof mask !== "object" || value === null || typeof value !== "object") return;
  if (Array.isArray(mask) && Array.isArray(value)) {
    mask.forEach((m, i) => collectSensitive(value[i], m, into));
    return;
  }
  for (const [key, m] of Object.entries(mask as Record<string, unknown>)) {
    collectSensitive((value as Record<string, unknown>)[key], m, into);
  }
}

function collectLeaves(value: unknown, into: string[]): void {
  if (typeof value === "string") into.push(value);
  else if (typeof value === "number") into.push(String(value));
  else if (Array.isArray(value)) value.forEach((item) => collectLeaves(item, into));
  else if (value !== null && typeof value === "object")
    Object.values(value).forEach((item) => collectLeaves(item, into));
}

const looseRecord = z.record(z.string(), z.unknown());

function recordOf(value: unknown): Record<string, unknown> {
  const parsed = looseRecord.safeParse(value);
  return parsed.success ? parsed.data : {};
}

/** Every value the plan marks sensitive: resource attributes, root outputs and sensitive variables. */
export function sensitiveValuesInPlan(plan: JsonPlan): string[] {
  const values: string[] = [];
  for (const resource of Array.isArray(plan.resource_changes) ? plan.resource_changes : []) {
    const change = recordOf(recordOf(resource).change);
    collectSensitive(change.before, change.before_sensitive, values);
    collectSensitive(change.after, change.after_sensitive, values);
  }
  for (const change of Object.values(recordOf(plan.output_changes))) {
    const fields = recordOf(change);
    collectSensitive(fields.before, fields.before_sensitive, values);
    collectSensitive(fields.after, fields.after_sensitive, values);
  }
  for (const output of Object.values(recordOf(recordOf(plan.planned_values).outputs))) {
    const fields = recordOf(output);
    if (fields.sensitive === true) collectLeaves(fields.value, values);
  }
  const declared = recordOf(recordOf(recordOf(plan.configuration).root_module).variables);
  for (const [name, variable] of Object.entries(recordOf(plan.variables))) {
    if (recordOf(declared[name]).sensitive === true) collectLeaves(recordOf(variable).value, values);
  }
  return values;
}
