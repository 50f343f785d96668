/**
 * The two-repository flow end to end: infrastructure-live's push runs only ask for a deployment
 * (`gantry dispatch --deploy`); the pipelines repository's apply workflow (here the emulator's executor, one
 * run at a time under its concurrency group) runs `gantry run --event push` from the deployment record kept in
 * a real bare git repository standing for the pipelines repository, with the real terragrunt and tofu. A burst
 * of three pushes meets GitHub's faults (a lost answer with a late run, a secondary rate limit, a 502) and the
 * concurrency group's cancellation of a pending run: every push ends deployed, each request started one run.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startGitHubEmulator } from "@gantry/testkit";
import { recordRepository, unitFile } from "./support/record-repository.js";
import { runGantry } from "./support/run-gantry.js";

const dispatchToken = "github_pat_11dispatch_0000000000000000000000";

describe("two repositories: infrastructure-live asks, the apply workflow deploys from the record", () => {
  it(
    "deploys every push of a burst exactly once per request, through faults and a cancelled pending run",
    { timeout: 600_000 },
    async () => {
      await using live = recordRepository({ "README.md": "infrastructure\n" });
      const work = mkdtempSync(join(tmpdir(), "gantry-two-repositories-"));
      try {
        const recordRemote = join(work, "infrastructure-pipelines.git");
        execFileSync("git", ["init", "-q", "--bare", recordRemote]);
        const checkout = join(work, "infrastructure-live");
        execFileSync("git", ["clone", "-q", live.repo.dir, checkout]);
        const pipelinesEnv = { ...live.env, GANTRY_RECORD_REMOTE: recordRemote };
        expect((await runGantry(checkout, pipelinesEnv, "record", "mark", "--commit", live.repo.sha())).exitCode).toBe(
          0,
        );

        const applyRuns: { exitCode: number; output: string }[] = [];
        // The first apply run stays busy until the burst's third request has its run, so the second request's
        // run is still pending then (a concurrency group's cancellation, deterministically).
        let burstArrived: () => void = () => undefined;
        const burst = new Promise<void>((resolve) => (burstArrived = resolve));
        await using github = await startGitHubEmulator({
          tokens: [
            {
              token: dispatchToken,
              label: "dispatch",
              kind: "fine-grained",
              repositories: ["acme/infrastructure-pipelines"],
              permissions: { actions: "write" },
            },
          ],
          repositories: [
            {
              owner: "acme",
              name: "infrastructure-pipelines",
              workflows: [
                {
                  file: "apply.yml",
                  name: "Gantry apply",
                  inputs: { commit: { required: true }, correlation: { required: true } },
                  runName: (inputs) =>
                    `gantry deploy ${String(inputs.commit).slice(0, 12)} ${String(inputs.correlation)}`,
                  concurrency: { group: () => "gantry-apply" },
                  // apply.yml: check out infrastructure-live, then deploy from the record to main's tip.
                  execute: async () => {
                    const run = await runGantry(checkout, pipelinesEnv, "run", "--event", "push");
                    applyRuns.push({ exitCode: run.exitCode, output: run.stdout + run.stderr });
                    if (applyRuns.length === 1) await burst;
                    return run.exitCode === 0 ? "success" : "failure";
                  },
                },
              ],
            },
          ],
        });
        const ask = (commit: string) =>
          runGantry(
            live.repo.dir,
            {
              GITHUB_API_URL: github.url,
              GANTRY_DISPATCH_TOKEN: dispatchToken,
              GANTRY_GITHUB_WRITE_INTERVAL_MS: "0",
              GANTRY_GITHUB_RETRY_BASE_MS: "20",
            },
            "dispatch",
            "--deploy",
            "--commit",
            commit,
            "--repository",
            "acme/infrastructure-pipelines",
            "--apply-workflow",
            "apply.yml",
            "--poll-interval",
            "0.05",
            "--lost-dispatch-wait",
            "2",
          );

        // The first push deploys three units.
        const first = live.repo.commit({
          "live/vpc/terragrunt.hcl": unitFile({ label: "vpc-1" }),
          "live/app/terragrunt.hcl": unitFile({ label: "app-1", dependsOn: "vpc" }),
          "live/db/terragrunt.hcl": unitFile({ label: "db-1" }),
        });
        github.injectFault("actions/create-workflow-dispatch", { loseResponse: true, runAppearsAfterMs: 300 });
        const asked = [ask(first)];
        // Once its run has read the tip (it deploys the first push), a burst of two more pushes: the second
        // request's run waits in the concurrency group, and the third's replaces it there.
        const tipRead = () =>
          execFileSync("git", ["for-each-ref", "--format=%(objectname)", "refs/remotes/origin/main"], {
            cwd: checkout,
            encoding: "utf8",
          }).trim();
        while (tipRead() !== first) await new Promise((resolve) => setTimeout(resolve, 20));
        const second = live.repo.commit({ "live/app/terragrunt.hcl": unitFile({ label: "app-2", dependsOn: "vpc" }) });
        github.injectFault("actions/create-workflow-dispatch", { secondaryRateLimit: { retryAfterSeconds: 1 } });
        asked.push(ask(second));
        while (github.runs("acme", "infrastructure-pipelines").length < 2)
          await new Promise((resolve) => setTimeout(resolve, 20));
        const third = live.repo.commit({
          "live/db/terragrunt.hcl": unitFile({ label: "db-3" }),
          "live/vpc/terragrunt.hcl": unitFile({ label: "vpc-3" }),
        });
        github.injectFault("actions/create-workflow-dispatch", { status: 502 });
        asked.push(ask(third));
        while (github.runs("acme", "infrastructure-pipelines").length < 3)
          await new Promise((resolve) => setTimeout(resolve, 20));
        burstArrived();
        const results = await Promise.all(asked);

        const context =
          results.map((result) => result.stdout + result.stderr).join("\n---\n") +
          applyRuns.map((run) => run.output).join("\n---\n");
        expect(
          results.map((result) => result.exitCode),
          context,
        ).toEqual([0, 0, 0]);
        expect(github.dispatches, "one accepted dispatch per request").toHaveLength(3);
        const runs = github.runs("acme", "infrastructure-pipelines");
        expect(
          runs.map((run) => run.state.conclusion),
          context,
        ).toEqual(["success", "cancelled", "success"]);
        expect(results[1]!.stderr).toContain("was cancelled by the workflow's concurrency; following the newer run");
        expect(applyRuns).toHaveLength(2);
        expect(["live/vpc", "live/app", "live/db"].map(live.deployedLabel)).toEqual(["vpc-3", "app-2", "db-3"]);
        const record = JSON.parse((await runGantry(checkout, pipelinesEnv, "record", "show", "--json")).stdout) as {
          commit: string;
          lease: unknown;
        };
        expect(record).toMatchObject({ commit: third, lease: null });
        // The record lives in the pipelines repository; infrastructure-live has no ref of it.
        expect(execFileSync("git", ["for-each-ref", "refs/gantry"], { cwd: live.repo.dir, encoding: "utf8" })).toBe("");
        expect(github.violations).toEqual([]);
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    },
  );
});
