/**
 * The read cache, persisted between runs in `<git common dir>/gantry/detect-cache` (no longer JSON, so no
 * `.json`; the JSON file earlier versions wrote there is removed when this one is written).
 *
 * It describes one commit: for every unit of that commit's tree, what it reads (compactly encoded by
 * `record-codec.ts`), and the inverted index over those reads. On the next run, `git diff-tree CACHED HEAD`
 * (git compares blob ids) lists the paths whose blobs changed; only units that read one of them, or new
 * units, are analysed again. A corrupt file, another version, or a cached commit that no longer exists
 * means a cold run.
 *
 * Layout: one line of JSON (the header: versions, commit, and the byte length of each section), then the
 * sections as plain text, back to back. Not one JSON document: parsing 6 MB of JSON took most of a warm
 * run at 10,000 units, while these sections are sliced out of the file's bytes and split, and the records
 * (the bulk) are only decoded for the units a run asks about; the dependency graph is one JSON object.
 * Separators are NUL (git paths never contain one) and newline (records never contain one).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ReadIndex, type EncodedIndex } from "./read-index.js";
import type { UnitReads } from "./analysis/read-set.js";
import type { ReadLink } from "./contract.js";
import { EXTRAS_END, RECORD_ENCODING, decodeUnitReads, recordDirChain, recordFileChain } from "./record-codec.js";

/**
 * Bump whenever the analysis could read a unit differently (a function learns a new trick, a rule changes):
 * records written by an older analysis are then discarded instead of reused.
 * 2: yamldecode parses YAML. 3: sectioned file layout. 4: a local source reads its module, not the copied tree;
 * dependency blocks merge by name.
 */
export const CACHE_VERSION = 4;
const CACHE_FILE = "detect-cache";
/** What versions before the sectioned layout wrote (one JSON document). */
const LEGACY_CACHE_FILE = "detect-cache-v1.json";
const KIND = "gantry-detect-cache";
/** Records asked for before the whole records section is decoded at once (a few for most changes). */
const RECORDS_DECODED_ONE_BY_ONE = 64;
const SECTIONS = ["units", "strings", "dependencies", "files", "dirs", "globs", "dynamic", "records"] as const;
type SectionName = (typeof SECTIONS)[number];

interface CacheHeader {
  kind: typeof KIND;
  version: number;
  /** Format of the records (`RECORD_ENCODING`); a cache written by an older Gantry is rebuilt. */
  encoding: number;
  commit: string;
  stackDirs: string[];
  trackedFiles: number;
  /** Byte length of each section, in `SECTIONS` order after the header line. */
  sections: Record<SectionName, number>;
}

/** What a run writes. */
export interface CacheContent {
  commit: string;
  units: string[];
  /**
   * Per unit (same order as `units`): its reads, encoded by `record-codec.ts` against `strings`; as bytes
   * when reused from the loaded cache (copied as they are, never decoded).
   */
  records: Array<string | Buffer>;
  strings: string[];
  /** Per unit: its dependencies (the graph is needed on every run, without decoding records). */
  dependencies: string[][];
  stackDirs: string[];
  trackedFiles: number;
  index: ReadIndex;
}

/** What a run reads: records and dependencies are decoded per unit, when asked for. */
export interface LoadedCache {
  commit: string;
  units: string[];
  strings: string[];
  stackDirs: string[];
  trackedFiles: number;
  index: ReadIndex;
  /** The reads of the unit with this id, decoded from its record as far as asked. */
  reads(id: number): UnitReads;
  /**
   * The chain of the unit's read of a file, else of the deepest directory it reads that holds it (as
   * `chainFor` picks them), straight from its record (no decoder); undefined if neither.
   */
  fileOrDirChain(id: number, path: string): ReadLink[] | undefined;
  /** Whether the unit's record has dynamic reads or problems. */
  hasExtras(id: number): boolean;
  /** The record's bytes (a view into the loaded file), for writing it back unchanged. */
  recordBytes(id: number): Buffer;
  dependencies(id: number): string[];
  /** The cached commit's whole graph, as the Detection document carries it (unit → its dependencies). */
  graph(): Record<string, string[]>;
}

export function cacheFilePath(commonDir: string): string {
  return join(commonDir, "gantry", CACHE_FILE);
}

export function hasCache(commonDir: string): boolean {
  return existsSync(cacheFilePath(commonDir));
}

export function loadCache(commonDir: string): LoadedCache | null {
  try {
    return decodeCache(readFileSync(cacheFilePath(commonDir)));
  } catch {
    return null;
  }
}

/** Writes atomically (temp file + rename), so a crash never leaves half a cache. Failures are ignored. */
export function saveCache(commonDir: string, content: CacheContent): boolean {
  try {
    const dir = join(commonDir, "gantry");
    mkdirSync(dir, { recursive: true });
    const temporary = join(dir, `${CACHE_FILE}.${process.pid}.tmp`);
    writeFileSync(temporary, encodeCache(content));
    renameSync(temporary, cacheFilePath(commonDir));
    rmSync(join(dir, LEGACY_CACHE_FILE), { force: true });
    return true;
  } catch {
    return false;
  }
}

function encodeCache(content: CacheContent): Buffer {
  // The graph as the Detection document carries it ({unit: [dependencies]}), written as JSON text piece by
  // piece: `JSON.parse` builds the 10,000-key object faster than any loop over a more compact form (measured:
  // unit ids per line, 0.06 against 0.9 MB, took 10–12 ms to rebuild against 7–8 ms for the JSON).
  const graph = content.units.map((unit, i) => `${JSON.stringify(unit)}:${JSON.stringify(content.dependencies[i] ?? [])}`);
  const dependencies = `{${graph.join(",")}}`;
  const index: EncodedIndex = content.index.encode();
  const texts: Record<SectionName, Buffer> = {
    units: Buffer.from(content.units.join("\0")),
    strings: Buffer.from(content.strings.join("\0")),
    dependencies: Buffer.from(dependencies),
    files: Buffer.from(index.files),
    dirs: Buffer.from(index.dirs),
    globs: Buffer.from(index.globs),
    dynamic: Buffer.from(index.dynamic),
    records: joinRecords(content.records),
  };
  const header: CacheHeader = {
    kind: KIND,
    version: CACHE_VERSION,
    encoding: RECORD_ENCODING,
    commit: content.commit,
    stackDirs: content.stackDirs,
    trackedFiles: content.trackedFiles,
    sections: Object.fromEntries(SECTIONS.map((name) => [name, texts[name].length])) as Record<SectionName, number>,
  };
  return Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), ...SECTIONS.map((name) => texts[name])]);
}

const NEWLINE = Buffer.from("\n");

function joinRecords(records: Array<string | Buffer>): Buffer {
  const parts: Buffer[] = [];
  records.forEach((record, i) => {
    if (i > 0) parts.push(NEWLINE);
    parts.push(typeof record === "string" ? Buffer.from(record) : record);
  });
  return Buffer.concat(parts);
}

/** Throws on anything unexpected (the caller then runs cold). */
function decodeCache(bytes: Buffer): LoadedCache {
  const newline = bytes.indexOf(10);
  if (newline === -1) throw new Error("no header");
  const header = JSON.parse(bytes.toString("utf8", 0, newline)) as CacheHeader;
  const valid =
    typeof header === "object" &&
    header !== null &&
    header.kind === KIND &&
    header.version === CACHE_VERSION &&
    header.encoding === RECORD_ENCODING &&
    typeof header.commit === "string" &&
    /^[0-9a-f]{40,64}$/.test(header.commit) &&
    Array.isArray(header.stackDirs) &&
    typeof header.trackedFiles === "number" &&
    typeof header.sections === "object" &&
    header.sections !== null &&
    SECTIONS.every((name) => Number.isInteger(header.sections[name]) && header.sections[name] >= 0);
  if (!valid) throw new Error("not a cache of this version");
  const start: Record<string, number> = {};
  let offset = newline + 1;
  for (const name of SECTIONS) {
    start[name] = offset;
    offset += header.sections[name];
  }
  if (offset !== bytes.length) throw new Error("truncated cache");
  const text = (name: SectionName) => bytes.toString("utf8", start[name], start[name]! + header.sections[name]);
  const list = (value: string, separator: string) => (value === "" ? [] : value.split(separator));

  const units = list(text("units"), "\0");
  const strings = list(text("strings"), "\0");
  const graph = JSON.parse(text("dependencies")) as Record<string, string[]>;
  if (typeof graph !== "object" || graph === null || Object.keys(graph).length !== units.length) throw new Error("dependency graph mismatch");
  // Records stay bytes: their boundaries are found now, their text decoded when asked for. They are ASCII
  // (see RECORD_ENCODING): once many are asked for (a root.hcl change asks for all), the whole section is
  // decoded as one latin1 string, whose character offsets are byte offsets (one decode, not 10,000).
  const recordStart = start["records"]!;
  const recordEnd = recordStart + header.sections.records;
  const bounds = new Int32Array(units.length + 1);
  let at = recordStart;
  for (let id = 1; id < units.length; id++) {
    const end = bytes.indexOf(10, at);
    if (end === -1 || end >= recordEnd) throw new Error("fewer records than units");
    bounds[id] = (at = end + 1) - recordStart;
  }
  const extra = bytes.indexOf(10, at);
  if ((extra !== -1 && extra < recordEnd) || (units.length === 0 && recordEnd !== recordStart)) throw new Error("more records than units");
  bounds[units.length] = recordEnd - recordStart + 1; // one past the (absent) newline after the last record
  let records: string | undefined;
  let asked = 0;
  /** Calls `use` with the record of `id` as `text[start, end)`. */
  const withRecord = <T>(id: number, use: (text: string, start: number, end: number) => T): T => {
    if (records === undefined && ++asked <= RECORDS_DECODED_ONE_BY_ONE) {
      const text = bytes.toString("latin1", recordStart + bounds[id]!, recordStart + bounds[id + 1]! - 1);
      return use(text, 0, text.length);
    }
    records ??= bytes.toString("latin1", recordStart, recordEnd);
    return use(records, bounds[id]!, bounds[id + 1]! - 1);
  };
  const index = ReadIndex.decode({ files: text("files"), dirs: text("dirs"), globs: text("globs"), dynamic: text("dynamic") });
  return {
    commit: header.commit,
    stackDirs: header.stackDirs,
    trackedFiles: header.trackedFiles,
    units,
    strings,
    index,
    reads: (id) => withRecord(id, (text, from, to) => decodeUnitReads(text, strings, from, to)),
    fileOrDirChain: (id, path) =>
      withRecord(id, (text, from, to) => recordFileChain(text, from, to, strings, path) ?? recordDirChain(text, from, to, strings, path)),
    // The record's last byte says it (as `recordHasExtras` reads its text): nothing is decoded.
    hasExtras: (id) => bounds[id + 1]! - 1 > bounds[id]! && bytes[recordStart + bounds[id + 1]! - 2] === EXTRAS_END,
    recordBytes: (id) => bytes.subarray(recordStart + bounds[id]!, recordStart + bounds[id + 1]! - 1),
    dependencies: (id) => graph[units[id]!] ?? [],
    graph: () => graph,
  };
}
