/**
 * The repository root's own `terragrunt.hcl`. Terragrunt's discovery lists it as a unit (path `.`), but in
 * older repositories it is the root configuration every unit includes, which Terragrunt's own tests exclude
 * with `--queue-exclude-dir=.`. Gantry's rule: it is a unit unless a unit includes it (or reads it with
 * `read_terragrunt_config`). Discovery keeps it as a candidate unit `""` so that it is analysed like any
 * other; once every unit's reads are known, a root that a unit includes leaves the unit sets and the
 * document. When it is deleted beside other units, it is kept as a deleted unit until matching is done: it
 * was the units' configuration if a unit included it at base, and any such unit is among the units the
 * change reaches at head (its head reads, evaluated over the same files, would include the deleted root
 * otherwise), so only those are analysed again at base (`deletedRootWasIncluded`). In the document the root
 * unit is `.`, as Terragrunt prints it.
 */
import type { DetectionResult } from "./contract.js";
import type { UnitReads } from "./analysis/read-set.js";
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

/** True when a unit's reads (analysed at base) include or read the root `terragrunt.hcl`. */
export function readsRootConfig(reads: UnitReads): boolean {
  const via = reads.files.get(ROOT_CONFIG)?.link.via;
  return via === "include" || via === "read_terragrunt_config";
}

/** The root `terragrunt.hcl` is deleted while the base held other units: whether it was a unit waits for matching. */
export function rootDeletedBesideOthers(units: UnitSets): boolean {
  return units.base.has(ROOT_UNIT) && !units.head.has(ROOT_UNIT) && units.base.size > 1;
}

/** The unit sets without a root that is configuration (included in head). */
export function withoutRootConfig(units: UnitSets, includedInHead: boolean): UnitSets {
  const inHead = units.head.has(ROOT_UNIT);
  const inBase = units.base.has(ROOT_UNIT);
  const dropHead = inHead && includedInHead;
  const dropBase = inBase && inHead && includedInHead;
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
    for (const change of result.changes) {
      change.units = change.units.filter((unit) => unit !== ROOT_UNIT);
      if (change.insideUnit === ROOT_UNIT) change.insideUnit = null;
    }
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
  for (const [unit, dependencies] of Object.entries(result.graph.dependencies))
    graph[name(unit)] = dependencies.map(name);
  result.graph.dependencies = graph;
}
