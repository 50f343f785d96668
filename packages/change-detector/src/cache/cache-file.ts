/**
 * The read cache, kept between runs in `<git common dir>/gantry/detect-cache`. It describes one commit: every
 * unit of that commit, its record (`record.ts`), its dependencies, and the inverted index over the records.
 *
 * Layout: one line of JSON (the header: versions, commit, the byte length of each section), then the sections
 * as plain text, back to back, so loading slices them out of the file's bytes instead of parsing one large
 * JSON document. Lists are NUL-separated (git paths never hold one), records newline-separated (records are
 * ASCII and never hold one); the graph is one JSON object, as the Detection document carries it.
 *
 * Anything unexpected (another version, a truncated or damaged file) makes `loadCache` return null: a cold
 * run, which rewrites the file atomically.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ReadIndex } from "./read-index.js";
import { RECORD_ENCODING, type RecordText } from "./record.js";
import { KeptStacks } from "../stacks/kept-generation.js";

/**
 * Bump whenever the analysis could read a unit differently (a function learns a new trick, a rule changes):
 * records written by an older analysis are then discarded instead of reused. 5: a local source reads its
 * module, not the copied tree; dependency blocks merge by name; HCL JSON; the root `terragrunt.hcl` unit.
 * 6: the stack generation kept per stack file (the `stacks` section); include blocks of stack files.
 */
export const CACHE_VERSION = 6;
const CACHE_FILE = "detect-cache";
/** What versions before the sectioned layout wrote (one JSON document): removed when the cache is written. */
const LEGACY_CACHE_FILE = "detect-cache-v1.json";
const KIND = "gantry-detect-cache";
const RECORDS_DECODED_ONE_BY_ONE = 64;
// The records last: their bounds run to the end of the file.
const SECTIONS = [
  "units",
  "strings",
  "dependencies",
  "files",
  "dirs",
  "globs",
  "dynamic",
  "stacks",
  "records",
] as const;
type SectionName = (typeof SECTIONS)[number];

interface CacheHeader {
  kind: typeof KIND;
  version: number;
  /** `RECORD_ENCODING` of the records. */
  encoding: number;
  commit: string;
  stackDirs: string[];
  /** Fingerprint of each unit generated from a stack file (see `stacks/generate.ts`). */
  generated: Record<string, string>;
  trackedFiles: number;
  /** Byte length of each section, in `SECTIONS` order after the header line. */
  sections: Record<SectionName, number>;
}

/** What a run writes. */
export interface CacheContent {
  commit: string;
  /** Sorted; a unit's id is its index here. */
  units: string[];
  /** Per unit, its record against `strings`; a reused record as the bytes it was loaded from. */
  records: Array<string | Buffer>;
  strings: string[];
  /** Per unit, its dependencies (sorted). */
  dependencies: string[][];
  stackDirs: string[];
  generated: Record<string, string>;
  /** The stack generation kept for reuse (`KeptStacks.encode`), null without stacks. */
  stacks: string | null;
  trackedFiles: number;
  index: ReadIndex;
}

/** What a run reads. */
export interface LoadedCache {
  commit: string;
  units: string[];
  strings: string[];
  stackDirs: string[];
  generated: Record<string, string>;
  /** The stack generation kept for reuse; null without stacks. */
  stacks: KeptStacks | null;
  trackedFiles: number;
  index: ReadIndex;
  record(id: number): RecordText;
  /** The record's bytes (a view into the loaded file), to write it back unchanged. */
  recordBytes(id: number): Buffer;
  dependencies(id: number): string[];
  /** The whole graph (unit → its dependencies), as the Detection document carries it. */
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
export function saveCache(commonDir: string, content: CacheContent): void {
  try {
    const dir = join(commonDir, "gantry");
    mkdirSync(dir, { recursive: true });
    const temporary = join(dir, `${CACHE_FILE}.${process.pid}.tmp`);
    writeFileSync(temporary, encodeCache(content));
    renameSync(temporary, cacheFilePath(commonDir));
    rmSync(join(dir, LEGACY_CACHE_FILE), { force: true });
  } catch {
    // A read-only repository: the next run is cold again.
  }
}

function encodeCache(content: CacheContent): Buffer {
  const graph = content.units.map(
    (unit, i) => `${JSON.stringify(unit)}:${JSON.stringify(content.dependencies[i] ?? [])}`,
  );
  const index = content.index.encode();
  const records: Buffer[] = [];
  content.records.forEach((record, i) => {
    if (i > 0) records.push(NEWLINE);
    records.push(typeof record === "string" ? Buffer.from(record, "latin1") : record);
  });
  const texts: Record<SectionName, Buffer> = {
    units: Buffer.from(content.units.join("\0")),
    strings: Buffer.from(content.strings.join("\0")),
    dependencies: Buffer.from(`{${graph.join(",")}}`),
    files: Buffer.from(index.files),
    dirs: Buffer.from(index.dirs),
    globs: Buffer.from(index.globs),
    dynamic: Buffer.from(index.dynamic),
    records: Buffer.concat(records),
    stacks: Buffer.from(content.stacks ?? ""),
  };
  const header: CacheHeader = {
    kind: KIND,
    version: CACHE_VERSION,
    encoding: RECORD_ENCODING,
    commit: content.commit,
    stackDirs: content.stackDirs,
    generated: content.generated,
    trackedFiles: content.trackedFiles,
    sections: Object.fromEntries(SECTIONS.map((name) => [name, texts[name].length])) as Record<SectionName, number>,
  };
  return Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), ...SECTIONS.map((name) => texts[name])]);
}

const NEWLINE = Buffer.from("\n");

/** Throws on anything unexpected. */
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
    typeof header.generated === "object" &&
    header.generated !== null &&
    typeof header.trackedFiles === "number" &&
    typeof header.sections === "object" &&
    header.sections !== null &&
    SECTIONS.every((name) => Number.isInteger(header.sections[name]) && header.sections[name] >= 0);
  if (!valid) throw new Error("not a cache of this version");
  const start = {} as Record<SectionName, number>;
  let offset = newline + 1;
  for (const name of SECTIONS) {
    start[name] = offset;
    offset += header.sections[name];
  }
  if (offset !== bytes.length) throw new Error("truncated cache");
  const text = (name: SectionName, encoding: BufferEncoding = "utf8") =>
    bytes.toString(encoding, start[name], start[name] + header.sections[name]);
  const list = (value: string) => (value === "" ? [] : value.split("\0"));

  const units = list(text("units"));
  const strings = list(text("strings"));
  const graph = JSON.parse(text("dependencies")) as Record<string, string[]>;
  if (typeof graph !== "object" || graph === null || Object.keys(graph).length !== units.length)
    throw new Error("dependency graph mismatch");
  // Record boundaries now (a damaged section means a cold run, not a misread later); their text on first use.
  const recordsStart = start.records;
  const bounds = new Int32Array(units.length + 1);
  for (let id = 1; id <= units.length; id++) {
    const end = id === units.length ? bytes.length : bytes.indexOf(10, recordsStart + bounds[id - 1]!);
    if (end === -1) throw new Error("fewer records than units");
    bounds[id] = end - recordsStart + 1;
  }
  if (units.length > 0 && bytes.indexOf(10, recordsStart + bounds[units.length - 1]!) !== -1)
    throw new Error("more records than units");
  if (units.length === 0 && header.sections.records !== 0) throw new Error("more records than units");
  // A few records (one unit changed) are decoded one by one; past that, the whole section once (a change every
  // unit reads asks for all): decoding all of it costs a one-unit warm run a sixth of its time at 10,000 units.
  let records: string | undefined;
  let asked = 0;
  const record = (id: number): RecordText => {
    if (records === undefined && ++asked <= RECORDS_DECODED_ONE_BY_ONE) {
      const text = bytes.toString("latin1", recordsStart + bounds[id]!, recordsStart + bounds[id + 1]! - 1);
      return { text, start: 0, end: text.length };
    }
    records ??= text("records", "latin1");
    return { text: records, start: bounds[id]!, end: bounds[id + 1]! - 1 };
  };
  const stacksText = text("stacks");
  return {
    commit: header.commit,
    stackDirs: header.stackDirs,
    generated: header.generated,
    stacks: stacksText === "" ? null : KeptStacks.decode(stacksText),
    trackedFiles: header.trackedFiles,
    units,
    strings,
    index: ReadIndex.decode({
      files: text("files"),
      dirs: text("dirs"),
      globs: text("globs"),
      dynamic: text("dynamic"),
    }),
    record,
    recordBytes: (id) => bytes.subarray(recordsStart + bounds[id]!, recordsStart + bounds[id + 1]! - 1),
    dependencies: (id) => graph[units[id]!] ?? [],
    graph: () => graph,
  };
}
