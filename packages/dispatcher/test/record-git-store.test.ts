import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTempGitRepo } from "@gantry/testkit";
import { afterEach, describe, expect, it } from "vitest";
import {
  gitRecordStore,
  initialRecord,
  liveRepositoryOfOrigin,
  recordRef,
  type DeploymentRecord,
  type DeploymentRecordStore,
} from "../src/index.js";

const now = new Date("2026-12-01T10:00:00Z");
const cleanup: string[] = [];
afterEach(() => cleanup.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function bareRemote(): string {
  const dir = mkdtempSync(join(tmpdir(), "gantry-record-remote-"));
  cleanup.push(dir);
  execFileSync("git", ["init", "-q", "--bare", dir]);
  return dir;
}

const record = (commit: string, writer = "test"): DeploymentRecord => initialRecord("main", commit, writer, now);

async function contract(store: DeploymentRecordStore, commits: string[]) {
  expect(await store.read()).toBeUndefined();
  const created = await store.compareAndSwap(undefined, record(commits[0]!), "create");
  expect(created.swapped).toBe(true);
  // Creating again (expecting no record) is refused, not overwritten.
  expect(await store.compareAndSwap(undefined, record(commits[1]!), "create again")).toEqual({ swapped: false });
  const read = await store.read();
  expect(read?.record.commit).toBe(commits[0]);
  const advanced = await store.compareAndSwap(read!.version, record(commits[1]!), "advance");
  expect(advanced.swapped).toBe(true);
  // A stale version never wins.
  expect(await store.compareAndSwap(read!.version, record(commits[0]!), "stale")).toEqual({ swapped: false });
  expect((await store.read())?.record.commit).toBe(commits[1]);
}

/** Every writer starts from the same version at once: exactly one may advance it. */
async function race(stores: DeploymentRecordStore[], commits: string[]) {
  await stores[0]!.compareAndSwap(undefined, record(commits[0]!), "create");
  const start = await Promise.all(stores.map((store) => store.read()));
  const results = await Promise.all(
    stores.map((store, index) =>
      store.compareAndSwap(start[index]!.version, record(commits[1]!, `writer-${index}`), `writer ${index}`),
    ),
  );
  expect(results.filter((result) => result.swapped)).toHaveLength(1);
  const winner = results.findIndex((result) => result.swapped);
  for (const store of stores) expect((await store.read())?.record.updatedBy).toBe(`writer-${winner}`);
}

describe("gitRecordStore in the repository's git directory", () => {
  it("reads, creates and advances only by compare-and-swap, keeping each version as a commit of the ref", async () => {
    await using repo = createTempGitRepo({ "a/terragrunt.hcl": "" });
    const first = repo.sha();
    const second = repo.commit({ "a/terragrunt.hcl": "inputs = {}\n" });
    await contract(gitRecordStore({ repo: repo.dir, deployBranch: "main" }), [first, second]);
    expect(repo.git("log", "--format=%s", recordRef("main"))).toBe("advance\ncreate");
    expect(JSON.parse(repo.git("cat-file", "blob", `${recordRef("main")}:record.json`))).toMatchObject({
      apiVersion: "gantry/v1",
      kind: "DeploymentRecord",
      commit: second,
    });
  });

  it("lets exactly one of many concurrent writers advance from the same version", async () => {
    await using repo = createTempGitRepo({ "a/terragrunt.hcl": "" });
    const commits = [repo.sha(), repo.commit({ "a/x": "1" })];
    await race(
      Array.from({ length: 8 }, () => gitRecordStore({ repo: repo.dir, deployBranch: "main" })),
      commits,
    );
  });

  it("refuses a stored document that is not a DeploymentRecord, naming the field and how to recover", async () => {
    await using repo = createTempGitRepo({ "a/terragrunt.hcl": "" });
    const blob = execFileSync("git", ["hash-object", "-w", "--stdin"], {
      cwd: repo.dir,
      input: '{"apiVersion":"gantry/v1","kind":"DeploymentRecord","commit":"nope"}',
    })
      .toString()
      .trim();
    const tree = execFileSync("git", ["mktree"], { cwd: repo.dir, input: `100644 blob ${blob}\trecord.json\n` })
      .toString()
      .trim();
    const commit = repo.git("commit-tree", tree, "-m", "forged");
    repo.git("update-ref", recordRef("main"), commit);
    const error = await gitRecordStore({ repo: repo.dir, deployBranch: "main" })
      .read()
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "RECORD_INVALID", exitCode: 29 });
    expect((error as Error).message).toMatch(/field "deployBranch"/);
  });
});

describe("gitRecordStore in a remote (the pipelines repository)", () => {
  it("reads and writes through git fetch and push --force-with-lease, and pushes no code of the repository", async () => {
    const remote = bareRemote();
    await using repo = createTempGitRepo({ "a/terragrunt.hcl": "" });
    const commits = [repo.sha(), repo.commit({ "a/x": "1" })];
    await contract(
      gitRecordStore({ repo: repo.dir, deployBranch: "main", remote, liveRepository: "acme/infrastructure-live" }),
      commits,
    );
    expect(execFileSync("git", ["for-each-ref", "--format=%(refname)"], { cwd: remote }).toString().trim()).toBe(
      recordRef("main", "acme/infrastructure-live"),
    );
    // Only the two record versions travelled: neither infrastructure commit is in the remote.
    expect(execFileSync("git", ["rev-list", "--all"], { cwd: remote }).toString().trim().split("\n")).toHaveLength(2);
    for (const commit of commits)
      expect(() => execFileSync("git", ["cat-file", "-e", commit], { cwd: remote, stdio: "ignore" })).toThrow();
  });

  it("lets exactly one of several runners (separate clones) advance from the same version", async () => {
    const remote = bareRemote();
    await using origin = createTempGitRepo({ "a/terragrunt.hcl": "" });
    const commits = [origin.sha(), origin.commit({ "a/x": "1" })];
    const clones = [0, 1, 2, 3].map(() => {
      const dir = mkdtempSync(join(tmpdir(), "gantry-record-clone-"));
      cleanup.push(dir);
      execFileSync("git", ["clone", "-q", origin.dir, dir]);
      return dir;
    });
    await race(
      clones.map((dir) =>
        gitRecordStore({ repo: dir, deployBranch: "main", remote, liveRepository: "acme/infrastructure-live" }),
      ),
      commits,
    );
  });

  it("fails with RECORD_STORE_FAILED naming the remote without its credentials when it cannot be reached", async () => {
    await using repo = createTempGitRepo({ "a/terragrunt.hcl": "" });
    const store = gitRecordStore({
      repo: repo.dir,
      deployBranch: "main",
      remote: "https://user:secret-password@127.0.0.1:9/acme/pipelines.git",
      token: "ghs_secret",
      liveRepository: "acme/live",
    });
    const error = await store.read().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "RECORD_STORE_FAILED", exitCode: 30 });
    expect(String((error as Error).message)).not.toMatch(/secret/);
    expect(String((error as Error).message)).toContain("https://127.0.0.1:9/acme/pipelines.git");
  });
});

describe("gitRecordStore: one pipelines repository for several infrastructure-live repositories", () => {
  const refsOf = (remote: string) =>
    execFileSync("git", ["for-each-ref", "--format=%(refname)"], { cwd: remote })
      .toString()
      .trim()
      .split("\n")
      .filter(Boolean)
      .sort();

  it("keeps each live repository's record under its own ref, so neither overwrites the other's", async () => {
    const remote = bareRemote();
    await using network = createTempGitRepo({ "vpc/terragrunt.hcl": "" });
    await using apps = createTempGitRepo({ "app/terragrunt.hcl": "" });
    const networkStore = gitRecordStore({
      repo: network.dir,
      deployBranch: "main",
      remote,
      liveRepository: "acme/network-live",
    });
    const appsStore = gitRecordStore({
      repo: apps.dir,
      deployBranch: "main",
      remote,
      liveRepository: "Acme/Apps-Live",
    });
    expect((await networkStore.compareAndSwap(undefined, record(network.sha()), "network")).swapped).toBe(true);
    // Under the old unkeyed ref this second create was refused (or, with the first's version, overwrote it).
    expect((await appsStore.compareAndSwap(undefined, record(apps.sha()), "apps")).swapped).toBe(true);
    expect((await networkStore.read())?.record.commit).toBe(network.sha());
    expect((await appsStore.read())?.record.commit).toBe(apps.sha());
    // Names are case-insensitive, as on GitHub: one record per repository.
    expect(refsOf(remote)).toEqual([
      "refs/gantry/repositories/acme/apps-live/deployments/main",
      "refs/gantry/repositories/acme/network-live/deployments/main",
    ]);
    expect(recordRef("main", "acme/.github")).toBe("refs/gantry/repositories/acme/%2egithub/deployments/main");
  });

  it("migrates the old ref: reads it once, writes the keyed ref with the old history as its parent, never writes the old one", async () => {
    const remote = bareRemote();
    await using live = createTempGitRepo({ "vpc/terragrunt.hcl": "" });
    const first = live.sha();
    const second = live.commit({ "vpc/x": "1" });
    // A record written by the previous release, under the unkeyed name.
    const legacy = gitRecordStore({ repo: live.dir, deployBranch: "main" });
    await legacy.compareAndSwap(undefined, record(first, "old-release"), "old release");
    execFileSync("git", ["push", "-q", remote, `${recordRef("main")}:${recordRef("main")}`], { cwd: live.dir });
    const oldVersion = execFileSync("git", ["rev-parse", recordRef("main")], { cwd: remote })
      .toString()
      .trim();

    const store = gitRecordStore({
      repo: live.dir,
      deployBranch: "main",
      remote,
      liveRepository: "acme/infrastructure-live",
    });
    const read = await store.read();
    expect(read?.record).toMatchObject({ commit: first, updatedBy: "old-release" });
    expect(store.description).toBe(`${recordRef("main", "acme/infrastructure-live")} of ${remote}`);
    // A stale version (anything but what was read) cannot create the keyed ref.
    expect(await store.compareAndSwap(undefined, record(second), "from nothing")).toEqual({ swapped: false });
    expect((await store.compareAndSwap(read!.version, record(second), "advance")).swapped).toBe(true);
    // The same old version cannot be used twice: the keyed ref exists now.
    expect(await store.compareAndSwap(read!.version, record(first), "again")).toEqual({ swapped: false });
    expect((await store.read())?.record.commit).toBe(second);
    const keyed = recordRef("main", "acme/infrastructure-live");
    expect(execFileSync("git", ["log", "--format=%s", keyed], { cwd: remote }).toString().trim().split("\n")).toEqual([
      "advance",
      "old release",
    ]);
    // The old ref is left as it was (another live repository may still be migrating from it).
    expect(
      execFileSync("git", ["rev-parse", recordRef("main")], { cwd: remote })
        .toString()
        .trim(),
    ).toBe(oldVersion);
  });

  it("does not adopt an old record that another live repository wrote (its commit is not in this repository)", async () => {
    const remote = bareRemote();
    await using network = createTempGitRepo({ "vpc/terragrunt.hcl": "" });
    await using apps = createTempGitRepo({ "app/terragrunt.hcl": "" });
    const legacy = gitRecordStore({ repo: network.dir, deployBranch: "main" });
    await legacy.compareAndSwap(undefined, record(network.sha()), "network, old release");
    execFileSync("git", ["push", "-q", remote, `${recordRef("main")}:${recordRef("main")}`], { cwd: network.dir });
    expect(
      await gitRecordStore({ repo: apps.dir, deployBranch: "main", remote, liveRepository: "acme/apps-live" }).read(),
    ).toBeUndefined();
    expect(
      (
        await gitRecordStore({
          repo: network.dir,
          deployBranch: "main",
          remote,
          liveRepository: "acme/network-live",
        }).read()
      )?.record.commit,
    ).toBe(network.sha());
  });

  it("needs the live repository's name for a remote: from origin, else RECORD_LIVE_REPOSITORY_UNKNOWN", async () => {
    await using repo = createTempGitRepo({ "a/terragrunt.hcl": "" });
    expect(await liveRepositoryOfOrigin(repo.dir)).toBeUndefined();
    expect(() => gitRecordStore({ repo: repo.dir, deployBranch: "main", remote: bareRemote() })).toThrow(
      expect.objectContaining({ code: "RECORD_LIVE_REPOSITORY_UNKNOWN", exitCode: 29 }),
    );
    for (const [url, expected] of [
      ["https://github.com/acme/infrastructure-live", "acme/infrastructure-live"],
      ["https://x-access-token:secret@github.com/acme/infrastructure-live.git", "acme/infrastructure-live"],
      ["git@github.com:acme/infrastructure-live.git", "acme/infrastructure-live"],
      ["ssh://git@ghe.example.com:2222/acme/infra.live.git/", "acme/infra.live"],
      ["/srv/git/acme/infrastructure-live", "acme/infrastructure-live"],
    ] as const) {
      repo.git("config", "remote.origin.url", url);
      expect(await liveRepositoryOfOrigin(repo.dir)).toBe(expected);
    }
  });
});
