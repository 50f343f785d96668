import { describe, expect, it } from "vitest";
import { GantryError } from "@gantry/errors";
import type { DetectionResult } from "@gantry/change-detector";
import {
  classifyChanges,
  gantryConfigSchema,
  jobSchema,
  planDocumentSchema,
  planJobs,
  type GantryConfigInput,
  type PlanDocument,
} from "../src/index.js";
import { BASE, HEAD, buildDetection } from "./detection-builder.js";

const environments: GantryConfigInput["environments"] = [
  {
    name: "dev",
    paths: ["dev/**"],
    aws: {
      accountId: "111111111111",
      planRoleArn: "arn:aws:iam::111111111111:role/plan",
      applyRoleArn: "arn:aws:iam::111111111111:role/apply",
    },
  },
  { name: "prod", paths: ["prod/**"] },
  { name: "shared", paths: ["shared/**"] },
];

async function plan(
  detection: DetectionResult,
  config: GantryConfigInput = {},
  branch = "main",
): Promise<PlanDocument> {
  const parsed = gantryConfigSchema.parse({ environments, ...config });
  const classification = await classifyChanges(detection, { ignore: parsed.ignore });
  const document = planJobs({ detection, classification, config: parsed, branch, configFile: ".gantry/config.yml" });
  planDocumentSchema.parse(document); // every plan is a valid gantry/v1 document
  return document;
}

const jobsOf = (document: PlanDocument) =>
  document.jobs.map((job) => ({ id: job.id, action: job.action, units: job.units, needs: job.needs }));

function gantryError(fn: () => unknown): GantryError {
  try {
    fn();
  } catch (error) {
    if (GantryError.isInstance(error)) return error;
    throw error;
  }
  throw new Error("expected a GantryError");
}

async function planError(detection: DetectionResult, config: GantryConfigInput = {}): Promise<GantryError> {
  const parsed = gantryConfigSchema.parse({ environments, ...config });
  const classification = await classifyChanges(detection, {});
  return gantryError(() =>
    planJobs({ detection, classification, config: parsed, branch: "main", configFile: ".gantry/config.yml" }),
  );
}

/** shared/vpc ← prod/db ← prod/app, plus dev/app; prod/old (deleted) depended on prod/db. */
function layered(event: "pull_request" | "push") {
  return buildDetection({
    event,
    changes: [
      { files: "shared/vpc/main.tf", insideUnit: "shared/vpc" },
      { files: "prod/db/terragrunt.hcl", insideUnit: "prod/db" },
      { type: "added", files: "prod/app/terragrunt.hcl", insideUnit: "prod/app" },
      { files: "dev/app/terragrunt.hcl", insideUnit: "dev/app" },
      { type: "deleted", files: "prod/old/terragrunt.hcl", insideUnit: "prod/old" },
    ],
    units: {
      "shared/vpc": { status: "changed" },
      "prod/db": { status: "changed" },
      "prod/app": { status: "added" },
      "dev/app": { status: "changed" },
      "prod/old": { status: "deleted" },
    },
    graph: { "prod/db": ["shared/vpc"], "prod/app": ["prod/db"], "prod/old": ["prod/db"], "dev/app": [] },
  });
}

describe("planJobs: actions per event", () => {
  it("plans added/changed units and plan-destroys deleted ones at the base commit on a pull request", async () => {
    const document = await plan(layered("pull_request"), {}, "feature");
    expect(document.notice).toBeNull();
    expect(jobsOf(document)).toEqual([
      { id: "plan-dev", action: "plan", units: ["dev/app"], needs: [] },
      { id: "plan-shared", action: "plan", units: ["shared/vpc"], needs: [] },
      { id: "plan-prod", action: "plan", units: ["prod/db", "prod/app"], needs: ["plan-shared"] },
      {
        id: "plan-destroy-prod-old",
        action: "plan-destroy",
        units: ["prod/old"],
        needs: ["plan-dev", "plan-shared", "plan-prod"],
      },
    ]);
    const destroy = document.jobs[3]!;
    expect(destroy.ref).toBe(BASE);
    expect(document.jobs[0]!.ref).toBe(HEAD);
    expect(destroy.source).toEqual({
      event: "pull_request",
      base: BASE,
      head: HEAD,
      branch: "feature",
      deployBranch: "main",
    });
  });

  it("applies and destroys on a push to the deploy branch", async () => {
    const document = await plan(layered("push"));
    expect(document.jobs.map((job) => [job.id, job.action, job.ref])).toEqual([
      ["apply-dev", "apply", HEAD],
      ["apply-shared", "apply", HEAD],
      ["apply-prod", "apply", HEAD],
      ["destroy-prod-old", "destroy", BASE],
    ]);
  });

  it("plans nothing on a push to another branch, and says so", async () => {
    const document = await plan(layered("push"), {}, "feature/x");
    expect(document.jobs).toEqual([]);
    expect(document.notice).toBe("push to 'feature/x', which is not the deploy branch 'main': nothing is planned");
    expect(document.changes?.map((change) => change.type)).toContain("UnitAdded");
  });

  it("honours another deploy branch", async () => {
    const document = await plan(layered("push"), { deployBranch: "release" }, "release");
    expect(document.jobs.map((job) => job.action)).toEqual(["apply", "apply", "apply", "destroy"]);
    expect((await plan(layered("push"), { deployBranch: "release" }, "main")).jobs).toEqual([]);
  });

  it("makes every job self-contained: authentication, terragrunt settings, source, change types", async () => {
    const document = await plan(layered("push"), {
      parallelism: 3,
      terragrunt: { flags: ["--log-level", "debug"], env: { TG_X: "1" } },
    });
    for (const job of document.jobs) expect(jobSchema.parse(job)).toEqual(job);
    const dev = document.jobs.find((job) => job.environment === "dev")!;
    expect(dev.authentication).toEqual({
      accountId: "111111111111",
      planRoleArn: "arn:aws:iam::111111111111:role/plan",
      applyRoleArn: "arn:aws:iam::111111111111:role/apply",
      region: "us-east-1",
      sessionDurationSeconds: 3600,
    });
    expect(document.jobs.find((job) => job.environment === "prod")!.authentication).toBeNull();
    expect(dev.terragrunt).toEqual({ flags: ["--log-level", "debug"], env: { TG_X: "1" }, parallelism: 3 });
    expect(document.jobs.find((job) => job.id === "apply-prod")!.changes).toEqual(["UnitAdded", "UnitChanged"]);
  });
});

describe("planJobs: ordering and consolidation", () => {
  it("gives one job per unit with `consolidation: unit`, each needing the jobs of its dependencies", async () => {
    const document = await plan(layered("push"), { consolidation: "unit" });
    expect(jobsOf(document)).toEqual([
      { id: "apply-dev-app", action: "apply", units: ["dev/app"], needs: [] },
      { id: "apply-shared-vpc", action: "apply", units: ["shared/vpc"], needs: [] },
      { id: "apply-prod-db", action: "apply", units: ["prod/db"], needs: ["apply-shared-vpc"] },
      { id: "apply-prod-app", action: "apply", units: ["prod/app"], needs: ["apply-prod-db"] },
      {
        id: "destroy-prod-old",
        action: "destroy",
        units: ["prod/old"],
        needs: ["apply-dev-app", "apply-shared-vpc", "apply-prod-db", "apply-prod-app"],
      },
    ]);
  });

  it("orders through unchanged units: a job waits for a dependency reached via a unit that is not planned", async () => {
    const detection = buildDetection({
      event: "push",
      changes: [
        { files: "prod/app/main.tf", insideUnit: "prod/app" },
        { files: "shared/vpc/main.tf", insideUnit: "shared/vpc" },
      ],
      units: { "prod/app": { status: "changed" }, "shared/vpc": { status: "changed" } },
      graph: { "prod/app": ["prod/db"], "prod/db": ["shared/vpc"], "shared/vpc": [] },
    });
    expect(jobsOf(await plan(detection))).toEqual([
      { id: "apply-shared", action: "apply", units: ["shared/vpc"], needs: [] },
      { id: "apply-prod", action: "apply", units: ["prod/app"], needs: ["apply-shared"] },
    ]);
  });

  it("destroys in reverse dependency order, after the applies", async () => {
    const detection = buildDetection({
      event: "push",
      changes: [
        { type: "deleted", files: "prod/vpc/terragrunt.hcl", insideUnit: "prod/vpc" },
        { type: "deleted", files: "prod/db/terragrunt.hcl", insideUnit: "prod/db" },
        { type: "deleted", files: "prod/app/terragrunt.hcl", insideUnit: "prod/app" },
        { files: "prod/web/main.tf", insideUnit: "prod/web" },
      ],
      units: {
        "prod/vpc": { status: "deleted" },
        "prod/db": { status: "deleted" },
        "prod/app": { status: "deleted" },
        "prod/web": { status: "changed" },
      },
      graph: { "prod/app": ["prod/db"], "prod/db": ["prod/vpc"], "prod/vpc": [], "prod/web": [] },
    });
    expect(jobsOf(await plan(detection))).toEqual([
      { id: "apply-prod", action: "apply", units: ["prod/web"], needs: [] },
      { id: "destroy-prod-app", action: "destroy", units: ["prod/app"], needs: ["apply-prod"] },
      { id: "destroy-prod-db", action: "destroy", units: ["prod/db"], needs: ["apply-prod", "destroy-prod-app"] },
      { id: "destroy-prod-vpc", action: "destroy", units: ["prod/vpc"], needs: ["apply-prod", "destroy-prod-db"] },
    ]);
    // Consolidated deletions: one job, dependents first.
    expect(jobsOf(await plan(detection, { consolidateDeleted: true }))).toEqual([
      { id: "apply-prod", action: "apply", units: ["prod/web"], needs: [] },
      { id: "destroy-prod", action: "destroy", units: ["prod/app", "prod/db", "prod/vpc"], needs: ["apply-prod"] },
    ]);
  });

  it("splits environment jobs that would need each other into per-unit jobs", async () => {
    // prod/a → shared/b → prod/c: one prod job would need the shared job, which needs the prod job.
    const detection = buildDetection({
      event: "push",
      changes: [
        { files: "prod/a/main.tf", insideUnit: "prod/a" },
        { files: "prod/c/main.tf", insideUnit: "prod/c" },
        { files: "prod/d/main.tf", insideUnit: "prod/d" },
        { files: "shared/b/main.tf", insideUnit: "shared/b" },
        { files: "shared/e/main.tf", insideUnit: "shared/e" },
      ],
      units: {
        "prod/a": { status: "changed" },
        "prod/c": { status: "changed" },
        "prod/d": { status: "changed" },
        "shared/b": { status: "changed" },
        "shared/e": { status: "changed" },
      },
      graph: { "prod/a": ["shared/b"], "shared/b": ["prod/c"], "prod/c": [], "prod/d": [], "shared/e": [] },
    });
    // Both groups of the cycle are split; everything else about the plan stays the same.
    expect(jobsOf(await plan(detection))).toEqual([
      { id: "apply-prod-c", action: "apply", units: ["prod/c"], needs: [] },
      { id: "apply-shared-b", action: "apply", units: ["shared/b"], needs: ["apply-prod-c"] },
      { id: "apply-prod-a", action: "apply", units: ["prod/a"], needs: ["apply-shared-b"] },
      { id: "apply-prod-d", action: "apply", units: ["prod/d"], needs: [] },
      { id: "apply-shared-e", action: "apply", units: ["shared/e"], needs: [] },
    ]);
  });

  it("refuses a dependency cycle between units", async () => {
    const detection = buildDetection({
      event: "push",
      changes: [
        { files: "prod/a/main.tf", insideUnit: "prod/a" },
        { files: "prod/b/main.tf", insideUnit: "prod/b" },
      ],
      units: { "prod/a": { status: "changed" }, "prod/b": { status: "changed" } },
      graph: { "prod/a": ["prod/x"], "prod/x": ["prod/b"], "prod/b": ["prod/a"] },
    });
    for (const consolidation of ["environment", "unit"] as const) {
      const error = await planError(detection, { consolidation });
      expect(error.code).toBe("PLAN_DEPENDENCY_CYCLE");
      expect(error.exitCode).toBe(24);
      expect(error.message).toBe("units depend on each other in a cycle: prod/a → prod/b → prod/a");
    }
  });
});

describe("planJobs: overrides and refusals", () => {
  it("never applies or destroys plan-only units, and leaves skipped units out", async () => {
    const document = await plan(layered("push"), {
      units: { "prod/app": { planOnly: true }, "prod/old": { planOnly: true }, "dev/**": { skip: true } },
    });
    expect(jobsOf(document)).toEqual([
      { id: "apply-shared", action: "apply", units: ["shared/vpc"], needs: [] },
      { id: "apply-prod", action: "apply", units: ["prod/db"], needs: ["apply-shared"] },
      { id: "plan-prod", action: "plan", units: ["prod/app"], needs: ["apply-prod"] },
      {
        id: "plan-destroy-prod-old",
        action: "plan-destroy",
        units: ["prod/old"],
        needs: ["apply-shared", "apply-prod", "plan-prod"],
      },
    ]);
    expect(document.changes?.find((change) => change.units.includes("dev/app"))?.jobs).toEqual([]);
    const onlySkipped = await plan(layered("push"), { units: { "**": { skip: true } } });
    expect(onlySkipped.jobs).toEqual([]);
    expect(onlySkipped.notice).toBe(
      "every affected unit is skipped by the configuration (units: {glob: {skip: true}}): nothing is planned",
    );
  });

  it("leaves out units the deployment record says are deployed, lists them, and keeps the order through them", async () => {
    const parsed = gantryConfigSchema.parse({ environments });
    const detection = layered("push");
    const classification = await classifyChanges(detection, {});
    const newer = "d".repeat(40);
    const skipUnits = new Map([
      ["prod/db", { reason: "superseded" as const, deployedAt: newer }],
      ["dev/app", { reason: "up-to-date" as const, deployedAt: BASE }],
    ]);
    const document = planJobs({ detection, classification, config: parsed, branch: "main", skipUnits });
    planDocumentSchema.parse(document);
    expect(jobsOf(document)).toEqual([
      { id: "apply-shared", action: "apply", units: ["shared/vpc"], needs: [] },
      // prod/app still runs after shared/vpc: the link through the skipped prod/db is kept.
      { id: "apply-prod", action: "apply", units: ["prod/app"], needs: ["apply-shared"] },
      { id: "destroy-prod-old", action: "destroy", units: ["prod/old"], needs: ["apply-shared", "apply-prod"] },
    ]);
    expect(document.skippedUnits).toEqual([
      { unit: "dev/app", reason: "up-to-date", deployedAt: BASE },
      { unit: "prod/db", reason: "superseded", deployedAt: newer },
    ]);
    const all = new Map(
      ["shared/vpc", "prod/db", "prod/app", "dev/app", "prod/old"].map((unit) => [
        unit,
        { reason: "up-to-date" as const, deployedAt: HEAD },
      ]),
    );
    const nothing = planJobs({ detection, classification, config: parsed, branch: "main", skipUnits: all });
    expect(nothing.jobs).toEqual([]);
    expect(nothing.notice).toBe(
      "every affected unit is already deployed at this commit or a newer one (the deployment record): nothing is planned",
    );
    // Without a record, the field is absent (older documents are unchanged).
    expect((await plan(layered("push"))).skippedUnits).toBeUndefined();
  });

  it("leaves out units their exclude blocks take out of the action, and their dependencies with exclude_dependencies", async () => {
    const withExcludes = (
      event: "pull_request" | "push",
      excludes: Record<string, { if: boolean | null; actions: string[] | null; excludeDependencies?: boolean }>,
    ) => {
      const detection = layered(event);
      for (const unit of detection.units) {
        const setting = excludes[unit.path];
        if (setting)
          unit.exclude = {
            if: setting.if,
            actions: setting.actions,
            excludeDependencies: setting.excludeDependencies ?? false,
            from: `${unit.path}/terragrunt.hcl:3`,
          };
      }
      return detection;
    };
    // prod/app: excluded from apply with its dependencies (prod/db, applied too; not shared/vpc, two levels up).
    const pushed = await plan(
      withExcludes("push", {
        "prod/app": { if: true, actions: ["apply"], excludeDependencies: true },
        "dev/app": { if: true, actions: ["plan"] },
      }),
    );
    expect(jobsOf(pushed)).toEqual([
      { id: "apply-dev", action: "apply", units: ["dev/app"], needs: [] },
      { id: "apply-shared", action: "apply", units: ["shared/vpc"], needs: [] },
      { id: "destroy-prod-old", action: "destroy", units: ["prod/old"], needs: ["apply-dev", "apply-shared"] },
    ]);
    expect(pushed.excludedUnits).toEqual([
      { unit: "prod/app", from: "prod/app/terragrunt.hcl:3" },
      { unit: "prod/db", from: "prod/app/terragrunt.hcl:3", dependencyOf: "prod/app" },
    ]);
    // On a pull request the same blocks exclude from plan: dev/app only (prod/app's names apply).
    const planned = await plan(
      withExcludes("pull_request", {
        "prod/app": { if: true, actions: ["apply"], excludeDependencies: true },
        "dev/app": { if: true, actions: ["plan"] },
      }),
      {},
      "feature",
    );
    expect(planned.excludedUnits).toEqual([{ unit: "dev/app", from: "dev/app/terragrunt.hcl:3" }]);
    // A deleted unit: its destroy is `destroy` (and a pull request's plan -destroy is `plan`); a dependency in
    // another action (prod/db is applied) is not taken out by exclude_dependencies.
    const destroyed = await plan(
      withExcludes("push", { "prod/old": { if: true, actions: ["destroy"], excludeDependencies: true } }),
    );
    expect(destroyed.excludedUnits).toEqual([{ unit: "prod/old", from: "prod/old/terragrunt.hcl:3" }]);
    expect(
      jobsOf(destroyed)
        .map((job) => job.id)
        .sort(),
    ).toEqual(["apply-dev", "apply-prod", "apply-shared"]);
    // Known only at run time (if or actions unknown), false, or another action: planned.
    const kept = await plan(
      withExcludes("push", {
        "prod/app": { if: null, actions: ["all"] },
        "prod/db": { if: true, actions: null },
        "dev/app": { if: false, actions: ["all"] },
        "shared/vpc": { if: true, actions: ["output"] },
      }),
    );
    expect(kept.excludedUnits).toBeUndefined();
    expect(kept.jobs.flatMap((job) => job.units).sort()).toEqual([
      "dev/app",
      "prod/app",
      "prod/db",
      "prod/old",
      "shared/vpc",
    ]);
    // Everything excluded: no jobs, and the notice says why.
    const all = await plan(
      withExcludes(
        "push",
        Object.fromEntries(
          ["shared/vpc", "prod/db", "prod/app", "dev/app", "prod/old"].map((unit) => [
            unit,
            { if: true, actions: ["all_except_output"] },
          ]),
        ),
      ),
    );
    expect(all.jobs).toEqual([]);
    expect(all.notice).toBe(
      "every affected unit is excluded by an `exclude` block (listed in excludedUnits): nothing is planned",
    );
  });

  it("refuses to delete a unit that a remaining unit still depends on, naming both", async () => {
    const detection = buildDetection({
      changes: [{ type: "deleted", files: "prod/db/terragrunt.hcl", insideUnit: "prod/db" }],
      units: { "prod/db": { status: "deleted" } },
      graph: { "prod/app": ["prod/db"], "prod/db": [] },
    });
    const error = await planError(detection);
    expect(error.code).toBe("PLAN_DELETED_UNIT_STILL_USED");
    expect(error.exitCode).toBeGreaterThanOrEqual(20);
    expect(error.exitCode).toBeLessThanOrEqual(29);
    expect(error.message).toBe("prod/app still depends on prod/db, which this change deletes");
    expect(error.location?.file).toBe("prod/app/terragrunt.hcl");
  });

  it("refuses a unit that matches no environment, or two", async () => {
    const detection = buildDetection({
      changes: [
        { files: "staging/app/main.tf", insideUnit: "staging/app" },
        { files: "prod/app/main.tf", insideUnit: "prod/app" },
      ],
      units: { "staging/app": { status: "changed" }, "prod/app": { status: "changed" } },
    });
    const none = await planError(detection);
    expect(none.code).toBe("PLAN_ENVIRONMENT_MISMATCH");
    expect(none.message).toBe("unit staging/app matches no environment");
    expect(none.location?.file).toBe(".gantry/config.yml");
    expect(none.hint).toContain("dev: dev/**; prod: prod/**");

    const two = await planError(detection, {
      environments: [
        { name: "everything", paths: ["**"] },
        { name: "prod", paths: ["prod/*"] },
      ],
    });
    expect(two.message).toBe("unit prod/app matches 2 environments: everything (**) and prod (prod/*)");
  });

  it("refuses a pull request that adds an account directory together with other infrastructure changes", async () => {
    const detection = buildDetection({
      changes: [
        { type: "added", files: "sandbox/account.hcl" },
        { type: "added", files: "sandbox/app/terragrunt.hcl", insideUnit: "sandbox/app" },
        { files: "prod/app/main.tf", insideUnit: "prod/app" },
      ],
      units: { "sandbox/app": { status: "added" }, "prod/app": { status: "changed" } },
    });
    const error = await planError(detection, { environments: [{ name: "all", paths: ["**"] }] });
    expect(error.code).toBe("PLAN_ACCOUNTS_ADDED_NOT_ALONE");
    expect(error.message).toContain("sandbox");
    expect(error.message).toContain("prod/app/main.tf");

    // Shared files that only the new account's units read are part of adding it.
    const alone = buildDetection({
      changes: [
        { type: "added", files: "sandbox/account.hcl" },
        { type: "added", files: "sandbox/app/terragrunt.hcl", insideUnit: "sandbox/app" },
        { type: "added", files: "_envcommon/sandbox.hcl", units: ["sandbox/app"] },
      ],
      units: { "sandbox/app": { status: "added" } },
    });
    expect(jobsOf(await plan(alone, { environments: [{ name: "sandbox", paths: ["sandbox/**"] }] }))).toEqual([
      { id: "plan-sandbox", action: "plan", units: ["sandbox/app"], needs: [] },
    ]);
  });

  it("says when no changed file needs an infrastructure change", async () => {
    const document = await plan(
      buildDetection({ changes: [{ files: "scripts/tool.sh" }, { files: ".gantry/config.yml" }] }),
    );
    expect(document.jobs).toEqual([]);
    expect(document.notice).toBe("the changed files affect no unit: nothing is planned");
    expect(document.changes).toEqual([
      { type: "FileChanged", files: ["scripts/tool.sh"], units: [], jobs: [], note: "read by no unit: no action" },
      {
        type: "ConfigChanged",
        files: [".gantry/config.yml"],
        units: [],
        jobs: [],
        note: "Gantry/Pipelines configuration or CI workflow: no infrastructure action",
      },
    ]);
  });
});
