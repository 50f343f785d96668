/**
 * Re-derivation shared by the jobs of a run: once per (trusted configuration, source range), never fed by what a
 * job claims. Real git and the real classifier for the attacks; a counting derivation for the bookkeeping.
 */
import { describe, expect, it } from "vitest";
import { planChange, type Job, type PlanningConfiguration } from "@gantry/classifier";
import { createTempGitRepo } from "@gantry/testkit";
import { checkJob } from "../src/index.js";
import { sharedRederivation } from "../src/shared-derivation.js";
import { CONFIG, makeJob, refusal } from "./support.js";

const LOCAL = { env: {}, dryRun: false } as const;
const TWO_ENVIRONMENTS = CONFIG.replace('paths: ["**"]', 'paths: ["prod/**"]').replace(
  "environments:\n",
  'environments:\n  - name: dev\n    paths: ["dev/**"]\n',
);

describe("re-derivation shared by the jobs of a run", () => {
  it("derives once per configuration and source range; a failure is not remembered", async () => {
    const configuration = {} as PlanningConfiguration;
    const calls: string[] = [];
    let fail = true;
    const derive = async (job: Job) => {
      calls.push(job.source.head);
      if (fail) throw new Error("transient");
      return [job];
    };
    const job = (head: string) =>
      makeJob({
        action: "plan",
        units: ["prod/app"],
        ref: head,
        source: { base: "a".repeat(40), head, event: "pull_request", branch: "pr" },
      });
    const shared = sharedRederivation("/repo", configuration, derive);
    await expect(shared(job("b".repeat(40)))).rejects.toThrow("transient");
    fail = false;
    await shared(job("b".repeat(40)));
    await shared(job("b".repeat(40)));
    await sharedRederivation("/repo", configuration, derive)(job("b".repeat(40)));
    await shared(job("c".repeat(40)));
    await sharedRederivation("/repo", {} as PlanningConfiguration, derive)(job("b".repeat(40)));
    expect(calls).toEqual(["b".repeat(40), "b".repeat(40), "c".repeat(40), "b".repeat(40)]);
  });

  it("attack: a forged job checked before or after the legitimate jobs of its range is refused, and they still pass", async () => {
    await using repo = createTempGitRepo({
      ".gantry/config.yml": TWO_ENVIRONMENTS,
      "root.hcl": "locals {}\n",
      "prod/app/terragrunt.hcl": "# app\n",
      "dev/app/terragrunt.hcl": "# app\n",
    });
    const base = repo.sha();
    repo.checkout("pr-1", { create: true });
    const head = repo.commit({ "prod/app/terragrunt.hcl": "# app v2\n", "dev/app/terragrunt.hcl": "# app v2\n" });
    repo.checkout("main");
    const jobs = (await planChange({ repo: repo.dir, base, head, event: "pull_request", branch: "pr-1" })).jobs;
    expect(jobs.map((job) => job.units)).toEqual([["dev/app"], ["prod/app"]]);
    const forged: Job = { ...jobs[0]!, units: ["dev/app", "prod/app"] };
    expect((await refusal(checkJob(forged, { ...LOCAL, repo: repo.dir }))).guard).toMatch(/trusted-settings|re-derive/);
    for (const job of jobs)
      await expect(checkJob(job, { ...LOCAL, repo: repo.dir })).resolves.toMatchObject({ jobId: job.id });
    expect((await refusal(checkJob({ ...jobs[1]!, ref: base }, { ...LOCAL, repo: repo.dir }))).guard).toMatch(
      /re-derive|unit-at-ref/,
    );
    expect((await refusal(checkJob(forged, { ...LOCAL, repo: repo.dir }))).guard).toMatch(/trusted-settings|re-derive/);
  });

  it("a merge to the deploy branch during the run brings a new trusted configuration, derived afresh", async () => {
    await using repo = createTempGitRepo({
      ".gantry/config.yml": CONFIG,
      "root.hcl": "locals {}\n",
      "prod/app/terragrunt.hcl": "# app\n",
      "prod/db/terragrunt.hcl": "# db\n",
    });
    const base = repo.sha();
    const head = repo.commit({ "prod/app/terragrunt.hcl": "# app v2\n", "prod/db/terragrunt.hcl": "# db v2\n" });
    const [job] = (await planChange({ repo: repo.dir, base, head, event: "push", branch: "main" })).jobs;
    expect(job!.units).toEqual(["prod/app", "prod/db"]);
    await expect(checkJob(job!, { ...LOCAL, repo: repo.dir })).resolves.toMatchObject({ jobId: job!.id });
    // The new tip's configuration ignores prod/db's files: the same range, derived with it, plans prod/app only.
    repo.commit({ ".gantry/config.yml": `${CONFIG}ignore:\n  - "prod/db/**"\n` });
    const error = await refusal(checkJob(job!, { ...LOCAL, repo: repo.dir }));
    expect([error.guard, error.exitCode]).toEqual(["re-derive", 48]);
  });
});
