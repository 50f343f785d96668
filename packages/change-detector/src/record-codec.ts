/**
 * Compact encoding of a unit's reads for the cache: strings go to a table shared by all units (paths like
 * `root.hcl` appear in thousands of records), chain nodes become `[file, via, fromFile, fromLine, parent]`
 * numbers, so a record is a few hundred bytes instead of kilobytes of repeated links.
 *
 * A record is plain text, `NODES|FILES|DIRS|GLOBS|DEPENDENCIES[|JSON]`, each section comma-separated
 * integers; the optional JSON tail holds the rare dynamic reads and problems. No quotes, so embedding
 * records in the cache's JSON costs no escaping, and loading the cache parses no per-unit JSON. Records are
 * decoded lazily: matching a change against a unit builds only the chain it reports.
 */
import { readViaSchema, type ReadLink, type ReadVia, type UnitProblem } from "./contract.js";
import { LazyLink, chainToArray, type ChainedDynamic, type ReadNode, type UnitReads } from "./analysis/read-set.js";

/**
 * Version of the record text format (stored in the cache document; another one means a cold run).
 * 3: records are ASCII only (the JSON tail escapes other characters), so the cache decodes them as latin1.
 */
export const RECORD_ENCODING = 3;

const VIAS = readViaSchema.options;
const VIA_CODE = new Map<ReadVia, number>(VIAS.map((via, code) => [via, code]));

/** Append-only string table: records written by earlier runs keep their indices valid. */
export class StringTable {
  /** Built on the first `id()`: a warm run that encodes nothing never pays for hashing the whole table. */
  private lookup: Map<string, number> | undefined;
  constructor(readonly strings: string[] = []) {}

  private get ids(): Map<string, number> {
    if (!this.lookup) {
      const ids = new Map<string, number>();
      for (let id = 0; id < this.strings.length; id++) ids.set(this.strings[id]!, id);
      this.lookup = ids;
    }
    return this.lookup;
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

interface EncodedExtras {
  y?: Array<Omit<ChainedDynamic, "node"> & { node: number }>;
  p?: UnitProblem[];
}

export function encodeUnitReads(reads: UnitReads, table: StringTable): string {
  const nodeIds = new Map<ReadNode, number>();
  const n: number[] = [];
  // Most of a unit's fresh links come from its own config: one table lookup for that path, not one per link.
  let lastFrom: string | undefined;
  let lastFromId = -1;
  const nodeId = (node: ReadNode): number => {
    let id = nodeIds.get(node);
    if (id === undefined) {
      const parent = node.parent ? nodeId(node.parent) : -1;
      id = n.length / 5;
      const link = node.link;
      if (link instanceof LazyLink) {
        if (link.encodedBy !== table) {
          link.fileId = table.id(link.file);
          if (link.fromFile !== lastFrom) lastFromId = table.id((lastFrom = link.fromFile));
          link.fromFileId = lastFromId;
          link.viaCode = VIA_CODE.get(link.via) ?? 0;
          link.encodedBy = table;
        }
        n.push(link.fileId, link.viaCode, link.fromFileId, link.fromLine, parent);
      } else {
        n.push(table.id(link.file), VIA_CODE.get(link.via) ?? 0, link.from === undefined ? -1 : table.id(link.from), -1, parent);
      }
      nodeIds.set(node, id);
    }
    return id;
  };
  const pairs = (map: Map<string, ReadNode>): number[] => {
    const out: number[] = [];
    for (const [path, node] of map) {
      const id = nodeId(node);
      // Most reads are recorded under a link to the path itself: its table id is already on the link.
      const link = node.link;
      out.push(link instanceof LazyLink && link.encodedBy === table && link.file === path ? link.fileId : table.id(path), id);
    }
    return out;
  };
  const files = pairs(reads.files);
  const dirs = pairs(reads.dirs);
  const globs = pairs(reads.globs);
  const dependencies: number[] = [];
  for (const path of reads.dependencies) dependencies.push(table.id(path));
  const extras: EncodedExtras = {};
  if (reads.dynamic.length > 0) extras.y = reads.dynamic.map(({ from, expression, reason, pattern, node }) => ({ from, expression, reason, pattern, node: nodeId(node) }));
  if (reads.problems.length > 0) extras.p = reads.problems;
  const out = recordWriter;
  out.reset();
  out.integers(n);
  for (const section of [files, dirs, globs, dependencies]) {
    out.byte(124); // |
    out.integers(section);
  }
  if (extras.y || extras.p) {
    out.byte(124);
    out.ascii(asciiJson(extras));
  }
  return out.text();
}

/**
 * Writes a record's ASCII bytes and turns them into one flat string: joining the ~100 integers of a record
 * with `Array.join` converted each number to a string first, and was a fifth of a cold run's encoding.
 */
class RecordWriter {
  private buffer = Buffer.allocUnsafeSlow(4096);
  private length = 0;

  reset(): void {
    this.length = 0;
  }

  private room(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const larger = Buffer.allocUnsafeSlow(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(larger, 0, 0, this.length);
    this.buffer = larger;
  }

  byte(code: number): void {
    this.room(1);
    this.buffer[this.length++] = code;
  }

  /** Comma-separated integers. */
  integers(values: readonly number[]): void {
    this.room(values.length * 12);
    const buffer = this.buffer;
    let at = this.length;
    for (let i = 0; i < values.length; i++) {
      if (i > 0) buffer[at++] = 44; // ,
      let value = values[i]!;
      if (value < 0) {
        buffer[at++] = 45; // -
        value = -value;
      }
      if (value < 10) {
        buffer[at++] = 48 + value;
        continue;
      }
      // Digits backwards into place: count them first.
      let digits = 1;
      for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits++;
      for (let k = at + digits - 1; k >= at; k--) {
        buffer[k] = 48 + (value % 10);
        value = Math.floor(value / 10);
      }
      at += digits;
    }
    this.length = at;
  }

  ascii(text: string): void {
    this.room(text.length);
    for (let i = 0; i < text.length; i++) this.buffer[this.length++] = text.charCodeAt(i);
  }

  text(): string {
    return this.buffer.toString("latin1", 0, this.length);
  }
}

const recordWriter = new RecordWriter();

/**
 * JSON with every non-ASCII character escaped: records stay ASCII, so the cache decodes their section as
 * latin1 (cheaper than UTF-8) and character offsets equal byte offsets.
 */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Parses comma-separated integers in `text[start, end)`. */
function parseIntegers(text: string, start: number, end: number): number[] {
  const out: number[] = [];
  let value = 0;
  let negative = false;
  let digits = false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 44) {
      out.push(negative ? -value : value);
      value = 0;
      negative = false;
      digits = false;
    } else if (c === 45) {
      negative = true;
    } else {
      value = value * 10 + (c - 48);
      digits = true;
    }
  }
  if (digits) out.push(negative ? -value : value);
  return out;
}

/**
 * Comma-separated integers of `text[start, end)`, parsed only as far as asked: a reason needs the first
 * file pairs and the few nodes of one chain, not the whole record.
 */
class IntegerCursor {
  readonly values: number[] = [];
  constructor(
    private readonly text: string,
    private position: number,
    private readonly end: number,
  ) {}

  /** Parses until `count` integers are known (or the section ends); returns how many are known. */
  ensure(count: number): number {
    const values = this.values;
    const text = this.text;
    let i = this.position;
    while (values.length < count && i < this.end) {
      let value = 0;
      let negative = false;
      for (; i < this.end; i++) {
        const c = text.charCodeAt(i);
        if (c === 44) break;
        if (c === 45) negative = true;
        else value = value * 10 + (c - 48);
      }
      values.push(negative ? -value : value);
      i++; // the comma
    }
    this.position = i;
    return values.length;
  }
}

/** Reads of a unit, decoded from its record on demand (nodes, maps and extras only when asked for). */
class DecodedUnitReads implements UnitReads {
  /** Offsets of the section separators in `text`, found as far as asked; sections are parsed when needed. */
  private readonly bars: number[] = [];
  private nodeCursor: IntegerCursor | undefined;
  private fileCursor: IntegerCursor | undefined;
  private readonly nodes: Array<ReadNode | undefined> = [];
  private filesMap: Map<string, ReadNode> | undefined;
  private dirsMap: Map<string, ReadNode> | undefined;
  private globsMap: Map<string, ReadNode> | undefined;
  private extras: { dynamic: ChainedDynamic[]; problems: UnitProblem[] } | undefined;
  private dependencySet: Set<string> | undefined;

  constructor(
    /** The record is `text[start, end)`: the cache's records section is one string, not 10,000 slices. */
    private readonly text: string,
    private readonly strings: string[],
    private readonly start: number,
    private readonly end: number,
  ) {}

  /** Offset of the separator after section `k` (4 and 5 always exist; the JSON tail has none after it). */
  private bar(k: number): number {
    const bars = this.bars;
    while (bars.length <= k && bars.length < 5) {
      let next = this.text.indexOf("|", bars.length === 0 ? this.start : bars[bars.length - 1]! + 1);
      if (next >= this.end) next = -1;
      if (next === -1) {
        if (bars.length < 4) throw new Error("malformed cache record");
        break;
      }
      bars.push(next);
    }
    return k < bars.length ? bars[k]! : this.end;
  }

  private sectionStart(k: number): number {
    return k === 0 ? this.start : this.bar(k - 1) + 1;
  }

  private sectionEnd(k: number): number {
    return this.bar(k);
  }

  private get hasExtras(): boolean {
    return recordHasExtras(this.text, this.start, this.end);
  }

  /** Integers of section `k` (0 nodes, 1 files, 2 dirs, 3 globs, 4 dependencies). */
  private section(k: number): number[] {
    return parseIntegers(this.text, this.sectionStart(k), this.sectionEnd(k));
  }

  private cursor(k: 0 | 1): IntegerCursor {
    if (k === 0) return (this.nodeCursor ??= new IntegerCursor(this.text, this.sectionStart(0), this.sectionEnd(0)));
    return (this.fileCursor ??= new IntegerCursor(this.text, this.sectionStart(1), this.sectionEnd(1)));
  }

  private node(id: number): ReadNode {
    let node = this.nodes[id];
    if (!node) {
      const cursor = this.cursor(0);
      const at = id * 5;
      if (cursor.ensure(at + 5) < at + 5) throw new Error("malformed cache record");
      const n = cursor.values;
      const file = this.strings[n[at]!]!;
      const via = VIAS[n[at + 1]!]!;
      const from = n[at + 2]!;
      const line = n[at + 3]!;
      const parent = n[at + 4]!;
      const link = line !== -1 ? new LazyLink(file, via, this.strings[from]!, line) : from === -1 ? { file, via } : { file, via, from: this.strings[from]! };
      node = { link, parent: parent === -1 ? null : this.node(parent) };
      this.nodes[id] = node;
    }
    return node;
  }

  private map(pairs: number[]): Map<string, ReadNode> {
    const out = new Map<string, ReadNode>();
    for (let i = 0; i < pairs.length; i += 2) out.set(this.strings[pairs[i]!]!, this.node(pairs[i + 1]!));
    return out;
  }

  /** The node of a file read, without building the whole map (matching asks for one path per unit). */
  fileNode(path: string): ReadNode | undefined {
    if (this.filesMap) return this.filesMap.get(path);
    // Records hold table ids: compare integers, and skip the record at once when the table lacks the path.
    const pathId = tableIdOf(this.strings, path);
    if (pathId === -1) return undefined;
    const cursor = this.cursor(1);
    for (let i = 0; cursor.ensure(i + 2) >= i + 2; i += 2) {
      if (cursor.values[i] === pathId) return this.node(cursor.values[i + 1]!);
    }
    return undefined;
  }

  /**
   * The chain of a file read, straight from the record text: no nodes, links or cursors are built (on a
   * `root.hcl` change, matching asks this of every unit). Same objects as `chainToArray` gives.
   */
  fileChain(path: string): ReadLink[] | undefined {
    if (this.filesMap || this.nodeCursor || this.fileCursor) {
      const node = this.fileNode(path);
      return node ? chainToArray(node) : undefined;
    }
    return recordFileChain(this.text, this.start, this.end, this.strings, path);
  }

  /**
   * The chain of the deepest directory read that contains `path` (as `chainFor` picks it), straight from
   * the record text like `fileChain`.
   */
  dirChain(path: string): ReadLink[] | undefined {
    if (this.dirsMap || this.nodeCursor) return undefined;
    return recordDirChain(this.text, this.start, this.end, this.strings, path);
  }

  get files(): Map<string, ReadNode> {
    return (this.filesMap ??= this.map(this.section(1)));
  }
  get dirs(): Map<string, ReadNode> {
    return (this.dirsMap ??= this.map(this.section(2)));
  }
  get globs(): Map<string, ReadNode> {
    return (this.globsMap ??= this.map(this.section(3)));
  }
  get dependencies(): Set<string> {
    return (this.dependencySet ??= new Set(this.section(4).map((id) => this.strings[id]!)));
  }
  get dynamic(): ChainedDynamic[] {
    return this.hasExtras ? this.decodeExtras().dynamic : [];
  }
  get problems(): UnitProblem[] {
    return this.hasExtras ? this.decodeExtras().problems : [];
  }

  private decodeExtras(): { dynamic: ChainedDynamic[]; problems: UnitProblem[] } {
    if (!this.extras) {
      const extras = JSON.parse(this.text.slice(this.bar(4) + 1, this.end)) as EncodedExtras;
      this.extras = {
        dynamic: (extras.y ?? []).map((read) => ({ ...read, node: this.node(read.node) })),
        problems: extras.p ?? [],
      };
    }
    return this.extras;
  }
}

/** The last character of a record that has the JSON tail (`}`): the integer sections never end with it. */
export const EXTRAS_END = 125;

/** Whether the record `text[start, end)` has the JSON tail (dynamic reads, problems). */
export function recordHasExtras(text: string, start: number, end: number): boolean {
  return end > start && text.charCodeAt(end - 1) === EXTRAS_END;
}

/**
 * The chain of a file read straight from the record `text[start, end)`: no decoder, nodes or maps are built
 * (on a change every unit reads, matching asks this of every unit). undefined when the record has no read
 * of that file. Same objects as `chainToArray` gives.
 */
export function recordFileChain(text: string, start: number, end: number, strings: string[], path: string): ReadLink[] | undefined {
  // Records hold table ids: compare integers, and skip the record at once when the table lacks the path.
  const pathId = tableIdOf(strings, path);
  if (pathId === -1) return undefined;
  const nodesEnd = text.indexOf("|", start);
  const filesEnd = nodesEnd === -1 ? -1 : text.indexOf("|", nodesEnd + 1);
  if (filesEnd === -1 || filesEnd >= end) throw new Error("malformed cache record");
  // Files are `path,node` pairs of non-negative ids.
  for (let i = nodesEnd + 1; i < filesEnd; ) {
    i = readPair(text, i, filesEnd);
    if (pair.key === pathId) return chainOfNode(text, start, nodesEnd, strings, pair.value);
  }
  return undefined;
}

/**
 * The chain of the deepest directory read that contains `path` (as `chainFor` picks it), straight from the
 * record `text[start, end)` like `recordFileChain`.
 */
export function recordDirChain(text: string, start: number, end: number, strings: string[], path: string): ReadLink[] | undefined {
  const nodesEnd = text.indexOf("|", start);
  const filesEnd = nodesEnd === -1 ? -1 : text.indexOf("|", nodesEnd + 1);
  const dirsEnd = filesEnd === -1 ? -1 : text.indexOf("|", filesEnd + 1);
  if (dirsEnd === -1 || dirsEnd >= end) throw new Error("malformed cache record");
  let best = -1;
  let bestLength = -1;
  // Directories are `dir,node` pairs of non-negative ids.
  for (let i = filesEnd + 1; i < dirsEnd; ) {
    i = readPair(text, i, dirsEnd);
    const dir = strings[pair.key]!;
    if (dir.length > bestLength && (dir === "" || (path.startsWith(dir) && path.charCodeAt(dir.length) === 47))) {
      best = pair.value;
      bestLength = dir.length;
    }
  }
  return best === -1 ? undefined : chainOfNode(text, start, nodesEnd, strings, best);
}

/** The last pair `readPair` read (module state rather than a callback or a returned object: no allocation). */
const pair = { key: 0, value: 0 };

/** Reads the `key,value` pair of non-negative ids at `i` (before `end`) into `pair`; returns where the next starts. */
function readPair(text: string, i: number, end: number): number {
  let key = 0;
  let c = 0;
  for (; i < end && (c = text.charCodeAt(i)) !== 44; i++) key = key * 10 + (c - 48);
  i++;
  let value = 0;
  for (; i < end && (c = text.charCodeAt(i)) !== 44; i++) value = value * 10 + (c - 48);
  pair.key = key;
  pair.value = value;
  return i + 1;
}

/** The links from the unit to node `nodeId` of a record whose nodes section is `text[start, nodesEnd)`. */
function chainOfNode(text: string, start: number, nodesEnd: number, strings: string[], nodeId: number): ReadLink[] {
  // A parent is always encoded before its children: the nodes up to `nodeId` hold the whole chain.
  const count = (nodeId + 1) * 5;
  if (scratch.length < count) scratch = new Int32Array(Math.max(count, scratch.length * 2));
  const n = scratch;
  let known = 0;
  for (let i = start; known < count && i < nodesEnd; ) {
    let value = 0;
    let negative = false;
    for (; i < nodesEnd; i++) {
      const c = text.charCodeAt(i);
      if (c === 44) break;
      if (c === 45) negative = true;
      else value = value * 10 + (c - 48);
    }
    n[known++] = negative ? -value : value;
    i++;
  }
  if (known < count) throw new Error("malformed cache record");
  const links: ReadLink[] = [];
  for (let id = nodeId; id !== -1; ) {
    const at = id * 5;
    const file = strings[n[at]!]!;
    const via = VIAS[n[at + 1]!]!;
    const from = n[at + 2]!;
    const line = n[at + 3]!;
    links.push(line !== -1 ? { file, via, from: `${strings[from]!}:${line}` } : from === -1 ? { file, via } : { file, via, from: strings[from]! });
    id = n[at + 4]!;
  }
  return links.reverse();
}

/** Reused by `chainOfNode` for the integers of a record's nodes (one record is decoded at a time). */
let scratch = new Int32Array(256);

/** Table ids of the paths matching asks about (a handful per run), per table: one scan of the table each. */
const askedIds = new WeakMap<string[], Map<string, number>>();

function tableIdOf(strings: string[], path: string): number {
  let ids = askedIds.get(strings);
  if (!ids) askedIds.set(strings, (ids = new Map()));
  // The table only grows (fresh records append to it): an id found stays valid, and a miss is stored as
  // `-1 - length` so that only strings appended since are searched again.
  const known = ids.get(path);
  if (known !== undefined && known >= 0) return known;
  const searchedUpTo = known === undefined ? 0 : -1 - known;
  if (searchedUpTo === strings.length) return -1;
  const id = strings.indexOf(path, searchedUpTo);
  ids.set(path, id === -1 ? -1 - strings.length : id);
  return id;
}

/** Decodes the record `text[start, end)` (the whole text by default). */
export function decodeUnitReads(text: string, strings: string[], start = 0, end = text.length): UnitReads {
  return new DecodedUnitReads(text, strings, start, end);
}
