/**
 * Unit paths must stay inside the repository, and so must everything terragrunt and OpenTofu will read for
 * them. Refused: an absolute unit path, `..`; a symlink that resolves outside the repository in
 *
 * - the unit's path or anywhere in its directory;
 * - a file the unit reads (an included file, `read_terragrunt_config`, `file()`, …), wherever it is;
 * - a directory read whole, and everything below it: the OpenTofu module source (Terragrunt copies it) and
 *   every local module it calls, to any depth;
 * - the directories of the units it depends on (`dependency` blocks: terragrunt runs OpenTofu there to read
 *   their outputs), and theirs, transitively;
 * - anywhere in the repository, when the unit reads a path only known at run time (`run_cmd`, `get_env`, …):
 *   such a path can name any file of the checkout;
 * - for a unit generated from a stack file: that stack file, the catalog directories its stack blocks copy,
 *   and the symlinks of its generated copy (see `generatedTrees`).
 *
 * What the unit reads comes from `readsOfUnits` of `@gantry/change-detector`. Symlinks are read from the git
 * tree at the job's ref (mode 120000), not from the working tree, so what is checked is what was reviewed. A
 * symlink to a directory inside the repository brings that directory's symlinks into the check. The whole
 * check reads the tree once and analyses the units in one pass.
 */
import { posix } from "node:path";
import { readsOfUnits, type UnitReadsReport } from "@gantry/change-detector";
import { GuardRefusedError } from "./errors.js";
import { listTree, readBlobs } from "./git.js";

const SYMLINK_MODE = "120000";
const STACK_FILE = "terragrunt.stack.hcl";
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
  if (unit === ".") return; // the root unit: a `terragrunt.hcl` at the repository root
  if (unit.includes("\0")) throw refuse("the unit path contains a NUL byte");
  if (unit.includes("\\")) throw refuse("the unit path contains a backslash");
  if (posix.isAbsolute(unit) || /^[A-Za-z]:/.test(unit)) throw refuse("the unit path is absolute");
  const segments = unit.split("/");
  if (segments.includes("..")) throw refuse("the unit path contains `..`");
  if (segments.some((segment) => segment === "" || segment === "."))
    throw refuse("the unit path is not normalised (empty or `.` segment)");
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
    if (++hops > MAX_SYMLINK_HOPS)
      return { inside: false, via: candidate, target: "(too many levels of symbolic links)" };
    if (posix.isAbsolute(target)) return { inside: false, via: candidate, target };
    const viaParent = posix.join(resolved.join("/") || ".", target);
    if (viaParent === ".." || viaParent.startsWith("../")) return { inside: false, via: candidate, target };
    // Restart from the link's target, then continue with what was left of the path.
    resolved = [];
    pending = [...viaParent.split("/"), ...pending];
  }
  return { inside: true, path: resolved.join("/") };
}

/** A directory tree the tools will read whole, and why (for the refusal's message). */
interface ReadTree {
  dir: string;
  why: string;
}

/**
 * The first symlink leading outside found in the trees, following symlinks to in-repository directories
 * into their trees too; null when every one stays inside.
 */
function escapingLinkUnder(
  trees: ReadTree[],
  links: Map<string, string>,
): { via: string; target: string; why: string } | null {
  const seen = new Set<string>();
  const pending = [...trees];
  while (pending.length > 0) {
    const { dir, why } = pending.pop()!;
    const root = resolveInRepository(dir, links);
    if (!root.inside) return { ...root, why };
    if (seen.has(root.path)) continue;
    seen.add(root.path);
    const prefix = root.path === "" ? "" : `${root.path}/`;
    for (const linkPath of links.keys()) {
      if (!linkPath.startsWith(prefix)) continue;
      const resolution = resolveInRepository(linkPath, links);
      if (!resolution.inside) return { ...resolution, why };
      // A link to a directory inside the repository: what is below it is read too.
      if (!seen.has(resolution.path)) pending.push({ dir: resolution.path, why });
    }
  }
  return null;
}

/** What each unit of the job reads, and, transitively, the units it depends on: one analysis per round. */
async function readsWithDependencies(
  repo: string,
  commit: string,
  units: readonly string[],
): Promise<Map<string, UnitReadsReport>> {
  const reports = new Map<string, UnitReadsReport>();
  let round = [...new Set(units)];
  while (round.length > 0) {
    for (const report of await readsOfUnits({ repo, commit, units: round })) reports.set(report.unit, report);
    round = [...new Set(round.flatMap((unit) => reports.get(unit)?.dependencies ?? []))].filter(
      (unit) => !reports.has(unit),
    );
  }
  return reports;
}

/**
 * What a generated unit adds to the check: the stack file that generates it (a file read, which must resolve
 * inside), the repository directories its stack blocks copy (read whole), and the symlinks its copy holds
 * (from a catalog fetched with git or read from disk: resolved from where they are generated). A source
 * directory outside the repository is refused for writes: its content is not reviewed with the repository
 * (a git source is, by its pinned address); a plan may read it, as any code a plan runs could.
 */
function generatedTrees(
  report: UnitReadsReport,
  whose: string,
  links: Map<string, string>,
  writes: boolean,
): { trees: ReadTree[]; refusal: string | null } {
  const generated = report.generated;
  if (!generated) return { trees: [], refusal: null };
  const stackFile = resolveInRepository(generated.stackFile, links);
  if (!stackFile.inside)
    return {
      trees: [],
      refusal: `symlink ${stackFile.via} -> ${stackFile.target} leaves the repository (${generated.stackFile}, the stack file that generates ${whose})`,
    };
  for (const link of generated.symlinks) links.set(link.path, link.target);
  const trees: ReadTree[] = [];
  for (const source of generated.sources) {
    if (source.kind === "repo")
      trees.push({
        dir: source.dir,
        why: `in ${source.dir}, which ${generated.stackFile} copies to generate ${whose}`,
      });
    if (source.kind === "disk" && writes) {
      return {
        trees,
        refusal: `${generated.stackFile} generates ${whose} from ${source.dir}, a directory outside the repository: its content is not reviewed with it`,
      };
    }
  }
  return { trees, refusal: null };
}

/**
 * Checks every unit at `commit` (see the module comment). One `ls-tree` of the commit; the analysis of the
 * units (and their dependencies) only when the tree has symlinks or stack files at all.
 */
export async function checkUnitsContained(
  repo: string,
  commit: string,
  units: string[],
  options: { writes: boolean; signal?: AbortSignal | undefined },
): Promise<void> {
  for (const unit of units) checkUnitPathShape(unit, commit);
  const entries = await listTree(repo, commit, options.signal);
  const symlinks = entries.filter((entry) => entry.mode === SYMLINK_MODE);
  const stacks = entries.some((entry) => entry.path === STACK_FILE || entry.path.endsWith(`/${STACK_FILE}`));
  if (symlinks.length === 0 && !stacks) return; // nothing can lead outside
  const targets = await readBlobs(repo, [...new Set(symlinks.map((entry) => entry.object))], options.signal);
  const links = new Map(symlinks.map((entry) => [entry.path, targets.get(entry.object) ?? ""]));
  const reports = await readsWithDependencies(repo, commit, units);

  for (const unit of units) {
    const refuse = (message: string) =>
      new GuardRefusedError({
        guard: "path-containment",
        unit,
        commit,
        message,
        hint: "replace the symlink with the files it points to, or point it inside the repository (a stack's catalog: in the repository, or a git source pinned with ?ref=); then re-run the pipeline",
      });
    // The unit, then everything it depends on, with the first unit that brings each in.
    const closure = [unit];
    for (let index = 0; index < closure.length; index++) {
      for (const dependency of reports.get(closure[index]!)?.dependencies ?? [])
        if (!closure.includes(dependency)) closure.push(dependency);
    }
    const trees: ReadTree[] = [];
    for (const member of closure) {
      const report = reports.get(member);
      const whose = member === unit ? "the unit" : `its dependency ${member}`;
      const escape = report?.problems.find((problem) => problem.code === "SYMLINK_ESCAPES_REPO");
      if (escape) {
        const where = escape.file ? ` (read from ${escape.file}${escape.line ? `:${escape.line}` : ""})` : "";
        throw refuse(`${whose} reads through a symlink that leaves the repository: ${escape.message}${where}`);
      }
      if (report) {
        const generated = generatedTrees(report, whose, links, options.writes);
        if (generated.refusal) throw refuse(generated.refusal);
        trees.push(...generated.trees);
      }
      trees.push({ dir: member, why: `inside ${whose}'s directory` });
      for (const dir of report?.dirs ?? [])
        trees.push({ dir, why: `in ${dir}, which ${whose} reads whole (an OpenTofu module)` });
      const dynamic = report?.dynamic[0];
      if (dynamic)
        trees.push({
          dir: "",
          why: `in the repository: ${whose} reads a path known only at run time (${dynamic.expression} at ${dynamic.from})`,
        });
    }
    const escape = escapingLinkUnder(trees, links);
    if (escape) throw refuse(`symlink ${escape.via} -> ${escape.target} leaves the repository (${escape.why})`);
  }
}
