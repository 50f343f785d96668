/**
 * The fast paths added for speed must give exactly what the general code gives: path resolution without
 * `posix.normalize`, the cache encoding marker, streaming the small files beside each unit's config (a batch
 * above the prefetch threshold), unit sets and ids.
 */
import { posix } from "node:path";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { cacheFilePath } from "../src/index.js";
import { resolveRepoPath } from "../src/paths.js";
import { createTempGitRepo, detect, rewriteCacheHeader } from "./helpers.js";
import { deletedUnitsOf, isSkippedDir, unitIdIn, withBaseUnits } from "../src/units.js";
import type { DiffEntry } from "../src/git.js";

/** The general rule the fast paths must agree with: join under /repo, normalise, map back (or null). */
function slowResolve(baseDir: string, path: string): string | null {
  const absolute = path.startsWith("/")
    ? posix.normalize(path)
    : posix.join(baseDir === "" ? "/repo" : `/repo/${baseDir}`, path);
  if (absolute === "/repo" || absolute === "/repo/") return "";
  if (!absolute.startsWith("/repo/")) return null;
  return absolute.slice("/repo/".length).replace(/\/+$/, "");
}

describe("resolveRepoPath fast paths", () => {
  const bases = ["", "a", "a/b", "a/b/c"];
  const paths = [
    "x",
    "x/y",
    "./x",
    "../x",
    "../../x",
    "../../../x",
    "./../x",
    "../x/../y",
    "../.hidden",
    ".hidden/x",
    "x//y",
    "x/",
    "../x/./y",
    "..",
    ".",
    "/repo/x",
    "/repo/../x",
    "/etc/passwd",
    "../x.hcl",
  ];
  for (const base of bases) {
    test(`from '${base}'`, () => {
      for (const path of paths) expect([path, resolveRepoPath(base, path)]).toEqual([path, slowResolve(base, path)]);
    });
  }
});

/** More units than the prefetch threshold, each reading a file beside its config; one shared include. */
function batchRepo(units: number): Record<string, string> {
  const files: Record<string, string> = {
    "root.hcl": `locals {\n  env = read_terragrunt_config(find_in_parent_folders("env.hcl"))\n}\n`,
    "live/env.hcl": `locals {\n  name = "live"\n}\n`,
  };
  for (let i = 0; i < units; i++) {
    files[`live/u${i}/terragrunt.hcl`] =
      `include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\ninputs = {\n  policy = file("policy.json")\n  up     = "${i}"\n}\ndependency "prev" {\n  config_path = "../u${Math.max(0, i - 1)}"\n}\n`;
    files[`live/u${i}/policy.json`] = `{"unit": ${i}}`;
  }
  return files;
}

describe("batches", () => {
  test("files beside each unit's config are read in the first round and match their changes", async () => {
    await using repo = createTempGitRepo(batchRepo(30));
    const base = repo.sha();
    const head = repo.commit({
      "live/u7/policy.json": `{"unit": "seven"}`,
      "live/env.hcl": `locals {\n  name = "LIVE"\n}\n`,
    });
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

describe("skipped directories", () => {
  test("the check agrees with Terragrunt's rule: a .git, .terraform or .terragrunt-cache segment", () => {
    const rule = (dir: string) =>
      dir !== "" && dir.split("/").some((s) => s === ".git" || s === ".terraform" || s === ".terragrunt-cache");
    const dirs = [
      "",
      "live",
      ".git",
      "live/.terragrunt-cache/x",
      "a/.hidden",
      "a.b/c",
      "a/b.c",
      "node_modules",
      "node_modules/x",
      "a/node_modules",
      "a/.terraform",
      "a/.terraform/modules/x",
      "a/.terraform-x",
      "a/.git-x",
      "x/.",
      "a/b/c/.terragrunt-cache",
      "live/prod/us-east-1/vpc",
    ];
    for (const dir of dirs) expect([dir, isSkippedDir(dir)]).toEqual([dir, rule(dir)]);
  });
});

describe("unit sets and ids", () => {
  test("the binary search finds the id Array.prototype.sort gives, for prefixes, separators and non-ASCII names", () => {
    const units = [
      "a",
      "a b",
      "a-b",
      "a/b",
      "a/b/c",
      "a0",
      "Z",
      "é/x",
      "日本/unit",
      "live/prod",
      "live/prod-eu",
      "live/prod/vpc",
    ].sort();
    for (const [id, unit] of units.entries()) expect([unit, unitIdIn(units, unit)]).toEqual([unit, id]);
    for (const absent of ["", "a/", "b", "live", "live/prod/", "zz", "é"])
      expect([absent, unitIdIn(units, absent)]).toEqual([absent, undefined]);
    expect(unitIdIn([], "a")).toBeUndefined();
  });

  test("base units follow the diff without changing the head set; without unit changes they are the head set", () => {
    const head = new Set(["live/a", "live/b", "live/new"]);
    const blob = "0".repeat(40);
    const entry = (status: DiffEntry["status"], oldPath: string, newPath = oldPath): DiffEntry => ({
      status,
      oldPath,
      newPath,
      oldMode: "100644",
      newMode: "100644",
      oldBlob: blob,
      newBlob: blob,
    });

    const unchanged = withBaseUnits(head, new Set(), [
      entry("M", "live/a/terragrunt.hcl"),
      entry("A", "live/a/policy.json"),
    ]);
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
