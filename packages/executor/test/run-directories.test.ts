import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createTempGitRepo } from "@gantry/testkit";
import {
  DEFAULT_KEPT_RUNS,
  defaultRunDirectory,
  keptRunsFromEnv,
  pruneRunDirectories,
  runTimestamp,
} from "../src/index.js";

const scratch = mkdtempSync(join(tmpdir(), "gantry-runs-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const hour = 60 * 60 * 1000;
const now = Date.parse("2026-11-22T12:00:00.000Z");

/** `count` run directories, one a day back from two hours before `now`, each holding a log. */
function makeRuns(root: string, count: number): string[] {
  const names: string[] = [];
  for (let index = 0; index < count; index++) {
    const name = runTimestamp(new Date(now - 2 * hour - index * 24 * hour));
    mkdirSync(join(root, name, "job-1"), { recursive: true });
    writeFileSync(join(root, name, "job-1", "unit.log"), "log\n");
    names.push(name);
  }
  return names;
}

describe("pruneRunDirectories", () => {
  it("removes the oldest runs beyond the newest `keep`, and nothing Gantry did not name", () => {
    const root = join(scratch, "prune");
    const names = makeRuns(root, 8); // newest first
    mkdirSync(join(root, "kept-by-hand"));
    const removed = pruneRunDirectories(root, 5, now);
    expect(removed.sort()).toEqual(names.slice(5).sort());
    expect(readdirSync(root).sort()).toEqual([...names.slice(0, 5), "kept-by-hand"].sort());
    expect(pruneRunDirectories(root, 5, now)).toEqual([]);
  });

  it("never removes a run that started less than an hour ago, and keeps everything with keep = 0", () => {
    const root = join(scratch, "recent");
    const running = runTimestamp(new Date(now - 10 * 60 * 1000));
    mkdirSync(join(root, running), { recursive: true });
    const older = makeRuns(root, 2);
    expect(pruneRunDirectories(root, 0, now)).toEqual([]);
    // keep = 1 keeps the newest (the running one) and removes the two older ones.
    expect(pruneRunDirectories(root, 1, now).sort()).toEqual([...older].sort());
    expect(existsSync(join(root, running))).toBe(true);
    expect(pruneRunDirectories(join(scratch, "missing"), 1, now)).toEqual([]);
  });
});

describe("keptRunsFromEnv", () => {
  it("reads GANTRY_KEEP_RUNS, defaults to 20, and names the variable when it is not a whole number", () => {
    expect(keptRunsFromEnv({})).toBe(DEFAULT_KEPT_RUNS);
    expect(keptRunsFromEnv({ GANTRY_KEEP_RUNS: "3" })).toBe(3);
    expect(keptRunsFromEnv({ GANTRY_KEEP_RUNS: "0" })).toBe(0);
    expect(() => keptRunsFromEnv({ GANTRY_KEEP_RUNS: "-1" })).toThrow(
      /GANTRY_KEEP_RUNS must be a whole number of runs, not '-1'/,
    );
    expect(() => keptRunsFromEnv({ GANTRY_KEEP_RUNS: "all" })).toThrow(/GANTRY_KEEP_RUNS/);
  });
});

describe("defaultRunDirectory", () => {
  it("prunes the repository's old runs before naming a new one", async () => {
    await using repo = createTempGitRepo({ "README.md": "x\n" });
    const runsRoot = join(repo.dir, ".git", "gantry", "runs");
    const names = makeRuns(runsRoot, 4).map((name) => name);
    // makeRuns dates runs back from a fixed `now` in the past: all are older than an hour today.
    const next = await defaultRunDirectory(repo.dir, { GANTRY_KEEP_RUNS: "2" });
    expect(next.startsWith(runsRoot)).toBe(true);
    expect(readdirSync(runsRoot).sort()).toEqual(names.slice(0, 2).sort());
  });
});
