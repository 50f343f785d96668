/**
 * The example is checked, not just shown. It is exactly what `gantry init` writes for acme (regenerated here
 * and compared, file by file), and its workflows keep the security invariants of the two-repository model:
 * plans and applies in separate workflows, only the apply workflow's job in the environment the apply role
 * trusts, no credentials left in checkouts, untrusted input never in a script, each token only where it is
 * needed, and every `gantry` command they run exists with the flags and Action inputs they pass.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { cacheFilePath } from "../../../packages/change-detector/src/index.js";
import { main } from "../../../packages/cli/src/main.js";
import {
  APPLY_ENVIRONMENT,
  APPLY_WORKFLOW,
  checkPipelinesWorkflow,
  PLAN_WORKFLOW,
  TOKEN_SETTINGS,
} from "../../../packages/guards/src/index.js";
import { createTempGitRepo } from "../../../packages/testkit/src/index.js";

// `yaml` is installed for @gantry/classifier (which parses .gantry/config.yml); resolve it from there.
const requireFromClassifier = createRequire(new URL("../../../packages/classifier/package.json", import.meta.url));
const { parse } = requireFromClassifier("yaml") as typeof import("yaml");

const exampleDir = dirname(dirname(fileURLToPath(import.meta.url)));
const repositoryRoot = dirname(dirname(exampleDir));

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  env?: Record<string, string>;
  with?: Record<string, string | number | boolean>;
}
interface Job {
  if?: string;
  environment?: string;
  permissions?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  name: string;
  "run-name"?: string;
  on: Record<string, { branches?: string[]; inputs?: Record<string, { required?: boolean; type?: string }> } | null>;
  permissions?: Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress"?: boolean };
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

const load = (path: string) => parse(readFileSync(join(exampleDir, path), "utf8")) as Workflow;
const livePlan = load("infrastructure-live/.github/workflows/gantry-plan.yml");
const liveDeploy = load("infrastructure-live/.github/workflows/gantry-deploy.yml");
const planWorkflow = load(`infrastructure-pipelines/.github/workflows/${PLAN_WORKFLOW}`);
const applyWorkflow = load(`infrastructure-pipelines/.github/workflows/${APPLY_WORKFLOW}`);
const live = [livePlan, liveDeploy];
const pipelines = [planWorkflow, applyWorkflow];
const all = [...live, ...pipelines];
const steps = (workflow: Workflow) => Object.values(workflow.jobs).flatMap((job) => job.steps);

/** The Gantry Action's steps and the `run:` scripts' `gantry` calls, as one list of command lines. */
function gantryInvocations(workflow: Workflow): { command: string; flags: string[]; step: Step }[] {
  return steps(workflow).flatMap((step) => {
    if (step.uses?.startsWith("gantry-iac/gantry@")) {
      const args = String(step.with?.args ?? "")
        .split("\n")
        .filter(Boolean);
      return [
        {
          command: String(step.with?.command ?? "plan"),
          flags: args.filter((arg) => arg.startsWith("--")).map((arg) => arg.replace(/=.*$/, "")),
          step,
        },
      ];
    }
    return [...(step.run ?? "").matchAll(/(?:^|[\s;&|(])gantry\s+([a-z-]+)([^\n|;>&]*)/g)].map((match) => ({
      command: match[1]!,
      flags: [...match[2]!.matchAll(/(?:^|\s)(--[a-z][a-z-]*)/g)].map((flag) => flag[1]!),
      step,
    }));
  });
}

async function gantry(cwd: string, ...argv: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const exitCode = await main(argv, { stdout, stderr, env: {}, cwd });
  return { exitCode, stdout: out, stderr: err };
}

function filesUnder(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (path: string) => {
    if (statSync(path).isDirectory()) for (const entry of readdirSync(path)) walk(join(path, entry));
    else files.set(relative(dir, path), readFileSync(path, "utf8"));
  };
  walk(dir);
  return files;
}

const scratch = mkdtempSync(join(tmpdir(), "gantry-example-workflows-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("the example", () => {
  it("is exactly what gantry init writes for acme (regenerate.sh)", async () => {
    const script = readFileSync(join(exampleDir, "regenerate.sh"), "utf8").replace(/\\\n/g, " ");
    const argv = /pnpm exec gantry (init .*)/
      .exec(script)![1]!
      .trim()
      .split(/\s+/)
      .filter((arg) => arg !== "--force");
    const run = await gantry(scratch, ...argv);
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    for (const repository of ["infrastructure-live", "infrastructure-pipelines"]) {
      const expected = filesUnder(join(scratch, repository));
      const actual = filesUnder(join(exampleDir, repository));
      expect([...actual.keys()].sort(), `${repository}: run examples/github-workflows/regenerate.sh`).toEqual(
        [...expected.keys()].sort(),
      );
      for (const [path, content] of expected)
        expect(actual.get(path), `${repository}/${path}: run examples/github-workflows/regenerate.sh`).toBe(content);
    }
  });
});

describe("the example workflows", () => {
  it("infrastructure-pipelines' plan and apply workflows run only on workflow_dispatch with required inputs, named by correlation id", () => {
    expect(planWorkflow.on).toMatchObject({
      workflow_dispatch: {
        inputs: { job: { required: true, type: "string" }, correlation: { required: true, type: "string" } },
      },
    });
    expect(applyWorkflow.on).toMatchObject({
      workflow_dispatch: {
        inputs: { commit: { required: true, type: "string" }, correlation: { required: true, type: "string" } },
      },
    });
    for (const workflow of pipelines) {
      expect(Object.keys(workflow.on)).toEqual(["workflow_dispatch"]);
      expect(workflow["run-name"]).toContain("${{ inputs.correlation }}");
      for (const job of Object.values(workflow.jobs)) expect(job.permissions).toBeUndefined(); // nothing widens them
      // The pipelines side's settings are written out, never taken from the (copyable) workflow's own context.
      expect(workflow.env?.GANTRY_PIPELINES_REPOSITORY).toBe("acme/infrastructure-pipelines");
      expect(workflow.env?.GANTRY_DEPLOY_BRANCH).toBe("main");
    }
    // Plans may get the plan role's OIDC token and read; only the apply workflow writes (the record's ref).
    expect(planWorkflow.permissions).toEqual({ "id-token": "write", contents: "read" });
    expect(applyWorkflow.permissions).toEqual({ "id-token": "write", contents: "write" });
  });

  it("only the apply workflow's job runs in the environment the apply role trusts; the plan workflow accepts only plans", () => {
    expect(Object.values(applyWorkflow.jobs).map((job) => job.environment)).toEqual([APPLY_ENVIRONMENT]);
    for (const workflow of [planWorkflow, ...live])
      for (const job of Object.values(workflow.jobs)) expect(job.environment).toBeUndefined();
    expect(planWorkflow.env?.GANTRY_WORKFLOW_ROLE).toBe("plan");
    expect(applyWorkflow.env?.GANTRY_WORKFLOW_ROLE).toBe("apply");
    const commands = (workflow: Workflow) => gantryInvocations(workflow).map((call) => call.command);
    expect(commands(planWorkflow)).toEqual(["fetch-deploy-branch", "execute"]);
    expect(gantryInvocations(planWorkflow)[1]!.step.with?.args).toContain("--workflow-role=plan");
    expect(commands(applyWorkflow)).toEqual(["fetch-deploy-branch", "run"]);
    expect(gantryInvocations(applyWorkflow)[1]!.step.with).toMatchObject({ event: "push", branch: "main" });
    // infrastructure-live runs nothing itself: it plans, dispatches and reports.
    expect(new Set(live.flatMap(commands))).toEqual(new Set(["plan", "dispatch", "report"]));
    // A started deployment is never cancelled; GitHub folds pending requests into the newest.
    expect(applyWorkflow.concurrency).toEqual({ group: "gantry-apply", "cancel-in-progress": false });
  });

  it("keeps no credentials in any checkout, and gives no OIDC token outside the pipelines repository", () => {
    const checkouts = all.flatMap(steps).filter((step) => step.uses?.startsWith("actions/checkout@"));
    expect(checkouts.length).toBe(3);
    for (const step of checkouts) expect(step.with?.["persist-credentials"]).toBe(false);
    for (const workflow of live) expect(JSON.stringify(workflow)).not.toContain("id-token");
  });

  it("a pull request's plans go to the plan workflow; a push only asks the apply workflow for a deployment", () => {
    const [dispatchPlans] = gantryInvocations(livePlan).filter((call) => call.command === "dispatch");
    expect(dispatchPlans!.step.with?.args).toContain(`--plan-workflow=${PLAN_WORKFLOW}`);
    expect(dispatchPlans!.flags).not.toContain("--apply-workflow");
    const [deploy, ...others] = gantryInvocations(liveDeploy);
    expect(others).toEqual([]);
    expect(deploy!.command).toBe("dispatch");
    expect(deploy!.flags).toEqual(["--deploy", "--repository", "--apply-workflow", "--poll-interval", "--timeout"]);
    expect(deploy!.step.with?.args).toContain(`--apply-workflow=${APPLY_WORKFLOW}`);
    // The push workflow checks nothing out, holds no permission, and never cancels a run that asked.
    expect(steps(liveDeploy).filter((step) => step.uses?.startsWith("actions/checkout@"))).toEqual([]);
    expect(liveDeploy.permissions).toEqual({});
    expect(liveDeploy.concurrency).toBeUndefined();
    expect(liveDeploy.on).toEqual({ push: { branches: ["main"] } });
    expect(livePlan.on).toEqual({ pull_request: { branches: ["main"] } });
    expect(livePlan.permissions).toEqual({ contents: "read" });
  });

  it("the plan job restores the detection cache before planning, from the pull request's head", () => {
    const planSteps = livePlan.jobs["gantry-plan"]!.steps;
    const cacheAt = planSteps.findIndex((step) => step.uses?.startsWith("actions/cache@"));
    const planAt = planSteps.findIndex((step) => step.id === "plan");
    expect(cacheAt).toBeGreaterThan(planSteps.findIndex((step) => step.uses?.startsWith("actions/checkout@")));
    expect(cacheAt).toBeLessThan(planAt);
    // Where @gantry/change-detector keeps it (cacheFilePath under the git common dir of a checkout).
    expect(planSteps[cacheAt]!.with?.path).toBe(dirname(cacheFilePath(".git")));
    expect(planSteps[cacheAt]!.with?.key).toContain("${{ github.event.pull_request.head.sha }}");
  });

  it("passes untrusted input to scripts only through the environment", () => {
    for (const step of all.flatMap(steps)) {
      expect(step.run ?? "").not.toMatch(/\$\{\{\s*(inputs\.|matrix|github\.event\.|github\.head_ref)/);
    }
  });

  it("(G1) runs the tools in a step that holds no token, after the step that fetched the deploy branch; restores no cache", () => {
    for (const workflow of pipelines) {
      const calls = gantryInvocations(workflow);
      const tools = calls.filter((call) => call.command === "execute" || call.command === "run");
      expect(tools).toHaveLength(1);
      const step = tools[0]!.step;
      expect(step.env?.GANTRY_DEPLOY_BRANCH_FETCHED).toBe("true");
      // The rules `gantry doctor --pipelines-dir` checks: apply.yml's tools step keeps only the record's token and
      // the merged pull requests' report token; plan.yml's (a pull request's code) no token at all; no
      // actions/cache (code a plan runs can write entries any run on main restores); the workflow's role set.
      expect(checkPipelinesWorkflow(workflow, workflow === applyWorkflow ? "apply" : "plan")).toEqual([]);
      const all = steps(workflow);
      const fetchAt = all.indexOf(calls.find((call) => call.command === "fetch-deploy-branch")!.step);
      expect(fetchAt).toBeGreaterThan(all.findIndex((candidate) => candidate.uses?.startsWith("actions/checkout@")));
      expect(fetchAt).toBeLessThan(all.indexOf(step));
    }
  });

  it("uses each token only in the step that needs it", () => {
    const seen = new Set<string>();
    for (const step of all.flatMap(steps)) {
      const secrets = new Set(
        [...`${JSON.stringify(step.env ?? {})}${JSON.stringify(step.with ?? {})}`.matchAll(/secrets\.([A-Z_]+)/g)].map(
          (match) => match[1]!,
        ),
      );
      const commands = new Set(
        gantryInvocations({ jobs: { job: { steps: [step] } } } as unknown as Workflow).map((call) => call.command),
      );
      for (const secret of secrets) {
        seen.add(secret);
        if (secret === TOKEN_SETTINGS["infra-live-write"].variable) {
          // A pull request's plan report (report), or a deployment's on the pull requests it merged (run, apply.yml).
          expect(commands.size).toBe(1);
          expect(["report", "run"]).toContain([...commands][0]);
        } else if (secret === TOKEN_SETTINGS.dispatch.variable) {
          // `gantry dispatch`, or downloading the dispatched runs' results from the pipelines repository.
          if (commands.size > 0) expect(commands).toEqual(new Set(["dispatch"]));
          else expect(step.run).toContain('gh run download "$run" --repo "$PIPELINES_REPOSITORY"');
        } else if (secret === TOKEN_SETTINGS["code-read"].variable) {
          // The checkout, or the guards' fetch of the deploy branch in a step of its own: never a step that
          // runs the tools, whose code (a pull request's hooks) can read its ancestors' /proc/<pid>/environ.
          if (step.uses?.startsWith("actions/checkout@")) continue;
          expect(commands).toEqual(new Set(["fetch-deploy-branch"]));
        } else throw new Error(`unexpected secret ${secret} in step ${step.name ?? step.uses}`);
      }
    }
    expect(seen).toEqual(new Set(Object.values(TOKEN_SETTINGS).map((setting) => setting.variable)));
    // The record's ref is written with the apply workflow's own token, and nowhere else.
    const recordTokens = all.flatMap(steps).filter((step) => step.env?.GANTRY_RECORD_TOKEN !== undefined);
    expect(recordTokens.map((step) => step.env!.GANTRY_RECORD_TOKEN)).toEqual(["${{ github.token }}"]);
    expect(
      gantryInvocations({ jobs: { job: { steps: recordTokens } } } as unknown as Workflow).map((call) => call.command),
    ).toEqual(["run"]);
  });

  it("apply.yml reports each deployment on the pull requests it merged, and opens an issue when it failed, with the token gantry run reads", async () => {
    const deploy = gantryInvocations(applyWorkflow).find((call) => call.command === "run");
    const args = String(deploy!.step.with?.args).split("\n").filter(Boolean);
    expect(args).toEqual(["--publish-merged-prs", "--open-issue-on-failure", "--repository=acme/infrastructure-live"]);
    const variable = TOKEN_SETTINGS["infra-live-write"].variable;
    expect(deploy!.step.env?.[variable]).toBe(`\${{ secrets.${variable} }}`);
    // The variable is the one `gantry run` reads: without it, the run stops before deploying anything, naming it.
    await using repo = createTempGitRepo({ "README.md": "infrastructure\n" });
    const run = await gantry(repo.dir, "run", "--event", "push", ...args);
    expect(run.stderr).toContain(`--publish-merged-prs needs ${variable}, which is not set`);
    expect(run.exitCode).toBe(2);
  });

  it("every gantry command the workflows run exists, with every flag and Action input they pass", async () => {
    const invocations = all.flatMap(gantryInvocations);
    expect(new Set(invocations.map((call) => call.command))).toEqual(
      new Set(["plan", "fetch-deploy-branch", "execute", "run", "dispatch", "report"]),
    );
    const action = parse(readFileSync(join(repositoryRoot, "action.yml"), "utf8")) as {
      inputs: Record<string, unknown>;
    };
    for (const { command, flags, step } of invocations) {
      const { exitCode, stdout } = await gantry(scratch, command, "--help");
      expect(exitCode, `gantry ${command} --help`).toBe(0);
      for (const flag of flags) expect(stdout, `gantry ${command} ${flag}`).toMatch(new RegExp(`${flag}(?![a-z-])`));
      for (const input of Object.keys(step.with ?? {}))
        expect(Object.keys(action.inputs), `the Action's input ${input}`).toContain(input);
    }
    // The results the report reads are the ones execute writes and plan.yml uploads.
    expect(gantryInvocations(planWorkflow)[1]!.step.with?.args).toContain("--result=result.json");
    expect(steps(planWorkflow).find((step) => step.uses?.startsWith("actions/upload-artifact@"))!.with).toMatchObject({
      name: "gantry-result-${{ fromJSON(inputs.job).id }}",
      path: "result.json",
    });
  });
});
