import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GantryError } from "@gantry/errors";
import { createTempGitRepo } from "@gantry/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { runAction } from "../src/run-action.js";
import { readOutputs } from "./support/outputs.js";

const work = mkdtempSync(join(tmpdir(), "gantry-run-action-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function action(env: Record<string, string>) {
  let stdout = "";
  let stderr = "";
  const sink = (append: (text: string) => void) =>
    ({ write: (chunk: string | Buffer) => (append(chunk.toString()), true) }) as unknown as NodeJS.WritableStream;
  const outputFile = join(work, `outputs-${Math.random().toString(36).slice(2)}`);
  writeFileSync(outputFile, "");
  const exitCode = await runAction({
    env: { PATH: "/usr/bin:/bin", GITHUB_OUTPUT: outputFile, RUNNER_TEMP: work, ...env },
    stdout: sink((text) => (stdout += text)),
    stderr: sink((text) => (stderr += text)),
    cwd: work,
  });
  return { exitCode, stdout, stderr, outputs: readOutputs(outputFile) };
}

describe("the Action's inputs", () => {
  it("pass `args` one per line, as they are, after the options the inputs name", async () => {
    await using repo = createTempGitRepo({ "live/app/terragrunt.hcl": "# app\n" });
    const base = repo.sha();
    const head = repo.commit({ "live/app/terragrunt.hcl": "# app v2\n" });
    const planFile = join(work, "plans", "plan.json");
    const run = await action({
      GITHUB_WORKSPACE: repo.dir,
      INPUT_COMMAND: "plan",
      INPUT_BASE: base,
      INPUT_HEAD: head,
      INPUT_EVENT: "push",
      INPUT_BRANCH: "main",
      "INPUT_PLAN-FILE": planFile,
      INPUT_ARGS: "  --no-cache  \n\n",
    });
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ plan: planFile, "has-changes": "true" });
    const plan = JSON.parse(readFileSync(planFile, "utf8")) as {
      event: string;
      jobs: Array<{ action: string; units: string[] }>;
    };
    expect([plan.event, plan.jobs.map((job) => [job.action, job.units])]).toEqual(["push", [["apply", ["live/app"]]]]);
    expect(run.stdout).toContain("push");

    const unchanged = await action({
      GITHUB_WORKSPACE: repo.dir,
      INPUT_BASE: head,
      INPUT_HEAD: head,
      INPUT_EVENT: "push",
      INPUT_BRANCH: "main",
    });
    expect(unchanged.outputs).toMatchObject({ "has-changes": "false", matrix: '{"include":[]}' });
  });

  // A plan-file that does not hold what was written (here /dev/null) must not become an empty matrix or a crash.
  it("read the plan back from plan-file as a gantry/v1 Plan, naming the file when it is not one", async () => {
    await using repo = createTempGitRepo({ "live/app/terragrunt.hcl": "# app\n" });
    const base = repo.sha();
    const head = repo.commit({ "live/app/terragrunt.hcl": "# app v2\n" });
    const refused = await action({
      GITHUB_WORKSPACE: repo.dir,
      INPUT_BASE: base,
      INPUT_HEAD: head,
      INPUT_EVENT: "pull_request",
      "INPUT_PLAN-FILE": "/dev/null",
    }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(GantryError.isInstance(refused) && [refused.code, refused.exitCode]).toEqual(["ACTION_PLAN_INVALID", 20]);
    expect(GantryError.isInstance(refused) && refused.format()).toMatch(/\/dev\/null.*the Plan is not JSON/s);
  });

  it("run `execute` on the job given as text, as a matrix job over the plan's matrix output would", async () => {
    await using repo = createTempGitRepo({ "live/app/terragrunt.hcl": "# app\n" });
    const job = { apiVersion: "gantry/v1", kind: "Job", id: "x", action: "deploy" };
    const run = await action({
      GITHUB_WORKSPACE: repo.dir,
      INPUT_COMMAND: "execute",
      INPUT_JOB: JSON.stringify(job),
      "INPUT_INSTALL-TOOLS": "false",
    });
    // The CLI read the job from the file the Action wrote: the document's own problem is reported.
    expect(run.exitCode).toBe(33);
    expect(run.stderr).toMatch(/gantry execute: error \[EXEC_JOB_INVALID\]: .*gantry-job-[0-9a-f-]+\.json/);
    const misplaced = await action({ INPUT_COMMAND: "plan", INPUT_JOB: "{}" }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(GantryError.isInstance(misplaced) && misplaced.message).toBe(
      "the input job goes with command execute, not plan",
    );
  });

  it("take no range from a push event: the range is the inputs' (the deployment record's), never the push's", async () => {
    const eventPath = join(work, "push.json");
    writeFileSync(eventPath, JSON.stringify({ before: "a".repeat(40), after: "b".repeat(40) }));
    const run = await action({
      GITHUB_WORKSPACE: work,
      GITHUB_EVENT_NAME: "push",
      GITHUB_EVENT_PATH: eventPath,
      INPUT_COMMAND: "plan",
    });
    // A push plans from the deployment record (here there is none to read), never from the event's `before`.
    expect(run.exitCode).toBe(30);
    expect(run.stderr).toContain("could not read the deployment record");
    expect(run.stderr).not.toContain("a".repeat(40));
  });

  it("refuse a command or install-tools value they do not know, suggesting the one meant", async () => {
    const refused = await action({ INPUT_COMMAND: "exceute" }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(GantryError.isInstance(refused) && refused.message).toContain("did you mean 'execute'?");
    const tools = await action({ INPUT_COMMAND: "doctor", "INPUT_INSTALL-TOOLS": "yes" }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(GantryError.isInstance(tools) && tools.exitCode).toBe(2);
  });
});
