/**
 * The example workflows are checked, not just shown: they parse as YAML, keep the security invariants of
 * the two-repository model (plans and applies in separate workflows, only the apply workflow's job in the
 * environment the apply role trusts, no credentials left in checkouts), and every `gantry` command they run
 * exists with the flags they pass (each command's `--help`, from the CLI's real command table).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { dirname } from "node:path";
import { cacheFilePath } from "../../../packages/change-detector/src/index.js";
import { main } from "../../../packages/cli/src/main.js";
import { APPLY_ENVIRONMENT, APPLY_WORKFLOW, PLAN_WORKFLOW } from "../../../packages/guards/src/index.js";

// `yaml` is installed for @gantry/classifier (which parses .gantry/config.yml); resolve it from there.
const requireFromClassifier = createRequire(new URL("../../../packages/classifier/package.json", import.meta.url));
const { parse } = requireFromClassifier("yaml") as typeof import("yaml");

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
}
interface Job {
  if?: string;
  environment?: string;
  needs?: string | string[];
  permissions?: Record<string, string>;
  strategy?: { "fail-fast"?: boolean; matrix?: unknown };
  steps: Step[];
}
interface Workflow {
  name: string;
  "run-name"?: string;
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

const load = (path: string) => parse(readFileSync(new URL(`../${path}`, import.meta.url), "utf8")) as Workflow;
const live = load("infrastructure-live/.github/workflows/gantry.yml");
const planWorkflow = load(`infrastructure-pipelines/.github/workflows/${PLAN_WORKFLOW}`);
const applyWorkflow = load(`infrastructure-pipelines/.github/workflows/${APPLY_WORKFLOW}`);
const pipelines = [planWorkflow, applyWorkflow];
const steps = (workflow: Workflow) => Object.entries(workflow.jobs).flatMap(([job, { steps }]) => steps.map((step) => ({ job, step })));

/** Every `gantry <command> --flag …` in the workflows' scripts (a command ends at a pipe, redirect or `;`). */
function gantryInvocations(workflow: Workflow): { command: string; flags: string[]; step: Step }[] {
  return steps(workflow).flatMap(({ step }) =>
    [...(step.run ?? "").matchAll(/(?:^|[\s;&|(])gantry\s+([a-z-]+)([^\n|;>&]*)/g)].map((match) => ({
      command: match[1]!,
      flags: [...match[2]!.matchAll(/(?:^|\s)(--[a-z][a-z-]*)/g)].map((flag) => flag[1]!),
      step,
    })),
  );
}

async function help(command: string): Promise<{ exitCode: number; text: string }> {
  const stdout = new PassThrough();
  let text = "";
  stdout.on("data", (chunk: Buffer) => (text += chunk.toString()));
  const exitCode = await main([command, "--help"], { stdout, stderr: new PassThrough(), env: {}, cwd: process.cwd() });
  return { exitCode, text };
}

describe("example workflows", () => {
  it("infrastructure-pipelines' plan and apply workflows run only on workflow_dispatch with a required job input, and may get an OIDC token", () => {
    for (const workflow of pipelines) {
      expect(Object.keys(workflow.on)).toEqual(["workflow_dispatch"]);
      expect(workflow.on.workflow_dispatch).toMatchObject({ inputs: { job: { required: true, type: "string" } } });
      expect(workflow.permissions).toEqual({ "id-token": "write", contents: "read" });
      for (const job of Object.values(workflow.jobs)) expect(job.permissions).toBeUndefined(); // nothing widens them
      expect(workflow["run-name"]).toBe("gantry ${{ fromJSON(inputs.job).id }}");
      // The pipelines side's settings are written out, never taken from the (copyable) workflow's own context.
      expect(workflow.env?.GANTRY_PIPELINES_REPOSITORY).toMatch(/^[\w.-]+\/[\w.-]+$/);
      expect(workflow.env?.GANTRY_DEPLOY_BRANCH).toBe("main");
    }
  });

  it("only the apply workflow's job runs in the environment the apply role trusts; the plan workflow accepts only plans", () => {
    expect(Object.values(applyWorkflow.jobs).map((job) => job.environment)).toEqual([APPLY_ENVIRONMENT]);
    for (const workflow of [planWorkflow, live]) for (const job of Object.values(workflow.jobs)) expect(job.environment).toBeUndefined();
    const roles = (workflow: Workflow) => gantryInvocations(workflow).filter((call) => call.command === "execute").map((call) => /--workflow-role (\w+)/.exec(call.step.run ?? "")?.[1]);
    expect(roles(planWorkflow)).toEqual(["plan"]);
    expect(roles(applyWorkflow)).toEqual(["apply"]);
    expect(roles(live)).toEqual(["plan"]);
    expect((applyWorkflow as Workflow & { concurrency?: { "cancel-in-progress"?: boolean } }).concurrency?.["cancel-in-progress"]).toBe(false);
  });

  it("keeps no credentials in any checkout", () => {
    const checkouts = [...steps(live), ...steps(planWorkflow), ...steps(applyWorkflow)].filter(({ step }) => step.uses?.startsWith("actions/checkout@"));
    expect(checkouts.length).toBeGreaterThan(0);
    for (const { step } of checkouts) expect(step.with?.["persist-credentials"]).toBe(false);
  });

  it("dispatches a pull request's jobs to the plan workflow and a push's to the apply workflow", () => {
    const dispatch = steps(live).find(({ step }) => /gantry dispatch/.test(step.run ?? ""))!.step;
    expect(dispatch.run).toContain('--workflow "$WORKFLOW"');
    expect(dispatch.env?.WORKFLOW).toBe(`\${{ github.event_name == 'push' && '${APPLY_WORKFLOW}' || '${PLAN_WORKFLOW}' }}`);
  });

  it("infrastructure-live's workflow runs on pull requests and pushes to main, with full history, and gets no OIDC token outside the matrix", () => {
    expect(Object.keys(live.on).sort()).toEqual(["pull_request", "push"]);
    expect(live.on.push).toEqual({ branches: ["main"] });
    expect(live.permissions).toEqual({ contents: "read" });
    for (const { step } of steps(live).filter(({ step }) => step.uses?.startsWith("actions/checkout@"))) expect(step.with?.["fetch-depth"]).toBe(0);
    for (const [name, job] of Object.entries(live.jobs)) {
      if (job.permissions?.["id-token"] === "write") {
        expect(name).toBe("execute");
        expect(job.if).toContain("github.event_name == 'pull_request'"); // plans only: the plan role
      }
    }
    expect(live.jobs.execute!.strategy?.["fail-fast"]).toBe(false);
    expect(live.jobs.report!.if).toContain("always()");
    expect(live.jobs.report!.needs).toEqual(["plan", "execute", "dispatch"]);
  });

  it("the plan job restores the detection cache before planning, from the same branch scope", () => {
    const planSteps = live.jobs.plan!.steps;
    const cacheAt = planSteps.findIndex((step) => step.uses?.startsWith("actions/cache@"));
    const planAt = planSteps.findIndex((step) => step.name === "Plan");
    expect(cacheAt).toBeGreaterThan(planSteps.findIndex((step) => step.uses?.startsWith("actions/checkout@")));
    expect(cacheAt).toBeLessThan(planAt);
    // Where @gantry/change-detector keeps it (cacheFilePath under the git common dir of a checkout).
    expect(planSteps[cacheAt]!.with?.path).toBe(dirname(cacheFilePath(".git")));
    expect(planSteps[cacheAt]!.with?.key).toContain("${{ env.HEAD_SHA }}");
  });

  it("passes untrusted input to scripts only through the environment", () => {
    for (const workflow of [live, ...pipelines]) {
      for (const { step } of steps(workflow)) {
        expect(step.run ?? "").not.toMatch(/\$\{\{\s*(inputs\.|matrix|github\.event\.|github\.head_ref)/);
      }
    }
  });

  it("uses each token only in the step that needs it", () => {
    const seen = new Set<string>();
    for (const { step } of [...steps(live), ...pipelines.flatMap(steps)]) {
      const secrets = new Set([...`${JSON.stringify(step.env ?? {})}${JSON.stringify(step.with ?? {})}`.matchAll(/secrets\.([A-Z_]+)/g)].map((match) => match[1]!));
      const commands = [...(step.run ?? "").matchAll(/(?:^|[\s;&|(])gantry\s+([a-z-]+)/g)].map((match) => match[1]!);
      for (const secret of secrets) {
        seen.add(secret);
        if (secret === "GANTRY_INFRA_LIVE_TOKEN") expect(new Set(commands)).toEqual(new Set(["report"]));
        else if (secret === "GANTRY_DISPATCH_TOKEN") {
          // `gantry dispatch`, or downloading the dispatched runs' results from the pipelines repository.
          if (commands.length > 0) expect(new Set(commands)).toEqual(new Set(["dispatch"]));
          else expect(step.run).toContain('gh run download "$run" --repo "$PIPELINES_REPOSITORY"');
        } else if (secret === "GANTRY_CODE_READ_TOKEN") {
          // The checkout, or `gantry execute`, whose guards fetch the deploy branch with it (never the tools).
          if (step.uses) expect(step.uses).toMatch(/^actions\/checkout@/);
          else expect(new Set(commands)).toEqual(new Set(["execute"]));
        }
        else throw new Error(`unexpected secret ${secret} in step ${step.name ?? step.uses}`);
      }
    }
    expect(seen).toEqual(new Set(["GANTRY_INFRA_LIVE_TOKEN", "GANTRY_DISPATCH_TOKEN", "GANTRY_CODE_READ_TOKEN"]));
  });

  it("every gantry command the workflows run exists, with every flag they pass", async () => {
    const invocations = [...gantryInvocations(live), ...pipelines.flatMap(gantryInvocations)];
    expect(new Set(invocations.map((call) => call.command))).toEqual(new Set(["plan", "execute", "dispatch", "report"]));
    for (const { command, flags } of invocations) {
      const { exitCode, text } = await help(command);
      expect(exitCode, `gantry ${command} --help`).toBe(0);
      for (const flag of flags) expect(text, `gantry ${command} ${flag}`).toMatch(new RegExp(`${flag}(?![a-z-])`));
    }
    // The results the report reads are the ones execute writes.
    expect(invocations.filter((call) => call.command === "execute").every((call) => call.flags.includes("--result"))).toBe(true);
  });
});
