/**
 * The repository root's own `terragrunt.hcl`. Terragrunt's discovery lists it as a unit (path `.`), but in
 * older repositories it is the root configuration every unit includes, which Terragrunt's own tests exclude
 * with `--queue-exclude-dir=.`. Gantry's rule: it is a unit unless a unit includes it (or reads it with
 * `read_terragrunt_config`). Discovery keeps it as a candidate unit `""` so that it is analysed like any
 * other; once every unit's reads are known, a root that a unit includes leaves the unit sets and the
 * document. When it is deleted, the base tree's units are not analysed: it was a unit only when it was
 * the base's only one. In the document the root unit is `.`, as Terragrunt prints it.
 */
import type { DetectionResult } from "./contract.js";
import type { UnitSets } from "./units.js";

export const ROOT_UNIT = "";
export const ROOT_CONFIG = "terragrunt.hcl";

/** True when a unit other than the root includes or reads the root `terragrunt.hcl`. */
export function rootConfigIsIncluded(
  readers: Iterable<number>,
  unitIds: readonly string[],
  chain: (id: number, path: string) => ReadonlyArray<{ file: string; via: string }> | undefined,
): boolean {
  for (const id of readers) {
    if (unitIds[id] === ROOT_UNIT) continue;
    const last = chain(id, ROOT_CONFIG)?.at(-1);
    if (last?.file === ROOT_CONFIG && (last.via === "include" || last.via === "read_terragrunt_config")) return true;
  }
  return false;
}

/**
 * The unit sets without a root that is configuration: included in head, or deleted from a base that held
 * other units.
 */
export function withoutRootConfig(units: UnitSets, includedInHead: boolean): UnitSets {
  const inHead = units.head.has(ROOT_UNIT);
  const inBase = units.base.has(ROOT_UNIT);
  const dropHead = inHead && includedInHead;
  const dropBase = inBase && (inHead ? includedInHead : units.base.size > 1);
  if (!dropHead && !dropBase) return units;
  const without = (set: Set<string>) => {
    const copy = new Set(set);
    copy.delete(ROOT_UNIT);
    return copy;
  };
  const head = dropHead ? without(units.head) : units.head;
  const base = units.base === units.head ? head : dropBase ? without(units.base) : units.base;
  return { ...units, head, base };
}

/** Removes a root that is not a unit from the document, and names a root unit `.`. */
export function presentRootUnit(result: DetectionResult, isUnit: boolean): void {
  const name = (unit: string) => (unit === ROOT_UNIT ? "." : unit);
  if (!isUnit) {
    result.units = result.units.filter((unit) => unit.path !== ROOT_UNIT);
    for (const change of result.changes) change.units = change.units.filter((unit) => unit !== ROOT_UNIT);
    delete result.graph.dependencies[ROOT_UNIT];
    return;
  }
  const touches = result.units.some((unit) => unit.path === ROOT_UNIT) || ROOT_UNIT in result.graph.dependencies;
  if (!touches) return;
  for (const unit of result.units) unit.path = name(unit.path);
  result.units.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const change of result.changes) {
    change.units = change.units.map(name);
    if (change.insideUnit !== null) change.insideUnit = name(change.insideUnit);
  }
  const graph: Record<string, string[]> = {};
  for (const [unit, dependencies] of Object.entries(result.graph.dependencies)) graph[name(unit)] = dependencies.map(name);
  result.graph.dependencies = graph;
}
