import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, test } from "vitest";
import { cacheFilePath, type DetectionResult } from "../src/index.js";
import { CACHE_VERSION } from "../src/cache/cache-file.js";
import { cacheHeader, createTempGitRepo, detect, liveRepoFiles, rewriteCacheHeader } from "./helpers.js";

const withoutStats = ({ stats: _stats, ...rest }: DetectionResult) => rest;

describe("read cache", () => {
  test("a second run parses nothing; a changed blob is re-read; results equal an uncached run", async () => {
    await using repo = createTempGitRepo(liveRepoFiles());
    const base = repo.sha();
    const head = repo.commit({ "root.hcl": `${liveRepoFiles()["root.hcl"]}\n# edit\n` });
    const cacheFile = cacheFilePath(join(repo.dir, ".git"));

    const cold = await detect(repo.dir, base, head, { cache: true });
    expect(cold.stats.cacheHits).toBe(0);
    expect(cold.stats.filesParsed).toBeGreaterThan(0);
    expect(existsSync(cacheFile)).toBe(true);

    const warm = await detect(repo.dir, base, head, { cache: true });
    expect(warm.stats.filesParsed).toBe(0);
    expect(warm.stats.cacheHits).toBe(3);
    expect(withoutStats(warm)).toEqual(withoutStats(cold));

    // account.hcl of prod changes: only the two prod units read it and are analysed again.
    const next = repo.commit({ "live/prod/account.hcl": `locals {\n  account_id = "999999999999"\n}\n` });
    const incremental = await detect(repo.dir, base, next, { cache: true });
    expect(incremental.stats.cacheHits).toBe(1);
    expect(incremental.stats.filesParsed).toBeGreaterThan(0);
    const uncached = await detect(repo.dir, base, next, { cache: false });
    expect(withoutStats(incremental)).toEqual(withoutStats(uncached));
    expect(uncached.stats.cacheHits).toBe(0);
  });

  test("a unit analysed again stops being indexed under what it no longer reads", async () => {
    // Unit "a" reads shared/data.json, then stops; the next change to data.json must not reach it, warm or cold.
    const reading = `locals {\n  data = file("\${get_repo_root()}/shared/data.json")\n}\n`;
    await using repo = createTempGitRepo({
      "shared/data.json": "{}\n",
      "live/a/terragrunt.hcl": reading,
      "live/b/terragrunt.hcl": reading,
    });
    const first = repo.sha();
    await detect(repo.dir, first, first, { cache: true });
    const second = repo.commit({ "live/a/terragrunt.hcl": `locals {\n  data = "{}"\n}\n` });
    const secondRun = await detect(repo.dir, first, second, { cache: true });
    expect(secondRun.stats.cacheHits).toBe(1); // b reused, a analysed again (same units: the cached index is kept)
    const third = repo.commit({ "shared/data.json": `{"x": 1}\n` });
    const warm = await detect(repo.dir, second, third, { cache: true });
    const cold = await detect(repo.dir, second, third, { cache: false });
    expect(warm.units.map((u) => u.path)).toEqual(["live/b"]);
    // Only b is analysed again: a's old posting under data.json was dropped when it was re-analysed.
    expect(warm.stats.cacheHits).toBe(1);
    expect(withoutStats(warm)).toEqual(withoutStats(cold));
  });

  test("the JSON cache file of earlier versions is removed when the cache is written", async () => {
    await using repo = createTempGitRepo(liveRepoFiles());
    const base = repo.sha();
    const head = repo.commit({ "live/prod/us-east-1/app/x.txt": "x\n" });
    const legacy = join(repo.dir, ".git", "gantry", "detect-cache-v1.json");
    mkdirSync(dirname(legacy), { recursive: true });
    writeFileSync(legacy, JSON.stringify({ kind: "gantry-detect-cache", version: 2 }));
    await detect(repo.dir, base, head, { cache: true });
    expect(existsSync(legacy)).toBe(false);
    expect(existsSync(cacheFilePath(join(repo.dir, ".git")))).toBe(true);
  });

  test("cache: false neither reads nor writes the cache", async () => {
    await using repo = createTempGitRepo(liveRepoFiles());
    const base = repo.sha();
    const head = repo.commit({ "live/prod/us-east-1/app/x.txt": "x\n" });
    const cacheFile = cacheFilePath(join(repo.dir, ".git"));
    await detect(repo.dir, base, head, { cache: true });
    rmSync(cacheFile);
    const result = await detect(repo.dir, base, head, { cache: false });
    expect(result.stats.cacheHits).toBe(0);
    expect(existsSync(cacheFile)).toBe(false);
  });

  test("a corrupt or old-version cache is ignored and rebuilt", async () => {
    await using repo = createTempGitRepo(liveRepoFiles());
    const base = repo.sha();
    const head = repo.commit({ "live/prod/us-east-1/app/x.txt": "x\n" });
    const cacheFile = cacheFilePath(join(repo.dir, ".git"));
    const reference = await detect(repo.dir, base, head, { cache: true });

    writeFileSync(cacheFile, "{ not json");
    const corrupt = await detect(repo.dir, base, head, { cache: true });
    expect(corrupt.stats.cacheHits).toBe(0);
    expect(withoutStats(corrupt)).toEqual(withoutStats(reference));
    expect(cacheHeader(cacheFile).version).toBe(CACHE_VERSION);
    const intact = readFileSync(cacheFile);

    rewriteCacheHeader(cacheFile, (header) => ({ ...header, version: 0 }));
    const old = await detect(repo.dir, base, head, { cache: true });
    expect(old.stats.cacheHits).toBe(0);

    // What Gantry wrote before the sectioned layout: one JSON document.
    writeFileSync(
      cacheFile,
      JSON.stringify({ kind: "gantry-detect-cache", version: 2, encoding: 2, commit: head, units: [], records: [] }),
    );
    const json = await detect(repo.dir, base, head, { cache: true });
    expect(json.stats.cacheHits).toBe(0);
    expect(withoutStats(json)).toEqual(withoutStats(reference));

    // Cut short (a full disk, a killed copy): the section lengths no longer add up.
    writeFileSync(cacheFile, intact.subarray(0, intact.length - 10));
    const truncated = await detect(repo.dir, base, head, { cache: true });
    expect(truncated.stats.cacheHits).toBe(0);
    expect(withoutStats(truncated)).toEqual(withoutStats(reference));

    // A corrupt graph section of the right length: caught when the cache is completed, so a cold run again.
    const header = cacheHeader(cacheFile) as { sections: Record<string, number> };
    const graphAt = intact.indexOf(10) + 1 + header.sections["units"]! + header.sections["strings"]!;
    const broken = Buffer.from(intact);
    broken[graphAt] = "x".charCodeAt(0);
    writeFileSync(cacheFile, broken);
    const corruptGraph = await detect(repo.dir, base, head, { cache: true });
    expect(corruptGraph.stats.cacheHits).toBe(0);
    expect(withoutStats(corruptGraph)).toEqual(withoutStats(reference));

    // A cached commit that no longer exists (history rewritten) also means a cold run.
    writeFileSync(cacheFile, intact);
    rewriteCacheHeader(cacheFile, (header) => ({ ...header, commit: "0".repeat(40) }));
    const gone = await detect(repo.dir, base, head, { cache: true });
    expect(gone.stats.cacheHits).toBe(0);
    expect(withoutStats(gone)).toEqual(withoutStats(reference));
  });

  test("a warm run that reads every record (past the one-by-one decoding) equals the cold run, non-ASCII problems included", async () => {
    // 80 units under a non-ASCII directory, every third one broken (its problem names its non-ASCII path).
    const files: Record<string, string> = { "root.hcl": `locals {\n  name = "r"\n}\n` };
    for (let i = 0; i < 80; i++) {
      files[`live/ünï/u${i}/terragrunt.hcl`] =
        `include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\n${i % 3 === 0 ? "inputs = {\n  x = \n}\n" : ""}`;
    }
    await using repo = createTempGitRepo(files);
    const base = repo.sha();
    const head = repo.commit({ "root.hcl": `locals {\n  name = "R"\n}\n` });
    const cold = await detect(repo.dir, base, head, { cache: true });
    const warm = await detect(repo.dir, base, head, { cache: true });
    expect(warm.stats.cacheHits).toBe(80);
    expect(warm.stats.filesParsed).toBe(0);
    expect({ ...warm, stats: null }).toEqual({ ...cold, stats: null });
    expect(cold.units).toHaveLength(80);
    const broken = cold.units.find((unit) => unit.path === "live/ünï/u3")!;
    expect(broken.status).toBe("changed");
    expect(broken.problems[0]).toMatchObject({ code: "HCL_SYNTAX", file: "live/ünï/u3/terragrunt.hcl" });
    expect(cold.units.find((unit) => unit.path === "live/ünï/u4")!.status).toBe("affected");
  });
});
