/**
 * Matching: turns the diff into unit statuses and reasons. A changed path inside a unit's directory changes
 * that unit (added / deleted when its `terragrunt.hcl` appears or disappears); any changed path also affects
 * every other unit that reads it, with the chain of links from the unit to the file.
 */
import type {
  AffectedUnit,
  DynamicRead,
  ExcludeSetting,
  FileChange,
  FileChangeType,
  ReadLink,
  UnitProblem,
  UnitReason,
  UnitStatus,
} from "./contract.js";
import type { DiffEntry } from "./git.js";
import type { ReadIndex } from "./cache/read-index.js";
import type { StackChange } from "./stacks/stack-units.js";
import { isInStack, unitContaining } from "./units.js";

/** What the report shows of a unit's analysis besides its reasons. */
export interface UnitExtras {
  dynamic: DynamicRead[];
  problems: UnitProblem[];
  exclude?: ExcludeSetting | undefined;
}

export interface MatchInput {
  diff: DiffEntry[];
  headUnits: Set<string>;
  baseUnits: Set<string>;
  stackDirs: Set<string>;
  /** Head units by id (the ids used in `index`), sorted. */
  unitIds: string[];
  /** The inverse of `unitIds`: a head unit's id, or undefined. */
  idOf(unit: string): number | undefined;
  index: ReadIndex;
  /** The chain that links the head unit with this id to `path`, or undefined when it does not read it. */
  headChain(id: number, path: string): ReadLink[] | undefined;
  /** The head unit's dynamic reads and problems, or undefined when it has none. */
  headExtras(id: number): UnitExtras | undefined;
  /** A deleted unit's dynamic reads and problems (analysed in the base tree). */
  deletedExtras(unit: string): UnitExtras | undefined;
  /** Generated units a changed path reaches through their stack block, by changed path. */
  stackChanges: ReadonlyMap<string, StackChange[]>;
}

const CHANGE_TYPES: Record<DiffEntry["status"], FileChangeType> = {
  A: "added",
  M: "modified",
  D: "deleted",
  R: "renamed",
  C: "added",
  T: "type-changed",
};

/**
 * Head units are handled by id throughout (ids follow the sorted unit order): on a change every unit reads,
 * string-keyed lookups and sorting 10,000 names were most of the matching.
 */
export function matchChanges(input: MatchInput): { changes: FileChange[]; units: AffectedUnit[] } {
  const headReasons: Array<UnitReason[] | undefined> = new Array(input.unitIds.length);
  // Units only the base has (deleted) are kept by name.
  const otherReasons = new Map<string, UnitReason[]>();
  const touched = new Set<string>();
  const addReason = (list: UnitReason[], reason: UnitReason) => {
    if (!list.some((r) => r.file === reason.file && r.chain.length === reason.chain.length)) list.push(reason);
  };
  const reasonsOf = (unit: string): UnitReason[] => {
    const id = input.idOf(unit);
    if (id !== undefined) return (headReasons[id] ??= []);
    let list = otherReasons.get(unit);
    if (!list) otherReasons.set(unit, (list = []));
    return list;
  };
  const changeUnits = new UnitCollector(input.unitIds, input.idOf);

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
      const baseOwner =
        entry.status === "A" || entry.status === "C" ? null : unitContaining(entry.newPath, input.baseUnits);
      if (baseOwner !== null && baseOwner !== unitContaining(entry.newPath, input.headUnits)) {
        sides.push({ path: entry.newPath, units: input.baseUnits });
      }
    }
    let insideUnit: string | null = null;
    for (const side of sides) {
      const owner = unitContaining(side.path, side.units);
      const ownerId = owner === null ? undefined : input.idOf(owner);
      if (owner !== null) {
        insideUnit ??= owner;
        changeUnits.add(owner);
        touched.add(owner);
        addReason(reasonsOf(owner), { file: side.path, chain: [{ file: side.path, via: "unit" }] });
      }
      for (const { unit, chain } of input.stackChanges.get(side.path) ?? []) {
        changeUnits.add(unit);
        touched.add(unit);
        addReason(reasonsOf(unit), { file: side.path, chain });
      }
      for (const id of input.index.lookup(side.path, true)) {
        if (id === ownerId || id >= input.unitIds.length) continue;
        const chain = input.headChain(id, side.path);
        if (!chain) continue;
        changeUnits.addId(id);
        addReason((headReasons[id] ??= []), { file: side.path, chain });
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
      units: changeUnits.take(),
    });
  }

  const units: AffectedUnit[] = [];
  const report = (unit: string, unitReasons: UnitReason[], extras: UnitExtras | undefined, inHead: boolean) => {
    const inBase = input.baseUnits.has(unit);
    // A unit that could not be analysed is reported as changed: its reads (and so its plan) are unknown.
    const problems = extras?.problems ?? [];
    const status: UnitStatus = !inBase
      ? "added"
      : !inHead
        ? "deleted"
        : touched.has(unit) || problems.length > 0
          ? "changed"
          : "affected";
    units.push({
      path: unit,
      status,
      reasons: unitReasons,
      dynamic: extras?.dynamic ?? [],
      problems,
      inStack: isInStack(unit, input.stackDirs),
      ...(extras?.exclude ? { exclude: extras.exclude } : {}),
    });
  };
  // Head units in id order merged with the (few) others by name: the same order as sorting every name.
  const others = [...otherReasons.keys()].sort();
  let next = 0;
  const reportOthersBefore = (unit: string | undefined) => {
    for (; next < others.length && (unit === undefined || others[next]! < unit); next++) {
      report(others[next]!, otherReasons.get(others[next]!)!, input.deletedExtras(others[next]!), false);
    }
  };
  for (let id = 0; id < headReasons.length; id++) {
    const unitReasons = headReasons[id];
    if (!unitReasons) continue;
    const unit = input.unitIds[id]!;
    reportOthersBefore(unit);
    report(unit, unitReasons, input.headExtras(id), true);
  }
  reportOthersBefore(undefined);
  return { changes, units };
}

/** The units of one change, collected as head-unit ids where possible and listed sorted without sorting names. */
class UnitCollector {
  private readonly marks: Uint8Array;
  private ids: number[] = [];
  private names = new Set<string>();
  constructor(
    private readonly unitIds: string[],
    private readonly idOf: (unit: string) => number | undefined,
  ) {
    this.marks = new Uint8Array(unitIds.length);
  }

  add(unit: string): void {
    const id = this.idOf(unit);
    if (id !== undefined) this.addId(id);
    else this.names.add(unit);
  }

  addId(id: number): void {
    if (this.marks[id] === 0) {
      this.marks[id] = 1;
      this.ids.push(id);
    }
  }

  /** The units collected since the last call, sorted; the collector is then empty. */
  take(): string[] {
    const ids = this.ids;
    const names = [...this.names].sort();
    const out: string[] = [];
    let next = 0;
    const push = (id: number) => {
      const unit = this.unitIds[id]!;
      for (; next < names.length && names[next]! < unit; next++) out.push(names[next]!);
      out.push(unit);
    };
    if (ids.length * 8 >= this.marks.length) {
      // Many units (a change most units read): one pass over the marks is cheaper than sorting ids.
      for (let id = 0; id < this.marks.length; id++) if (this.marks[id] === 1) push(id);
    } else {
      for (const id of Int32Array.from(ids).sort()) push(id);
    }
    for (; next < names.length; next++) out.push(names[next]!);
    for (const id of ids) this.marks[id] = 0;
    this.ids = [];
    this.names = new Set();
    return out;
  }
}
