/**
 * End to end on real git repositories: the real `detectChanges`, configuration read from the deploy branch
 * (a pull request's base) or the pushed commit, classification and planning, for every change type on both events.
 */
import { describe, expect, it } from "vitest";
import { GantryError } from "@gantry/errors";
import { createTempGitRepo, type FileMap, type TempGitRepo } from "@gantry/testkit";
import { planChange, planDocumentSchema, type PlanDocument } from "../src/index.js";
import { installExamplePlugin } from "./support.js";

const unit = (body = "") => `include "root" {
  path = find_in_parent_folders("root.hcl")
}

locals {
  account = read_terragrunt_config(find_in_parent_folders("account.hcl"))
}

terraform {
  source = "\${get_repo_root()}/modules/noop"
}
${body}`;

const dependsOn = (...paths: string[]) =>
  paths
    .map(
      (path, index) => `\ndependency "d${index}" {\n  config_path = "${path}"\n  mock_outputs = { id = "mock" }\n}\n`,
    )
    .join("");

const envcommon = `\ninclude "envcommon" {\n  path = "\${get_repo_root()}/_envcommon/app.hcl"\n}\n`;

/** prod/vpc ← prod/db ← prod/app (includes _envcommon/app.hcl, reads data/app.json), dev/app (envcommon). */
const layout: FileMap = {
  ".gitignore": "node_modules/\n",
  "root.hcl": 'remote_state {\n  backend = "local"\n  config  = {}\n}\n',
  "_envcommon/app.hcl": "locals {\n  size = 1\n}\n",
  "modules/noop/main.tf": 'resource "terraform_data" "noop" {}\n',
  "data/app.json": '{"replicas": 1}\n',
  "prod/account.hcl": 'locals {\n  account_name = "prod"\n}\n',
  "dev/account.hcl": 'locals {\n  account_name = "dev"\n}\n',
  "prod/vpc/terragrunt.hcl": unit(),
  "prod/db/terragrunt.hcl": unit(dependsOn("../vpc")),
  "prod/app/terragrunt.hcl": unit(
    `${dependsOn("../db")}${envcommon}\ninputs = {\n  settings = file("\${get_repo_root()}/data/app.json")\n}\n`,
  ),
  "dev/app/terragrunt.hcl": unit(envcommon),
  ".gantry/config.yml": 'environments:\n  - name: prod\n    paths: ["prod/**"]\n  - name: dev\n    paths: ["dev/**"]\n',
};

type Event = "pull_request" | "push";

async function planCommit(
  repo: TempGitRepo,
  change: FileMap,
  event: Event,
  options: { branch?: string } = {},
): Promise<PlanDocument> {
  const base = repo.sha();
  const head = repo.commit(change, "change");
  const plan = await planChange({ repo: repo.dir, base, head, event, env: {}, cache: false, ...options });
  return planDocumentSchema.parse(plan);
}

const jobs = (plan: PlanDocument) =>
  plan.jobs.map((job) => ({ id: job.id, action: job.action, units: job.units, needs: job.needs }));
const changes = (plan: PlanDocument) =>
  (plan.changes ?? []).map((change) => ({ type: change.type, units: change.units }));

const forward = (event: Event) => (event === "pull_request" ? "plan" : "apply");
const backward = (event: Event) => (event === "pull_request" ? "plan-destroy" : "destroy");

describe.each<Event>(["pull_request", "push"])("every change type on %s", (event) => {
  it("UnitChanged: the unit's file changed", async () => {
    await using repo = createTempGitRepo(layout);
    const plan = await planCommit(
      repo,
      { "prod/db/terragrunt.hcl": unit(`${dependsOn("../vpc")}\ninputs = { size = 2 }\n`) },
      event,
    );
    expect(changes(plan)).toEqual([{ type: "UnitChanged", units: ["prod/db"] }]);
    expect(jobs(plan)).toEqual([
      { id: `${forward(event)}-prod`, action: forward(event), units: ["prod/db"], needs: [] },
    ]);
    expect(plan.jobs[0]!.ref).toBe(plan.head);
    expect(plan.jobs[0]!.changes).toEqual(["UnitChanged"]);
  });

  it("UnitAdded: a new terragrunt.hcl", async () => {
    await using repo = createTempGitRepo(layout);
    const plan = await planCommit(repo, { "prod/cache/terragrunt.hcl": unit(dependsOn("../vpc")) }, event);
    expect(changes(plan)).toEqual([{ type: "UnitAdded", units: ["prod/cache"] }]);
    expect(jobs(plan)).toEqual([
      { id: `${forward(event)}-prod`, action: forward(event), units: ["prod/cache"], needs: [] },
    ]);
  });

  it("UnitDeleted: destroyed from the base commit, after the applies", async () => {
    await using repo = createTempGitRepo(layout);
    const plan = await planCommit(
      repo,
      { "prod/app/terragrunt.hcl": null, "dev/app/terragrunt.hcl": unit(`${envcommon}\ninputs = { size = 3 }\n`) },
      event,
    );
    expect(changes(plan)).toEqual([
      { type: "UnitChanged", units: ["dev/app"] },
      { type: "UnitDeleted", units: ["prod/app"] },
    ]);
    expect(jobs(plan)).toEqual([
      { id: `${forward(event)}-dev`, action: forward(event), units: ["dev/app"], needs: [] },
      {
        id: `${backward(event)}-prod-app`,
        action: backward(event),
        units: ["prod/app"],
        needs: [`${forward(event)}-dev`],
      },
    ]);
    expect(plan.jobs[1]!.ref).toBe(plan.base);
  });

  it("EnvCommonChanged: every unit that includes the file", async () => {
    await using repo = createTempGitRepo(layout);
    const plan = await planCommit(repo, { "_envcommon/app.hcl": "locals {\n  size = 2\n}\n" }, event);
    expect(changes(plan)).toEqual([{ type: "EnvCommonChanged", units: ["dev/app", "prod/app"] }]);
    expect(jobs(plan)).toEqual([
      { id: `${forward(event)}-prod`, action: forward(event), units: ["prod/app"], needs: [] },
      { id: `${forward(event)}-dev`, action: forward(event), units: ["dev/app"], needs: [] },
    ]);
  });

  it("HCLChanged: units that read account.hcl; root config read by all", async () => {
    await using repo = createTempGitRepo(layout);
    const plan = await planCommit(repo, { "dev/account.hcl": 'locals {\n  account_name = "development"\n}\n' }, event);
    expect(changes(plan)).toEqual([{ type: "HCLChanged", units: ["dev/app"] }]);
    expect(jobs(plan)).toEqual([
      { id: `${forward(event)}-dev`, action: forward(event), units: ["dev/app"], needs: [] },
    ]);
  });

  it("LocalModuleChanged: a file of the units' OpenTofu module", async () => {
    await using repo = createTempGitRepo(layout);
    const plan = await planCommit(
      repo,
      { "modules/noop/main.tf": 'resource "terraform_data" "noop" {\n  input = 1\n}\n' },
      event,
    );
    expect(changes(plan)).toEqual([
      { type: "LocalModuleChanged", units: ["dev/app", "prod/app", "prod/db", "prod/vpc"] },
    ]);
    expect(jobs(plan)).toEqual([
      { id: `${forward(event)}-prod`, action: forward(event), units: ["prod/vpc", "prod/db", "prod/app"], needs: [] },
      { id: `${forward(event)}-dev`, action: forward(event), units: ["dev/app"], needs: [] },
    ]);
  });

  it("FileChanged: a file read by a unit, and one read by none (reported, no job)", async () => {
    await using repo = createTempGitRepo(layout);
    const plan = await planCommit(repo, { "data/app.json": '{"replicas": 2}\n', "scripts/tool.sh": "echo\n" }, event);
    expect(changes(plan)).toEqual([
      { type: "FileChanged", units: ["prod/app"] },
      { type: "FileChanged", units: [] },
    ]);
    expect(plan.changes?.find((change) => change.files.includes("scripts/tool.sh"))).toMatchObject({
      jobs: [],
      note: "read by no unit: no action",
    });
    expect(jobs(plan)).toEqual([
      { id: `${forward(event)}-prod`, action: forward(event), units: ["prod/app"], needs: [] },
    ]);
  });

  it("AccountsRequested / AccountsChanged / AccountsDeleted: reported, no jobs", async () => {
    await using repo = createTempGitRepo({
      ...layout,
      "_new-account-requests/staging.yml": "name: staging\n",
      "_new-account-requests/old.yml": "name: old\n",
    });
    const plan = await planCommit(
      repo,
      {
        "_new-account-requests/sandbox.yml": "name: sandbox\n",
        "_new-account-requests/staging.yml": "name: staging2\n",
        "_new-account-requests/old.yml": null,
      },
      event,
    );
    expect(changes(plan)).toEqual([
      { type: "AccountsRequested", units: [] },
      { type: "AccountsChanged", units: [] },
      { type: "AccountsDeleted", units: [] },
    ]);
    expect(plan.jobs).toEqual([]);
    expect(plan.notice).toBe("the changed files affect no unit: nothing is planned");
  });

  it("AccountsAdded: every unit of the new account directory", async () => {
    // The new environment is merged first: a pull request is planned with the deploy branch's configuration.
    await using repo = createTempGitRepo({
      ...layout,
      ".gantry/config.yml": `${layout[".gantry/config.yml"] as string}  - name: sandbox\n    paths: ["sandbox/**"]\n`,
    });
    const plan = await planCommit(
      repo,
      {
        "sandbox/account.hcl": 'locals {\n  account_name = "sandbox"\n}\n',
        "sandbox/vpc/terragrunt.hcl": unit(),
        "sandbox/app/terragrunt.hcl": unit(dependsOn("../vpc")),
      },
      event,
    );
    expect(changes(plan)).toEqual([{ type: "AccountsAdded", units: ["sandbox/app", "sandbox/vpc"] }]);
    expect(jobs(plan)).toEqual([
      { id: `${forward(event)}-sandbox`, action: forward(event), units: ["sandbox/vpc", "sandbox/app"], needs: [] },
    ]);
  });

  it("DriftDetected: a drift marker beside a unit", async () => {
    await using repo = createTempGitRepo(layout);
    const plan = await planCommit(repo, { "prod/vpc/.gantry-drift": "drifted at 2026-11-22\n" }, event);
    expect(changes(plan)).toEqual([{ type: "DriftDetected", units: ["prod/vpc"] }]);
    expect(jobs(plan)).toEqual([
      { id: `${forward(event)}-prod`, action: forward(event), units: ["prod/vpc"], needs: [] },
    ]);
  });

  it("a plugin from the configuration claims files and adds its own change types", async () => {
    await using repo = createTempGitRepo({
      ...layout,
      ".gantry/config.yml": `${layout[".gantry/config.yml"] as string}classifiers:\n  - "@gantry/example-classifier-plugin"\n`,
    });
    installExamplePlugin(repo);
    const plan = await planCommit(
      repo,
      { "prod/db/README.md": "# db\n", "docs/runbook.md": "x\n", "policies/tags.rego": "package tags\n" },
      event,
    );
    expect(changes(plan)).toEqual([
      { type: "DocsChanged", units: [] },
      { type: "PolicyChanged", units: ["dev/app", "prod/app", "prod/db", "prod/vpc"] },
    ]);
    expect(plan.changes?.[0]).toMatchObject({
      files: ["docs/runbook.md", "prod/db/README.md"],
      jobs: [],
      note: "claimed by classifier 'example-docs-and-policies' with no action",
    });
    expect(jobs(plan)).toEqual([
      { id: `${forward(event)}-prod`, action: forward(event), units: ["prod/vpc", "prod/db", "prod/app"], needs: [] },
      { id: `${forward(event)}-dev`, action: forward(event), units: ["dev/app"], needs: [] },
    ]);
    expect(plan.jobs[0]!.changes).toEqual(["PolicyChanged"]);
  });
});

describe("ordering, consolidation and overrides on a real repository", () => {
  it("per-unit jobs need their dependencies' jobs; destroys run in reverse, after the applies", async () => {
    await using repo = createTempGitRepo({
      ...layout,
      "prod/old-cache/terragrunt.hcl": unit(dependsOn("../old-queue")),
      "prod/old-queue/terragrunt.hcl": unit(),
      ".gantry/config.yml": `${layout[".gantry/config.yml"] as string}consolidation: unit\n`,
    });
    const plan = await planCommit(
      repo,
      {
        "prod/vpc/terragrunt.hcl": unit('\ninputs = { cidr = "10.1.0.0/16" }\n'),
        "prod/app/terragrunt.hcl": unit(`${dependsOn("../db")}${envcommon}\ninputs = { v = 2 }\n`),
        "prod/old-cache/terragrunt.hcl": null,
        "prod/old-queue/terragrunt.hcl": null,
      },
      "push",
    );
    expect(jobs(plan)).toEqual([
      { id: "apply-prod-vpc", action: "apply", units: ["prod/vpc"], needs: [] },
      { id: "apply-prod-app", action: "apply", units: ["prod/app"], needs: ["apply-prod-vpc"] },
      {
        id: "destroy-prod-old-cache",
        action: "destroy",
        units: ["prod/old-cache"],
        needs: ["apply-prod-vpc", "apply-prod-app"],
      },
      {
        id: "destroy-prod-old-queue",
        action: "destroy",
        units: ["prod/old-queue"],
        needs: ["apply-prod-vpc", "apply-prod-app", "destroy-prod-old-cache"],
      },
    ]);
  });

  it("moves a unit: applies the new directory, destroys the old one from the base commit afterwards", async () => {
    await using repo = createTempGitRepo(layout);
    const base = repo.sha();
    repo.rename("prod/vpc", "prod/network");
    repo.write({ "prod/db/terragrunt.hcl": unit(dependsOn("../network")) });
    const head = repo.commit({}, "move vpc to network");
    const plan = planDocumentSchema.parse(
      await planChange({ repo: repo.dir, base, head, event: "push", env: {}, cache: false }),
    );
    expect(changes(plan)).toEqual([
      { type: "UnitAdded", units: ["prod/network"] },
      { type: "UnitChanged", units: ["prod/db"] },
      { type: "UnitDeleted", units: ["prod/vpc"] },
    ]);
    expect(jobs(plan)).toEqual([
      { id: "apply-prod", action: "apply", units: ["prod/network", "prod/db"], needs: [] },
      { id: "destroy-prod-vpc", action: "destroy", units: ["prod/vpc"], needs: ["apply-prod"] },
    ]);
    expect(plan.jobs.map((job) => job.ref)).toEqual([head, base]);
  });

  it("destroys a root unit (`.`) deleted beside other units from the base commit; `**` covers it", async () => {
    await using repo = createTempGitRepo({
      "terragrunt.hcl": 'terraform {\n  source = "."\n}\n',
      "main.tf": 'resource "terraform_data" "root" {}\n',
      "live/app/terragrunt.hcl": "",
    });
    const base = repo.sha();
    const head = repo.commit({ "terragrunt.hcl": null, "main.tf": null });
    for (const event of ["pull_request", "push"] as const) {
      const plan = planDocumentSchema.parse(
        await planChange({ repo: repo.dir, base, head, event, branch: "main", env: {}, cache: false }),
      );
      expect(changes(plan)).toEqual([{ type: "UnitDeleted", units: ["."] }]);
      const action = event === "push" ? "destroy" : "plan-destroy";
      expect(jobs(plan)).toEqual([{ id: `${action}-default-root`, action, units: ["."], needs: [] }]);
      expect(plan.jobs[0]!.ref).toBe(base);
    }
  });

  it("refuses a change that deletes a unit a remaining unit still depends on", async () => {
    await using repo = createTempGitRepo(layout);
    const error = await planCommit(repo, { "prod/db/terragrunt.hcl": null }, "pull_request").then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(GantryError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      code: "PLAN_DELETED_UNIT_STILL_USED",
      exitCode: 23,
      message: "prod/app still depends on prod/db, which this change deletes",
    });
  });

  it("never applies plan-only units, and plans nothing on a push to another branch", async () => {
    await using repo = createTempGitRepo({
      ...layout,
      ".gantry/config.yml": `${layout[".gantry/config.yml"] as string}units:\n  "prod/vpc": { planOnly: true }\n`,
    });
    const plan = await planCommit(repo, { "modules/noop/main.tf": "# v2\n" }, "push");
    expect(jobs(plan)).toEqual([
      { id: "plan-prod", action: "plan", units: ["prod/vpc"], needs: [] },
      { id: "apply-prod", action: "apply", units: ["prod/db", "prod/app"], needs: ["plan-prod"] },
      { id: "apply-dev", action: "apply", units: ["dev/app"], needs: [] },
    ]);
    const elsewhere = await planCommit(repo, { "modules/noop/main.tf": "# v3\n" }, "push", { branch: "feature/x" });
    expect(elsewhere.jobs).toEqual([]);
    expect(elsewhere.notice).toBe("push to 'feature/x', which is not the deploy branch 'main': nothing is planned");
  });

  it("reads the configuration of the pushed commit and reports its errors with file:line:key", async () => {
    await using repo = createTempGitRepo(layout);
    const error = await planCommit(
      repo,
      {
        ".gantry/config.yml":
          'environments:\n  - name: prod\n    paths: ["prod/**"]\n    aws:\n      accountId: "1234"\n',
        "prod/vpc/x.tf": "",
      },
      "push",
    ).catch((caught: unknown) => caught as GantryError);
    expect(error).toMatchObject({
      code: "CONFIG_INVALID",
      exitCode: 20,
      location: { file: ".gantry/config.yml", line: 5 },
    });
    expect((error as GantryError).message).toBe("key environments[0].aws.accountId: must be 12 digits");
    expect((error as GantryError).hint).toContain(
      "also: line 4: key environments[0].aws.planRoleArn: is required; line 4: key environments[0].aws.applyRoleArn: is required",
    );
  });

  it("refuses a unit matching zero environments, or two", async () => {
    await using repo = createTempGitRepo(layout);
    const none = await planCommit(repo, { "staging/app/terragrunt.hcl": unit() }, "pull_request").catch(
      (caught: unknown) => caught as GantryError,
    );
    expect(none).toMatchObject({
      code: "PLAN_ENVIRONMENT_MISMATCH",
      message: "unit staging/app matches no environment",
      location: { file: ".gantry/config.yml" },
    });
    const two = await planCommit(
      repo,
      {
        ".gantry/config.yml":
          'environments:\n  - name: all\n    paths: ["**"]\n  - name: prod\n    paths: ["prod/*"]\n',
        "prod/vpc/extra.tf": "",
      },
      "push",
    ).catch((caught: unknown) => caught as GantryError);
    expect(two).toMatchObject({
      code: "PLAN_ENVIRONMENT_MISMATCH",
      message: "unit prod/vpc matches 2 environments: all (**) and prod (prod/*)",
    });
  });
});

describe("Gruntwork Pipelines configuration on a real repository", () => {
  const withoutGantry = { ...layout, ".gantry/config.yml": null };

  it("plans with .gruntwork/*.hcl: environments, authentication, deploy branch, consolidation", async () => {
    await using repo = createTempGitRepo({
      ...withoutGantry,
      ".gruntwork/repository.hcl":
        'repository {\n  deploy_branch_name = "release"\n  consolidate_added_or_changed = false\n  env {\n    TG_NON_INTERACTIVE = "true"\n  }\n}\n',
      ".gruntwork/environments.hcl": `environment "prod" {
  filter {
    paths = ["prod/*"]
  }
  authentication {
    aws_oidc {
      account_id         = "444444444444"
      plan_iam_role_arn  = "arn:aws:iam::444444444444:role/plan"
      apply_iam_role_arn = "arn:aws:iam::444444444444:role/apply"
    }
  }
}

environment "dev" {
  filter {
    paths = ["dev/*"]
  }
}
`,
    });
    const plan = await planCommit(repo, { "_envcommon/app.hcl": "locals {\n  size = 5\n}\n" }, "push", {
      branch: "release",
    });
    expect(plan.deployBranch).toBe("release");
    expect(jobs(plan)).toEqual([
      { id: "apply-prod-app", action: "apply", units: ["prod/app"], needs: [] },
      { id: "apply-dev-app", action: "apply", units: ["dev/app"], needs: [] },
    ]);
    expect(plan.jobs[0]!.authentication).toEqual({
      accountId: "444444444444",
      planRoleArn: "arn:aws:iam::444444444444:role/plan",
      applyRoleArn: "arn:aws:iam::444444444444:role/apply",
      region: "us-east-1",
      sessionDurationSeconds: 3600,
    });
    expect(plan.jobs[0]!.terragrunt.env).toEqual({ TG_NON_INTERACTIVE: "true" });
    expect(
      (await planCommit(repo, { "_envcommon/app.hcl": "locals {\n  size = 6\n}\n" }, "push", { branch: "main" })).jobs,
    ).toEqual([]);
  });

  it("plans with the legacy .gruntwork/config.yml: deploy branch and ignore list", async () => {
    await using repo = createTempGitRepo({
      ...withoutGantry,
      ".gruntwork/config.yml": 'pipelines:\n  deploy-branch-name: trunk\n  ignore-list: "data/**,README.md"\n',
    });
    const plan = await planCommit(
      repo,
      { "data/app.json": "{}\n", "prod/vpc/terragrunt.hcl": unit("\ninputs = { a = 1 }\n") },
      "push",
      { branch: "trunk" },
    );
    expect(plan.ignoredFiles).toEqual(["data/app.json"]);
    expect(jobs(plan)).toEqual([{ id: "apply-default", action: "apply", units: ["prod/vpc"], needs: [] }]);
  });
});

describe("which commit's configuration plans a change", () => {
  it("a pull request is planned with its base's configuration: its own configuration change is reported and applies once merged", async () => {
    await using repo = createTempGitRepo(layout);
    const base = repo.sha();
    repo.checkout("feature", { create: true });
    const head = repo.commit({
      ".gantry/config.yml": 'environments:\n  - name: everything\n    paths: ["**"]\n',
      "prod/vpc/extra.tf": "",
    });
    const plan = await planChange({
      repo: repo.dir,
      base,
      head,
      event: "pull_request",
      branch: "feature",
      env: {},
      cache: false,
    });
    expect(changes(plan)).toEqual([
      { type: "UnitChanged", units: ["prod/vpc"] },
      { type: "ConfigChanged", units: [] },
    ]);
    expect(plan.jobs.map((job) => job.environment)).toEqual(["prod"]);
    // Asked for explicitly, the head's configuration is used (what the guards refuse to trust).
    const withHead = await planChange({
      repo: repo.dir,
      base,
      head,
      event: "pull_request",
      branch: "feature",
      env: {},
      cache: false,
      configRef: head,
    });
    expect(withHead.jobs.map((job) => job.environment)).toEqual(["everything"]);
  });

  it("imports a file plugin as the configuration's commit has it, never from the working tree", async () => {
    const plugin = (type: string) =>
      `export default { specificationVersion: "v1", name: "docs", classify: (file) => file.path.endsWith(".md") ? { type: "${type}", units: "none" } : undefined };\n`;
    await using repo = createTempGitRepo({
      ...layout,
      ".gantry/config.yml": `${layout[".gantry/config.yml"] as string}classifiers: ["./.gantry/docs.js"]\n`,
      ".gantry/docs.js": plugin("DocsChanged"),
    });
    const base = repo.sha();
    const head = repo.commit({ "README.md": "# docs\n" });
    repo.write({ ".gantry/docs.js": plugin("WorkingTreeChanged") });
    const plan = await planChange({ repo: repo.dir, base, head, event: "push", branch: "main", env: {}, cache: false });
    expect(changes(plan)).toEqual([{ type: "DocsChanged", units: [] }]);
  });
});
