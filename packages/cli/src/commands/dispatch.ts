import { readFileSync, writeFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { dispatchPlanToWorkflow, type DispatchedPlan } from "@gantry/dispatcher";
import { GantryError } from "@gantry/errors";
import { abortOnSignals, parsePlanDocument } from "@gantry/executor";
import { readToken, TOKEN_SETTINGS } from "@gantry/guards";
import { parseCommandArgs, requireOption } from "../args.js";
import type { Command } from "../io.js";

const help = `usage: gantry dispatch --plan PLAN.json --repository OWNER/infrastructure-pipelines --workflow deploy.yml
                       [--ref main] [--allow-non-main-ref] [--poll-interval S] [--timeout S]
                       [--parallelism N] [--output FILE]

Dispatches each job of the plan to the pipelines repository's workflow (workflow_dispatch, the job as the
input \`job\`) and follows each run to its conclusion. A job is dispatched only after every job it needs
concluded \`success\`; the dependents of a job that did not are skipped. Prints a roll-up.
Uses GANTRY_DISPATCH_TOKEN only (Actions: read and write on the pipelines repository), against
GITHUB_API_URL (default https://api.github.com).

  --plan FILE            the document of \`gantry plan --json\`
  --repository O/R       the pipelines repository
  --workflow FILE|ID     the workflow's file name (deploy.yml) or id
  --ref BRANCH           the branch the workflow runs from (default main). Only main of the pipelines
                         repository is trusted with credentials: any other ref is refused unless
                         --allow-non-main-ref is given (then with a warning)
  --poll-interval S      seconds between two status checks of a run (default 60)
  --timeout S            give up waiting for a run after S seconds (default 3600; the run goes on)
  --parallelism N        jobs dispatched and followed at once (default 10)
  --output FILE          write the outcome (apiVersion gantry/v1, kind DispatchOutcome: each job's run id,
                         URL and conclusion) to FILE

Exits 0 when every job's run concluded success (or there were none), 30 when some job failed, was skipped
or not started (including a call GitHub refused: the roll-up names the error).`;

function positiveNumber(name: string, value: string | undefined, fallback: number, whole = false): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0 || (whole && !Number.isInteger(number))) {
    throw new GantryError("USAGE", `--${name} must be a positive ${whole ? "whole " : ""}number, not '${value}'`, { hint: "see `gantry dispatch --help`", exitCode: 2 });
  }
  return number;
}

function rollUp(outcome: DispatchedPlan): string {
  const icon = { succeeded: "✅", failed: "❌", skipped: "⏭️", "not-started": "⏸️" } as const;
  const lines = outcome.jobs.map((entry) => {
    const where = entry.run ? ` ${entry.run.runUrl}` : "";
    const why = entry.reason && entry.status !== "succeeded" ? `: ${entry.reason}` : "";
    return `${icon[entry.status]} ${entry.status.padEnd(11)} ${entry.job.id}${where}${why}`;
  });
  const count = (status: keyof typeof icon) => outcome.jobs.filter((entry) => entry.status === status).length;
  const summary =
    outcome.jobs.length === 0
      ? "No jobs to dispatch: no infrastructure changed."
      : `${outcome.jobs.length} job(s) on ${outcome.repository} (${outcome.workflow} on ${outcome.ref}): ${count("succeeded")} succeeded, ${count("failed")} failed, ${count("skipped")} skipped, ${count("not-started")} not started${outcome.interrupted ? " (interrupted)" : ""}.`;
  return `${[...lines, summary].join("\n")}\n`;
}

export const command: Command = async (argv, io) => {
  const { values } = parseCommandArgs(
    "dispatch",
    argv,
    {
      plan: { type: "string" },
      repository: { type: "string" },
      workflow: { type: "string" },
      ref: { type: "string" },
      "allow-non-main-ref": { type: "boolean" },
      "poll-interval": { type: "string" },
      timeout: { type: "string" },
      parallelism: { type: "string" },
      output: { type: "string" },
    },
    help,
  );
  const planFile = resolve(io.cwd, requireOption("dispatch", values.plan, "plan"));
  const repository = requireOption("dispatch", values.repository, "repository");
  const match = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(repository);
  if (!match) throw new GantryError("USAGE", `--repository must be OWNER/REPO, not '${repository}'`, { hint: "e.g. --repository acme/infrastructure-pipelines", exitCode: 2 });
  const workflow = requireOption("dispatch", values.workflow, "workflow");
  const ref = values.ref ?? "main";
  if (ref !== "main") {
    if (!values["allow-non-main-ref"]) {
      throw new GantryError("DISPATCH_REF_NOT_TRUSTED", `--ref ${ref}: only main of the pipelines repository is trusted with credentials`, {
        hint: "dispatch to main; to test a workflow change on a branch, pass --allow-non-main-ref (its runs get no apply credentials: the apply role trusts refs/heads/main only)",
        exitCode: 2,
      });
    }
    io.stderr.write(`gantry dispatch: warning: dispatching to '${ref}', not main, of ${repository}; the apply role's trust policy admits only refs/heads/main, so apply and destroy jobs will be refused credentials\n`);
  }
  const pollIntervalMs = positiveNumber("poll-interval", values["poll-interval"], 60) * 1000;
  const timeoutMs = positiveNumber("timeout", values.timeout, 3600) * 1000;
  const parallelism = positiveNumber("parallelism", values.parallelism, 10, true);
  const setting = TOKEN_SETTINGS.dispatch;
  // Only the dispatch token: the other two are never read by this command.
  const token = readToken(io.env, "dispatch");
  if (token === undefined) {
    throw new GantryError("DISPATCH_TOKEN_MISSING", `${setting.variable} is not set`, { hint: `set ${setting.variable} to a token with ${setting.fineGrained} (see \`gantry doctor\`)`, exitCode: 2 });
  }

  const planName = relative(io.cwd, planFile) || planFile;
  let text: string;
  try {
    text = readFileSync(planFile, "utf8");
  } catch (error) {
    throw new GantryError("DISPATCH_PLAN_UNREADABLE", `cannot read the plan ${planName}: ${(error as Error).message}`, { hint: "pass the file written by `gantry plan --json`", location: { file: planName }, exitCode: 20 });
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new GantryError("DISPATCH_PLAN_INVALID", `the plan is not JSON: ${(error as Error).message}`, { hint: "pass the file written by `gantry plan --json` unchanged", location: { file: planName }, exitCode: 20 });
  }
  const plan = parsePlanDocument(document, planName);

  using interrupt = abortOnSignals(["SIGINT", "SIGTERM"], (name) => io.stderr.write(`\ngantry dispatch: ${name} received; cancelling the runs in progress\n`));
  const apiUrl = io.env.GITHUB_API_URL;
  const outcome = await dispatchPlanToWorkflow(plan, {
    token,
    tokenName: setting.variable,
    ...(apiUrl ? { baseUrl: apiUrl } : {}),
    owner: match[1]!,
    repo: match[2]!,
    workflow,
    ref,
    pollIntervalMs,
    findRunIntervalMs: Math.min(5000, pollIntervalMs),
    timeoutMs,
    parallelism,
    signal: interrupt.signal,
    onProgress: (job, event) => {
      if (event.type === "run-found") io.stderr.write(`gantry dispatch: ${job.id}: ${event.runUrl}\n`);
    },
    onSkipped: (job, because) => io.stderr.write(`gantry dispatch: ${job.id}: skipped, job ${because.id} did not succeed\n`),
  });
  if (values.output) writeFileSync(resolve(io.cwd, values.output), `${JSON.stringify(outcome, null, 2)}\n`);
  io.stdout.write(rollUp(outcome));
  if (outcome.succeeded) return 0;
  return outcome.interrupted ? 130 : 30;
};
