/**
 * The fast paths added for speed must give exactly what the general code gives: path resolution without
 * `posix.normalize`, the text record codec, the cache encoding marker, and streaming the small files beside
 * each unit's config (a batch above the prefetch threshold).
 */
import { posix } from "node:path";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { cacheFilePath } from "../src/index.js";
import { resolveRepoPath } from "../src/paths.js";
import { StringTable, decodeUnitReads, encodeUnitReads } from "../src/record-codec.js";
import { LazyLink, ReadSet, chainToArray, extend } from "../src/analysis/read-set.js";
import { createTempGitRepo, detect, rewriteCacheHeader } from "./helpers.js";
import { ReadIndex, decodePostings, encodePostings } from "../src/read-index.js";
import { deletedUnitsOf, isSkippedDir, unitIdIn, withBaseUnits } from "../src/units.js";
import type { DiffEntry } from "../src/git.js";

/** The general rule the fast paths must agree with: join under /repo, normalise, map back (or null). */
function slowResolve(baseDir: string, path: string): string | null {
  const absolute = path.startsWith("/") ? posix.normalize(path) : posix.join(baseDir === "" ? "/repo" : `/repo/${baseDir}`, path);
  if (absolute === "/repo" || absolute === "/repo/") return "";
  if (!absolute.startsWith("/repo/")) return null;
  return absolute.slice("/repo/".length).replace(/\/+$/, "");
}

describe("resolveRepoPath fast paths", () => {
  const bases = ["", "a", "a/b", "a/b/c"];
  const paths = ["x", "x/y", "./x", "../x", "../../x", "../../../x", "./../x", "../x/../y", "../.hidden", ".hidden/x", "x//y", "x/", "../x/./y", "..", ".", "/repo/x", "/repo/../x", "/etc/passwd", "../x.hcl"];
  for (const base of bases) {
    test(`from '${base}'`, () => {
      for (const path of paths) expect([path, resolveRepoPath(base, path)]).toEqual([path, slowResolve(base, path)]);
    });
  }
});

describe("record codec", () => {
  test("a record decodes to the same reads and chains, dynamic reads and problems included", () => {
    const reads = new ReadSet();
    const unit = extend(null, { file: "live/app/terragrunt.hcl", via: "unit" });
    const root = extend(unit, new LazyLink("root.hcl", "include", "live/app/terragrunt.hcl", 2));
    reads.addFile("live/app/terragrunt.hcl", unit);
    reads.addFile("root.hcl", root);
    reads.addFile("live/account.hcl", extend(root, new LazyLink("live/account.hcl", "find_in_parent_folders", "root.hcl", 3)));
    reads.addDir("modules/app", extend(unit, { file: "modules/app", via: "terraform.source", from: "live/app/terragrunt.hcl:9" }));
    reads.addGlob("live/app/*.json", extend(unit, new LazyLink("live/app/*.json", "fileset", "live/app/terragrunt.hcl", 12)));
    reads.addDynamic({ from: "root.hcl:7", expression: 'file("a|b|c")', reason: "env | unknown", pattern: "configs/**", node: extend(root, { file: "configs/**", via: "dynamic", from: "root.hcl:7" }) });
    reads.addProblem({ code: "HCL_EVAL", message: "bad | value", file: "root.hcl", line: 4, column: 2 });
    reads.dependencies.add("live/vpc");

    const table = new StringTable();
    const text = encodeUnitReads(reads, table);
    // Reloaded from a cache: a fresh table built from the stored strings.
    const decoded = decodeUnitReads(text, [...new StringTable(table.strings).strings]);

    // Chains built straight from the record text (nothing decoded yet) are the chains of the fresh reads.
    const untouched = decodeUnitReads(text, [...table.strings]);
    for (const [path, node] of reads.files) expect(untouched.fileChain?.(path)).toEqual(chainToArray(node));
    expect(untouched.fileChain?.("absent.hcl")).toBeUndefined();
    expect(untouched.fileChain?.("modules/app")).toBeUndefined(); // in the table, but read as a directory
    expect(untouched.dirChain?.("modules/app/main.tf")).toEqual(chainToArray(reads.dirs.get("modules/app")!));
    expect(untouched.dirChain?.("modules/application/main.tf")).toBeUndefined();

    const chains = (map: Map<string, Parameters<typeof chainToArray>[0]>) => [...map].map(([key, node]) => [key, chainToArray(node)]);
    expect(chains(decoded.files)).toEqual(chains(reads.files));
    expect(chains(decoded.dirs)).toEqual(chains(reads.dirs));
    expect(chains(decoded.globs)).toEqual(chains(reads.globs));
    expect(decoded.fileNode?.("live/account.hcl") && chainToArray(decoded.fileNode("live/account.hcl")!)).toEqual(chainToArray(reads.files.get("live/account.hcl")!));
    expect(decoded.fileNode?.("absent.hcl")).toBeUndefined();
    expect(decoded.dynamic.map(({ node, ...rest }) => ({ ...rest, chain: chainToArray(node) }))).toEqual(reads.dynamic.map(({ node, ...rest }) => ({ ...rest, chain: chainToArray(node) })));
    expect(decoded.problems).toEqual(reads.problems);
    expect([...decoded.dependencies]).toEqual(["live/vpc"]);
  });

  test("records are ASCII: other characters in dynamic reads and problems are escaped and come back intact", () => {
    const reads = new ReadSet();
    const unit = extend(null, { file: "live/ünï/terragrunt.hcl", via: "unit" });
    reads.addFile("live/ünï/terragrunt.hcl", unit);
    reads.addDynamic({ from: "live/ünï/terragrunt.hcl:3", expression: 'file("日本/${local.x}")', reason: "local.x — unknown", pattern: "日本/**", node: extend(unit, { file: "日本/**", via: "dynamic", from: "live/ünï/terragrunt.hcl:3" }) });
    reads.addProblem({ code: "HCL_SYNTAX", message: "expected an expression after '=' (got 'é') 🙂", file: "live/ünï/terragrunt.hcl", line: 2, column: 7 });
    const table = new StringTable();
    const text = encodeUnitReads(reads, table);
    expect(/^[\x00-\x7f]*$/.test(text)).toBe(true);
    // As the cache decodes it: the records section as one latin1 string, each record a range of it.
    const section = Buffer.from(`${encodeUnitReads(new ReadSet(), table)}\n${text}`).toString("latin1");
    const start = section.indexOf("\n") + 1;
    for (const decoded of [decodeUnitReads(text, table.strings), decodeUnitReads(section, table.strings, start, section.length)]) {
      expect(decoded.problems).toEqual(reads.problems);
      expect(decoded.dynamic.map(({ node, ...rest }) => ({ ...rest, chain: chainToArray(node) }))).toEqual(reads.dynamic.map(({ node, ...rest }) => ({ ...rest, chain: chainToArray(node) })));
      expect(decoded.fileChain?.("live/ünï/terragrunt.hcl")).toEqual([{ file: "live/ünï/terragrunt.hcl", via: "unit" }]);
    }
  });

  test("an empty record round-trips", () => {
    const decoded = decodeUnitReads(encodeUnitReads(new ReadSet(), new StringTable()), []);
    expect(decoded.files.size + decoded.dirs.size + decoded.globs.size + decoded.dynamic.length + decoded.problems.length + decoded.dependencies.size).toBe(0);
  });
});

/** More units than the prefetch threshold, each reading a file beside its config; one shared include. */
function batchRepo(units: number): Record<string, string> {
  const files: Record<string, string> = { "root.hcl": `locals {\n  env = read_terragrunt_config(find_in_parent_folders("env.hcl"))\n}\n`, "live/env.hcl": `locals {\n  name = "live"\n}\n` };
  for (let i = 0; i < units; i++) {
    files[`live/u${i}/terragrunt.hcl`] = `include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\ninputs = {\n  policy = file("policy.json")\n  up     = "${i}"\n}\ndependency "prev" {\n  config_path = "../u${Math.max(0, i - 1)}"\n}\n`;
    files[`live/u${i}/policy.json`] = `{"unit": ${i}}`;
  }
  return files;
}

describe("batches", () => {
  test("files beside each unit's config are read in the first round and match their changes", async () => {
    await using repo = createTempGitRepo(batchRepo(30));
    const base = repo.sha();
    const head = repo.commit({ "live/u7/policy.json": `{"unit": "seven"}`, "live/env.hcl": `locals {\n  name = "LIVE"\n}\n` });
    const result = await detect(repo.dir, base, head, { cache: false });
    // Every unit config and shared file parsed once: no unit was evaluated twice waiting for policy.json.
    expect(result.stats.filesParsed).toBe(30 + 2);
    expect(result.units).toHaveLength(30);
    const seven = result.units.find((unit) => unit.path === "live/u7")!;
    expect(seven.status).toBe("changed");
    expect(seven.reasons.map((reason) => reason.file).sort()).toEqual(["live/env.hcl", "live/u7/policy.json"]);
    const other = result.units.find((unit) => unit.path === "live/u8")!;
    expect(other.status).toBe("affected");
    expect(other.reasons).toEqual([
      {
        file: "live/env.hcl",
        chain: [
          { file: "live/u8/terragrunt.hcl", via: "unit" },
          { file: "root.hcl", via: "include", from: "live/u8/terragrunt.hcl:2" },
          { file: "live/env.hcl", via: "read_terragrunt_config", from: "root.hcl:2" },
        ],
      },
    ]);
    expect(result.graph.dependencies["live/u8"]).toEqual(["live/u7"]);
  });

  test("a cache written with another record encoding is rebuilt, not misread", async () => {
    await using repo = createTempGitRepo(batchRepo(3));
    const base = repo.sha();
    const head = repo.commit({ "live/env.hcl": `locals {\n  name = "x"\n}\n` });
    const reference = await detect(repo.dir, base, head, { cache: true });
    const cacheFile = cacheFilePath(join(repo.dir, ".git"));
    // What an older Gantry wrote: another record encoding, records this one cannot read.
    rewriteCacheHeader(cacheFile, (header) => ({ ...header, encoding: undefined }));
    const rebuilt = await detect(repo.dir, base, head, { cache: true });
    expect(rebuilt.stats.cacheHits).toBe(0);
    expect({ ...rebuilt, stats: null }).toEqual({ ...reference, stats: null });
  });
});

describe("posting lists in the cache", () => {
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
    // Twelve lookups: the first eight scan the text, the rest build the map; both must agree with the original.
    const asked = ["a", "a/x.h", "a/x", "absent.hcl", ...paths, "root.hcl"];
    for (const path of asked) expect([path, [...scanned.lookup(path, false)].sort()]).toEqual([path, [...index.lookup(path, false)].sort()]);
    expect(ReadIndex.decode(encoded).encode()).toEqual(encoded);
  });

  test("an index survives encode and decode; lists are decoded only when a lookup reaches them", () => {
    const index = new ReadIndex();
    const reads = (files: string[], dirs: string[] = []) => {
      const set = new ReadSet();
      for (const file of files) set.addFile(file, extend(null, { file, via: "unit" }));
      for (const dir of dirs) set.addDir(dir, extend(null, { file: dir, via: "terraform.source" }));
      return set;
    };
    index.add(0, reads(["root.hcl", "a/terragrunt.hcl"]));
    index.add(1, reads(["root.hcl", "b/terragrunt.hcl"], ["modules/vpc"]));
    index.add(2, reads(["root.hcl"], ["modules"]));
    const decoded = ReadIndex.decode(index.encode());
    expect(typeof decoded.files.get("root.hcl")).toBe("string");
    expect([...decoded.lookup("root.hcl", false)]).toEqual([0, 1, 2]);
    expect(decoded.files.get("root.hcl")).toEqual([0, 1, 2]);
    expect([...decoded.lookup("modules/vpc/main.tf", false)].sort()).toEqual([1, 2]);
    expect([...decoded.lookup("b/terragrunt.hcl", false)]).toEqual([1]);
    decoded.remove([1], () => reads(["root.hcl", "b/terragrunt.hcl"], ["modules/vpc"]));
    expect([...decoded.lookup("b/terragrunt.hcl", false)]).toEqual([]);
    expect(decoded.files.has("b/terragrunt.hcl")).toBe(false);
    expect([...decoded.lookup("modules/vpc/main.tf", false)]).toEqual([2]);
    decoded.add(1, reads(["root.hcl"]));
    decoded.add(3, reads(["root.hcl"]));
    expect([...decoded.lookup("root.hcl", false)].sort()).toEqual([0, 1, 2, 3]);
    expect([...decoded.renumbered((id) => (id === 0 ? undefined : id + 10)).lookup("root.hcl", false)].sort()).toEqual([11, 12, 13]);
  });
});

describe("skipped directories", () => {
  test("the check agrees with Terragrunt's rule: a .git, .terraform or .terragrunt-cache segment", () => {
    const rule = (dir: string) => dir !== "" && dir.split("/").some((s) => s === ".git" || s === ".terraform" || s === ".terragrunt-cache");
    const dirs = ["", "live", ".git", "live/.terragrunt-cache/x", "a/.hidden", "a.b/c", "a/b.c", "node_modules", "node_modules/x", "a/node_modules",
      "a/.terraform", "a/.terraform/modules/x", "a/.terraform-x", "a/.git-x", "x/.", "a/b/c/.terragrunt-cache", "live/prod/us-east-1/vpc"];
    for (const dir of dirs) expect([dir, isSkippedDir(dir)]).toEqual([dir, rule(dir)]);
  });
});

describe("unit sets and ids", () => {
  test("the binary search finds the id Array.prototype.sort gives, for prefixes, separators and non-ASCII names", () => {
    const units = ["a", "a b", "a-b", "a/b", "a/b/c", "a0", "Z", "é/x", "日本/unit", "live/prod", "live/prod-eu", "live/prod/vpc"].sort();
    for (const [id, unit] of units.entries()) expect([unit, unitIdIn(units, unit)]).toEqual([unit, id]);
    for (const absent of ["", "a/", "b", "live", "live/prod/", "zz", "é"]) expect([absent, unitIdIn(units, absent)]).toEqual([absent, undefined]);
    expect(unitIdIn([], "a")).toBeUndefined();
  });

  test("base units follow the diff without changing the head set; without unit changes they are the head set", () => {
    const head = new Set(["live/a", "live/b", "live/new"]);
    const blob = "0".repeat(40);
    const entry = (status: DiffEntry["status"], oldPath: string, newPath = oldPath): DiffEntry => ({
      status, oldPath, newPath, oldMode: "100644", newMode: "100644", oldBlob: blob, newBlob: blob,
    });

    const unchanged = withBaseUnits(head, new Set(), [entry("M", "live/a/terragrunt.hcl"), entry("A", "live/a/policy.json")]);
    expect(unchanged.base).toBe(head);
    expect(deletedUnitsOf(unchanged)).toEqual([]);

    const changed = withBaseUnits(head, new Set(), [
      entry("A", "live/new/terragrunt.hcl"),
      entry("D", "live/gone/terragrunt.hcl"),
      entry("R", "live/old/terragrunt.hcl", "live/b/terragrunt.hcl"),
      entry("D", "live/stack/terragrunt.stack.hcl"),
    ]);
    expect([...changed.base].sort()).toEqual(["live/a", "live/gone", "live/old"]);
    expect([...head].sort()).toEqual(["live/a", "live/b", "live/new"]);
    expect(deletedUnitsOf(changed)).toEqual(["live/gone", "live/old"]);
    expect([...changed.stackDirs]).toEqual(["live/stack"]);
  });
});
