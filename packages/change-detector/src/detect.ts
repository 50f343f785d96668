/**
 * `detectChanges`: from two refs to the `gantry/v1` Detection document, in six phases:
 *
 *   resolve range  refs → commits (the merge-base on pull_request), the diff, the cache
 *   find units     directories with `terragrunt.hcl`, and the units stack files generate, at head and base
 *   reuse          which cached records still hold at head (git says which blobs changed since)
 *   analyse        the other head units, and the deleted units in the base tree
 *   match          changed paths → units, with the chain of reads behind each
 *   persist        the cache, now describing head
 */
import { join } from "node:path";
import { validateDocument } from "@gantry/documents";
import { usageError } from "@gantry/errors";
import { ParseCache } from "./analysis/parse-cache.js";
import type { UnitReads } from "./analysis/read-set.js";
import { Snapshot } from "./analysis/snapshot.js";
import { hasCache, loadCache, saveCache, type LoadedCache } from "./cache/cache-file.js";
import { HeadRecords } from "./cache/head-records.js";
import { ReadIndex } from "./cache/read-index.js";
import { StringTable } from "./cache/record.js";
import { API_VERSION, detectionResultSchema, type DetectionResult } from "./contract.js";
import { GitRepository, type BlobReader, type DiffEntry, type Tree } from "./git.js";
import { SourceFetcher } from "./stacks/fetch.js";
import { StackUnits, analyseCommitUnits } from "./stacks/stack-units.js";
import { matchChanges } from "./match.js";
import { baseName } from "./paths.js";
import {
  ROOT_CONFIG,
  ROOT_UNIT,
  presentRootUnit,
  readsRootConfig,
  rootConfigIsIncluded,
  rootDeletedBesideOthers,
  withoutRootConfig,
} from "./root-unit.js";
import { STACK_FILE, deletedUnitsOf, unitIdIn, unitsOfTree, withBaseUnits, type UnitSets } from "./units.js";

export interface DetectOptions {
  /** A directory inside the git repository. */
  repo: string;
  /** The ref compared against (the deploy branch on a pull request, the commit before the push). */
  base: string;
  /** The ref being deployed or reviewed. */
  head: string;
  /** `pull_request` compares from the merge-base of base and head (default); `push` the plain range. */
  event?: "pull_request" | "push";
  /** Read and write the read cache under the git common dir (default true). */
  cache?: boolean;
}

export async function detectChanges(options: DetectOptions): Promise<DetectionResult> {
  const started = performance.now();
  const event = options.event ?? "pull_request";
  validateOptions(options, event);
  const useCache = options.cache !== false;

  // `let`: the loaded cache is let go once reuse has taken what it needs.
  let { range, cached } = await resolveRange(options, event, useCache);
  const reader = range.repo.openBlobReader();
  const parseCache = new ParseCache();
  try {
    const units = await findUnits(range, cached, reader, parseCache);
    const reuse = reuseCache(units, cached);
    // From here the cache is `reuse.cached`, null when nothing was reusable: not kept through the analysis.
    cached = null;
    const analysis = await analyse(range, units, reuse, reader, parseCache);
    const matched = matchChanges({
      diff: range.diff,
      headUnits: analysis.sets.head,
      baseUnits: analysis.sets.base,
      stackDirs: units.sets.stackDirs,
      unitIds: units.headUnits,
      idOf: (unit) => unitIdIn(units.headUnits, unit),
      index: analysis.index,
      headChain: (id, path) => reuse.records.chainTo(id, path),
      headExtras: (id) => reuse.records.extras(id),
      deletedExtras: (unit) => extrasOf(analysis.deletedReads.get(unit)),
      stackChanges: units.stacks?.changesByPath(range.diff) ?? new Map(),
    });
    const dependencies = graphOf(units, reuse, analysis);
    if (useCache && (!range.upToDate || analysis.analysed > 0))
      persist(range, units, reuse.records, analysis.index, dependencies);
    const result: DetectionResult = {
      apiVersion: API_VERSION,
      kind: "Detection",
      event,
      base: range.base,
      head: range.head,
      requestedBase: range.requestedBase,
      changes: matched.changes,
      units: matched.units,
      graph: { dependencies },
      stacks: changedStackFiles(range.diff),
      stats: {
        trackedFiles: units.trackedFiles,
        unitsInHead: analysis.sets.head.size,
        filesParsed: parseCache.filesParsed,
        cacheHits: reuse.count,
        elapsedMs: Math.round((performance.now() - started) * 10) / 10,
      },
    };
    const rootIsUnit = rootDeletedBesideOthers(analysis.sets)
      ? !(await deletedRootWasIncluded(range, units, analysis, matched.units, reader, parseCache))
      : analysis.sets.head.has(ROOT_UNIT) || analysis.sets.base.has(ROOT_UNIT);
    presentRootUnit(result, rootIsUnit);
    return result;
  } finally {
    reader.close();
  }
}

function validateOptions(options: DetectOptions, event: string): void {
  const usage = (message: string) => usageError(message, { command: "detect" });
  if (typeof options.repo !== "string" || options.repo === "") throw usage("repo must be a directory path");
  if (typeof options.base !== "string" || options.base === "") throw usage("base must be a git ref");
  if (typeof options.head !== "string" || options.head === "") throw usage("head must be a git ref");
  if (event !== "pull_request" && event !== "push") throw usage(`event must be pull_request or push, not '${event}'`);
}

interface Range {
  repo: GitRepository;
  requestedBase: string;
  /** The commit compared against: the merge-base on pull_request. */
  base: string;
  head: string;
  diff: DiffEntry[];
  /** The cache describes head itself. */
  upToDate: boolean;
  /** The head tree; not listed when the cache describes head itself and nothing needs it. */
  headTree: Tree | undefined;
  /** The base tree, listed on first use. */
  baseTree(): Promise<Tree>;
}

/** Resolve range: the commits and the diff; git works on the other core while the cache loads. */
async function resolveRange(
  options: DetectOptions,
  event: "pull_request" | "push",
  useCache: boolean,
): Promise<{ range: Range; cached: LoadedCache | null }> {
  const {
    repo,
    commits: [requestedBase, head],
  } = await GitRepository.openAndResolve(options.repo, [
    { ref: options.base, role: "base" },
    { ref: options.head, role: "head" },
  ]);
  const observed = <T>(promise: Promise<T>) => {
    promise.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile
    return promise;
  };
  // Without a cache file the head tree is needed for sure: list it at once.
  let listing = useCache && hasCache(repo.commonDir) ? undefined : observed(repo.listTree(head));
  // git finds the merge-base for diff-tree itself; with several merge-bases it refuses, and the diff is taken
  // from the one `git merge-base` picked.
  const basePromise = observed(
    event === "pull_request" ? repo.mergeBase(requestedBase, head) : Promise.resolve(requestedBase),
  );
  const diffPromise = observed(
    event === "pull_request"
      ? repo
          .diffTree(requestedBase, head, { fromMergeBase: true })
          .catch(async () => repo.diffTree(await basePromise, head))
      : repo.diffTree(requestedBase, head),
  );
  const cached = useCache ? loadCache(repo.commonDir) : null;
  const base = await basePromise;
  const upToDate = cached?.commit === head;
  // Stacks are generated on every run (their sources may be outside the repository): they need the tree.
  if (!upToDate || cached.stackDirs.length > 0) listing ??= observed(repo.listTree(head));
  const [diff, listed] = await Promise.all([diffPromise, listing]);
  const headTree =
    listed ??
    (diff.some((entry) => isStackFile(entry.oldPath) || isStackFile(entry.newPath))
      ? await repo.listTree(head)
      : undefined);
  let baseTree: Promise<Tree> | undefined;
  const range = {
    repo,
    requestedBase,
    base,
    head,
    diff,
    upToDate,
    headTree,
    baseTree: () => (baseTree ??= repo.listTree(base)),
  };
  return { range, cached };
}

interface Units {
  /** Head and base units, generated ones included, and the directories of stack files (head and base). */
  sets: UnitSets;
  /** The head units, sorted: a unit's id is its index here. */
  headUnits: string[];
  /** Directories of the head's stack files. */
  headStackDirs: Set<string>;
  /** Units generated from stack files; null when neither commit has any. */
  stacks: StackUnits | null;
  trackedFiles: number;
  /** The paths changed between the cached commit and head; null when the cached commit is gone (rebased away). */
  changedSinceCache: DiffEntry[] | null;
}

/** Find units: directories with `terragrunt.hcl`, and the units stack files generate. */
async function findUnits(
  range: Range,
  cached: LoadedCache | null,
  reader: BlobReader,
  parseCache: ParseCache,
): Promise<Units> {
  const { headTree, diff } = range;
  const found = headTree
    ? unitsOfTree(headTree)
    : { head: new Set(cached!.units), stackDirs: new Set(cached!.stackDirs) };
  const trackedFiles = headTree ? headTree.size : cached!.trackedFiles;
  const sets = withBaseUnits(found.head, found.stackDirs, diff);
  let changedSinceCache: DiffEntry[] | null = [];
  if (cached && cached.commit !== range.head)
    changedSinceCache = await range.repo.diffTree(cached.commit, range.head).catch(() => null);
  if (!headTree || sets.stackDirs.size === 0)
    return {
      sets,
      headUnits: [...sets.head].sort(),
      headStackDirs: found.stackDirs,
      stacks: null,
      trackedFiles,
      changedSinceCache,
    };
  const stacks = await StackUnits.find({
    headTree,
    headStackDirs: found.stackDirs,
    diff,
    baseTree: range.baseTree,
    baseStackDirs: (tree) => unitsOfTree(tree).stackDirs,
    reader,
    parseCache,
    fetcher: new SourceFetcher(join(range.repo.commonDir, "gantry", "stack-sources")),
    kept: cached?.stacks
      ? {
          stacks: cached.stacks,
          fingerprints: cached.generated,
          changed: changedSinceCache && changedSinceCache.flatMap((entry) => [entry.oldPath, entry.newPath]),
        }
      : null,
  });
  const head = new Set([...sets.head, ...stacks.headUnits().keys()]);
  const base = new Set([...sets.base, ...stacks.baseUnitPaths()]);
  return {
    sets: { head, base, stackDirs: sets.stackDirs },
    headUnits: [...head].sort(),
    headStackDirs: found.stackDirs,
    stacks,
    trackedFiles,
    changedSinceCache,
  };
}

interface Reuse {
  /** The loaded cache when any record is reused from it, else null (let go before the analysis fills the heap). */
  cached: LoadedCache | null;
  /** Per head unit id, its id in the cache, or -1 (to analyse in this run). */
  cachedIds: Int32Array;
  /** How many head units reuse their cached record. */
  count: number;
  /** The cached commit had exactly the head's units (a head id is then its cached id). */
  sameUnits: boolean;
  records: HeadRecords;
  /** The cached index minus the units analysed again (their fresh reads are added as they come). */
  index: ReadIndex;
}

/**
 * Reuse: every path changed between the cached commit and head (git compares blob ids) invalidates the units
 * that read it, and a generated unit whose stack block now gives it other content is invalidated too; the
 * others keep their records and postings.
 */
function reuseCache(units: Units, cached: LoadedCache | null): Reuse {
  const { headUnits } = units;
  const cachedIds = new Int32Array(headUnits.length).fill(-1);
  let count = 0;
  const changed = units.changedSinceCache;
  const sameUnits = cached !== null && sameList(cached.units, headUnits);
  if (cached && changed) {
    const invalid = new Uint8Array(cached.units.length);
    for (const entry of changed) {
      for (const path of entry.status === "R" ? [entry.oldPath, entry.newPath] : [entry.newPath]) {
        for (const id of cached.index.lookup(path, false)) invalid[id] = 1;
      }
    }
    const generated = units.stacks?.headUnits();
    cached.units.forEach((unit, cachedId) => {
      if (invalid[cachedId] === 1 || cached.generated[unit] !== generated?.get(unit)?.fingerprint) return;
      const id = sameUnits ? cachedId : unitIdIn(headUnits, unit);
      if (id === undefined) return;
      cachedIds[id] = cachedId;
      count++;
    });
  }
  const kept = count > 0 ? cached : null;
  const records = new HeadRecords(headUnits.length, cachedIds, kept, new StringTable(kept ? kept.strings : []));
  const index = kept ? reusedIndex(kept, cachedIds, count, sameUnits, records) : new ReadIndex();
  return { cached: kept, cachedIds, count, sameUnits, records, index };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}

function reusedIndex(
  cached: LoadedCache,
  cachedIds: Int32Array,
  count: number,
  sameUnits: boolean,
  records: HeadRecords,
): ReadIndex {
  if (sameUnits && cached.units.length - count <= cached.units.length / 4) {
    // The same units (most pull requests): the cached index is kept, minus the postings of the units analysed
    // again; renumbering every posting list instead cost a tenth of such a run at 10,000 units. When many are
    // analysed again, reading their old records costs more than renumbering.
    const again: number[] = [];
    for (let id = 0; id < cachedIds.length; id++) if (cachedIds[id] === -1) again.push(id);
    try {
      cached.index.remove(again, (id) => records.cachedKeys(id));
      return cached.index;
    } catch {
      // A damaged old record: renumbering below keeps only the reused units' postings.
    }
  }
  const renumber = new Int32Array(cached.units.length).fill(-1);
  cachedIds.forEach((cachedId, id) => {
    if (cachedId !== -1) renumber[cachedId] = id;
  });
  return cached.index.renumbered((id) => (id < renumber.length && renumber[id] !== -1 ? renumber[id] : undefined));
}

interface Analysis {
  /** The unit sets, without a root `terragrunt.hcl` that is the units' configuration (root-unit.ts). */
  sets: UnitSets;
  index: ReadIndex;
  /** How many head units were analysed in this run. */
  analysed: number;
  deletedUnits: string[];
  /** Deleted units' reads in the base tree (their dependencies belong in the graph). */
  deletedReads: Map<string, UnitReads>;
  /** The base tree's snapshot, once something was analysed there. */
  baseSnapshot: Snapshot | undefined;
}

/** Analyse: head units without a reusable record, and the deleted units in the base tree. */
async function analyse(
  range: Range,
  units: Units,
  reuse: Reuse,
  reader: BlobReader,
  parseCache: ParseCache,
): Promise<Analysis> {
  const { headUnits, stacks } = units;
  const index = reuse.index;
  const toAnalyse = headUnits.filter((_, id) => reuse.cachedIds[id] === -1);
  if (toAnalyse.length > 0) {
    const generation = stacks ? await stacks.headFor(toAnalyse) : null;
    const snapshot = generation
      ? generation.snapshot
      : new Snapshot(range.headTree ?? (await range.repo.listTree(range.head)), "head");
    await analyseCommitUnits(
      snapshot,
      toAnalyse,
      units.sets.head,
      generation?.units,
      reader,
      parseCache,
      (unit, reads) => {
        const id = unitIdIn(headUnits, unit)!;
        index.add(id, reads);
        reuse.records.addFresh(id, reads);
      },
    );
  }
  // The root terragrunt.hcl is a unit only when no unit includes it: known now that every head unit's reads are.
  const rootIncluded =
    units.sets.head.has(ROOT_UNIT) &&
    rootConfigIsIncluded(index.lookup(ROOT_CONFIG, false), headUnits, (id, path) => reuse.records.chainTo(id, path));
  const sets = withoutRootConfig(units.sets, rootIncluded);
  const deletedUnits = deletedUnitsOf(sets);
  const deletedReads = new Map<string, UnitReads>();
  let baseSnapshot: Snapshot | undefined;
  if (deletedUnits.length > 0) {
    baseSnapshot = stacks?.baseSnapshot ?? new Snapshot(await range.baseTree(), "base");
    await analyseCommitUnits(
      baseSnapshot,
      deletedUnits,
      sets.base,
      stacks?.baseUnits,
      reader,
      parseCache,
      (unit, reads) => deletedReads.set(unit, reads),
    );
  }
  return { sets, index, analysed: toAnalyse.length, deletedUnits, deletedReads, baseSnapshot };
}

/**
 * A root `terragrunt.hcl` deleted beside other units was their configuration when a unit included (or read) it
 * at base. Such a unit is one the change reaches (see `root-unit.ts`): a deleted unit (already analysed at
 * base), or a head unit the change affected, analysed again in the base tree here.
 */
async function deletedRootWasIncluded(
  range: Range,
  units: Units,
  analysis: Analysis,
  matched: readonly { path: string; status: string }[],
  reader: BlobReader,
  parseCache: ParseCache,
): Promise<boolean> {
  for (const [unit, reads] of analysis.deletedReads) if (unit !== ROOT_UNIT && readsRootConfig(reads)) return true;
  const candidates = matched
    .filter((unit) => unit.status !== "added" && unit.status !== "deleted" && analysis.sets.base.has(unit.path))
    .map((unit) => unit.path);
  if (candidates.length === 0) return false;
  const snapshot = analysis.baseSnapshot ?? units.stacks?.baseSnapshot ?? new Snapshot(await range.baseTree(), "base");
  let included = false;
  await analyseCommitUnits(
    snapshot,
    candidates,
    analysis.sets.base,
    units.stacks?.baseUnits,
    reader,
    parseCache,
    (_unit, reads) => {
      included ||= readsRootConfig(reads);
    },
  );
  return included;
}

function extrasOf(reads: UnitReads | undefined) {
  return (
    reads && {
      dynamic: reads.dynamic.map(({ from, expression, reason, pattern }) => ({ from, expression, reason, pattern })),
      problems: reads.problems,
      exclude: reads.exclude,
    }
  );
}

/** Every head unit's dependencies, and every deleted unit's (from the base tree), in unit order. */
function graphOf(units: Units, reuse: Reuse, analysis: Analysis): Record<string, string[]> {
  // Nothing analysed and the cached commit's units: the cached graph is this run's (parsed whole, not rebuilt key by key).
  if (reuse.cached && reuse.sameUnits && analysis.analysed === 0 && analysis.deletedUnits.length === 0)
    return reuse.cached.graph();
  const dependencies: Record<string, string[]> = {};
  units.headUnits.forEach((unit, id) => (dependencies[unit] = reuse.records.dependencies(id)));
  for (const unit of analysis.deletedUnits)
    dependencies[unit] = [...(analysis.deletedReads.get(unit)?.dependencies ?? [])].sort();
  return dependencies;
}

/** Persist: the cache now describes head (reused records are written back as the bytes they were loaded from). */
function persist(
  range: Range,
  units: Units,
  records: HeadRecords,
  index: ReadIndex,
  dependencies: Record<string, string[]>,
): void {
  const generated: Record<string, string> = {};
  for (const [unit, { fingerprint }] of units.stacks?.headUnits() ?? []) generated[unit] = fingerprint;
  saveCache(range.repo.commonDir, {
    commit: range.head,
    units: units.headUnits,
    records: units.headUnits.map((_, id) => records.recordToSave(id)),
    strings: records.table.strings,
    dependencies: units.headUnits.map((unit) => dependencies[unit]!),
    stackDirs: [...units.headStackDirs].sort(),
    generated,
    stacks: units.stacks?.keptForHead().encode() ?? null,
    trackedFiles: units.trackedFiles,
    index,
  });
}

function isStackFile(path: string): boolean {
  return baseName(path) === STACK_FILE;
}

function changedStackFiles(diff: DiffEntry[]): string[] {
  const stacks = new Set<string>();
  for (const entry of diff) {
    for (const path of [entry.oldPath, entry.newPath]) if (isStackFile(path)) stacks.add(path);
  }
  return [...stacks].sort();
}

/** Validates a document read from elsewhere (a file, another process) against the contract. */
export function parseDetectionResult(value: unknown, source = "detection"): DetectionResult {
  const spec = {
    kind: "Detection",
    schema: detectionResultSchema,
    code: "PLAN_INVALID_DETECTION",
    hint: "pass the document `gantry detect --json` printed, unchanged",
  } as const;
  return validateDocument(value, spec, source);
}
