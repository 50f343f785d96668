/**
 * Analyses many units against one snapshot in rounds: each round evaluates every pending unit, collects the
 * blobs that were missing, and fetches them all in one pipelined `git cat-file --batch` round trip. The
 * first round prefetches what almost every unit needs (for large batches, the small files outside units:
 * shared configs, modules, data) and streams the unit configs, analysing each unit as its config arrives;
 * most units finish in that round.
 */
import type { BlobReader } from "../git.js";
import { baseName, dirOf } from "../paths.js";
import { isSkippedDir, unitContaining } from "../units.js";
import { AnalysisRun } from "./analysis-run.js";
import type { ParseCache } from "./parse-cache.js";
import { ReadSet, extend } from "./read-set.js";
import type { Snapshot } from "./snapshot.js";

const MAX_ROUNDS = 12;
/** Above this many units, prefetching shared files is cheaper than discovering them round by round. */
const PREFETCH_SHARED_THRESHOLD = 20;
const PREFETCH_MAX_FILE_BYTES = 256 * 1024;
const PREFETCH_BUDGET_BYTES = 64 * 1024 * 1024;

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
  // Shared files first (every unit needs them), then the unit configs, streamed: units are analysed as
  // their config arrives, while git keeps reading the next ones.
  await fetchInto(snapshot, reader, sharedBlobs(snapshot, units, allUnits));
  const configs = reader.request(
    units.map((unit) => snapshot.tree.get(`${unit}/terragrunt.hcl`)?.blob).filter((blob): blob is string => blob !== undefined && !snapshot.contents.has(blob)),
  );
  // Units sharing one config text (same blob) keep it until the last of them is done.
  const ownConfigUsers = new Map<string, number>();
  for (const unit of units) {
    const blob = snapshot.tree.get(`${unit}/terragrunt.hcl`)?.blob;
    if (blob) ownConfigUsers.set(blob, (ownConfigUsers.get(blob) ?? 0) + 1);
  }
  let pending = units;
  for (let round = 0; round < MAX_ROUNDS && pending.length > 0; round++) {
    const next: string[] = [];
    for (const unit of pending) {
      const own = snapshot.tree.get(`${unit}/terragrunt.hcl`);
      const arriving = round === 0 && own ? configs.get(own.blob) : undefined;
      if (arriving && !snapshot.contents.has(own!.blob)) {
        const content = await arriving;
        snapshot.contents.set(own!.blob, content === null ? "" : content.toString("utf8"));
      }
      const reads = analyseContained(run, unit);
      if (reads.pending) {
        // Keep the text (no refetch) but not the syntax tree: thousands of pending trees would pile up.
        if (own) parseCache.release(own.blob);
        next.push(unit);
        continue;
      }
      onAnalysed(unit, reads);
      // A unit's own config is rarely read by anything else: drop its text and syntax tree (memory stays
      // flat at 50,000 units; a shared one would only be parsed again).
      if (own) {
        const users = (ownConfigUsers.get(own.blob) ?? 1) - 1;
        ownConfigUsers.set(own.blob, users);
        if (users <= 0) {
          parseCache.release(own.blob);
          snapshot.contents.delete(own.blob);
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
    reads.addProblem({ code: "UNREADABLE_CONFIG", message: `could not load every file ${unit} reads from git`, file: `${unit}/terragrunt.hcl` });
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

function sharedBlobs(snapshot: Snapshot, units: string[], allUnits: Set<string>): string[] {
  const blobs: string[] = [];
  if (units.length > PREFETCH_SHARED_THRESHOLD) {
    // Shared files outside units (configs, modules, data read with file()/templatefile()): small ones are
    // fetched up front, so that most units complete in the first round.
    let budget = PREFETCH_BUDGET_BYTES;
    for (const [path, entry] of snapshot.tree.entries) {
      if (entry.size > PREFETCH_MAX_FILE_BYTES || entry.size > budget) continue;
      if (baseName(path) === "terragrunt.hcl" || baseName(path) === ".terraform.lock.hcl" || isSkippedDir(dirOf(path))) continue;
      if (unitContaining(path, allUnits) !== null) continue;
      blobs.push(entry.blob);
      budget -= entry.size;
    }
  }
  return blobs;
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
    reads.addProblem({ code: "HCL_EVAL", message: `could not analyse ${unit}: ${error instanceof Error ? error.message : String(error)}`, file });
    reads.addDynamic({ from: file, expression: "", reason: "the unit could not be analysed", pattern: "**", node: extend(null, { file: "**", via: "dynamic", from: file }) });
    return reads;
  }
}
