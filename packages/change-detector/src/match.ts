/**
 * Matching: turns the diff into unit statuses and reasons. A changed path inside a unit's directory changes
 * that unit (added / deleted when its `terragrunt.hcl` appears or disappears); any changed path also affects
 * every other unit that reads it, with the chain of links from the unit to the file.
 */
import type { AffectedUnit, FileChange, FileChangeType, ReadLink, UnitReason, UnitStatus } from "./contract.js";
import type { DiffEntry } from "./git.js";
import type { UnitReads } from "./analysis/read-set.js";
import { chainFor, type ReadIndex } from "./read-index.js";
import { isInStack, unitContaining } from "./units.js";

export interface MatchInput {
  diff: DiffEntry[];
  headUnits: Set<string>;
  baseUnits: Set<string>;
  stackDirs: Set<string>;
  /** Head units by id (the ids used in `index`). */
  unitIds: string[];
  index: ReadIndex;
  record(unit: string): UnitReads;
  /** The chain of a file read, when already known without decoding the unit's record. */
  knownChain?(unit: string, path: string): ReadLink[] | undefined;
  /** Reads of deleted units (from the base tree), for their problems. */
  deletedRecord(unit: string): UnitReads | undefined;
}

const CHANGE_TYPES: Record<DiffEntry["status"], FileChangeType> = {
  A: "added",
  M: "modified",
  D: "deleted",
  R: "renamed",
  C: "added",
  T: "type-changed",
};

export function matchChanges(input: MatchInput): { changes: FileChange[]; units: AffectedUnit[] } {
  const reasons = new Map<string, UnitReason[]>();
  const touched = new Set<string>();
  const addReason = (unit: string, reason: UnitReason) => {
    let list = reasons.get(unit);
    if (!list) reasons.set(unit, (list = []));
    if (!list.some((r) => r.file === reason.file && r.chain.length === reason.chain.length)) list.push(reason);
  };

  const changes: FileChange[] = [];
  for (const entry of input.diff) {
    const sides: Array<{ path: string; units: Set<string> }> = [];
    if (entry.status === "R") {
      sides.push({ path: entry.oldPath, units: input.baseUnits }, { path: entry.newPath, units: input.headUnits });
    } else if (entry.status === "D") {
      sides.push({ path: entry.oldPath, units: input.baseUnits });
    } else {
      sides.push({ path: entry.newPath, units: input.headUnits });
      // A modified file may sit in a unit that only the base has (its terragrunt.hcl was deleted).
      const baseOwner = entry.status === "A" || entry.status === "C" ? null : unitContaining(entry.newPath, input.baseUnits);
      if (baseOwner !== null && baseOwner !== unitContaining(entry.newPath, input.headUnits)) {
        sides.push({ path: entry.newPath, units: input.baseUnits });
      }
    }
    const changeUnits = new Set<string>();
    let insideUnit: string | null = null;
    for (const side of sides) {
      const owner = unitContaining(side.path, side.units);
      if (owner !== null) {
        insideUnit ??= owner;
        changeUnits.add(owner);
        touched.add(owner);
        addReason(owner, { file: side.path, chain: [{ file: side.path, via: "unit" }] });
      }
      for (const id of input.index.lookup(side.path, true)) {
        const reader = input.unitIds[id];
        if (reader === undefined || reader === owner) continue;
        const chain = input.knownChain?.(reader, side.path) ?? chainFor(input.record(reader), side.path);
        if (!chain) continue;
        changeUnits.add(reader);
        addReason(reader, { file: side.path, chain });
      }
    }
    if (entry.status === "R") {
      // The rename's own unit is the destination's, or the source's when it left every unit.
      insideUnit = unitContaining(entry.newPath, input.headUnits) ?? unitContaining(entry.oldPath, input.baseUnits);
    }
    changes.push({
      type: CHANGE_TYPES[entry.status],
      files: entry.status === "R" ? [entry.oldPath, entry.newPath] : [entry.newPath],
      insideUnit,
      units: [...changeUnits].sort(),
    });
  }

  const units: AffectedUnit[] = [];
  for (const [unit, unitReasons] of [...reasons].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const inHead = input.headUnits.has(unit);
    const inBase = input.baseUnits.has(unit);
    const record = inHead ? input.record(unit) : input.deletedRecord(unit);
    // A unit that could not be analysed is reported as changed: its reads (and so its plan) are unknown.
    const broken = (record?.problems.length ?? 0) > 0;
    const status: UnitStatus = !inBase ? "added" : !inHead ? "deleted" : touched.has(unit) || broken ? "changed" : "affected";
    units.push({
      path: unit,
      status,
      reasons: unitReasons,
      dynamic: (record?.dynamic ?? []).map(({ from, expression, reason, pattern }) => ({ from, expression, reason, pattern })),
      problems: record?.problems ?? [],
      inStack: isInStack(unit, input.stackDirs),
    });
  }
  return { changes, units };
}
