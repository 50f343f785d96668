/**
 * A unit's reads as one cache record, and the one reader of records.
 *
 * A record is ASCII text, `NODES|FILES|DIRS|GLOBS|DEPENDENCIES[|EXTRAS]`, each section comma-separated
 * integers; strings are ids in a string table shared by every record (`root.hcl` is in thousands of them):
 * - NODES: the chain nodes, five integers each: `file, via, from, line, parent`. `from` is the id of the
 *   referencing file with its `line`, or of a plain `from` text with line -1, or -1 for none; `parent` is the
 *   index of the parent node, or -1 for the unit's own link. A parent is always written before its children.
 * - FILES, DIRS, GLOBS: `key, node` pairs. DEPENDENCIES: the ids of the unit's dependencies.
 * - EXTRAS, only when the unit has dynamic reads, problems or an `exclude` block: JSON `{y: dynamic reads,
 *   p: problems, x: exclude}` with every non-ASCII character escaped. Such a record, and only such a record,
 *   ends with `}`.
 *
 * Records are read in place (a range of the cache's records text): matching asks one record for the chain to
 * one changed path, which parses only the section and nodes it needs.
 */
import picomatch from "picomatch";
import {
  readViaSchema,
  type DynamicRead,
  type ExcludeSetting,
  type ReadLink,
  type ReadVia,
  type UnitProblem,
} from "../contract.js";
import { LazyLink, type ReadNode, type UnitReads } from "../analysis/read-set.js";
import { compileDynamicPattern } from "../analysis/dynamic-pattern.js";
import { isInside } from "../paths.js";
import type { ReadKeys } from "./read-index.js";

/** Version of the record format (the cache's header names it; another one means a cold run). */
export const RECORD_ENCODING = 5;

const VIAS = readViaSchema.options;
const VIA_CODE = new Map<ReadVia, number>(VIAS.map((via, code) => [via, code]));
const COMMA = 44;
const MINUS = 45;
const EXTRAS_END = 125; // }

/** Append-only string table: the ids in records written by earlier runs stay valid. */
export class StringTable {
  private lookup: Map<string, number> | undefined;
  constructor(readonly strings: string[] = []) {}

  /** Built on first use: a warm run that asks nothing never hashes the whole table. */
  private get ids(): Map<string, number> {
    if (!this.lookup) {
      this.lookup = new Map();
      for (let id = 0; id < this.strings.length; id++) this.lookup.set(this.strings[id]!, id);
    }
    return this.lookup;
  }

  /** The id of `value`, added when new. */
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

/** A record: `text.slice(start, end)` (the cache keeps all records in one text). */
export interface RecordText {
  text: string;
  start: number;
  end: number;
}

export function recordOf(text: string): RecordText {
  return { text, start: 0, end: text.length };
}

/**
 * Encodes the records of one run against its string table, written as bytes into one reused buffer (joining
 * their integers as strings first cost more than the rest of the encoding).
 */
export class RecordEncoder {
  private buffer = Buffer.allocUnsafe(4096);
  private length = 0;

  constructor(readonly table: StringTable) {}

  encode(reads: UnitReads): string {
    const table = this.table;
    const nodeIds = new Map<ReadNode, number>();
    const nodes: number[] = [];
    // Most links of a unit come from a few files: one table lookup for a run of links from the same file.
    let lastFrom: string | undefined;
    let lastFromId = -1;
    const nodeId = (node: ReadNode): number => {
      let id = nodeIds.get(node);
      if (id === undefined) {
        const parent = node.parent ? nodeId(node.parent) : -1;
        const link = node.link;
        const via = VIA_CODE.get(link.via) ?? 0;
        if (link instanceof LazyLink) {
          if (link.fromFile !== lastFrom) lastFromId = table.id((lastFrom = link.fromFile));
          nodes.push(table.id(link.file), via, lastFromId, link.fromLine, parent);
        } else {
          nodes.push(table.id(link.file), via, link.from === undefined ? -1 : table.id(link.from), -1, parent);
        }
        id = nodes.length / 5 - 1;
        nodeIds.set(node, id);
      }
      return id;
    };
    const pairs = (map: Map<string, ReadNode>): number[] => {
      const out: number[] = [];
      for (const [key, node] of map) out.push(table.id(key), nodeId(node));
      return out;
    };
    const sections = [
      pairs(reads.files),
      pairs(reads.dirs),
      pairs(reads.globs),
      [...reads.dependencies].map((path) => table.id(path)),
    ];
    const extras: Extras = {};
    if (reads.dynamic.length > 0)
      extras.y = reads.dynamic.map(({ from, expression, reason, pattern, node }) => ({
        from,
        expression,
        reason,
        pattern,
        node: nodeId(node),
      }));
    if (reads.problems.length > 0) extras.p = reads.problems;
    if (reads.exclude) extras.x = reads.exclude;
    this.length = 0;
    this.integers(nodes);
    for (const section of sections) {
      this.ascii("|");
      this.integers(section);
    }
    if (extras.y || extras.p || extras.x) this.ascii(`|${asciiJson(extras)}`);
    return this.buffer.toString("latin1", 0, this.length);
  }

  private room(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const larger = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(larger, 0, 0, this.length);
    this.buffer = larger;
  }

  private integers(values: readonly number[]): void {
    this.room(values.length * 12);
    const buffer = this.buffer;
    let at = this.length;
    for (let i = 0; i < values.length; i++) {
      if (i > 0) buffer[at++] = COMMA;
      let value = values[i]!;
      if (value < 0) {
        buffer[at++] = MINUS;
        value = -value;
      }
      let digits = 1;
      for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits++;
      for (let k = at + digits - 1; k >= at; k--, value = Math.floor(value / 10)) buffer[k] = 48 + (value % 10);
      at += digits;
    }
    this.length = at;
  }

  private ascii(text: string): void {
    this.room(text.length);
    this.length += this.buffer.write(text, this.length, "latin1");
  }
}

/** JSON with every non-ASCII character escaped: records stay ASCII, so the cache decodes them as latin1. */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

export function hasExtras(record: RecordText): boolean {
  return record.end > record.start && record.text.charCodeAt(record.end - 1) === EXTRAS_END;
}

/** Reads records against one string table; holds the reused buffer chains are parsed into. */
export class RecordReader {
  private nodes = new Int32Array(256);

  /**
   * Table ids of the changed paths asked about (a handful per run, asked of thousands of records): found by a
   * scan of the table, not a lookup map of all of it. A miss is kept as `-1 - length` (the table only grows:
   * only strings added since are searched again).
   */
  private readonly pathIds = new Map<string, number>();

  constructor(private readonly table: StringTable) {}

  private idOf(path: string): number {
    const strings = this.table.strings;
    const known = this.pathIds.get(path);
    if (known !== undefined && (known >= 0 || -1 - known === strings.length)) return known >= 0 ? known : -1;
    const id = strings.indexOf(path, known === undefined ? 0 : -1 - known);
    this.pathIds.set(path, id === -1 ? -1 - strings.length : id);
    return id;
  }

  /**
   * The chain that links the unit to a changed `path` (unit first), or undefined when the record does not
   * read it: its read of that file, else of the deepest directory holding it, else the first glob, else the
   * first dynamic pattern matching it.
   */
  chainTo(record: RecordText, path: string): ReadLink[] | undefined {
    // Separators are found as far as needed: most answers come from the files section.
    const { text, end } = record;
    const strings = this.table.strings;
    const nodesEnd = separator(record, record.start);
    const filesEnd = separator(record, nodesEnd + 1);
    const pathId = this.idOf(path);
    if (pathId !== -1) {
      for (const scan = new Scanner(text, nodesEnd + 1, filesEnd); !scan.done();) {
        const key = scan.next();
        const node = scan.next();
        if (key === pathId) return this.chain(record, nodesEnd, node);
      }
    }
    const dirsEnd = separator(record, filesEnd + 1);
    let deepest = -1;
    let deepestLength = -1;
    for (const scan = new Scanner(text, filesEnd + 1, dirsEnd); !scan.done();) {
      const dir = strings[scan.next()]!;
      const node = scan.next();
      if (dir.length > deepestLength && isInside(path, dir)) {
        deepest = node;
        deepestLength = dir.length;
      }
    }
    if (deepest !== -1) return this.chain(record, nodesEnd, deepest);
    const globsEnd = separator(record, dirsEnd + 1);
    for (const scan = new Scanner(text, dirsEnd + 1, globsEnd); !scan.done();) {
      const glob = strings[scan.next()]!;
      const node = scan.next();
      if (picomatch.isMatch(path, glob, { dot: true })) return this.chain(record, nodesEnd, node);
    }
    if (text.charCodeAt(end - 1) !== EXTRAS_END) return undefined;
    for (const read of decodeExtras(record, sectionBounds(record)).y ?? []) {
      if (compileDynamicPattern(read.pattern).test(path)) return this.chain(record, nodesEnd, read.node);
    }
    return undefined;
  }

  /** The unit's dynamic reads and problems, as the Detection document lists them. */
  extras(record: RecordText): { dynamic: DynamicRead[]; problems: UnitProblem[]; exclude?: ExcludeSetting } {
    const extras = decodeExtras(record, sectionBounds(record));
    return {
      dynamic: (extras.y ?? []).map(({ from, expression, reason, pattern }) => ({ from, expression, reason, pattern })),
      problems: extras.p ?? [],
      ...(extras.x ? { exclude: extras.x } : {}),
    };
  }

  /** Everything the record reads, as the index posts it. */
  keys(record: RecordText): ReadKeys {
    const bounds = sectionBounds(record);
    const keysOf = (section: number): string[] => {
      const keys: string[] = [];
      for (const scan = new Scanner(record.text, bounds[section]!, bounds[section + 1]! - 1); !scan.done(); scan.next())
        keys.push(this.table.strings[scan.next()]!);
      return keys;
    };
    return {
      files: keysOf(1),
      dirs: keysOf(2),
      globs: keysOf(3),
      dynamic: (decodeExtras(record, bounds).y ?? []).map((read) => read.pattern),
    };
  }

  /** The unit's dependencies, sorted. */
  dependencies(record: RecordText): string[] {
    const bounds = sectionBounds(record);
    const dependencies: string[] = [];
    for (const scan = new Scanner(record.text, bounds[4]!, bounds[5]! - 1); !scan.done();)
      dependencies.push(this.table.strings[scan.next()]!);
    return dependencies.sort();
  }

  /** The links from the unit to node `nodeId`. */
  private chain(record: RecordText, nodesEnd: number, nodeId: number): ReadLink[] {
    // A parent is written before its children: the nodes up to `nodeId` hold the whole chain.
    const count = (nodeId + 1) * 5;
    if (this.nodes.length < count) this.nodes = new Int32Array(Math.max(count, this.nodes.length * 2));
    const n = this.nodes;
    const scan = new Scanner(record.text, record.start, nodesEnd);
    for (let i = 0; i < count; i++) {
      if (scan.done()) throw new Error("malformed cache record");
      n[i] = scan.next();
    }
    const strings = this.table.strings;
    const links: ReadLink[] = [];
    for (let id = nodeId; id !== -1; id = n[id * 5 + 4]!) {
      const at = id * 5;
      const file = strings[n[at]!]!;
      const via = VIAS[n[at + 1]!]!;
      const from = n[at + 2]!;
      const line = n[at + 3]!;
      links.push(
        line !== -1
          ? { file, via, from: `${strings[from]!}:${line}` }
          : from === -1
            ? { file, via }
            : { file, via, from: strings[from]! },
      );
    }
    return links.reverse();
  }
}

/**
 * Where each section starts: `bounds[k]` for section k (0 nodes … 4 dependencies, 5 extras), and
 * `bounds[k + 1] - 1` is where it ends. Without extras, `bounds[5]` is one past the record's end.
 */
/** The separator after a section that starts at `from`. */
function separator({ text, end }: RecordText, from: number): number {
  const bar = text.indexOf("|", from);
  if (bar === -1 || bar >= end) throw new Error("malformed cache record");
  return bar;
}

function sectionBounds({ text, start, end }: RecordText): Int32Array {
  const bounds = new Int32Array(6);
  bounds[0] = start;
  const sections = text.charCodeAt(end - 1) === EXTRAS_END ? 5 : 4;
  let at = start;
  for (let k = 1; k <= sections; k++) {
    const bar = text.indexOf("|", at);
    if (bar === -1 || bar >= end) throw new Error("malformed cache record");
    bounds[k] = at = bar + 1;
  }
  if (sections === 4) bounds[5] = end + 1;
  return bounds;
}

/** A record's extras: dynamic reads (with their chain node), problems, the `exclude` block. */
interface Extras {
  y?: Array<DynamicRead & { node: number }>;
  p?: UnitProblem[];
  x?: ExcludeSetting;
}

function decodeExtras(record: RecordText, bounds: Int32Array): Extras {
  return bounds[5]! > record.end ? {} : JSON.parse(record.text.slice(bounds[5], record.end));
}

/** The comma-separated integers of `text[at, end)`, one at a time. */
class Scanner {
  constructor(
    private readonly text: string,
    private at: number,
    private readonly end: number,
  ) {}

  done(): boolean {
    return this.at >= this.end;
  }

  next(): number {
    let value = 0;
    let negative = false;
    let c: number;
    for (; this.at < this.end && (c = this.text.charCodeAt(this.at)) !== COMMA; this.at++) {
      if (c === MINUS) negative = true;
      else value = value * 10 + (c - 48);
    }
    this.at++; // the comma
    return negative ? -value : value;
  }
}
