/**
 * Compact encoding of a unit's reads for the cache: strings go to a table shared by all units (paths like
 * `root.hcl` appear in thousands of records), chain nodes become `[file, via, fromFile, fromLine, parent]` numbers,
 * so a record is a few hundred bytes instead of kilobytes of repeated links.
 */
import { readViaSchema, type ReadVia, type UnitProblem } from "./contract.js";
import { LazyLink, type ChainedDynamic, type ReadNode, type UnitReads } from "./analysis/read-set.js";

const VIAS = readViaSchema.options;
const VIA_CODE = new Map<ReadVia, number>(VIAS.map((via, code) => [via, code]));

/** Append-only string table: records written by earlier runs keep their indices valid. */
export class StringTable {
  private readonly ids = new Map<string, number>();
  constructor(readonly strings: string[] = []) {
    strings.forEach((value, id) => this.ids.set(value, id));
  }

  id(value: string): number {
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(value);
      this.ids.set(value, id);
    }
    return id;
  }
}

interface EncodedReads {
  /** Nodes: file, via code, from file (-1: none), from line (-1: from file is the whole `from`), parent node (-1: root), flattened. */
  n: number[];
  /** [path, node] pairs for files, dirs, globs. */
  f: number[];
  d: number[];
  g: number[];
  y?: Array<Omit<ChainedDynamic, "node"> & { node: number }>;
  p?: UnitProblem[];
  dep?: number[];
}

export function encodeUnitReads(reads: UnitReads, table: StringTable): string {
  const nodeIds = new Map<ReadNode, number>();
  const n: number[] = [];
  const nodeId = (node: ReadNode): number => {
    let id = nodeIds.get(node);
    if (id === undefined) {
      const parent = node.parent ? nodeId(node.parent) : -1;
      id = n.length / 5;
      const link = node.link;
      const via = VIA_CODE.get(link.via) ?? 0;
      if (link instanceof LazyLink) n.push(table.id(link.file), via, table.id(link.fromFile), link.fromLine, parent);
      else n.push(table.id(link.file), via, link.from === undefined ? -1 : table.id(link.from), -1, parent);
      nodeIds.set(node, id);
    }
    return id;
  };
  const pairs = (map: Map<string, ReadNode>) => {
    const out: number[] = [];
    for (const [path, node] of map) out.push(table.id(path), nodeId(node));
    return out;
  };
  const encoded: EncodedReads = { n, f: pairs(reads.files), d: pairs(reads.dirs), g: pairs(reads.globs) };
  if (reads.dynamic.length > 0) encoded.y = reads.dynamic.map((read) => ({ ...read, node: nodeId(read.node) }));
  if (reads.problems.length > 0) encoded.p = reads.problems;
  if (reads.dependencies.size > 0) encoded.dep = [...reads.dependencies].map((path) => table.id(path));
  return JSON.stringify(encoded);
}

export function decodeUnitReads(text: string, strings: string[]): UnitReads {
  const encoded = JSON.parse(text) as EncodedReads;
  const nodes: ReadNode[] = [];
  for (let i = 0; i < encoded.n.length; i += 5) {
    const file = strings[encoded.n[i]!]!;
    const via = VIAS[encoded.n[i + 1]!]!;
    const from = encoded.n[i + 2]!;
    const line = encoded.n[i + 3]!;
    const parent = encoded.n[i + 4]!;
    const link = line !== -1 ? new LazyLink(file, via, strings[from]!, line) : from === -1 ? { file, via } : { file, via, from: strings[from]! };
    nodes.push({ link, parent: parent === -1 ? null : nodes[parent]! });
  }
  const map = (pairs: number[]) => {
    const out = new Map<string, ReadNode>();
    for (let i = 0; i < pairs.length; i += 2) out.set(strings[pairs[i]!]!, nodes[pairs[i + 1]!]!);
    return out;
  };
  return {
    files: map(encoded.f),
    dirs: map(encoded.d),
    globs: map(encoded.g),
    dynamic: (encoded.y ?? []).map((read) => ({ ...read, node: nodes[read.node]! })),
    problems: encoded.p ?? [],
    dependencies: new Set((encoded.dep ?? []).map((id) => strings[id]!)),
  };
}
