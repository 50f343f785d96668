/**
 * The attacker here can write the repository's own `.git/config` (code a plan runs can) and chooses its tree
 * (a pull request): every key that would make git run a program during Gantry's operations writes a marker
 * file, and none may appear.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync, chmodSync } from "node:fs";
import { join } from "node:path";
import { createTempGitRepo } from "@gantry/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { BlobReader, checkoutConfig, git, readBlobs, resolveCommit, runGit } from "../src/index.js";

function hostileRepository() {
  const repo = createTempGitRepo({ ".gitattributes": "* filter=evil\n", "main.tf": "real\n" });
  const markers = join(repo.dir, ".git", "markers");
  mkdirSync(markers);
  const hooks = join(repo.dir, ".git", "evil-hooks");
  mkdirSync(hooks);
  for (const hook of ["post-checkout", "pre-auto-gc", "reference-transaction", "pre-commit"]) {
    writeFileSync(join(hooks, hook), `#!/bin/sh\ntouch '${markers}/hook-${hook}'\n`);
    chmodSync(join(hooks, hook), 0o755);
  }
  const touch = (name: string) => `touch '${markers}/${name}'`;
  const config: Record<string, string> = {
    "core.hooksPath": hooks,
    "core.fsmonitor": `${touch("fsmonitor")}; false`,
    "core.pager": touch("pager"),
    "filter.evil.smudge": `${touch("smudge")}; cat`,
    "filter.evil.clean": `${touch("clean")}; cat`,
    "filter.evil.process": touch("process"),
    "filter.evil.required": "true",
    "protocol.ext.allow": "always",
    "protocol.allow": "always",
    "remote.origin.url": `ext::sh -c ${touch("ext").replaceAll(" ", "% ")}`,
    "gc.auto": "1",
  };
  for (const [key, value] of Object.entries(config)) repo.git("config", key, value);
  return { repo, markers };
}

describe("git for untrusted repositories", () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it("runs no program a repository's own configuration names, for the reads, the fetch and the checkout Gantry does", async () => {
    const { repo, markers } = hostileRepository();
    await using _ = repo;
    const head = repo.sha();
    await git(repo.dir, ["diff-tree", "-r", "-z", "--raw", "--no-commit-id", "--root", head]);
    await git(repo.dir, ["ls-tree", "-r", "-z", "-l", "--full-tree", head]);
    expect((await readBlobs(repo.dir, [`${head}:main.tf`])).get(`${head}:main.tf`)).toBe("real\n");
    expect(await resolveCommit(repo.dir, "HEAD")).toBe(head);
    expect((await runGit(repo.dir, ["fetch", "origin"])).exitCode).not.toBe(0);
    const worktree = join(repo.dir, "..", `${repo.dir.split("/").pop()}-worktree`);
    await git(repo.dir, ["worktree", "add", "--detach", "--quiet", worktree, head], {
      config: await checkoutConfig(repo.dir),
    });
    await git(repo.dir, ["worktree", "remove", "--force", worktree]);
    await git(repo.dir, ["worktree", "prune"]);
    expect(readdirSync(markers)).toEqual([]);

    // The same checkout and fetch with git as it comes: the repository is as hostile as it says.
    spawnSync("git", ["worktree", "add", "--detach", "--quiet", worktree, head], { cwd: repo.dir, stdio: "ignore" });
    spawnSync("git", ["fetch", "origin"], { cwd: repo.dir, stdio: "ignore" });
    expect(readdirSync(markers).sort()).toEqual(expect.arrayContaining(["ext", "process"]));
  });

  it("ignores inherited variables that redirect git to another repository, index or configuration", async () => {
    await using repo = createTempGitRepo({ "a.txt": "a" });
    await using other = createTempGitRepo({ "b.txt": "b" });
    const head = repo.sha();
    Object.assign(process.env, {
      GIT_DIR: join(other.dir, ".git"),
      GIT_WORK_TREE: other.dir,
      GIT_INDEX_FILE: join(other.dir, ".git", "index"),
      GIT_CONFIG_PARAMETERS: "'core.fsmonitor'='touch /tmp/gantry-never'",
      GIT_CONFIG_COUNT: "1",
      GIT_CONFIG_KEY_0: "core.hooksPath",
      GIT_CONFIG_VALUE_0: other.dir,
    });
    expect(await resolveCommit(repo.dir, "HEAD")).toBe(head);
    expect((await git(repo.dir, ["config", "--get", "core.hooksPath"])).trim()).toBe("/dev/null");
  });

  it("reads objects as they are: refs/replace cannot swap a commit's content", async () => {
    await using repo = createTempGitRepo({ "main.tf": "reviewed\n" });
    const reviewed = repo.sha();
    const forged = repo.commit({ "main.tf": "forged\n" });
    repo.git("replace", reviewed, forged);
    expect(repo.git("show", `${reviewed}:main.tf`)).toBe("forged");
    expect((await readBlobs(repo.dir, [`${reviewed}:main.tf`])).get(`${reviewed}:main.tf`)).toBe("reviewed\n");
  });

  it("streams many objects through one cat-file process, and answers a missing one with null", async () => {
    await using repo = createTempGitRepo(
      Object.fromEntries(Array.from({ length: 200 }, (_, index) => [`f${index}.txt`, `content ${index}\n`])),
    );
    const reader = new BlobReader(repo.dir);
    try {
      const names = [...Array.from({ length: 200 }, (_, index) => `HEAD:f${index}.txt`), "HEAD:missing.txt"];
      const read = await reader.readMany(names);
      expect(read.get("HEAD:f199.txt")?.toString()).toBe("content 199\n");
      expect(read.get("HEAD:missing.txt")).toBeNull();
    } finally {
      reader.close();
    }
    expect(existsSync(repo.dir)).toBe(true);
  });
});
