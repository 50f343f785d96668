/**
 * Repository paths. Inside detection every path is repository-relative and `/`-separated (`""` is the root).
 * Terragrunt functions see a virtual absolute root, `/repo`, so `abspath`, `get_repo_root` and string
 * concatenation behave as on disk; `fromVirtual` maps results back (or says the path left the repository).
 */
import { posix } from "node:path";

export const VIRTUAL_ROOT = "/repo";

export function toVirtual(path: string): string {
  return path === "" ? VIRTUAL_ROOT : `${VIRTUAL_ROOT}/${path}`;
}

/** Repository-relative path of a virtual absolute path; `null` when it is outside the repository. */
export function fromVirtual(absolute: string): string | null {
  const normalized = posix.normalize(absolute);
  if (normalized === VIRTUAL_ROOT || normalized === `${VIRTUAL_ROOT}/`) return "";
  if (!normalized.startsWith(`${VIRTUAL_ROOT}/`)) return null;
  return stripTrailingSlash(normalized.slice(VIRTUAL_ROOT.length + 1));
}

/** True when a path needs no normalisation: no `.`/`..` segments, no `//`, no trailing `/`. */
function isClean(path: string): boolean {
  // One pass (called for every path an evaluation builds): no `//`, no trailing `/`, no segment starting
  // with `.` (so no `.`/`..` segments; a hidden name like `.config` only takes the slow, exact path).
  const length = path.length;
  if (length === 0 || path.charCodeAt(0) === 46 || path.charCodeAt(length - 1) === 47) return false;
  for (let i = 0; i < length; i++) {
    if (path.charCodeAt(i) === 47) {
      const next = path.charCodeAt(i + 1);
      if (next === 47 || next === 46) return false;
    }
  }
  return true;
}

/** Resolves `path` (absolute virtual, or relative to the repository directory `baseDir`). */
export function resolveRepoPath(baseDir: string, path: string): string | null {
  // Fast paths: most paths (find_in_parent_folders probes, get_terragrunt_dir()-based) are already clean.
  if (path.startsWith(`${VIRTUAL_ROOT}/`)) {
    const rest = path.slice(VIRTUAL_ROOT.length + 1);
    if (rest !== "" && isClean(rest)) return rest;
  } else if (!path.startsWith("/") && path !== "") {
    if (isClean(path)) return baseDir === "" ? path : `${baseDir}/${path}`;
    // `../sibling`, `./file`: leading dot segments climb the base directory (dependency paths, mostly).
    let base = baseDir;
    let rest = path;
    for (;;) {
      if (rest.startsWith("./")) rest = rest.slice(2);
      else if (rest.startsWith("../") && base !== "") {
        rest = rest.slice(3);
        base = dirOf(base);
      } else break;
    }
    if (rest !== path && rest !== "" && isClean(rest)) return base === "" ? rest : `${base}/${rest}`;
  }
  if (path.startsWith("/")) return fromVirtual(path);
  return fromVirtual(posix.join(toVirtual(baseDir), path));
}

export function stripTrailingSlash(path: string): string {
  return path.length > 1 && path.endsWith("/") ? path.replace(/\/+$/, "") : path;
}

export function dirOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash === -1 ? "" : path.slice(0, slash);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

export function joinRepo(dir: string, name: string): string {
  return dir === "" ? name : `${dir}/${name}`;
}

/** True when `path` is inside the directory `dir` (`""` holds every path). */
export function isInside(path: string, dir: string): boolean {
  return dir === "" || (path.length > dir.length && path.charCodeAt(dir.length) === 47 && path.startsWith(dir));
}

/** `dir` and every ancestor up to the root (`""`), nearest first. */
export function ancestors(dir: string): string[] {
  const result = [dir];
  let current = dir;
  while (current !== "") {
    current = dirOf(current);
    result.push(current);
  }
  return result;
}

/** `posix.relative` between two repository directories (`.` when equal), as Terragrunt prints it. */
export function relativeBetween(from: string, to: string): string {
  const relative = posix.relative(toVirtual(from), toVirtual(to));
  return relative === "" ? "." : relative;
}

/**
 * Index of the first of `sorted` (ascending in UTF-16 order, as `Array.prototype.sort` leaves strings)
 * that is not less than `key`; `sorted.length` when none is.
 */
export function lowerBound(sorted: readonly string[], key: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle]! < key) low = middle + 1;
    else high = middle;
  }
  return low;
}
