import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import {
  dispatchPlanDocument,
  dispatchPlanToWorkflow,
  githubCredentialFor,
  githubTimingFromEnvironment,
  requestDeployment,
  type DispatchedPlan,
  type DispatchProgress,
  type RequestDeploymentOptions,
} from "@gantry/dispatcher";
import { GantryError, usageError, exitCodeOf } from "@gantry/errors";
import { abortOnSignals } from "@gantry/executor";
import { readDocument } from "@gantry/documents";
import { TOKEN_SETTINGS } from "@gantry/guards";
import { parseCommandArgs, requireOption } from "../args.js";
import type { Command } from "../io.js";

const help = `usage: gantry dispatch --plan PLAN.json --repository OWNER/infrastructure-pipelines
                       --plan-workflow plan.yml --apply-workflow apply.yml [options]
       gantry dispatch --deploy --commit SHA --repository OWNER/infrastructure-pipelines
                       --apply-workflow apply.yml [options]

Sends work to the pipelines repository's GitHub Actions workflows and follows each run to its conclusion.
Plan and plan-destroy jobs go to the plan workflow (inputs \`job\` and \`correlation\`), each only after every
job it needs concluded \`success\` (the dependents of one that did not are skipped). Apply and destroy jobs
are not sent: one deployment request goes to the apply workflow (inputs \`commit\` and \`correlation\`), which
deploys from the deployment record to the deploy branch's tip; \`--deploy\` sends only that request (a push to
the deploy branch needs no plan). A deployment run is never cancelled from here: interrupting this command
stops following it. There is no one workflow for every job: the workflow that plans pull requests' code must
never be one the apply role trusts.
A dispatch whose answer is lost is found by its correlation id before it is ever sent again.
Uses GANTRY_DISPATCH_TOKEN only (Actions: read and write on the pipelines repository), or when it is not set
the GitHub App of GANTRY_GITHUB_APP_ID and GANTRY_GITHUB_APP_PRIVATE_KEY (tokens narrowed to that permission
and repository), against GITHUB_API_URL (default https://api.github.com).

  --plan FILE             the document of \`gantry plan --json\`
  --deploy                request a deployment, without a plan
  --commit SHA            (--deploy) the pushed commit asking for it (default: GITHUB_SHA)
  --repository O/R        the pipelines repository
  --plan-workflow FILE    the workflow for plan and plan-destroy jobs (plan.yml)
  --apply-workflow FILE   the workflow that deploys from the record (apply.yml)
  --ref BRANCH            the branch the workflows run from (default main). Only main of the pipelines
                          repository is trusted with credentials: any other ref is refused unless
                          --allow-non-main-ref is given (then with a warning)
  --poll-interval S       seconds between two status checks of a run (default 60)
  --timeout S             give up waiting for a run after S seconds (default 3600; the run goes on)
  --lost-dispatch-wait S  after a dispatch failed without an answer, look for its run this long before
                          sending it again (default 60)
  --parallelism N         jobs dispatched and followed at once (default 10)
  --output FILE           write the outcome (apiVersion gantry/v1, kind DispatchOutcome: each job's run id,
                          URL and conclusion, and the deployment run) to FILE
  --json                  print the outcome document on stdout (the roll-up goes to stderr)

Exits 0 when every run concluded success (or there was nothing to do), 30 when some job or the deployment failed,
was skipped or not started (including a call GitHub refused: the roll-up names the error).`;

function positiveNumber(name: string, value: string | undefined, fallback: number, whole = false): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0 || (whole && !Number.isInteger(number))) {
    throw usageError(`--${name} must be a positive ${whole ? "whole " : ""}number, not '${value}'`, {
      command: "dispatch",
    });
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
  const deployment = outcome.deployment;
  if (deployment) {
    const superseded =
      deployment.supersededRuns.length > 0
        ? ` (its first run was superseded: ${deployment.supersededRuns.map((run) => run.runUrl).join(", ")})`
        : "";
    lines.push(
      `${deployment.conclusion === "success" ? "✅" : "❌"} deployment ${deployment.conclusion ?? "unknown"} ${deployment.runUrl}${superseded}`,
    );
  }
  const summary =
    outcome.jobs.length === 0 && !deployment
      ? "No jobs to dispatch: no infrastructure changed."
      : `${outcome.jobs.length} job(s) on ${outcome.repository} (${outcome.workflow} on ${outcome.ref}): ${count("succeeded")} succeeded, ${count("failed")} failed, ${count("skipped")} skipped, ${count("not-started")} not started${outcome.interrupted ? " (interrupted)" : ""}.`;
  return `${[...lines, summary].join("\n")}\n`;
}

/** Prints what a run is doing: when it is found, when its status changes, and every five minutes while it waits. */
function progressPrinter(write: (line: string) => void) {
  const last = new Map<number, { status: string; at: number }>();
  return (label: string, event: DispatchProgress) => {
    switch (event.type) {
      case "run-found":
        return write(`${label}: ${event.runUrl}`);
      case "dispatch-uncertain":
        return write(
          `${label}: the dispatch got no answer (${event.reason}); looking for its run before sending it again`,
        );
      case "superseded":
        return write(
          `${label}: run ${event.runId} was cancelled by the workflow's concurrency; following the newer run ${event.runUrl}, which deploys this commit too`,
        );
      case "duplicate-cancelled":
        return write(
          `${label}: the dispatch sent again started a second run; cancelled run ${event.runId}, which had not started, and kept run ${event.kept}`,
        );
      case "run-status": {
        const previous = last.get(event.runId);
        if (previous?.status === event.status && Date.now() - previous.at < 300_000) return;
        last.set(event.runId, { status: event.status, at: Date.now() });
        return write(`${label}: run ${event.runId} is ${event.status}`);
      }
      default:
        return;
    }
  };
}

export const command: Command = async (argv, io) => {
  const { values } = parseCommandArgs(
    "dispatch",
    argv,
    {
      plan: { type: "string" },
      deploy: { type: "boolean" },
      commit: { type: "string" },
      repository: { type: "string" },
      workflow: { type: "string" },
      "plan-workflow": { type: "string" },
      "apply-workflow": { type: "string" },
      ref: { type: "string" },
      "allow-non-main-ref": { type: "boolean" },
      "poll-interval": { type: "string" },
      timeout: { type: "string" },
      "lost-dispatch-wait": { type: "string" },
      parallelism: { type: "string" },
      output: { type: "string" },
      json: { type: "boolean" },
    },
    help,
  );
  const usage = (message: string, hint?: string) =>
    usageError(message, { command: "dispatch", ...(hint ? { hint } : {}) });
  const repository = requireOption("dispatch", values.repository, "repository");
  const match = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(repository);
  if (!match)
    throw usage(
      `--repository must be OWNER/REPO, not '${repository}'`,
      "e.g. --repository acme/infrastructure-pipelines",
    );
  if (values.workflow !== undefined) {
    // Kept as a known option so that a workflow written for the older design gets this answer, not "unknown option".
    throw usage(
      "--workflow (one pipelines workflow for every job) is no longer supported: a workflow that plans pull requests' code must not be one the apply role trusts",
      "split it: --plan-workflow plan.yml for plan jobs and --apply-workflow apply.yml for deployments (`gantry init` writes both)",
    );
  }
  const workflows = { planWorkflow: values["plan-workflow"], applyWorkflow: values["apply-workflow"] };
  if (values.deploy) {
    if (values.plan !== undefined)
      throw usage("--deploy takes no --plan: it asks the apply workflow to deploy from the record");
    requireOption("dispatch", workflows.applyWorkflow, "apply-workflow");
  } else {
    requireOption("dispatch", values.plan, "plan");
    if (workflows.planWorkflow === undefined && workflows.applyWorkflow === undefined) {
      throw usage("missing required option --plan-workflow and --apply-workflow");
    }
  }
  const ref = values.ref ?? "main";
  if (ref !== "main") {
    if (!values["allow-non-main-ref"]) {
      throw new GantryError(
        "DISPATCH_REF_NOT_TRUSTED",
        `--ref ${ref}: only main of the pipelines repository is trusted with credentials`,
        {
          hint: "dispatch to main; to test a workflow change on a branch, pass --allow-non-main-ref (its runs get no apply credentials: the apply role trusts refs/heads/main only)",
        },
      );
    }
    io.stderr.write(
      `gantry dispatch: warning: dispatching to '${ref}', not main, of ${repository}; the apply role's trust policy admits only refs/heads/main, so apply and destroy jobs will be refused credentials\n`,
    );
  }
  const pollIntervalMs = positiveNumber("poll-interval", values["poll-interval"], 60) * 1000;
  const timeoutMs = positiveNumber("timeout", values.timeout, 3600) * 1000;
  const lostResponseWindowMs = positiveNumber("lost-dispatch-wait", values["lost-dispatch-wait"], 60) * 1000;
  const parallelism = positiveNumber("parallelism", values.parallelism, 10, true);
  const commit = values.deploy
    ? (values.commit ?? io.env.GITHUB_SHA ?? requireOption("dispatch", values.commit, "commit"))
    : undefined;
  const setting = TOKEN_SETTINGS.dispatch;
  // Only the dispatch token (or the App, narrowed to its permission): the other two are never read by this command.
  const credential = githubCredentialFor(io.env, "dispatch");
  if (credential === undefined) {
    throw new GantryError("DISPATCH_TOKEN_MISSING", `${setting.variable} is not set`, {
      hint: `set ${setting.variable} to a token with ${setting.fineGrained}, or configure a GitHub App (GANTRY_GITHUB_APP_ID, GANTRY_GITHUB_APP_PRIVATE_KEY); see \`gantry doctor\``,
    });
  }
  const plan = values.plan === undefined ? undefined : await readDocument(values.plan, dispatchPlanDocument, io);
  if (plan) {
    const deploying = plan.jobs.some((job) => job.action === "apply" || job.action === "destroy");
    if (deploying && workflows.applyWorkflow === undefined)
      throw usage(
        "the plan has apply or destroy jobs: pass --apply-workflow (the workflow that deploys from the record)",
      );
    if (
      plan.jobs.some((job) => job.action === "plan" || job.action === "plan-destroy") &&
      workflows.planWorkflow === undefined
    ) {
      throw usage("the plan has plan jobs: pass --plan-workflow");
    }
  }

  using interrupt = abortOnSignals(["SIGINT", "SIGTERM"], (name) =>
    io.stderr.write(
      `\ngantry dispatch: ${name} received; cancelling the plan runs in progress (deployment runs go on)\n`,
    ),
  );
  const apiUrl = io.env.GITHUB_API_URL;
  const connection = {
    token: credential.credential,
    tokenName: credential.name,
    ...(apiUrl ? { baseUrl: apiUrl } : {}),
    timing: githubTimingFromEnvironment(io.env),
    owner: match[1]!,
    repo: match[2]!,
    ref,
    pollIntervalMs,
    findRunIntervalMs: Math.min(5000, pollIntervalMs),
    lostResponseWindowMs,
    timeoutMs,
    signal: interrupt.signal,
  };
  const print = progressPrinter((line) => io.stderr.write(`gantry dispatch: ${line}\n`));
  let outcome: DispatchedPlan;
  if (commit !== undefined) {
    outcome = await deployOnly(
      connection,
      workflows.applyWorkflow!,
      commit,
      (event) => print("deployment", event),
      (message) => io.stderr.write(`gantry dispatch: ${message}\n`),
    );
  } else {
    outcome = await dispatchPlanToWorkflow(plan!, {
      ...connection,
      ...(workflows.planWorkflow !== undefined ? { planWorkflow: workflows.planWorkflow } : {}),
      ...(workflows.applyWorkflow !== undefined ? { applyWorkflow: workflows.applyWorkflow } : {}),
      parallelism,
      onProgress: (job, event) =>
        print(job.action === "apply" || job.action === "destroy" ? "deployment" : job.id, event),
      onSkipped: (job, because) =>
        io.stderr.write(`gantry dispatch: ${job.id}: skipped, job ${because.id} did not succeed\n`),
    });
  }
  const document = `${JSON.stringify(outcome, null, 2)}\n`;
  if (values.output) writeFileSync(resolve(io.cwd, values.output), document);
  if (values.json) {
    io.stdout.write(document);
    io.stderr.write(rollUp(outcome));
  } else {
    io.stdout.write(rollUp(outcome));
  }
  if (outcome.succeeded) return 0;
  return exitCodeOf(outcome.interrupted ? "INTERRUPTED" : "JOB_FAILED");
};

/** `--deploy`: the deployment request alone, reported as a DispatchOutcome with no jobs. */
async function deployOnly(
  connection: Omit<RequestDeploymentOptions, "workflow" | "commit">,
  workflow: string,
  commit: string,
  onProgress: (event: DispatchProgress) => void,
  onStop: (message: string) => void,
): Promise<DispatchedPlan> {
  const base = {
    apiVersion: "gantry/v1",
    kind: "DispatchOutcome",
    repository: `${connection.owner}/${connection.repo}`,
    workflow,
    ref: connection.ref ?? "main",
    jobs: [],
  } as const;
  try {
    const deployment = await requestDeployment({ ...connection, workflow, commit, onProgress });
    return {
      ...base,
      deployment: { ...deployment, workflow },
      interrupted: false,
      succeeded: deployment.conclusion === "success",
    };
  } catch (error) {
    // Interrupted: say where the deployment goes on, and exit 130 like any interrupted command.
    if (!(GantryError.isInstance(error) && error.code === "DISPATCH_CANCELLED")) throw error;
    onStop(error.message);
    return { ...base, deployment: null, interrupted: true, succeeded: false };
  }
}
