/**
 * Unit paths must stay inside the repository: no absolute path, no `..`, and no symlink (in the unit's
 * path or anywhere in its directory) that resolves outside the repository. Nor may anything a unit reads
 * (an included file, `read_terragrunt_config`, `file()`, …) lead outside through a symlink elsewhere in the
 * repository, which the change detector's analysis of the unit reports. Symlinks are read from the git tree at
 * the job's ref (mode 120000), not from the working tree, so what is checked is what was reviewed.
 */
import { posix } from "node:path";
import { readsOfUnits } from "@gantry/change-detector";
import { GuardRefusedError } from "./errors.js";
import { listTree, readBlobs } from "./git.js";

const SYMLINK_MODE = "120000";
const MAX_SYMLINK_HOPS = 40;

/** Refuses a unit path that is not a plain, normalised, repository-relative path. */
export function checkUnitPathShape(unit: string, commit: string): void {
  const refuse = (message: string) =>
    new GuardRefusedError({
      guard: "path-containment",
      unit,
      commit,
      message,
      hint: "unit paths in a job are repository-relative directories such as `prod/app`; regenerate the job with `gantry plan`",
    });
  if (unit.length === 0) throw refuse("the unit path is empty");
  if (unit.includes("\0")) throw refuse("the unit path contains a NUL byte");
  if (unit.includes("\\")) throw refuse("the unit path contains a backslash");
  if (posix.isAbsolute(unit) || /^[A-Za-z]:/.test(unit)) throw refuse("the unit path is absolute");
  const segments = unit.split("/");
  if (segments.includes("..")) throw refuse("the unit path contains `..`");
  if (segments.some((segment) => segment === "" || segment === ".")) throw refuse("the unit path is not normalised (empty or `.` segment)");
}

type Resolution = { inside: true; path: string } | { inside: false; via: string; target: string };

/**
 * Resolves a repository path through the symlinks of the tree, segment by segment, the way the
 * operating system would once checked out. Lexical: symlink targets are joined to the link's directory.
 */
function resolveInRepository(path: string, links: Map<string, string>): Resolution {
  let pending = path.split("/");
  let resolved: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const segment = pending.shift()!;
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (resolved.length === 0) return { inside: false, via: path, target: "(parent of the repository root)" };
      resolved.pop();
      continue;
    }
    const candidate = [...resolved, segment].join("/");
    const target = links.get(candidate);
    if (target === undefined) {
      resolved.push(segment);
      continue;
    }
    if (++hops > MAX_SYMLINK_HOPS) return { inside: false, via: candidate, target: "(too many levels of symbolic links)" };
    if (posix.isAbsolute(target)) return { inside: false, via: candidate, target };
    const viaParent = posix.join(resolved.join("/") || ".", target);
    if (viaParent === ".." || viaParent.startsWith("../")) return { inside: false, via: candidate, target };
    // Restart from the link's target, then continue with what was left of the path.
    resolved = [];
    pending = [...viaParent.split("/"), ...pending];
  }
  return { inside: true, path: resolved.join("/") };
}

/**
 * Checks every unit at `commit`: the unit directory itself and every symlink inside it must resolve
 * within the repository. Reads the whole tree once per call.
 */
export async function checkUnitsContained(repo: string, commit: string, units: string[], signal?: AbortSignal): Promise<void> {
  for (const unit of units) checkUnitPathShape(unit, commit);
  const entries = await listTree(repo, commit, signal);
  const symlinks = entries.filter((entry) => entry.mode === SYMLINK_MODE);
  if (symlinks.length === 0) return; // nothing can lead outside
  const targets = await readBlobs(repo, [...new Set(symlinks.map((entry) => entry.object))], signal);
  const links = new Map(symlinks.map((entry) => [entry.path, targets.get(entry.object) ?? ""]));

  for (const unit of units) {
    const refuse = (via: string, target: string) =>
      new GuardRefusedError({
        guard: "path-containment",
        unit,
        commit,
        message: `symlink ${via} -> ${target} leaves the repository`,
        hint: `replace the symlink ${via} with the files it points to, or point it inside the repository; then re-run the pipeline`,
      });
    const unitResolution = resolveInRepository(unit, links);
    if (!unitResolution.inside) throw refuse(unitResolution.via, unitResolution.target);
    const prefix = `${unitResolution.path}/`;
    for (const [linkPath] of links) {
      if (!linkPath.startsWith(prefix) && !linkPath.startsWith(`${unit}/`)) continue;
      const resolution = resolveInRepository(linkPath, links);
      if (!resolution.inside) throw refuse(resolution.via, resolution.target);
    }
  }
  await checkUnitReadsContained(repo, commit, units);
}

/** Refuses a unit that reads anything through a symlink leaving the repository (see the module comment). */
async function checkUnitReadsContained(repo: string, commit: string, units: string[]): Promise<void> {
  for (const report of await readsOfUnits({ repo, commit, units })) {
    const escape = report.problems.find((problem) => problem.code === "SYMLINK_ESCAPES_REPO");
    if (!escape) continue;
    const where = escape.file ? ` (read from ${escape.file}${escape.line ? `:${escape.line}` : ""})` : "";
    throw new GuardRefusedError({
      guard: "path-containment",
      unit: report.unit,
      commit,
      message: `the unit reads through a symlink that leaves the repository: ${escape.message}${where}`,
      hint: "replace the symlink with the files it points to, or point it inside the repository; then re-run the pipeline",
    });
  }
}
