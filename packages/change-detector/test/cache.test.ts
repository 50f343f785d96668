import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { cacheFilePath, type DetectionResult } from "../src/index.js";
import { CACHE_VERSION } from "../src/cache.js";
import { createTempGitRepo, detect, liveRepoFiles } from "./helpers.js";

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
    expect(JSON.parse(readFileSync(cacheFile, "utf8")).version).toBe(CACHE_VERSION);

    const document = JSON.parse(readFileSync(cacheFile, "utf8"));
    writeFileSync(cacheFile, JSON.stringify({ ...document, version: 0 }));
    const old = await detect(repo.dir, base, head, { cache: true });
    expect(old.stats.cacheHits).toBe(0);

    // A cached commit that no longer exists (history rewritten) also means a cold run.
    writeFileSync(cacheFile, JSON.stringify({ ...document, commit: "0".repeat(40) }));
    const gone = await detect(repo.dir, base, head, { cache: true });
    expect(gone.stats.cacheHits).toBe(0);
    expect(withoutStats(gone)).toEqual(withoutStats(reference));
  });
});
