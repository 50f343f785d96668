/**
 * `readsOfUnits`: what some units read at one commit (the files, and the problems analysing them found),
 * without comparing commits. The guards use it to refuse a job whose units read through a symlink that leaves
 * the repository. Such a symlink may sit anywhere the unit reads, for example in an included file far from the
 * unit's directory.
 */
import type { DynamicRead, UnitProblem } from "./contract.js";
import { analyseUnits } from "./analysis/analyse-units.js";
import { ParseCache } from "./analysis/parse-cache.js";
import { Snapshot } from "./analysis/snapshot.js";
import { GitRepository } from "./git.js";
import { unitsOfTree } from "./units.js";

export interface UnitReadsReport {
  /** The unit directory, as asked for. */
  unit: string;
  /** False when the commit has no `terragrunt.hcl` there (nothing else is reported then). */
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
}

export async function readsOfUnits(options: { repo: string; commit: string; units: readonly string[] }): Promise<UnitReadsReport[]> {
  const {
    repo,
    commits: [commit],
  } = await GitRepository.openAndResolve(options.repo, [{ ref: options.commit, role: "head" }]);
  const tree = await repo.listTree(commit);
  const allUnits = unitsOfTree(tree).head;
  const present = [...new Set(options.units)].filter((unit) => allUnits.has(unit)).sort();
  const found = new Map<string, UnitReadsReport>();
  const reader = repo.openBlobReader();
  try {
    await analyseUnits(new Snapshot(tree, "head"), present, allUnits, reader, new ParseCache(), (unit, reads) => {
      found.set(unit, {
        unit,
        exists: true,
        files: [...reads.files.keys()].sort(),
        dirs: [...reads.dirs.keys()].sort(),
        dynamic: reads.dynamic.map(({ from, expression, reason, pattern }) => ({ from, expression, reason, pattern })),
        dependencies: [...reads.dependencies].sort(),
        problems: [...reads.problems],
      });
    });
  } finally {
    reader.close();
  }
  return options.units.map((unit) => found.get(unit) ?? { unit, exists: false, files: [], dirs: [], dynamic: [], dependencies: [], problems: [] });
}
