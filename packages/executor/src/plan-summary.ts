/**
 * Summarises OpenTofu's JSON plan (`tofu show -json PLANFILE`): counts and resource addresses per
 * action, the way OpenTofu's own "Plan: N to add, N to change, N to destroy" line counts them (a
 * replacement counts once as an add and once as a destroy). Also collects the values the plan marks
 * sensitive, so they can be masked everywhere.
 */
import { z } from "zod";

export interface PlanSummary {
  add: number;
  change: number;
  destroy: number;
  import: number;
  /** Resource addresses per action; `replace` addresses are also counted in add and destroy. */
  addresses: { create: string[]; update: string[]; delete: string[]; replace: string[]; import: string[] };
  /** Whether any root output changes. */
  outputChanges: boolean;
}

const changeSchema = z.looseObject({
  actions: z.array(z.string()),
  before: z.unknown().optional(),
  after: z.unknown().optional(),
  before_sensitive: z.unknown().optional(),
  after_sensitive: z.unknown().optional(),
  importing: z.unknown().optional(),
});

/** The parts of the JSON plan format (format_version 1.x) this module reads. */
const jsonPlanSchema = z.looseObject({
  format_version: z.string(),
  variables: z.record(z.string(), z.looseObject({ value: z.unknown() })).optional(),
  planned_values: z
    .looseObject({ outputs: z.record(z.string(), z.looseObject({ sensitive: z.boolean().optional(), value: z.unknown() })).optional() })
    .optional(),
  resource_changes: z.array(z.looseObject({ address: z.string(), mode: z.string().optional(), change: changeSchema })).optional(),
  output_changes: z.record(z.string(), changeSchema).optional(),
  configuration: z
    .looseObject({
      root_module: z.looseObject({ variables: z.record(z.string(), z.looseObject({ sensitive: z.boolean().optional() })).optional() }).optional(),
    })
    .optional(),
});
export type JsonPlan = z.infer<typeof jsonPlanSchema>;

export function parseJsonPlan(text: string): JsonPlan {
  return jsonPlanSchema.parse(JSON.parse(text));
}

export function emptyPlanSummary(): PlanSummary {
  return { add: 0, change: 0, destroy: 0, import: 0, addresses: { create: [], update: [], delete: [], replace: [], import: [] }, outputChanges: false };
}

export function summarisePlan(plan: JsonPlan): PlanSummary {
  const summary = emptyPlanSummary();
  for (const resource of plan.resource_changes ?? []) {
    if (resource.mode === "data") continue;
    const actions = resource.change.actions;
    const isReplace = actions.includes("create") && actions.includes("delete");
    if (isReplace) {
      summary.add++;
      summary.destroy++;
      summary.addresses.replace.push(resource.address);
    } else if (actions.includes("create")) {
      summary.add++;
      summary.addresses.create.push(resource.address);
    } else if (actions.includes("update")) {
      summary.change++;
      summary.addresses.update.push(resource.address);
    } else if (actions.includes("delete")) {
      summary.destroy++;
      summary.addresses.delete.push(resource.address);
    }
    if (resource.change.importing !== undefined && resource.change.importing !== null) {
      summary.import++;
      summary.addresses.import.push(resource.address);
    }
  }
  summary.outputChanges = Object.values(plan.output_changes ?? {}).some((change) => !change.actions.every((action) => action === "no-op"));
  return summary;
}

export function hasChanges(summary: PlanSummary): boolean {
  return summary.add + summary.change + summary.destroy + summary.import > 0 || summary.outputChanges;
}

/** "Plan: 1 to add, 0 to change, 0 to destroy." with the import count when there is one, as OpenTofu prints it. */
export function formatPlanCounts(summary: PlanSummary): string {
  const imports = summary.import > 0 ? `${summary.import} to import, ` : "";
  return `Plan: ${imports}${summary.add} to add, ${summary.change} to change, ${summary.destroy} to destroy.`;
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
  else if (value !== null && typeof value === "object") Object.values(value).forEach((item) => collectLeaves(item, into));
}

/** Every value the plan marks sensitive: resource attributes, root outputs and sensitive variables. */
export function sensitiveValuesInPlan(plan: JsonPlan): string[] {
  const values: string[] = [];
  for (const resource of plan.resource_changes ?? []) {
    collectSensitive(resource.change.before, resource.change.before_sensitive, values);
    collectSensitive(resource.change.after, resource.change.after_sensitive, values);
  }
  for (const change of Object.values(plan.output_changes ?? {})) {
    collectSensitive(change.before, change.before_sensitive, values);
    collectSensitive(change.after, change.after_sensitive, values);
  }
  for (const output of Object.values(plan.planned_values?.outputs ?? {})) {
    if (output.sensitive) collectLeaves(output.value, values);
  }
  const declared = plan.configuration?.root_module?.variables ?? {};
  for (const [name, variable] of Object.entries(plan.variables ?? {})) {
    if (declared[name]?.sensitive) collectLeaves(variable.value, values);
  }
  return values;
}
