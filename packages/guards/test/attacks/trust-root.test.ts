/**
 * Attacks on the trust root, with real git and the real classifier: an attacker pushes a branch (or opens a
 * pull request) in infrastructure-live and hands the pipelines side a job of their making. Every value that
 * decides privilege must come from the deploy branch's tip (as fetched from origin) or from the pipelines
 * side; the legitimate job beside each attack passes.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { planChange, type Job } from "@gantry/classifier";
import { createTempGitRepo } from "@gantry/testkit";
import { checkJob } from "../../src/index.js";
import {
  APPLY_ROLE,
  checkout,
  gantryConfig,
  include,
  infrastructureLive,
  markerExists,
  pushBranch,
  refusal,
} from "./support.js";

const guardOptions = (dir: string, dryRun = false) => ({ repo: dir, env: {}, dryRun });

describe("route 1: the deploy branch comes from the pipelines side, never from the job or a branch", () => {
  it("refuses an apply planned on a branch whose configuration names itself the deploy branch", async () => {
    await using origin = infrastructureLive();
    const base = origin.sha("main");
    const evil = pushBranch(origin, "evil", {
      ".gantry/config.yml": gantryConfig({ deployBranch: "evil" }),
      "prod/app/terragrunt.hcl": `${include}inputs = { evil = true }\n`,
    });
    // What the attacker's own workflow plans (and could dispatch): the branch's config says it deploys.
    const plan = await planChange({ repo: origin.dir, base, head: evil, event: "push", branch: "evil" });
    const apply = plan.jobs.find((job) => job.action === "apply")!;
    expect(apply.source.deployBranch).toBe("evil");
    await using pipelines = checkout(origin, evil);
    const error = await refusal(checkJob(apply, guardOptions(pipelines.dir)));
    expect([error.guard, error.exitCode]).toEqual(["trusted-settings", 52]);
    expect(error.message).toContain("'evil'");
  });

  it("refuses a destroy of a live production unit planned on such a branch", async () => {
    await using origin = infrastructureLive();
    const base = origin.sha("main");
    const evil = pushBranch(origin, "evil", {
      ".gantry/config.yml": gantryConfig({ deployBranch: "evil" }),
      "prod/db/terragrunt.hcl": null,
    });
    const plan = await planChange({ repo: origin.dir, base, head: evil, event: "push", branch: "evil" });
    const destroy = plan.jobs.find((job) => job.action === "destroy")!;
    expect(destroy.units).toEqual(["prod/db"]);
    await using pipelines = checkout(origin, base);
    expect((await refusal(checkJob(destroy, guardOptions(pipelines.dir)))).exitCode).toBe(52);
    // The same job with the deploy branch field forged back to main meets the deploy-branch guards.
    const forged: Job = { ...destroy, source: { ...destroy.source, deployBranch: "main", branch: "main" } };
    expect((await refusal(checkJob(forged, guardOptions(pipelines.dir)))).guard).toBe("destroy-unit-absent");
  });

  it("takes the deploy branch from the pipelines side's setting and refuses a tip whose configuration disagrees", async () => {
    await using origin = infrastructureLive({ ".gantry/config.yml": gantryConfig({ deployBranch: "production" }) });
    origin.git("branch", "production");
    const base = origin.sha("production");
    origin.git("checkout", "-q", "production");
    const head = origin.commit({ "prod/app/terragrunt.hcl": `${include}inputs = { size = 2 }\n` });
    origin.git("checkout", "-q", "main");
    const plan = await planChange({ repo: origin.dir, base, head, event: "push", branch: "production" });
    const apply = plan.jobs[0]!;
    await using pipelines = checkout(origin, head);
    // The pipelines side says main (the default): the job's branch and the tip's configuration disagree with it.
    expect((await refusal(checkJob(apply, guardOptions(pipelines.dir)))).exitCode).toBe(52);
    const report = await checkJob(apply, { ...guardOptions(pipelines.dir), deployBranch: "production" });
    expect(report.deployBranch).toMatchObject({ name: "production", tip: head, source: "origin" });
  });
});

describe("route 2: a pull request's configuration cannot change roles, plugins or tool settings", () => {
  it("(a) refuses a plan job whose plan role is the apply role, even when the pull request's config says so", async () => {
    await using origin = infrastructureLive();
    const base = origin.sha("main");
    const head = pushBranch(origin, "pr-7", {
      ".gantry/config.yml": gantryConfig({ planRoleArn: APPLY_ROLE }),
      "prod/app/terragrunt.hcl": `${include}inputs = { size = 2 }\n`,
    });
    // Planned with the pull request's own configuration, as a hostile workflow would.
    const plan = await planChange({
      repo: origin.dir,
      base,
      head,
      event: "pull_request",
      branch: "pr-7",
      configRef: head,
    });
    const job = plan.jobs[0]!;
    expect(job.authentication?.planRoleArn).toBe(APPLY_ROLE);
    await using pipelines = checkout(origin, head);
    const error = await refusal(checkJob(job, guardOptions(pipelines.dir, true)));
    expect([error.guard, error.exitCode]).toEqual(["trusted-settings", 52]);
    expect(error.message).toContain("authentication");
    // Planned as Gantry plans a pull request (the deploy branch's configuration), the same change passes.
    const legit = (await planChange({ repo: origin.dir, base, head, event: "pull_request", branch: "pr-7" })).jobs[0]!;
    expect(legit.authentication?.planRoleArn).not.toBe(APPLY_ROLE);
    await expect(checkJob(legit, guardOptions(pipelines.dir))).resolves.toMatchObject({ jobId: legit.id });
  });

  it("(c) never imports a pull request's classifier plugin into the guard process, also on a dry run", async () => {
    const markers = mkdtempSync(join(tmpdir(), "gantry-markers-"));
    const plugin = (who: string) =>
      `import { appendFileSync } from "node:fs";\nappendFileSync(${JSON.stringify(join(markers, "imported"))}, "${who}\\n");\n` +
      `export default { specificationVersion: "v1", name: "${who}", classify: () => undefined };\n`;
    await using origin = infrastructureLive({
      ".gantry/config.yml": gantryConfig({ classifiers: ["./.gantry/classifiers/tip.mjs"] }),
      ".gantry/classifiers/tip.mjs": plugin("tip"),
    });
    const base = origin.sha("main");
    const head = pushBranch(origin, "pr-8", {
      ".gantry/config.yml": gantryConfig({
        classifiers: ["./.gantry/classifiers/tip.mjs", "./.gantry/classifiers/evil.mjs"],
      }),
      ".gantry/classifiers/tip.mjs": plugin("pr-version-of-tip"),
      ".gantry/classifiers/evil.mjs": plugin("evil"),
      "prod/app/terragrunt.hcl": `${include}inputs = { size = 2 }\n`,
    });
    await using pipelines = checkout(origin, head);
    const job = (await planChange({ repo: origin.dir, base, head, event: "pull_request", branch: "pr-8" })).jobs[0]!;
    await checkJob(job, guardOptions(pipelines.dir, true));
    const imported = markerExists(join(markers, "imported"))
      ? readFileSync(join(markers, "imported"), "utf8").trim().split("\n")
      : [];
    expect(new Set(imported)).toEqual(new Set(["tip"]));
  });

  it("(c) loads a package plugin only from where the pipelines side installed it, never from the checkout", async () => {
    const markers = mkdtempSync(join(tmpdir(), "gantry-markers-"));
    const pluginPackage = (who: string) => ({
      "node_modules/@acme/docs-plugin/package.json":
        '{ "name": "@acme/docs-plugin", "type": "module", "main": "index.js" }\n',
      "node_modules/@acme/docs-plugin/index.js":
        `import { appendFileSync } from "node:fs";\nappendFileSync(${JSON.stringify(join(markers, "imported"))}, "${who}\\n");\n` +
        `export default { specificationVersion: "v1", name: "docs", classify: () => undefined };\n`,
    });
    await using origin = infrastructureLive({
      ".gantry/config.yml": gantryConfig({ classifiers: ["@acme/docs-plugin"] }),
    });
    const base = origin.sha("main");
    // The pull request commits its own copy of the package into the checkout.
    const head = pushBranch(origin, "pr-13", {
      ...pluginPackage("checkout"),
      "prod/app/terragrunt.hcl": `${include}inputs = { size = 2 }\n`,
    });
    await using pipelines = checkout(origin, head);
    const job =
      (await planChange({
        repo: origin.dir,
        base,
        head,
        event: "pull_request",
        branch: "pr-13",
        pluginPackages: mkdtempSync(join(tmpdir(), "none-")),
      }).catch(() => null)) ?? null;
    expect(job).toBeNull(); // planning needs the package too
    await using installed = createTempGitRepo(pluginPackage("pipelines"));
    const legit = (
      await planChange({
        repo: origin.dir,
        base,
        head,
        event: "pull_request",
        branch: "pr-13",
        pluginPackages: installed.dir,
      })
    ).jobs[0]!;
    const error = await refusal(checkJob(legit, guardOptions(pipelines.dir)));
    expect([error.guard, error.exitCode]).toEqual(["trusted-settings", 52]);
    expect(error.hint).toContain("GANTRY_PLUGIN_PACKAGES");
    await expect(
      checkJob(legit, { ...guardOptions(pipelines.dir), pluginPackages: installed.dir }),
    ).resolves.toMatchObject({ jobId: legit.id });
    const inside = await refusal(checkJob(legit, { ...guardOptions(pipelines.dir), pluginPackages: pipelines.dir }));
    expect(inside.message).toContain("inside the checkout");
    expect(new Set(readFileSync(join(markers, "imported"), "utf8").trim().split("\n"))).toEqual(new Set(["pipelines"]));
  });

  it("refuses Terragrunt settings a job adds that the deploy branch's configuration does not have", async () => {
    await using origin = infrastructureLive();
    const base = origin.sha("main");
    const head = pushBranch(origin, "pr-9", { "prod/app/terragrunt.hcl": `${include}inputs = { size = 2 }\n` });
    const job = (await planChange({ repo: origin.dir, base, head, event: "pull_request", branch: "pr-9" })).jobs[0]!;
    await using pipelines = checkout(origin, head);
    for (const forged of [
      { ...job, terragrunt: { ...job.terragrunt, env: { TG_TF_PATH: "/tmp/evil-tofu" } } },
      { ...job, terragrunt: { ...job.terragrunt, flags: ["--source", "/tmp/evil"] } },
      { ...job, environment: "dev" },
    ]) {
      expect((await refusal(checkJob(forged, guardOptions(pipelines.dir)))).exitCode).toBe(52);
    }
  });
});

describe("route 2: a pull request's plan never runs in the apply workflow", () => {
  it("refuses a pull request's job in the apply workflow and an apply in the plan workflow, before anything is read", async () => {
    await using origin = infrastructureLive();
    const base = origin.sha("main");
    const head = pushBranch(origin, "pr-12", { "prod/app/terragrunt.hcl": `${include}inputs = { size = 2 }\n` });
    const plan = (await planChange({ repo: origin.dir, base, head, event: "pull_request", branch: "pr-12" })).jobs[0]!;
    await using pipelines = checkout(origin, head);
    const inApply = await refusal(
      checkJob(plan, { ...guardOptions(pipelines.dir), env: { GANTRY_WORKFLOW_ROLE: "apply" } }),
    );
    expect([inApply.guard, inApply.exitCode]).toEqual(["workflow-role", 54]);
    await expect(checkJob(plan, { ...guardOptions(pipelines.dir), workflowRole: "plan" })).resolves.toMatchObject({
      jobId: plan.id,
    });

    const merged = origin.commit({ "prod/app/terragrunt.hcl": `${include}inputs = { size = 2 }\n` });
    const apply = (await planChange({ repo: origin.dir, base, head: merged, event: "push", branch: "main" })).jobs[0]!;
    const inPlan = await refusal(checkJob(apply, { ...guardOptions(pipelines.dir), workflowRole: "plan" }));
    expect([inPlan.guard, inPlan.exitCode]).toEqual(["workflow-role", 54]);
  });

  it("(G2) refuses every job in a GitHub Actions workflow that does not say which pipelines workflow it is", async () => {
    // The legacy one-workflow design: one pipelines workflow plans pull requests and applies merges, so a pull
    // request's hook runs where the apply role may be trusted. Without a role the guards cannot tell them apart.
    await using origin = infrastructureLive();
    const base = origin.sha("main");
    const head = pushBranch(origin, "pr-13", { "prod/app/terragrunt.hcl": `${include}inputs = { size = 2 }\n` });
    const plan = (await planChange({ repo: origin.dir, base, head, event: "pull_request", branch: "pr-13" })).jobs[0]!;
    await using pipelines = checkout(origin, head);
    for (const env of [{ GITHUB_ACTIONS: "true" }, { GITHUB_ACTIONS: "true", GANTRY_WORKFLOW_ROLE: "" }]) {
      const error = await refusal(checkJob(plan, { ...guardOptions(pipelines.dir), env }));
      expect([error.guard, error.exitCode, error.code]).toEqual(["workflow-role", 54, "GUARD_WRONG_WORKFLOW"]);
      expect(error.message).toContain("GANTRY_WORKFLOW_ROLE");
    }
    // The same job in the plan workflow passes; outside GitHub Actions (a person's machine) no role is needed.
    await expect(
      checkJob(plan, { ...guardOptions(pipelines.dir), env: { GITHUB_ACTIONS: "true", GANTRY_WORKFLOW_ROLE: "plan" } }),
    ).resolves.toMatchObject({ jobId: plan.id });
    await expect(checkJob(plan, guardOptions(pipelines.dir))).resolves.toMatchObject({ jobId: plan.id });
  });

  it("(G2) refuses in the apply workflow a pull request's code dressed as a push's plan", async () => {
    await using origin = infrastructureLive();
    const base = origin.sha("main");
    const head = pushBranch(origin, "pr-14", { "prod/app/terragrunt.hcl": `${include}inputs = { evil = true }\n` });
    const plan = (await planChange({ repo: origin.dir, base, head, event: "pull_request", branch: "pr-14" })).jobs[0]!;
    await using pipelines = checkout(origin, head);
    const options = { ...guardOptions(pipelines.dir), env: { GITHUB_ACTIONS: "true", GANTRY_WORKFLOW_ROLE: "apply" } };
    const forged: Job = { ...plan, source: { ...plan.source, event: "push", branch: "main" } };
    for (const job of [plan, forged, { ...forged, action: "plan-destroy" } as Job]) {
      const error = await refusal(checkJob(job, options));
      expect(["workflow-role", "apply-ref-on-deploy-branch"]).toContain(error.guard);
      expect(error.exitCode === 54 || error.exitCode === 43).toBe(true);
    }
  });
});

describe("route 3: no rollback by replaying an old job", () => {
  it("refuses an apply of an older commit of main, naming the unit that changed since", async () => {
    await using origin = infrastructureLive();
    const before = origin.sha("main");
    const first = origin.commit({
      "prod/app/terragrunt.hcl": `${include}inputs = { version = 1 }\n`,
      "prod/queue/terragrunt.hcl": `${include}inputs = { version = 1 }\n`,
    });
    const firstJobs = (await planChange({ repo: origin.dir, base: before, head: first, event: "push", branch: "main" }))
      .jobs;
    origin.commit({ "prod/app/terragrunt.hcl": `${include}inputs = { version = 2 }\n` });
    await using pipelines = checkout(origin, first);
    const replayed = firstJobs.find((job) => job.action === "apply")!;
    expect(replayed.units.sort()).toEqual(["prod/app", "prod/queue"]);
    const error = await refusal(checkJob(replayed, guardOptions(pipelines.dir)));
    expect([error.guard, error.exitCode, error.unit]).toEqual(["no-rollback", 53, "prod/app"]);
  });

  it("refuses an apply whose unit is unchanged but reads a file that changed on main since", async () => {
    await using origin = infrastructureLive();
    const before = origin.sha("main");
    const first = origin.commit({ "prod/queue/terragrunt.hcl": `${include}inputs = { version = 1 }\n` });
    const job = (await planChange({ repo: origin.dir, base: before, head: first, event: "push", branch: "main" }))
      .jobs[0]!;
    await using pipelines = checkout(origin, first);
    await expect(checkJob(job, guardOptions(pipelines.dir))).resolves.toMatchObject({ jobId: job.id });
    origin.commit({ "root.hcl": 'locals {\n  region = "eu-west-2"\n}\n' });
    expect((await refusal(checkJob(job, guardOptions(pipelines.dir)))).guard).toBe("no-rollback");
  });
});

describe("a job that mixes commits", () => {
  it("refuses a plan job whose ref is a pull request's commit while its source is main's", async () => {
    await using origin = infrastructureLive();
    const base = origin.sha("main");
    const head = origin.commit({ "prod/app/terragrunt.hcl": `${include}inputs = { size = 2 }\n` });
    const evil = pushBranch(origin, "pr-10", { "prod/app/terragrunt.hcl": `${include}inputs = { evil = true }\n` });
    const apply = (await planChange({ repo: origin.dir, base, head, event: "push", branch: "main" })).jobs[0]!;
    await using pipelines = checkout(origin, evil);
    expect((await refusal(checkJob({ ...apply, action: "plan", ref: evil }, guardOptions(pipelines.dir)))).guard).toBe(
      "apply-ref-on-deploy-branch",
    );
    expect((await refusal(checkJob({ ...apply, ref: evil }, guardOptions(pipelines.dir)))).guard).toBe(
      "apply-ref-on-deploy-branch",
    );
  });

  it("refuses a push's plan job (a plan-only unit) planned as if a pull request's commit had been pushed to main", async () => {
    await using origin = infrastructureLive({
      ".gantry/config.yml": `${gantryConfig()}units:\n  "prod/app": { planOnly: true }\n`,
    });
    const base = origin.sha("main");
    const evil = pushBranch(origin, "pr-11", { "prod/app/terragrunt.hcl": `${include}inputs = { evil = true }\n` });
    // The pipelines side's apply workflow runs push jobs; this one would run the pull request's code there.
    const job = (await planChange({ repo: origin.dir, base, head: evil, event: "push", branch: "main" })).jobs[0]!;
    expect([job.action, job.ref]).toEqual(["plan", evil]);
    await using pipelines = checkout(origin, evil);
    const error = await refusal(checkJob(job, guardOptions(pipelines.dir)));
    expect([error.guard, error.exitCode]).toEqual(["apply-ref-on-deploy-branch", 43]);
  });
});
