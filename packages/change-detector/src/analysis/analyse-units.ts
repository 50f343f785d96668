/**
 * Analyses many units against one snapshot in rounds: each round evaluates every pending unit, collects the
 * blobs that were missing, and fetches them all in one pipelined `git cat-file --batch` round trip. The
 * first round prefetches what almost every unit needs (for large batches, the small files outside units:
 * shared configs, modules, data) and streams the unit configs with the small files beside them, analysing
 * each unit as they arrive; most units finish in that round.
 */
import type { BlobReader } from "../git.js";
import { baseName, dirOf } from "../paths.js";
import { isSkippedDir, unitContaining } from "../units.js";
import { AnalysisRun } from "./analysis-run.js";
import type { ParseCache } from "./parse-cache.js";
import { ReadSet, extend } from "./read-set.js";
import { SYMLINK_MODE, type Snapshot } from "./snapshot.js";

const MAX_ROUNDS = 12;
/** Above this many units, prefetching shared files is cheaper than discovering them round by round. */
const PREFETCH_SHARED_THRESHOLD = 20;
const PREFETCH_MAX_FILE_BYTES = 256 * 1024;
const PREFETCH_BUDGET_BYTES = 64 * 1024 * 1024;
/** Units analysed between two turns of the event loop while their configs stream in. */
const YIELD_EVERY_UNITS = 32;
/** Files directly in a unit's directory up to this size are streamed with its config. */
const PREFETCH_UNIT_FILE_BYTES = 32 * 1024;

export async function analyseUnits(
  snapshot: Snapshot,
  units: string[],
  allUnits: Set<string>,
  reader: BlobReader,
  parseCache: ParseCache,
  /** Called once per unit as soon as it is analysed (the caller encodes and drops it: memory stays flat). */
  onAnalysed: (unit: string, reads: ReadSet) => void,
): Promise<void> {
  if (units.length === 0) return;
  const run = new AnalysisRun(snapshot, parseCache, allUnits);
  const plan = prefetchPlan(snapshot, units, allUnits);
  // Shared files first (every unit needs them), then each unit's config and small files, streamed: units
  // are analysed as their files arrive, while git keeps reading the next ones.
  await fetchInto(snapshot, reader, plan.shared);
  const shared = new Set(plan.shared);
  const ownBlobs = new Map<string, string[]>();
  for (const unit of units) {
    const config = snapshot.tree.get(`${unit}/terragrunt.hcl`)?.blob;
    const blobs = config === undefined ? [] : [config];
    for (const blob of plan.unitFiles.get(unit) ?? []) if (!shared.has(blob)) blobs.push(blob);
    ownBlobs.set(unit, blobs);
  }
  const arrivals = reader.request([...ownBlobs.values()].flat().filter((blob) => !snapshot.contents.has(blob)));
  // Units sharing one text (same blob) keep it until the last of them is done.
  const users = new Map<string, number>();
  for (const blobs of ownBlobs.values()) for (const blob of blobs) users.set(blob, (users.get(blob) ?? 0) + 1);
  let pending = units;
  for (let round = 0; round < MAX_ROUNDS && pending.length > 0; round++) {
    const next: string[] = [];
    let sinceYield = 0;
    for (const unit of pending) {
      const blobs = ownBlobs.get(unit) ?? [];
      if (round === 0) {
        // Let the event loop read git's output now and then: awaiting blobs that already arrived never does,
        // and git would block on a full pipe until a unit waits for a blob not read yet (an idle stall).
        if (++sinceYield >= YIELD_EVERY_UNITS) {
          sinceYield = 0;
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
        for (const blob of blobs) {
          const arriving = arrivals.get(blob);
          if (arriving) {
            // Consumed once (units sharing the blob find its text, kept until its last user is done): the
            // map would otherwise hold every config's bytes until the end of the batch.
            arrivals.delete(blob);
            const content = await arriving;
            if (!snapshot.contents.has(blob))
              snapshot.contents.set(blob, content === null ? "" : content.toString("utf8"));
          }
        }
      }
      const config = blobs[0];
      const reads = analyseContained(run, unit);
      if (reads.pending) {
        // Keep the texts (no refetch) but not the syntax tree: thousands of pending trees would pile up.
        if (config !== undefined) parseCache.release(config);
        next.push(unit);
        continue;
      }
      onAnalysed(unit, reads);
      // A unit's own files are rarely read by anything else: drop their texts and syntax trees (memory stays
      // flat at 50,000 units; another reader would only fetch or parse them again).
      for (const blob of blobs) {
        const left = (users.get(blob) ?? 1) - 1;
        users.set(blob, left);
        if (left <= 0) {
          parseCache.release(blob);
          snapshot.contents.delete(blob);
        }
      }
    }
    pending = next;
    if (pending.length > 0) {
      const misses = [...run.misses];
      run.misses.clear();
      await fetchInto(snapshot, reader, misses);
    }
  }
  for (const unit of pending) {
    const reads = new ReadSet();
    reads.addProblem({
      code: "UNREADABLE_CONFIG",
      message: `could not load every file ${unit} reads from git`,
      file: `${unit}/terragrunt.hcl`,
    });
    reads.addDynamic({
      from: `${unit}/terragrunt.hcl`,
      expression: "",
      reason: "files could not be loaded",
      pattern: "**",
      node: extend(null, { file: "**", via: "dynamic", from: `${unit}/terragrunt.hcl` }),
    });
    onAnalysed(unit, reads);
  }
}

/**
 * What to fetch before evaluating: for large batches, the small files outside units (shared configs,
 * modules, data read with file()/templatefile()), fetched up front so that most units complete in the first
 * round; and, streamed with each unit's config, the small files directly in the unit's directory
 * (`file("policy.json")` and the like), so that a unit reading one is not evaluated twice.
 */
function prefetchPlan(
  snapshot: Snapshot,
  units: string[],
  allUnits: Set<string>,
): { shared: string[]; unitFiles: Map<string, string[]> } {
  const shared: string[] = [];
  const unitFiles = new Map<string, string[]>();
  if (units.length <= PREFETCH_SHARED_THRESHOLD) return { shared, unitFiles };
  const analysing = new Set(units);
  let budget = PREFETCH_BUDGET_BYTES;
  for (const [path, entry] of snapshot.tree.entries) {
    if (entry.size > PREFETCH_MAX_FILE_BYTES || entry.size > budget) continue;
    const name = baseName(path);
    if (name === "terragrunt.hcl" || name === ".terraform.lock.hcl") continue;
    const dir = dirOf(path);
    // The root unit's files are the repository's shared ones (root.hcl, ...): prefetched for everyone.
    if (dir !== "" && allUnits.has(dir)) {
      // (a unit directory is never a skipped one)
      if (entry.size > PREFETCH_UNIT_FILE_BYTES || !analysing.has(dir) || entry.mode === SYMLINK_MODE) continue;
      let files = unitFiles.get(dir);
      if (!files) unitFiles.set(dir, (files = []));
      files.push(entry.blob);
    } else if (!isSkippedDir(dir) && !unitContaining(path, allUnits)) {
      // Outside units, or in the root unit (which holds the whole repository): shared.
      shared.push(entry.blob);
    } else {
      continue;
    }
    budget -= entry.size;
  }
  return { shared, unitFiles };
}

async function fetchInto(snapshot: Snapshot, reader: BlobReader, blobs: string[]): Promise<void> {
  const needed = blobs.filter((blob) => !snapshot.contents.has(blob));
  if (needed.length === 0) return;
  const contents = await reader.readMany(needed);
  for (const [blob, content] of contents) snapshot.contents.set(blob, content === null ? "" : content.toString("utf8"));
}

/** One unit's failure never stops the others: an unexpected error becomes a problem on that unit. */
function analyseContained(run: AnalysisRun, unit: string): ReadSet {
  try {
    return run.analyseUnit(unit);
  } catch (error) {
    run.current = null;
    const file = `${unit}/terragrunt.hcl`;
    const reads = new ReadSet();
    reads.addProblem({
      code: "HCL_EVAL",
      message: `could not analyse ${unit}: ${error instanceof Error ? error.message : String(error)}`,
      file,
    });
    reads.addDynamic({
      from: file,
      expression: "",
      reason: "the unit could not be analysed",
      pattern: "**",
      node: extend(null, { file: "**", via: "dynamic", from: file }),
    });
    return reads;
  }
}
