import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createTempGitRepo } from "@gantry/testkit";
import { describe, expect, it } from "vitest";
import { createJobWorktree } from "../src/worktree.js";

describe("a job's worktree", () => {
  it("runs none of the hooks, filter drivers or fsmonitor the repository's own .git/config names", async () => {
    await using repo = createTempGitRepo({
      ".gitattributes": "*.tf filter=evil\n",
      "dev/app/terragrunt.hcl": "",
      "dev/app/main.tf": "real\n",
    });
    const markers = join(repo.dir, ".git", "markers");
    const hooks = join(repo.dir, ".git", "evil-hooks");
    mkdirSync(markers);
    mkdirSync(hooks);
    writeFileSync(join(hooks, "post-checkout"), `#!/bin/sh\ntouch '${markers}/post-checkout'\n`);
    chmodSync(join(hooks, "post-checkout"), 0o755);
    repo.git("config", "core.hooksPath", hooks);
    repo.git("config", "core.fsmonitor", `touch '${markers}/fsmonitor'; false`);
    repo.git("config", "filter.evil.smudge", `touch '${markers}/smudge'; echo forged`);
    repo.git("config", "filter.evil.required", "true");

    await using worktree = await createJobWorktree(repo.dir, repo.sha());
    expect(readFileSync(join(worktree.dir, "dev/app/main.tf"), "utf8")).toBe("real\n");
    await worktree.remove();
    expect(readdirSync(markers)).toEqual([]);
  });
});
