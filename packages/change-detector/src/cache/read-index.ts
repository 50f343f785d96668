/**
 * The inverted index over what all units read: path → the ids of the units that read it. Matching a changed
 * path costs a few map lookups (the path, its ancestor directories) plus the glob and dynamic patterns, never
 * a scan of every unit's reads.
 *
 * Stored as four text sections, `key NUL ids NUL key NUL ids ...` (git paths never hold a NUL byte), each
 * posting list as id ranges (`0-9999`: units are numbered in path order, so the thousands of units of one
 * environment that read its `root.hcl` take a few bytes). A loaded list stays text until a lookup needs it.
 */
import picomatch from "picomatch";
import { compileDynamicPattern } from "../analysis/dynamic-pattern.js";
import type { UnitReads } from "../analysis/read-set.js";
import { dirOf } from "../paths.js";

/** What one unit's record lists, as the index posts it. */
export interface ReadKeys {
  files: Iterable<string>;
  dirs: Iterable<string>;
  globs: Iterable<string>;
  /** The patterns of its dynamic reads. */
  dynamic: Iterable<string>;
}

const KINDS = ["files", "dirs", "globs", "dynamic"] as const;
type Kind = (typeof KINDS)[number];

/** The index as the cache stores it: one text section per kind. */
export type EncodedIndex = Record<Kind, string>;

/** Unit ids by key; a list stays in its stored text form until first asked for. */
type Postings = Map<string, number[] | string>;

/** Lookups answered from a loaded `files` section's text before it is split into a map. */
const FILE_LOOKUPS_BY_SCAN = 8;

export class ReadIndex {
  private readonly postings: Record<Kind, Postings> = {
    files: new Map(),
    dirs: new Map(),
    globs: new Map(),
    dynamic: new Map(),
  };
  /**
   * A loaded `files` section (every path any unit reads, the largest) is kept as text until an update or more
   * than a few lookups need the map: a warm run looks up a handful of changed paths, and splitting the section
   * into a map first cost such a run at 10,000 units a sixth of its time.
   */
  private filesText: string | undefined;
  private fileLookups = 0;
  private readonly globMatchers = new Map<string, (path: string) => boolean>();
  private readonly dynamicMatchers = new Map<string, RegExp>();

  /** The postings of one kind (the `files` text is split into its map first). */
  private postingsOf(kind: Kind): Postings {
    if (kind === "files" && this.filesText !== undefined) {
      const parts = this.filesText.split("\0");
      for (let i = 0; i < parts.length; i += 2) this.postings.files.set(parts[i]!, parts[i + 1]!);
      this.filesText = undefined;
    }
    return this.postings[kind];
  }

  /** A file's posting list: scanned from the kept text (keys are the even fields) while lookups are few. */
  private fileIds(path: string): number[] {
    const text = this.filesText;
    if (text === undefined || ++this.fileLookups > FILE_LOOKUPS_BY_SCAN) return idsOf(this.postingsOf("files"), path);
    for (let at = 0; at < text.length;) {
      const keyEnd = text.indexOf("\0", at);
      const idsEnd = text.indexOf("\0", keyEnd + 1);
      if (keyEnd - at === path.length && text.startsWith(path, at))
        return decodePostings(text.slice(keyEnd + 1, idsEnd === -1 ? text.length : idsEnd));
      if (idsEnd === -1) break;
      at = idsEnd + 1;
    }
    return [];
  }

  add(unitId: number, reads: UnitReads): void {
    post(this.postingsOf("files"), reads.files.keys(), unitId);
    post(this.postings.dirs, reads.dirs.keys(), unitId);
    post(this.postings.globs, reads.globs.keys(), unitId);
    for (const read of reads.dynamic) post(this.postings.dynamic, [read.pattern], unitId);
  }

  /** Takes units out of the postings of everything their reads list (`keysOf` gives what was indexed). */
  remove(unitIds: Iterable<number>, keysOf: (id: number) => ReadKeys): void {
    const removed = new Set(unitIds);
    const touched: Record<Kind, Set<string>> = {
      files: new Set(),
      dirs: new Set(),
      globs: new Set(),
      dynamic: new Set(),
    };
    for (const id of removed) {
      const keys = keysOf(id);
      for (const kind of KINDS) for (const key of keys[kind]) touched[kind].add(key);
    }
    for (const kind of KINDS) {
      if (touched[kind].size === 0) continue;
      const postings = this.postingsOf(kind);
      for (const key of touched[kind]) {
        const kept = idsOf(postings, key).filter((id) => !removed.has(id));
        if (kept.length > 0) postings.set(key, kept);
        else postings.delete(key);
      }
    }
  }

  /**
   * Units whose reads contain `path` (exact files, directories holding it, globs, and dynamic patterns if
   * asked), each once. Usually one posting list answers (a file's readers): it is returned as it is.
   */
  lookup(path: string, withDynamic: boolean): readonly number[] | Set<number> {
    const lists: number[][] = [];
    const add = (ids: number[]) => {
      if (ids.length > 0) lists.push(ids);
    };
    add(this.fileIds(path));
    for (let dir = dirOf(path); ; dir = dirOf(dir)) {
      add(idsOf(this.postings.dirs, dir));
      if (dir === "") break;
    }
    for (const glob of this.postings.globs.keys()) {
      let matcher = this.globMatchers.get(glob);
      if (!matcher) this.globMatchers.set(glob, (matcher = picomatch(glob, { dot: true })));
      if (matcher(path)) add(idsOf(this.postings.globs, glob));
    }
    if (withDynamic) {
      for (const pattern of this.postings.dynamic.keys()) {
        let matcher = this.dynamicMatchers.get(pattern);
        if (!matcher) this.dynamicMatchers.set(pattern, (matcher = compileDynamicPattern(pattern)));
        if (matcher.test(path)) add(idsOf(this.postings.dynamic, pattern));
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
      const postings = this.postingsOf(kind);
      for (const key of postings.keys()) {
        const mapped: number[] = [];
        for (const id of idsOf(postings, key)) {
          const next = keep(id);
          if (next !== undefined) mapped.push(next);
        }
        if (mapped.length > 0) index.postings[kind].set(key, mapped);
      }
    }
    return index;
  }

  encode(): EncodedIndex {
    const section = (postings: Postings): string => {
      const parts: string[] = [];
      for (const [key, ids] of postings) parts.push(key, typeof ids === "string" ? ids : encodePostings(ids));
      return parts.join("\0");
    };
    return {
      files: this.filesText ?? section(this.postings.files),
      dirs: section(this.postings.dirs),
      globs: section(this.postings.globs),
      dynamic: section(this.postings.dynamic),
    };
  }

  /** Throws on a damaged section (the cache is then ignored). */
  static decode(sections: EncodedIndex): ReadIndex {
    const index = new ReadIndex();
    for (const kind of KINDS) {
      if (sections[kind] === "") continue;
      // Fields come in key/ids pairs: 2n fields have 2n - 1 separators.
      let separators = 0;
      for (let at = sections[kind].indexOf("\0"); at !== -1; at = sections[kind].indexOf("\0", at + 1)) separators++;
      if (separators % 2 !== 1) throw new Error(`malformed index section ${kind}`);
      if (kind === "files") index.filesText = sections.files;
      else {
        const parts = sections[kind].split("\0");
        for (let i = 0; i < parts.length; i += 2) index.postings[kind].set(parts[i]!, parts[i + 1]!);
      }
    }
    return index;
  }
}

function post(postings: Postings, keys: Iterable<string>, unitId: number): void {
  for (const key of keys) {
    const ids = postings.get(key);
    if (ids === undefined) postings.set(key, [unitId]);
    else {
      const list = typeof ids === "string" ? decodePostings(ids) : ids;
      if (list[list.length - 1] !== unitId) list.push(unitId);
      if (list !== ids) postings.set(key, list);
    }
  }
}

function idsOf(postings: Postings, key: string): number[] {
  const ids = postings.get(key);
  if (ids === undefined) return [];
  if (typeof ids !== "string") return ids;
  const decoded = decodePostings(ids);
  postings.set(key, decoded);
  return decoded;
}

/** Unit ids as text, runs of consecutive ids as `first-last`. */
export function encodePostings(ids: readonly number[]): string {
  const sorted = Int32Array.from(ids).sort();
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
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
    if (!Number.isInteger(first) || !Number.isInteger(last) || first < 0 || last < first)
      throw new Error(`malformed posting list '${part}'`);
    for (let id = first; id <= last; id++) ids.push(id);
  }
  return ids;
}
