/**
 * What one unit reads: every file read or probed (an absent probe too), directories read as a whole, glob
 * probes, unresolvable (dynamic) reads, problems and dependencies, each with the chain of links that led
 * there. Chains are immutable linked lists (`ReadNode`, child → parent), so the thousands of reads that
 * share a prefix (unit → root.hcl → ...) share its nodes instead of copying arrays.
 */
import type { DynamicRead, ExcludeSetting, ReadLink, UnitProblem } from "../contract.js";

export interface ReadNode {
  readonly link: ReadLink;
  readonly parent: ReadNode | null;
}

export function extend(parent: ReadNode | null, link: ReadLink): ReadNode {
  return { link, parent };
}

/** `relative` (a chain rooted at null) re-rooted under `prefix`. */
export function rerootChain(relative: ReadNode | null, prefix: ReadNode | null): ReadNode | null {
  if (relative === null) return prefix;
  return { link: relative.link, parent: rerootChain(relative.parent, prefix) };
}

/**
 * A link whose `from` text (`file:line`) is only built when asked for: tens of thousands of probe links
 * are recorded per run and most are never printed.
 */
export class LazyLink implements ReadLink {
  constructor(
    readonly file: string,
    readonly via: ReadLink["via"],
    readonly fromFile: string,
    readonly fromLine: number,
  ) {}

  get from(): string {
    return `${this.fromFile}:${this.fromLine}`;
  }
}

/** The chain from the unit (first) to the node (last), as plain objects. */
export function chainToArray(node: ReadNode | null): ReadLink[] {
  const links: ReadLink[] = [];
  for (let current = node; current; current = current.parent) {
    const { file, via, from } = current.link;
    links.push(from === undefined ? { file, via } : { file, via, from });
  }
  return links.reverse();
}

export interface ChainedDynamic extends DynamicRead {
  node: ReadNode;
}

/** A unit's reads, as the analysis found them. */
export interface UnitReads {
  readonly files: Map<string, ReadNode>;
  readonly dirs: Map<string, ReadNode>;
  readonly globs: Map<string, ReadNode>;
  readonly dynamic: ChainedDynamic[];
  readonly problems: UnitProblem[];
  readonly dependencies: Set<string>;
  /** The unit's `exclude` block, evaluated (see `ExcludeSetting`). */
  readonly exclude?: ExcludeSetting | undefined;
}

export class ReadSet implements UnitReads {
  /** Repository path read or probed → node of the read. */
  readonly files = new Map<string, ReadNode>();
  /** Directories read as a whole (Terraform source roots, local modules). */
  readonly dirs = new Map<string, ReadNode>();
  /** `fileset` probes: picomatch glob (repository-relative) → node. */
  readonly globs = new Map<string, ReadNode>();
  readonly dynamic: ChainedDynamic[] = [];
  readonly problems: UnitProblem[] = [];
  readonly dependencies = new Set<string>();
  exclude: ExcludeSetting | undefined;

  /** The analysis depended on the reading unit (`get_original_terragrunt_dir`): not shareable. */
  usedOriginalDir = false;
  /** The analysis depended on `get_terragrunt_dir()` itself (not only on its parents): not shareable. */
  usedTerragruntDir = false;
  /** Blob contents were missing: the result is incomplete and will be recomputed. */
  pending = false;

  addFile(path: string, node: ReadNode): void {
    const known = this.files.get(path);
    // A content read explains a change better than the probe that found the file.
    if (!known || (known.link.via === "find_in_parent_folders" && node.link.via !== "find_in_parent_folders")) {
      this.files.set(path, node);
    }
  }

  addDir(dir: string, node: ReadNode): void {
    if (!this.dirs.has(dir)) this.dirs.set(dir, node);
  }

  addGlob(glob: string, node: ReadNode): void {
    if (!this.globs.has(glob)) this.globs.set(glob, node);
  }

  addDynamic(read: ChainedDynamic): void {
    if (
      !this.dynamic.some((d) => d.from === read.from && d.expression === read.expression && d.pattern === read.pattern)
    ) {
      this.dynamic.push(read);
    }
  }

  addProblem(problem: UnitProblem): void {
    if (
      !this.problems.some(
        (p) =>
          p.code === problem.code &&
          p.message === problem.message &&
          p.file === problem.file &&
          p.line === problem.line,
      )
    ) {
      this.problems.push(problem);
    }
  }

  /** Copies `other` (recorded with chains relative to one file) under the chain `prefix`. */
  mergeFrom(other: ReadSet, prefix: ReadNode | null, sameTerragruntDir = true): void {
    const rerooted = new Map<ReadNode, ReadNode>();
    const reroot = (node: ReadNode): ReadNode => {
      if (prefix === null) return node;
      let copy = rerooted.get(node);
      if (!copy) {
        copy = { link: node.link, parent: node.parent ? reroot(node.parent) : prefix };
        rerooted.set(node, copy);
      }
      return copy;
    };
    for (const [path, node] of other.files) this.addFile(path, reroot(node));
    for (const [dir, node] of other.dirs) this.addDir(dir, reroot(node));
    for (const [glob, node] of other.globs) this.addGlob(glob, reroot(node));
    for (const read of other.dynamic) this.addDynamic({ ...read, node: reroot(read.node) });
    for (const problem of other.problems) this.addProblem(problem);
    for (const dependency of other.dependencies) this.dependencies.add(dependency);
    this.usedOriginalDir ||= other.usedOriginalDir;
    if (sameTerragruntDir) this.usedTerragruntDir ||= other.usedTerragruntDir;
    this.pending ||= other.pending;
  }
}
