/**
 * One commit's units without comparing commits: `listUnits` (directories with `terragrunt.hcl`, and the units
 * its stack files generate) and `readsOfUnits` (what some units read: the guards refuse a job whose units read
 * through a symlink that leaves the repository, which may sit anywhere the unit reads, for example in an
 * included file far from the unit's directory).
 */
import { join } from "node:path";
import { ParseCache } from "./analysis/parse-cache.js";
import { Snapshot } from "./analysis/snapshot.js";
import type { DynamicRead, UnitProblem } from "./contract.js";
import { GitRepository, type BlobReader } from "./git.js";
import { joinRepo } from "./paths.js";
import { SourceFetcher } from "./stacks/fetch.js";
import { generateStacks, type GeneratedUnit } from "./stacks/generate.js";
import type { StackSource } from "./stacks/source.js";
import { ROOT_UNIT } from "./root-unit.js";
import { analyseCommitUnits } from "./stacks/stack-units.js";
import { STACK_FILE, unitsOfTree } from "./units.js";

export interface UnitReadsReport {
  /** The unit directory, as asked for. */
  unit: string;
  /** False when the commit has no such unit (nothing else is reported then). */
  exists: boolean;
  /** Every repository path the unit reads or probes, sorted. */
  files: string[];
  /** Directories read whole (OpenTofu module sources and the local modules they call), sorted. */
  dirs: string[];
  /** Reads only known at run time (`run_cmd`, `get_env`, …), with the pattern each was widened to. */
  dynamic: DynamicRead[];
  /** The units its `dependency` / `dependencies` blocks name, sorted. */
  dependencies: string[];
  /** Problems of the analysis (broken HCL, a symlink leaving the repository: `SYMLINK_ESCAPES_REPO`, …). */
  problems: UnitProblem[];
  /** For a unit generated from a stack file: where its files come from (the guards check they stay inside). */
  generated?: GeneratedOrigin;
}

export interface ListedUnit {
  /** Repository-relative directory. */
  path: string;
  /**
   * For a unit generated from a stack file: that committed stack file, and the block (`file:line`). With
   * `problem`, it could not be generated (a source that cannot be fetched, a broken block or stack file): what
   * the stack generates at or below `path` is unknown.
   */
  generatedBy?: { stackFile: string; from: string; problem?: string };
}

export interface GeneratedOrigin {
  stackFile: string;
  /** The sources its stack blocks copy, outermost first, its own last. */
  sources: StackSource[];
  /** The symlinks among its generated files (repository path, target as written): they come from its sources. */
  symlinks: Array<{ path: string; target: string }>;
}

/** The root unit is `""` inside detection and `.` in what it returns, as in the detection document. */
const outward = (unit: string) => (unit === ROOT_UNIT ? "." : unit);
const inward = (unit: string) => (unit === "." ? ROOT_UNIT : unit);

/** Every unit of a commit, sorted: those committed, and those its stack files generate. */
export async function listUnits(options: { repo: string; commit: string }): Promise<ListedUnit[]> {
  return withCommitUnits(options, async ({ units, generated }) =>
    [...units].sort().map((unit) => {
      const path = outward(unit);
      const from = generated.get(unit);
      if (!from) return { path };
      return {
        path,
        generatedBy: {
          stackFile: from.stackFile,
          from: from.from,
          ...(from.problem ? { problem: from.problem.message } : {}),
        },
      };
    }),
  );
}

export async function readsOfUnits(options: {
  repo: string;
  commit: string;
  units: readonly string[];
}): Promise<UnitReadsReport[]> {
  return withCommitUnits(options, async ({ units, generated, snapshot, reader }) => {
    const present = [...new Set(options.units.map(inward))].filter((unit) => units.has(unit)).sort();
    const found = new Map<string, UnitReadsReport>();
    await analyseCommitUnits(snapshot, present, units, generated, reader, new ParseCache(), (unit, reads) => {
      found.set(unit, {
        unit: outward(unit),
        exists: true,
        files: [...reads.files.keys()].sort(),
        dirs: [...reads.dirs.keys()].sort(),
        dynamic: reads.dynamic.map(({ from, expression, reason, pattern }) => ({ from, expression, reason, pattern })),
        dependencies: [...reads.dependencies].map(outward).sort(),
        problems: [...reads.problems],
      });
    });
    await describeGeneratedOrigins(found, generated, snapshot, reader);
    return options.units.map(
      (unit) =>
        found.get(inward(unit)) ?? {
          unit,
          exists: false,
          files: [],
          dirs: [],
          dynamic: [],
          dependencies: [],
          problems: [],
        },
    );
  });
}

interface CommitUnits {
  units: Set<string>;
  generated: Map<string, GeneratedUnit>;
  /** The commit's tree, with the generated units in it. */
  snapshot: Snapshot;
  reader: BlobReader;
}

async function withCommitUnits<T>(
  options: { repo: string; commit: string },
  use: (units: CommitUnits) => Promise<T>,
): Promise<T> {
  const {
    repo,
    commits: [commit],
  } = await GitRepository.openAndResolve(options.repo, [{ ref: options.commit, role: "head" }]);
  const tree = await repo.listTree(commit);
  const found = unitsOfTree(tree);
  const reader = repo.openBlobReader();
  try {
    if (found.stackDirs.size === 0)
      return await use({ units: found.head, generated: new Map(), snapshot: new Snapshot(tree, "head"), reader });
    const stacks = await generateStacks({
      tree,
      label: "head",
      stackFiles: [...found.stackDirs].sort().map((dir) => joinRepo(dir, STACK_FILE)),
      reader,
      parseCache: new ParseCache(),
      fetcher: new SourceFetcher(join(repo.commonDir, "gantry", "stack-sources")),
    });
    return await use({
      units: new Set([...found.head, ...stacks.units.keys()]),
      generated: stacks.units,
      snapshot: stacks.snapshot,
      reader,
    });
  } finally {
    reader.close();
  }
}

/** Adds each generated unit's origin: its chain of sources, and the symlinks its copy holds. */
async function describeGeneratedOrigins(
  found: Map<string, UnitReadsReport>,
  generated: Map<string, GeneratedUnit>,
  snapshot: Snapshot,
  reader: BlobReader,
): Promise<void> {
  const links: Array<{ report: UnitReadsReport; path: string; blob: string }> = [];
  for (const report of found.values()) {
    const from = generated.get(report.unit);
    if (!from) continue;
    report.generated = { stackFile: from.stackFile, sources: from.sources, symlinks: [] };
    for (const path of snapshot.tree.filesUnder(report.unit)) {
      const entry = snapshot.tree.get(path)!;
      if (entry.mode === "120000") links.push({ report, path, blob: entry.blob });
    }
  }
  // Copies of repository files carry git's blob ids; copies from disk or a fetch carry their text already.
  const unread = [...new Set(links.map((link) => link.blob))].filter((blob) => !snapshot.contents.has(blob));
  for (const [blob, content] of await reader.readMany(unread))
    snapshot.contents.set(blob, content === null ? "" : content.toString("utf8"));
  for (const { report, path, blob } of links)
    report.generated!.symlinks.push({ path, target: snapshot.contents.get(blob) ?? "" });
}
