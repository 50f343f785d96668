/**
 * `detectChanges`: the whole detection, from two refs to the `gantry/v1` Detection document.
 *
 *   refs → commits (merge-base on pull_request) → diff-tree → head tree → units
 *   → reads of every head unit (cached ones reused) → inverted index → statuses, reasons, graph.
 */
import { GantryError } from "@gantry/errors";
import { analyseUnits } from "./analysis/analyse-units.js";
import { ParseCache } from "./analysis/parse-cache.js";
import type { UnitReads } from "./analysis/read-set.js";
import { Snapshot } from "./analysis/snapshot.js";
import { hasCache, loadCache, saveCache, type LoadedCache } from "./cache.js";
import { API_VERSION, detectionResultSchema, type DetectionResult } from "./contract.js";
import { GitRepository, type BlobReader, type DiffEntry, type Tree } from "./git.js";
import { matchChanges } from "./match.js";
import { HeadRecords } from "./head-records.js";
import { ReadIndex } from "./read-index.js";
import { StringTable } from "./record-codec.js";
import { STACK_FILE, deletedUnitsOf, unitIdIn, unitsOfTree, withBaseUnits } from "./units.js";
import { baseName } from "./paths.js";
import { ROOT_CONFIG, ROOT_UNIT, presentRootUnit, rootConfigIsIncluded, withoutRootConfig } from "./root-unit.js";

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
  const {
    repo,
    commits: [requestedBase, head],
  } = await GitRepository.openAndResolve(options.repo, [
    { ref: options.base, role: "base" },
    { ref: options.head, role: "head" },
  ]);
  // Without a cache file the head tree is needed for sure: list it while the merge-base is computed.
  let listPromise = useCache && hasCache(repo.commonDir) ? undefined : repo.listTree(head);
  listPromise?.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile
  // The merge-base and the diff from it run at once (git finds the merge-base for diff-tree itself), on the
  // other core while this thread parses the cache. With several merge-bases diff-tree refuses, and the
  // diff is taken from the one `git merge-base` picked.
  const basePromise = event === "pull_request" ? repo.mergeBase(requestedBase, head) : Promise.resolve(requestedBase);
  const diffPromise =
    event === "pull_request"
      ? repo.diffTree(requestedBase, head, { fromMergeBase: true }).catch(async () => repo.diffTree(await basePromise, head))
      : repo.diffTree(requestedBase, head);
  basePromise.catch(() => undefined);
  diffPromise.catch(() => undefined);
  let cached = useCache ? loadCache(repo.commonDir) : null;
  const base = await basePromise;
  // When the cache describes `head` itself, even the head tree listing is skipped.
  const upToDate = cached !== null && cached.commit === head;
  if (!upToDate && !listPromise) {
    listPromise = repo.listTree(head);
    listPromise.catch(() => undefined);
  }
  const [diff, listed] = await Promise.all([diffPromise, listPromise]);
  let headTree: Tree | undefined = listed;
  const treeUnits = headTree ? unitsOfTree(headTree) : { head: new Set(cached!.units), stackDirs: new Set(cached!.stackDirs) };
  const unitSets = withBaseUnits(treeUnits.head, treeUnits.stackDirs, diff);
  const headUnits = [...unitSets.head].sort();

  const parseCache = new ParseCache();
  const reader = repo.openBlobReader();
  try {
    const unitIds = headUnits;
    const idOf = (unit: string) => unitIdIn(unitIds, unit);
    // The cached commit had exactly these units (most changes add or remove none): its unit ids are this run's.
    const sameUnitIds = cached !== null && sameList(cached.units, headUnits);
    // Reuse what the cache knows, re-analyse units whose reads changed since the cached commit: per head
    // unit id, its id in the cache, or -1 (analysed in this run).
    const reused = cached ? await reusableUnits(repo, cached, head, unitIds.length, sameUnitIds ? null : idOf) : { cachedIds: new Int32Array(unitIds.length).fill(-1), count: 0 };
    const { cachedIds } = reused;
    // Nothing reusable (a change every unit reads): let the loaded cache go before the analysis fills the heap.
    if (reused.count === 0 && !upToDate) cached = null;
    const sameUnits = cached !== null && sameUnitIds;
    const toAnalyse = headUnits.filter((_, id) => cachedIds[id] === -1);
    if (toAnalyse.length > 0) headTree ??= await repo.listTree(head);
    const index = startIndex(cached, cachedIds, reused.count, sameUnits);
    const changedPaths = new Set<string>();
    for (const entry of diff) changedPaths.add(entry.oldPath).add(entry.newPath);
    // Reused records stay encoded as they were; the string table only grows, so their ids stay valid.
    const table = new StringTable(reused.count > 0 && cached ? cached.strings : []);
    const records = new HeadRecords(unitIds.length, cachedIds, cached, table, changedPaths);
    if (headTree && toAnalyse.length > 0) {
      await analyseUnits(new Snapshot(headTree, "head"), toAnalyse, unitSets.head, reader, parseCache, (unit, reads) => {
        const id = idOf(unit)!;
        index.add(id, reads);
        records.addFresh(id, reads);
      });
    }

    // The root terragrunt.hcl is a unit only when no unit includes it (root-unit.ts).
    const rootIncluded = unitSets.head.has(ROOT_UNIT) && rootConfigIsIncluded(index.lookup(ROOT_CONFIG, false), unitIds, (id, path) => records.chain(id, path));
    const unitsNow = withoutRootConfig(unitSets, rootIncluded);

    // Deleted units are analysed in the base tree (their dependencies belong in the graph).
    const deletedUnits = deletedUnitsOf(unitsNow);
    const deletedRecords = await analyseDeletedUnits(repo, base, deletedUnits, unitsNow.base, reader, parseCache);

    const { changes, units } = matchChanges({
      diff,
      headUnits: unitsNow.head,
      baseUnits: unitsNow.base,
      stackDirs: unitSets.stackDirs,
      unitIds,
      idOf,
      index,
      headChain: (id, path) => records.chain(id, path),
      headExtras: (id) => records.extras(id),
      deletedRecord: (unit) => deletedRecords.get(unit),
    });

    // Nothing analysed and the cached commit's units: its graph is this run's (parsed whole, not rebuilt
    // key by key, which took ~20 ms at 10,000 units).
    const sameGraph = sameUnits && toAnalyse.length === 0 && deletedUnits.length === 0;
    const dependencies: Record<string, string[]> = sameGraph ? cached!.graph() : {};
    if (!sameGraph) {
      headUnits.forEach((unit, id) => (dependencies[unit] = records.dependencies(id)));
      for (const unit of deletedUnits) dependencies[unit] = [...(deletedRecords.get(unit)?.dependencies ?? [])].sort();
    }
    const trackedFiles = headTree ? headTree.size : cached!.trackedFiles;

    if (useCache && !upToDate) {
      saveCache(repo.commonDir, {
        commit: head,
        units: headUnits,
        // Reused records go back as the bytes they were loaded from.
        records: headUnits.map((_, id) => records.recordToSave(id)),
        strings: table.strings,
        dependencies: headUnits.map((unit) => dependencies[unit]!),
        stackDirs: [...treeUnits.stackDirs].sort(),
        trackedFiles,
        index,
      });
    }

    const result: DetectionResult = {
      apiVersion: API_VERSION,
      kind: "Detection",
      event,
      base,
      head,
      requestedBase,
      changes,
      units,
      graph: { dependencies },
      stacks: changedStackFiles(diff),
      stats: {
        trackedFiles,
        unitsInHead: unitsNow.head.size,
        filesParsed: parseCache.filesParsed,
        cacheHits: reused.count,
        elapsedMs: Math.round((performance.now() - started) * 10) / 10,
      },
    };
    presentRootUnit(result, unitsNow.head.has(ROOT_UNIT) || unitsNow.base.has(ROOT_UNIT));
    return result;
  } finally {
    reader.close();
  }
}

function validateOptions(options: DetectOptions, event: string): void {
  const usage = (message: string) => new GantryError("DETECT_USAGE", message, { exitCode: 2, hint: "see `gantry detect --help`" });
  if (typeof options.repo !== "string" || options.repo === "") throw usage("repo must be a directory path");
  if (typeof options.base !== "string" || options.base === "") throw usage("base must be a git ref");
  if (typeof options.head !== "string" || options.head === "") throw usage("head must be a git ref");
  if (event !== "pull_request" && event !== "push") throw usage(`event must be pull_request or push, not '${event}'`);
}

/**
 * Units of the cached commit whose analysis still holds at `head`: every path changed between the two
 * commits (git compares blob ids) invalidates the units that read it. Returns, per head unit id, its id in
 * the cache or -1.
 */
async function reusableUnits(
  repo: GitRepository,
  cached: LoadedCache,
  head: string,
  headUnitCount: number,
  /** A head unit's id by path; null when head ids equal the cached ids (the same units). */
  idOf: ((unit: string) => number | undefined) | null,
): Promise<{ cachedIds: Int32Array; count: number }> {
  const cachedIds = new Int32Array(headUnitCount).fill(-1);
  let changed: DiffEntry[] = [];
  if (cached.commit !== head) {
    try {
      changed = await repo.diffTree(cached.commit, head);
    } catch {
      return { cachedIds, count: 0 }; // the cached commit is gone (rebased, garbage-collected): cold run
    }
  }
  const invalid = new Uint8Array(cached.units.length);
  for (const entry of changed) {
    for (const path of entry.status === "R" ? [entry.oldPath, entry.newPath] : [entry.newPath]) {
      for (const id of cached.index.lookup(path, false)) invalid[id] = 1;
    }
  }
  let count = 0;
  cached.units.forEach((unit, cachedId) => {
    const id = invalid[cachedId] === 1 ? undefined : idOf ? idOf(unit) : cachedId;
    if (id === undefined) return;
    cachedIds[id] = cachedId;
    count++;
  });
  return { cachedIds, count };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}

/** The index of this run before fresh analyses are added: the cached postings of the reused units. */
function startIndex(cached: LoadedCache | null, cachedIds: Int32Array, reusedCount: number, sameUnits: boolean): ReadIndex {
  if (!cached || reusedCount === 0) return new ReadIndex();
  const analysedAgain = cached.units.length - reusedCount;
  if (sameUnits && analysedAgain <= cached.units.length / 4) {
    // No unit added or removed since the cached commit (most pull requests): the cached index is kept as it
    // is, and only the units analysed again leave the postings their old records list (their fresh reads
    // are added back). Renumbering every posting list instead cost a tenth of such a run at 10,000 units;
    // when many units are analysed again, decoding their old records costs more than renumbering.
    try {
      // Same units: a head id is its cached id.
      const again: number[] = [];
      for (let id = 0; id < cachedIds.length; id++) if (cachedIds[id] === -1) again.push(id);
      cached.index.remove(again, (id) => cached.reads(id));
      return cached.index;
    } catch {
      // An unreadable old record: renumbering below keeps only the reused units' ids (whatever was removed).
    }
  }
  const renumber = new Int32Array(cached.units.length).fill(-1);
  cachedIds.forEach((cachedId, id) => {
    if (cachedId !== -1) renumber[cachedId] = id;
  });
  return cached.index.renumbered((id) => (id < renumber.length && renumber[id] !== -1 ? renumber[id] : undefined));
}

async function analyseDeletedUnits(
  repo: GitRepository,
  base: string,
  deletedUnits: string[],
  baseUnits: Set<string>,
  reader: BlobReader,
  parseCache: ParseCache,
): Promise<Map<string, UnitReads>> {
  const records = new Map<string, UnitReads>();
  if (deletedUnits.length === 0) return records;
  const baseTree = await repo.listTree(base);
  await analyseUnits(new Snapshot(baseTree, "base"), deletedUnits, baseUnits, reader, parseCache, (unit, reads) => records.set(unit, reads));
  return records;
}

function changedStackFiles(diff: DiffEntry[]): string[] {
  const stacks = new Set<string>();
  for (const entry of diff) {
    for (const path of [entry.oldPath, entry.newPath]) if (baseName(path) === STACK_FILE) stacks.add(path);
  }
  return [...stacks].sort();
}

/** Validates a document read from elsewhere (a file, another process) against the contract. */
export function parseDetectionResult(value: unknown): DetectionResult {
  return detectionResultSchema.parse(value);
}
