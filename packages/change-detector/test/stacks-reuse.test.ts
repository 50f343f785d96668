/**
 * A stack generation kept in the cache is reused while it holds, and the documents never change for it: for
 * every change below, the warm run (cache at head), the restored run (cache at base) and a run whose cache
 * was written one change earlier give the cold run's document. What is generated is seen in `filesParsed`.
 */
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import type { DetectionResult } from "../src/index.js";
import { createTempGitRepo, detect } from "./helpers.js";
import { prodStack, stackRepoFiles, type FileMap } from "@gantry/testkit";

const withoutStats = (result: DetectionResult) => ({ ...result, stats: null });

describe("a kept stack generation", () => {
  test("warm, restored and older caches give the cold documents through every kind of change", async () => {
    await using remote = createTempGitRepo(
      { "units/queue/terragrunt.hcl": "inputs = {\n  size = values.size\n}\n" },
      { prefix: "gantry-remote-catalog-" },
    );
    remote.git("tag", "v1");
    remote.commit({ "units/queue/terragrunt.hcl": "inputs = {\n  size = values.size\n  v  = 2\n}\n" });
    remote.git("tag", "v2");
    await using disk = createTempGitRepo(
      { "units/cache/terragrunt.hcl": "inputs = {\n  nodes = values.nodes\n}\n" },
      { prefix: "gantry-disk-catalog-" },
    );
    const queueStack = (ref: string, size: number) =>
      `unit "queue" {\n  source = "git::file://${remote.dir}//units/queue?ref=${ref}"\n  path   = "queue"\n  values = { size = ${size} }\n}\n`;
    const cacheStack = (nodes: number) =>
      `unit "cache" {\n  source = "${disk.dir}/units/cache"\n  path   = "cache"\n  values = { nodes = ${nodes} }\n}\n`;
    await using repo = createTempGitRepo({
      ...stackRepoFiles(),
      "live/queue/terragrunt.stack.hcl": queueStack("v1", 1),
      "live/cache/terragrunt.stack.hcl": cacheStack(1),
    });

    const changes: Array<[string, FileMap | (() => FileMap)]> = [
      ["a values entry", { "live/prod/terragrunt.stack.hcl": prodStack({ appVersion: "v2" }) }],
      ["root.hcl", { "root.hcl": `${stackRepoFiles()["root.hcl"]}# edit\n` }],
      [
        "a catalog unit in the repository",
        { "catalog/units/vpc/terragrunt.hcl": `${stackRepoFiles()["catalog/units/vpc/terragrunt.hcl"]}# edit\n` },
      ],
      [
        "the catalog stack a nested stack copies",
        {
          "catalog/stacks/env/terragrunt.stack.hcl": (
            stackRepoFiles()["catalog/stacks/env/terragrunt.stack.hcl"] as string
          ).replace('"v1"', '"v3"'),
        },
      ],
      ["a remote source's ref", { "live/queue/terragrunt.stack.hcl": queueStack("v2", 1) }],
      ["a unit block added", { "live/prod/terragrunt.stack.hcl": prodStack({ appVersion: "v2", extraUnit: true }) }],
      ["a stack deleted", { "live/dev/terragrunt.stack.hcl": null }],
      ["a stack added", { "live/extra/terragrunt.stack.hcl": queueStack("v1", 7) }],
      ["a module", { "modules/app/main.tf": `${stackRepoFiles()["modules/app/main.tf"]}# edit\n` }],
      // Outside git, the disk catalog's unit starts to include root.hcl; the commit changes root.hcl, which now
      // reaches that unit (a cache written before the disk changed must not be believed).
      [
        "a disk source's files, and root.hcl",
        () => {
          writeFileSync(
            join(disk.dir, "units/cache/terragrunt.hcl"),
            'include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\ninputs = {\n  nodes = values.nodes\n}\n',
          );
          return { "root.hcl": `${stackRepoFiles()["root.hcl"]}# edit again\n` };
        },
      ],
      ["a values entry of the disk-sourced stack", { "live/cache/terragrunt.stack.hcl": cacheStack(3) }],
    ];
    const commits = [repo.sha()];
    const cacheFile = join(repo.dir, ".git", "gantry", "detect-cache");
    await detect(repo.dir, commits[0]!, commits[0]!, { cache: true });
    // Each change is made once the previous one was detected: the cache always describes an earlier commit.
    for (const [index, [name, change]] of changes.entries()) {
      commits.push(repo.commit(typeof change === "function" ? change() : change, name));
      const [base, head] = [commits[index]!, commits[index + 1]!];
      const cold = withoutStats(await detect(repo.dir, base, head, { cache: false }));
      if (index >= 1) {
        // A cache two changes old (kept from the previous round), then the restored one.
        expect(withoutStats(await detect(repo.dir, base, head, { cache: true })), `${name}: older cache`).toEqual(cold);
        rmSync(cacheFile, { force: true });
        await detect(repo.dir, base, base, { cache: true });
      }
      expect(withoutStats(await detect(repo.dir, base, head, { cache: true })), `${name}: restored`).toEqual(cold);
      expect(withoutStats(await detect(repo.dir, base, head, { cache: true })), `${name}: warm`).toEqual(cold);
      // The next round's older cache: at this round's base.
      rmSync(cacheFile, { force: true });
      await detect(repo.dir, base, base, { cache: true });
    }
  });

  test("a warm run generates only the stack files the change touches", async () => {
    await using repo = createTempGitRepo(stackRepoFiles());
    const base = repo.sha();
    const head = repo.commit({ "live/prod/terragrunt.stack.hcl": prodStack({ appVersion: "v2" }) });
    const cold = await detect(repo.dir, base, head, { cache: true });
    const warm = await detect(repo.dir, base, head, { cache: true });
    expect(withoutStats(warm)).toEqual(withoutStats(cold));
    // Cold: every stack file (3 committed, 1 generated nested) at head and the touched one at base, plus units.
    expect(cold.stats.filesParsed).toBeGreaterThan(warm.stats.filesParsed);
    // Warm: the touched stack file at head and at base, nothing else.
    expect(warm.stats.filesParsed).toBe(2);
    const unrelated = repo.commit({ "README.md": "docs\n" });
    await detect(repo.dir, head, unrelated, { cache: true });
    expect((await detect(repo.dir, head, unrelated, { cache: true })).stats.filesParsed).toBe(0);
  });
});
