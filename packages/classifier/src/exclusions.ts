/**
 * Terragrunt's `exclude` blocks in planning: a unit whose block's `if` is true and whose `actions` name the
 * Terragrunt command its job would run gets no job (Terragrunt's `run --all` would leave it out of the queue),
 * and with `exclude_dependencies` the units it depends on that the plan runs with the same action neither. They
 * are listed in the plan's `excludedUnits`. A block whose `if` or `actions` is only known at run time excludes
 * nothing here (the unit is planned; Terragrunt decides when it runs).
 */
import type { DetectionResult } from "@gantry/change-detector";
import type { ExcludedUnit, JobAction } from "./job.js";

/** The Terragrunt command each action runs (`plan -destroy` is a `plan`), which `actions` is matched against. */
const terragruntCommand: Record<JobAction, string> = {
  plan: "plan",
  "plan-destroy": "plan",
  apply: "apply",
  destroy: "destroy",
};

/** Terragrunt's `IsActionListedInExclude`: `all`, `all_except_output` (any command but `output`), or the command itself. */
export function isActionListed(actions: readonly string[], command: string): boolean {
  const wanted = command.toLowerCase();
  return actions.some(
    (action) =>
      action === "all" || (action === "all_except_output" && wanted !== "output") || action.toLowerCase() === wanted,
  );
}

/** The units of `actionOf` (unit → the action its job would run) that their own or a dependent's exclude block takes out. */
export function excludedUnits(actionOf: ReadonlyMap<string, JobAction>, detection: DetectionResult): ExcludedUnit[] {
  const settings = new Map(
    detection.units.flatMap((unit) => (unit.exclude ? [[unit.path, unit.exclude] as const] : [])),
  );
  if (settings.size === 0) return [];
  const excluded = new Map<string, ExcludedUnit>();
  for (const [unit, action] of actionOf) {
    const setting = settings.get(unit);
    if (setting?.if !== true || setting.actions === null || !isActionListed(setting.actions, terragruntCommand[action]))
      continue;
    excluded.set(unit, { unit, from: setting.from });
  }
  for (const { unit, from } of [...excluded.values()]) {
    if (settings.get(unit)?.excludeDependencies !== true) continue;
    for (const dependency of detection.graph.dependencies[unit] ?? []) {
      if (excluded.has(dependency) || actionOf.get(dependency) !== actionOf.get(unit)) continue;
      excluded.set(dependency, { unit: dependency, from, dependencyOf: unit });
    }
  }
  return [...excluded.values()].sort((a, b) => (a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : 0));
}
