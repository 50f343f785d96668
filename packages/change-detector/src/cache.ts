/**
 * The read cache, persisted between runs in `<git common dir>/gantry/detect-cache-v1.json`.
 *
 * It describes one commit: for every unit of that commit's tree, what it reads (compactly encoded, as a
 * string so that loading the cache does not decode the records of units nobody asks about), and the
 * inverted index over those reads. On the next run, `git diff-tree CACHED HEAD` (git compares blob ids)
 * lists the paths whose blobs changed; only units that read one of them, or new units, are analysed again.
 * A corrupt file, another version, or a cached commit that no longer exists means a cold run.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ReadIndex, type SerializedIndex } from "./read-index.js";
import { RECORD_ENCODING } from "./record-codec.js";

/**
 * Bump whenever the analysis could read a unit differently (a function learns a new trick, a rule changes):
 * records written by an older analysis are then discarded instead of reused.
 * 2: yamldecode parses YAML.
 */
export const CACHE_VERSION = 2;
const CACHE_FILE = "detect-cache-v1.json";

interface CacheDocument {
  kind: "gantry-detect-cache";
  version: number;
  /** Format of `records` (`RECORD_ENCODING`); a cache written by an older Gantry is rebuilt. */
  encoding: number;
  commit: string;
  units: string[];
  /** Per unit (same order as `units`): its reads, encoded by `record-codec.ts` against `strings`. */
  records: string[];
  strings: string[];
  /** Per unit: its dependencies (the graph is needed on every run, without decoding records). */
  dependencies: string[][];
  stackDirs: string[];
  trackedFiles: number;
  index: SerializedIndex;
}

export type CacheContent = Omit<CacheDocument, "kind" | "version" | "encoding">;

export interface LoadedCache extends Omit<CacheContent, "index"> {
  index: ReadIndex;
}

export function cacheFilePath(commonDir: string): string {
  return join(commonDir, "gantry", CACHE_FILE);
}

export function loadCache(commonDir: string): LoadedCache | null {
  let document: CacheDocument;
  try {
    document = JSON.parse(readFileSync(cacheFilePath(commonDir), "utf8")) as CacheDocument;
  } catch {
    return null;
  }
  const valid =
    typeof document === "object" &&
    document !== null &&
    document.kind === "gantry-detect-cache" &&
    document.version === CACHE_VERSION &&
    document.encoding === RECORD_ENCODING &&
    typeof document.commit === "string" &&
    /^[0-9a-f]{40,64}$/.test(document.commit) &&
    Array.isArray(document.units) &&
    Array.isArray(document.records) &&
    Array.isArray(document.strings) &&
    Array.isArray(document.dependencies) &&
    document.dependencies.length === document.units.length &&
    Array.isArray(document.stackDirs) &&
    typeof document.trackedFiles === "number" &&
    document.units.length === document.records.length &&
    typeof document.index === "object" &&
    document.index !== null &&
    ["files", "dirs", "globs", "dynamic"].every((key) => typeof (document.index as unknown as Record<string, unknown>)[key] === "object");
  if (!valid) return null;
  const { kind: _kind, version: _version, encoding: _encoding, index, ...content } = document;
  return { ...content, index: ReadIndex.deserialize(index) };
}

/** Writes atomically (temp file + rename), so a crash never leaves half a cache. Failures are ignored. */
export function saveCache(commonDir: string, content: CacheContent): boolean {
  const document: CacheDocument = { kind: "gantry-detect-cache", version: CACHE_VERSION, encoding: RECORD_ENCODING, ...content };
  try {
    const dir = join(commonDir, "gantry");
    mkdirSync(dir, { recursive: true });
    const temporary = join(dir, `${CACHE_FILE}.${process.pid}.tmp`);
    writeFileSync(temporary, JSON.stringify(document));
    renameSync(temporary, cacheFilePath(commonDir));
    return true;
  } catch {
    return false;
  }
}
