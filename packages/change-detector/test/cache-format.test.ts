/**
 * The cache's stored forms: a record read in place gives what the fresh reads give (chains, extras, keys,
 * dependencies), and the index survives encoding with its id ranges.
 */
import { describe, expect, test } from "vitest";
import { LazyLink, ReadSet, chainToArray, extend, type ReadNode } from "../src/analysis/read-set.js";
import { ReadIndex, decodePostings, encodePostings } from "../src/cache/read-index.js";
import { RecordEncoder, RecordReader, StringTable, hasExtras, recordOf } from "../src/cache/record.js";

const encodeRecord = (reads: ReadSet, table: StringTable): string => new RecordEncoder(table).encode(reads);

function sampleReads(): ReadSet {
  const reads = new ReadSet();
  const unit = extend(null, { file: "live/app/terragrunt.hcl", via: "unit" });
  const root = extend(unit, new LazyLink("root.hcl", "include", "live/app/terragrunt.hcl", 2));
  reads.addFile("live/app/terragrunt.hcl", unit);
  reads.addFile("root.hcl", root);
  reads.addFile(
    "live/account.hcl",
    extend(root, new LazyLink("live/account.hcl", "find_in_parent_folders", "root.hcl", 3)),
  );
  reads.addDir(
    "modules",
    extend(unit, { file: "modules", via: "terraform.source", from: "live/app/terragrunt.hcl:9" }),
  );
  reads.addDir("modules/app", extend(unit, { file: "modules/app", via: "module", from: "modules/main.tf:1" }));
  reads.addGlob(
    "live/app/*.json",
    extend(unit, new LazyLink("live/app/*.json", "fileset", "live/app/terragrunt.hcl", 12)),
  );
  reads.addDynamic({
    from: "root.hcl:7",
    expression: 'file("a|b|c")',
    reason: "env | unknown",
    pattern: "configs/**",
    node: extend(root, { file: "configs/**", via: "dynamic", from: "root.hcl:7" }),
  });
  reads.addProblem({ code: "HCL_EVAL", message: "bad | value", file: "root.hcl", line: 4, column: 2 });
  reads.dependencies.add("live/vpc");
  reads.dependencies.add("live/db");
  return reads;
}

/** The chain the fresh reads give for a changed path: file, else deepest directory, else glob, else dynamic. */
function freshChain(reads: ReadSet, path: string) {
  const file = reads.files.get(path);
  if (file) return chainToArray(file);
  let best: [string, ReadNode] | undefined;
  for (const entry of reads.dirs)
    if ((entry[0] === "" || path.startsWith(`${entry[0]}/`)) && (!best || entry[0].length > best[0].length))
      best = entry;
  if (best) return chainToArray(best[1]);
  if (path.startsWith("live/app/") && path.endsWith(".json")) return chainToArray(reads.globs.get("live/app/*.json")!);
  if (path.startsWith("configs/")) return chainToArray(reads.dynamic[0]!.node);
  return undefined;
}

describe("records", () => {
  test("a record answers chains, extras, keys and dependencies as the fresh reads do", () => {
    const reads = sampleReads();
    const table = new StringTable();
    const text = encodeRecord(reads, table);
    // As a later run reads it: a table rebuilt from the stored strings.
    const reader = new RecordReader(new StringTable([...table.strings]));
    const record = recordOf(text);
    const asked = [
      "live/app/terragrunt.hcl",
      "root.hcl",
      "live/account.hcl",
      "modules/app/main.tf",
      "modules/db/main.tf",
      "modules",
      "live/app/x.json",
      "configs/a/b.yaml",
      "absent.hcl",
      "modules/application/x",
    ];
    for (const path of asked) expect([path, reader.chainTo(record, path)]).toEqual([path, freshChain(reads, path)]);
    expect(hasExtras(record)).toBe(true);
    expect(reader.extras(record)).toEqual({
      dynamic: [{ from: "root.hcl:7", expression: 'file("a|b|c")', reason: "env | unknown", pattern: "configs/**" }],
      problems: reads.problems,
    });
    const keys = reader.keys(record);
    expect(keys).toEqual({
      files: [...reads.files.keys()],
      dirs: [...reads.dirs.keys()],
      globs: [...reads.globs.keys()],
      dynamic: ["configs/**"],
    });
    expect(reader.dependencies(record)).toEqual(["live/db", "live/vpc"]);
  });

  test("records are ASCII: other characters in dynamic reads and problems are escaped and come back intact", () => {
    const reads = new ReadSet();
    const unit = extend(null, { file: "live/ünï/terragrunt.hcl", via: "unit" });
    reads.addFile("live/ünï/terragrunt.hcl", unit);
    reads.addDynamic({
      from: "live/ünï/terragrunt.hcl:3",
      expression: 'file("日本/${local.x}")',
      reason: "local.x — unknown",
      pattern: "日本/**",
      node: extend(unit, { file: "日本/**", via: "dynamic", from: "live/ünï/terragrunt.hcl:3" }),
    });
    reads.addProblem({
      code: "HCL_SYNTAX",
      message: "expected an expression after '=' (got 'é') 🙂",
      file: "live/ünï/terragrunt.hcl",
      line: 2,
      column: 7,
    });
    const table = new StringTable();
    const text = encodeRecord(reads, table);
    expect(/^[\x00-\x7f]*$/.test(text)).toBe(true);
    // As the cache reads it: the records section as one latin1 string, each record a range of it.
    const section = Buffer.from(`${encodeRecord(new ReadSet(), table)}\n${text}`).toString("latin1");
    const reader = new RecordReader(table);
    for (const record of [recordOf(text), { text: section, start: section.indexOf("\n") + 1, end: section.length }]) {
      expect(reader.extras(record).problems).toEqual(reads.problems);
      expect(reader.extras(record).dynamic[0]!.expression).toBe('file("日本/${local.x}")');
      expect(reader.chainTo(record, "live/ünï/terragrunt.hcl")).toEqual([
        { file: "live/ünï/terragrunt.hcl", via: "unit" },
      ]);
      expect(reader.chainTo(record, "日本/x")).toEqual([
        { file: "live/ünï/terragrunt.hcl", via: "unit" },
        { file: "日本/**", via: "dynamic", from: "live/ünï/terragrunt.hcl:3" },
      ]);
    }
  });

  test("an empty record reads nothing", () => {
    const table = new StringTable();
    const record = recordOf(encodeRecord(new ReadSet(), table));
    const reader = new RecordReader(table);
    expect(hasExtras(record)).toBe(false);
    expect(reader.chainTo(record, "a")).toBeUndefined();
    expect(reader.keys(record)).toEqual({ files: [], dirs: [], globs: [], dynamic: [] });
    expect(reader.dependencies(record)).toEqual([]);
  });

  test("a record cut short is refused, not misread", () => {
    const table = new StringTable();
    const text = encodeRecord(sampleReads(), table);
    const reader = new RecordReader(table);
    expect(() => reader.chainTo(recordOf(text.slice(0, text.indexOf("|"))), "root.hcl")).toThrow(/malformed/);
  });
});

describe("the index", () => {
  test("runs of consecutive ids are ranges; decoding gives the sorted, distinct ids back", () => {
    expect(encodePostings([5, 1, 2, 3, 9, 3, 10, 11, 0])).toBe("0-3,5,9-11");
    expect(decodePostings("0-3,5,9-11")).toEqual([0, 1, 2, 3, 5, 9, 10, 11]);
    expect(decodePostings(encodePostings([]))).toEqual([]);
    const ids = Array.from({ length: 500 }, (_, i) => (i * 7919) % 1013);
    expect(decodePostings(encodePostings(ids))).toEqual([...new Set(ids)].sort((a, b) => a - b));
    expect(() => decodePostings("4-2")).toThrow(/malformed/);
    expect(() => decodePostings("x")).toThrow(/malformed/);
  });

  test("a decoded index answers file lookups from its kept text exactly as from the map, and writes it back as read", () => {
    const index = new ReadIndex();
    // Longer keys first: a lookup of a prefix ("a/x", "a") must not stop at them.
    const paths = ["a/x.hcl.bak", "a/x.hcl", "a/x", "root.hcl", "b/terragrunt.hcl", "123", "ü/日本.hcl"];
    paths.forEach((path, id) => {
      const set = new ReadSet();
      set.addFile(path, extend(null, { file: path, via: "unit" }));
      set.addFile("root.hcl", extend(null, { file: "root.hcl", via: "include" }));
      index.add(id, set);
    });
    const encoded = index.encode();
    const scanned = ReadIndex.decode(encoded);
    // Twelve lookups: the first eight scan the text, the rest split it into the map; both agree with the original.
    const asked = ["a", "a/x.h", "a/x", "absent.hcl", ...paths, "root.hcl"];
    for (const path of asked)
      expect([path, [...scanned.lookup(path, false)].sort()]).toEqual([path, [...index.lookup(path, false)].sort()]);
    expect(ReadIndex.decode(encoded).encode()).toEqual(encoded);
  });

  test("an index survives encode and decode; units are removed, added and renumbered", () => {
    const index = new ReadIndex();
    const reads = (files: string[], dirs: string[] = []) => {
      const set = new ReadSet();
      for (const file of files) set.addFile(file, extend(null, { file, via: "unit" }));
      for (const dir of dirs) set.addDir(dir, extend(null, { file: dir, via: "terraform.source" }));
      return set;
    };
    const keys = (files: string[], dirs: string[] = []) => ({ files, dirs, globs: [], dynamic: [] });
    index.add(0, reads(["root.hcl", "a/terragrunt.hcl"]));
    index.add(1, reads(["root.hcl", "b/terragrunt.hcl"], ["modules/vpc"]));
    index.add(2, reads(["root.hcl"], ["modules"]));
    index.add(3, sampleReads());
    const decoded = ReadIndex.decode(index.encode());
    expect(decoded.encode()).toEqual(index.encode());
    expect([...decoded.lookup("root.hcl", false)]).toEqual([0, 1, 2, 3]);
    expect([...decoded.lookup("modules/vpc/main.tf", false)].sort()).toEqual([1, 2, 3]);
    expect([...decoded.lookup("live/app/x.json", false)]).toEqual([3]);
    expect([...decoded.lookup("configs/x", false)]).toEqual([]);
    expect([...decoded.lookup("configs/x", true)]).toEqual([3]);
    decoded.remove([1], () => keys(["root.hcl", "b/terragrunt.hcl"], ["modules/vpc"]));
    expect([...decoded.lookup("b/terragrunt.hcl", false)]).toEqual([]);
    expect([...decoded.lookup("modules/vpc/main.tf", false)].sort()).toEqual([2, 3]);
    decoded.add(1, reads(["root.hcl"]));
    decoded.add(4, reads(["root.hcl"]));
    expect([...decoded.lookup("root.hcl", false)].sort()).toEqual([0, 1, 2, 3, 4]);
    expect([...decoded.renumbered((id) => (id === 0 ? undefined : id + 10)).lookup("root.hcl", false)].sort()).toEqual([
      11, 12, 13, 14,
    ]);
    expect(() => ReadIndex.decode({ files: "a\0b\0c", dirs: "", globs: "", dynamic: "" })).toThrow(/malformed/);
  });
});
