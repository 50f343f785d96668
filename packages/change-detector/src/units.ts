/**
 * Unit discovery: a unit is a directory holding `terragrunt.hcl`. The head tree gives the head units; the base
 * units are derived from them and the diff (a `terragrunt.hcl` added, deleted or renamed), so the base tree is
 * never listed just to find units.
 */
import type { DiffEntry, Tree } from "./git.js";
import { baseName, dirOf, lowerBound } from "./paths.js";

export const UNIT_FILE = "terragrunt.hcl";
export const STACK_FILE = "terragrunt.stack.hcl";

/** The directories Terragrunt's discovery skips (hidden ones, `node_modules` and the rest are searched). */
const SKIPPED_DIRS = new Set([".git", ".terraform", ".terragrunt-cache"]);

/** True when a directory path has a segment that discovery skips, as Terragrunt's does. */
export function isSkippedDir(dir: string): boolean {
  if (dir === "") return false;
  for (const segment of dir.split("/")) {
    if (SKIPPED_DIRS.has(segment)) return true;
  }
  return false;
}

/**
 * The unit directory a `terragrunt.hcl` path defines, or null (skipped dir). The repository root's is a
 * candidate, `""`: it is a unit only when no unit includes it (`root-unit.ts`).
 */
export function unitDirOfConfig(path: string): string | null {
  if (baseName(path) !== UNIT_FILE) return null;
  const dir = dirOf(path);
  if (isSkippedDir(dir)) return null;
  return dir;
}

export interface UnitSets {
  head: Set<string>;
  base: Set<string>;
  /** Directories holding `terragrunt.stack.hcl` (head and base). */
  stackDirs: Set<string>;
}

/** Units and stack directories of a tree. */
export function unitsOfTree(tree: Tree): { head: Set<string>; stackDirs: Set<string> } {
  const head = new Set<string>();
  const stackDirs = new Set<string>();
  for (const path of tree.entries.keys()) {
    if (!path.endsWith(".hcl")) continue;
    const name = baseName(path);
    if (name === UNIT_FILE) {
      const dir = unitDirOfConfig(path);
      if (dir !== null) head.add(dir);
    } else if (name === STACK_FILE && !isSkippedDir(dirOf(path))) {
      stackDirs.add(dirOf(path));
    }
  }
  return { head, stackDirs };
}

/**
 * Adds the base units: the head units adjusted by the diff (no listing of the base tree needed). When the
 * diff adds or removes no unit (most changes), `base` is the `head` set itself; neither set is changed
 * afterwards.
 */
export function withBaseUnits(head: Set<string>, headStackDirs: Set<string>, diff: DiffEntry[]): UnitSets {
  const stackDirs = new Set(headStackDirs);
  let base = head;
  const own = () => (base === head ? (base = new Set(head)) : base);
  for (const entry of diff) {
    const added = entry.status === "A" || entry.status === "R" || entry.status === "C";
    const removed = entry.status === "D" || entry.status === "R";
    if (added) {
      const dir = unitDirOfConfig(entry.newPath);
      if (dir !== null && base.has(dir)) own().delete(dir);
    }
    // Type changes (file <-> symlink) keep the unit on both sides.
    if (removed) {
      const dir = unitDirOfConfig(entry.oldPath);
      if (dir !== null && !base.has(dir)) own().add(dir);
      if (baseName(entry.oldPath) === STACK_FILE) stackDirs.add(dirOf(entry.oldPath));
    }
  }
  return { head, base, stackDirs };
}

/** The units only the base has (deleted by the change), sorted. */
export function deletedUnitsOf(units: UnitSets): string[] {
  if (units.base === units.head) return [];
  return [...units.base].filter((unit) => !units.head.has(unit)).sort();
}

/** The id of `unit` in `unitIds` (sorted, as `Array.prototype.sort` orders strings), or undefined. */
export function unitIdIn(unitIds: readonly string[], unit: string): number | undefined {
  const at = lowerBound(unitIds, unit);
  return unitIds[at] === unit ? at : undefined;
}

/** Finds the deepest unit containing a path, by walking its ancestors (O(depth), no scan of all units). */
export function unitContaining(path: string, units: Set<string>): string | null {
  let dir = dirOf(path);
  while (dir !== "") {
    if (units.has(dir)) return dir;
    dir = dirOf(dir);
  }
  return units.has("") ? "" : null;
}

export function isInStack(unit: string, stackDirs: Set<string>): boolean {
  if (stackDirs.size === 0) return false; // most repositories: no walk up for each of thousands of units
  let dir = unit;
  for (;;) {
    if (stackDirs.has(dir)) return true;
    if (dir === "") return false;
    dir = dirOf(dir);
  }
}
