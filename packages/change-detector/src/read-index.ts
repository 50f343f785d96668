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

type Postings = Map<string, number[]>;

export interface SerializedIndex {
  files: Record<string, number[]>;
  dirs: Record<string, number[]>;
  globs: Record<string, number[]>;
  dynamic: Record<string, number[]>;
}

export class ReadIndex {
  readonly files: Postings = new Map();
  readonly dirs: Postings = new Map();
  readonly globs: Postings = new Map();
  readonly dynamic: Postings = new Map();
  private readonly globMatchers = new Map<string, (path: string) => boolean>();
  private readonly dynamicMatchers = new Map<string, RegExp>();

  add(unitId: number, reads: UnitReads): void {
    for (const path of reads.files.keys()) post(this.files, path, unitId);
    for (const dir of reads.dirs.keys()) post(this.dirs, dir, unitId);
    for (const glob of reads.globs.keys()) post(this.globs, glob, unitId);
    for (const read of reads.dynamic) post(this.dynamic, read.pattern, unitId);
  }

  /** Units whose reads contain `path` (exact files, directories, globs, and dynamic patterns if asked). */
  lookup(path: string, withDynamic: boolean): Set<number> {
    const result = new Set<number>();
    for (const id of this.files.get(path) ?? []) result.add(id);
    let dir = dirOf(path);
    for (;;) {
      for (const id of this.dirs.get(dir) ?? []) result.add(id);
      if (dir === "") break;
      dir = dirOf(dir);
    }
    for (const [glob, ids] of this.globs) {
      let matcher = this.globMatchers.get(glob);
      if (!matcher) this.globMatchers.set(glob, (matcher = picomatch(glob, { dot: true })));
      if (matcher(path)) for (const id of ids) result.add(id);
    }
    if (withDynamic) {
      for (const [pattern, ids] of this.dynamic) {
        let matcher = this.dynamicMatchers.get(pattern);
        if (!matcher) this.dynamicMatchers.set(pattern, (matcher = compileDynamicPattern(pattern)));
        if (matcher.test(path)) for (const id of ids) result.add(id);
      }
    }
    return result;
  }

  /** The postings as plain objects; `keep` renumbers ids (undefined drops one), omitted: kept as they are. */
  serialize(keep?: (id: number) => number | undefined): SerializedIndex {
    const convert = (postings: Postings) => {
      const out: Record<string, number[]> = {};
      for (const [key, ids] of postings) {
        if (!keep) {
          out[key] = ids;
          continue;
        }
        const mapped: number[] = [];
        for (const id of ids) {
          const next = keep(id);
          if (next !== undefined) mapped.push(next);
        }
        if (mapped.length > 0) out[key] = mapped;
      }
      return out;
    };
    return { files: convert(this.files), dirs: convert(this.dirs), globs: convert(this.globs), dynamic: convert(this.dynamic) };
  }

  static deserialize(data: SerializedIndex): ReadIndex {
    const index = new ReadIndex();
    const load = (target: Postings, source: Record<string, number[]>) => {
      for (const key of Object.keys(source)) target.set(key, source[key]!);
    };
    load(index.files, data.files);
    load(index.dirs, data.dirs);
    load(index.globs, data.globs);
    load(index.dynamic, data.dynamic);
    return index;
  }
}

function post(postings: Postings, key: string, id: number): void {
  const ids = postings.get(key);
  if (!ids) postings.set(key, [id]);
  else if (ids[ids.length - 1] !== id) ids.push(id);
}
