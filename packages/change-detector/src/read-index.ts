/**
 * The inverted index over what all units read: path → the units that read
 * it. Matching a changed path costs a few map lookups (the path, its ancestor directories) plus the glob
 * and dynamic patterns, never a scan of every unit's reads.
 */
import picomatch from "picomatch";
import type { ReadLink } from "./contract.js";
import { chainToArray, type ReadNode, type UnitReads } from "./analysis/read-set.js";
import { compileDynamicPattern } from "./analysis/dynamic-pattern.js";
import { dirOf } from "./paths.js";

/** The chain that links a unit to a changed path, or undefined when the unit does not read it. */
export function chainFor(reads: UnitReads, path: string): ReadLink[] | undefined {
  if (reads.fileChain) {
    const chain = reads.fileChain(path);
    if (chain) return chain;
  } else {
    const file = reads.fileNode ? reads.fileNode(path) : reads.files.get(path);
    if (file) return chainToArray(file);
  }
  // The deepest directory read gives the most telling chain (a module inside a source root).
  const dirChain = reads.dirChain?.(path);
  if (dirChain) return dirChain;
  let best: [string, ReadNode] | undefined;
  for (const entry of reads.dirs) {
    const dir = entry[0];
    if ((dir === "" || path.startsWith(`${dir}/`)) && (!best || dir.length > best[0].length)) best = entry;
  }
  if (best) return chainToArray(best[1]);
  for (const [glob, node] of reads.globs) if (picomatch.isMatch(path, glob, { dot: true })) return chainToArray(node);
  for (const dynamic of reads.dynamic) if (compileDynamicPattern(dynamic.pattern).test(path)) return chainToArray(dynamic.node);
  return undefined;
}

/** Unit ids by key; a value stays in its cached text form (see `encodePostings`) until first asked for. */
type Postings = Map<string, number[] | string>;

/** The four posting lists of an index, each as one text section (how the cache stores them). */
export interface EncodedIndex {
  files: string;
  dirs: string;
  globs: string;
  dynamic: string;
}

const KINDS = ["files", "dirs", "globs", "dynamic"] as const;

/** Lookups answered by scanning the cached `files` text before its map is built (see `files`). */
const FILE_LOOKUPS_BY_SCAN = 8;

export class ReadIndex {
  /**
   * A decoded index keeps its `files` section (the big one: every path any unit reads) as text until an
   * update or more than a few lookups need the map: a warm run looks up a handful of changed paths, and
   * building 12,000 entries at 10,000 units (and carrying them through every young-generation GC) cost
   * 10–15 ms of such a run.
   */
  private filesText: string | undefined;
  private fileLookups = 0;
  private filesMap: Postings = new Map();
  readonly dirs: Postings = new Map();
  readonly globs: Postings = new Map();
  readonly dynamic: Postings = new Map();
  private readonly globMatchers = new Map<string, (path: string) => boolean>();
  private readonly dynamicMatchers = new Map<string, RegExp>();

  get files(): Postings {
    if (this.filesText !== undefined) {
      loadPostings(this.filesMap, this.filesText);
      this.filesText = undefined;
    }
    return this.filesMap;
  }

  /** The posting list of a file: from the kept text (`key NUL ids NUL ...`, keys at even fields), else the map. */
  private fileIds(path: string): number[] {
    const text = this.filesText;
    if (text === undefined || ++this.fileLookups > FILE_LOOKUPS_BY_SCAN) return idsOf(this.files, path);
    for (let at = 0; at < text.length; ) {
      const keyEnd = text.indexOf("\0", at);
      const idsEnd = text.indexOf("\0", keyEnd + 1);
      if (keyEnd - at === path.length && text.startsWith(path, at)) return decodePostings(text.slice(keyEnd + 1, idsEnd === -1 ? text.length : idsEnd));
      if (idsEnd === -1) break;
      at = idsEnd + 1;
    }
    return [];
  }

  add(unitId: number, reads: UnitReads): void {
    for (const path of reads.files.keys()) post(this.files, path, unitId);
    for (const dir of reads.dirs.keys()) post(this.dirs, dir, unitId);
    for (const glob of reads.globs.keys()) post(this.globs, glob, unitId);
    for (const read of reads.dynamic) post(this.dynamic, read.pattern, unitId);
  }

  /**
   * Takes units out of the postings of everything their reads list (`readsOf` gives a unit's reads as they
   * were indexed). Each affected posting list is filtered once, however many of the units it holds.
   */
  remove(unitIds: Iterable<number>, readsOf: (id: number) => UnitReads): void {
    const removed = new Set(unitIds);
    const touched = { files: new Set<string>(), dirs: new Set<string>(), globs: new Set<string>(), dynamic: new Set<string>() };
    for (const id of removed) {
      const reads = readsOf(id);
      for (const path of reads.files.keys()) touched.files.add(path);
      for (const dir of reads.dirs.keys()) touched.dirs.add(dir);
      for (const glob of reads.globs.keys()) touched.globs.add(glob);
      for (const read of reads.dynamic) touched.dynamic.add(read.pattern);
    }
    for (const kind of KINDS) {
      // Nothing to take out: the kept `files` text is not turned into a map (a warm run removes no unit).
      if (touched[kind].size === 0) continue;
      const postings = this[kind];
      for (const key of touched[kind]) {
        if (!postings.has(key)) continue;
        const kept = idsOf(postings, key).filter((id) => !removed.has(id));
        if (kept.length > 0) postings.set(key, kept);
        else postings.delete(key);
      }
    }
  }

  /**
   * Units whose reads contain `path` (exact files, directories, globs, and dynamic patterns if asked), each
   * once. Usually one posting list answers (a file's readers): it is returned as it is, not copied to a set.
   */
  lookup(path: string, withDynamic: boolean): readonly number[] | Set<number> {
    const lists: number[][] = [];
    const add = (ids: number[]) => {
      if (ids.length > 0) lists.push(ids);
    };
    add(this.fileIds(path));
    let dir = dirOf(path);
    for (;;) {
      add(idsOf(this.dirs, dir));
      if (dir === "") break;
      dir = dirOf(dir);
    }
    for (const glob of this.globs.keys()) {
      let matcher = this.globMatchers.get(glob);
      if (!matcher) this.globMatchers.set(glob, (matcher = picomatch(glob, { dot: true })));
      if (matcher(path)) add(idsOf(this.globs, glob));
    }
    if (withDynamic) {
      for (const pattern of this.dynamic.keys()) {
        let matcher = this.dynamicMatchers.get(pattern);
        if (!matcher) this.dynamicMatchers.set(pattern, (matcher = compileDynamicPattern(pattern)));
        if (matcher.test(path)) add(idsOf(this.dynamic, pattern));
      }
    }
    if (lists.length <= 1) return lists[0] ?? [];
    const result = new Set<number>();
    for (const ids of lists) for (const id of ids) result.add(id);
    return result;
  }

  /** A copy with ids renumbered by `keep` (undefined drops one). */
  renumbered(keep: (id: number) => number | undefined): ReadIndex {
    const index = new ReadIndex();
    for (const kind of KINDS) {
      for (const key of this[kind].keys()) {
        const mapped: number[] = [];
        for (const id of idsOf(this[kind], key)) {
          const next = keep(id);
          if (next !== undefined) mapped.push(next);
        }
        if (mapped.length > 0) index[kind].set(key, mapped);
      }
    }
    return index;
  }

  /** The index as text sections: `key NUL ids NUL key NUL ids ...` (git paths never hold a NUL byte). */
  encode(): EncodedIndex {
    const section = (postings: Postings): string => {
      const parts: string[] = [];
      for (const [key, ids] of postings) parts.push(key, typeof ids === "string" ? ids : encodePostings(ids));
      return parts.join("\0");
    };
    // A files section never turned into a map is written back as it was read.
    const files = this.filesText ?? section(this.files);
    return { files, dirs: section(this.dirs), globs: section(this.globs), dynamic: section(this.dynamic) };
  }

  /** An index over `encode()`'s sections; each posting list is decoded only when a lookup reaches it. */
  static decode(sections: EncodedIndex): ReadIndex {
    const index = new ReadIndex();
    for (const kind of KINDS) {
      const text = sections[kind];
      if (text === "") continue;
      // Fields come in key/ids pairs: 2n fields have 2n - 1 separators, so an even count means damage.
      let separators = 0;
      for (let at = text.indexOf("\0"); at !== -1; at = text.indexOf("\0", at + 1)) separators++;
      if (separators % 2 !== 1) throw new Error(`malformed index section ${kind}`);
      if (kind === "files") {
        index.filesText = text;
        continue;
      }
      loadPostings(index[kind], text);
    }
    return index;
  }
}

/** Fills `postings` from a section's `key NUL ids NUL ...` text, each list left as text until asked for. */
function loadPostings(postings: Postings, text: string): void {
  const parts = text.split("\0");
  for (let i = 0; i < parts.length; i += 2) postings.set(parts[i]!, parts[i + 1]!);
}

function idsOf(postings: Postings, key: string): number[] {
  const ids = postings.get(key);
  if (ids === undefined) return [];
  if (typeof ids !== "string") return ids;
  const decoded = decodePostings(ids);
  postings.set(key, decoded);
  return decoded;
}

function post(postings: Postings, key: string, id: number): void {
  // One map lookup on the hot path (a cold run posts every read of every unit).
  let ids = postings.get(key);
  if (ids === undefined) {
    postings.set(key, [id]);
    return;
  }
  if (typeof ids === "string") postings.set(key, (ids = decodePostings(ids)));
  if (ids[ids.length - 1] !== id) ids.push(id);
}

/**
 * Unit ids as text, runs of consecutive ids as `first-last`: units are numbered in path order, so the
 * thousands of units of one environment that read its `root.hcl` take a few bytes, not a long array.
 */
export function encodePostings(ids: readonly number[]): string {
  const sorted = Int32Array.from(ids).sort();
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1]! <= sorted[j]! + 1) j++;
    parts.push(sorted[j] === sorted[i] ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

export function decodePostings(text: string): number[] {
  const ids: number[] = [];
  if (text === "") return ids;
  for (const part of text.split(",")) {
    const dash = part.indexOf("-");
    const first = Number(dash === -1 ? part : part.slice(0, dash));
    const last = dash === -1 ? first : Number(part.slice(dash + 1));
    if (!Number.isInteger(first) || !Number.isInteger(last) || first < 0 || last < first) throw new Error(`malformed posting list '${part}'`);
    for (let id = first; id <= last; id++) ids.push(id);
  }
  return ids;
}
