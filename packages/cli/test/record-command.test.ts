/**
 * `gantry record` with the record in a remote shared by several infrastructure-live repositories: each keeps its
 * own ref there (`--repository`, else the checkout's origin), and a record under the old unkeyed ref is read and
 * continued under the keyed one.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createTempGitRepo } from "@gantry/testkit";
import { runGantry } from "./support/run-gantry.js";

const cleanup: string[] = [];
afterEach(() => cleanup.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function bareRemote(): string {
  const dir = mkdtempSync(join(tmpdir(), "gantry-pipelines-"));
  cleanup.push(dir);
  execFileSync("git", ["init", "-q", "--bare", dir]);
  return dir;
}

const refsOf = (remote: string) =>
  execFileSync("git", ["for-each-ref", "--format=%(refname)"], { cwd: remote, encoding: "utf8" })
    .trim()
    .split("\n")
    .filter(Boolean)
    .sort();

describe("gantry record with one pipelines repository for two infrastructure-live repositories", () => {
  it("keeps one record per live repository, named by --repository or the checkout's origin", async () => {
    const remote = bareRemote();
    await using network = createTempGitRepo({ "vpc/terragrunt.hcl": "" });
    await using apps = createTempGitRepo({ "app/terragrunt.hcl": "" });
    const env = { GANTRY_RECORD_REMOTE: remote };
    // Without a name for the live repository, a shared remote cannot hold its record.
    const unnamed = await runGantry(network.dir, env, "record", "show");
    expect(unnamed.exitCode).toBe(29);
    expect(unnamed.stderr).toContain("RECORD_LIVE_REPOSITORY_UNKNOWN");

    expect(
      (
        await runGantry(
          network.dir,
          env,
          "record",
          "mark",
          "--commit",
          network.sha(),
          "--repository",
          "acme/network-live",
        )
      ).exitCode,
    ).toBe(0);
    expect(
      (await runGantry(apps.dir, env, "record", "mark", "--commit", apps.sha(), "--repository", "acme/apps-live"))
        .exitCode,
    ).toBe(0);
    expect(refsOf(remote)).toEqual([
      "refs/gantry/repositories/acme/apps-live/deployments/main",
      "refs/gantry/repositories/acme/network-live/deployments/main",
    ]);

    // The origin names it when --repository is not given (as the apply workflow's checkout sets it).
    network.git("config", "remote.origin.url", "https://github.com/acme/network-live.git");
    const shown = await runGantry(network.dir, env, "record", "show", "--json");
    expect(shown.exitCode, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ commit: network.sha() });
  });

  it("reads a record under the old ref and writes the keyed one", async () => {
    const remote = bareRemote();
    await using live = createTempGitRepo({ "vpc/terragrunt.hcl": "" });
    const first = live.sha();
    // The previous release's record: the repository's own ref, pushed to the remote under the same name.
    expect((await runGantry(live.dir, {}, "record", "mark", "--commit", first)).exitCode).toBe(0);
    execFileSync("git", ["push", "-q", remote, "refs/gantry/deployments/main:refs/gantry/deployments/main"], {
      cwd: live.dir,
    });
    const env = { GANTRY_RECORD_REMOTE: remote };
    const shown = await runGantry(live.dir, env, "record", "show", "--repository", "acme/live");
    expect(shown.stdout).toContain(`every unit is deployed as of ${first}`);
    const second = live.commit({ "vpc/x": "1" });
    const marked = await runGantry(
      live.dir,
      env,
      "record",
      "mark",
      "--commit",
      second,
      "--replace",
      "--repository",
      "acme/live",
    );
    expect(marked.exitCode, marked.stderr).toBe(0);
    expect(refsOf(remote)).toEqual([
      "refs/gantry/deployments/main",
      "refs/gantry/repositories/acme/live/deployments/main",
    ]);
    expect(
      execFileSync("git", ["log", "--format=%s", "refs/gantry/repositories/acme/live/deployments/main"], {
        cwd: remote,
        encoding: "utf8",
      })
        .trim()
        .split("\n"),
    ).toHaveLength(2);
  });
});
