/**
 * Compact encoding of a unit's reads for the cache: strings go to a table shared by all units (paths like
 * `root.hcl` appear in thousands of records), chain nodes become `[file, via, from, parent]` number quads,
 * so a record is a few hundred bytes instead of kilobytes of repeated links.
 */
import { readViaSchema, type ReadVia, type UnitProblem } from "./contract.js";
import type { ChainedDynamic, ReadNode, UnitReads } from "./analysis/read-set.js";

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
  /** Nodes: file, via code, from (-1: none), parent node (-1: root), flattened. */
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
      id = n.length / 4;
      n.push(table.id(node.link.file), VIA_CODE.get(node.link.via) ?? 0, node.link.from === undefined ? -1 : table.id(node.link.from), parent);
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
  for (let i = 0; i < encoded.n.length; i += 4) {
    const from = encoded.n[i + 2]!;
    const parent = encoded.n[i + 3]!;
    nodes.push({
      link: { file: strings[encoded.n[i]!]!, via: VIAS[encoded.n[i + 1]!]!, ...(from === -1 ? {} : { from: strings[from]! }) },
      parent: parent === -1 ? null : nodes[parent]!,
    });
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
