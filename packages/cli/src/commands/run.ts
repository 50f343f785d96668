import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { planChange, type Job, type PlanDocument } from "@gantry/classifier";
import {
  deployedCommits,
  deployFromRecord,
  dispatchInProcess,
  githubCredentialFor,
  planFromRecord,
  type DeploymentOutcome,
  type InProcessDispatch,
  type RecordPlan,
} from "@gantry/dispatcher";
import { GantryError, usageError, exitCodeOf } from "@gantry/errors";
import {
  abortOnSignals,
  appendStepSummary,
  buildRunReport,
  createProgressPrinter,
  defaultRunDirectory,
  executeJob,
  jobExitCode,
  renderAnnotations,
  renderMarkdownReport,
  renderTextReport,
  reportSucceeded,
  runReportDocument,
  SecretMasker,
  warningAnnotation,
  type JobGuard,
  type JobResult,
  type RunReport,
} from "@gantry/executor";
import { checkJob, TOKEN_SETTINGS } from "@gantry/guards";
import { changeRangeOptions, parseCommandArgs, parseEvent, requireOption } from "../args.js";
import {
  deploymentRecordSetting,
  liveRepositoryOf,
  recordOptions,
  recordOptionsHelp,
  type DeploymentRecordSetting,
} from "../deployment-record.js";
import type { Command } from "../io.js";
import { publishOnDeployedPullRequests, type PublishTarget } from "./report-publishing.js";

const help = `usage: gantry run --repo DIR --event push [--base REF] [--head REF] [options]
       gantry run --repo DIR --base REF --head REF --event pull_request [options]

The whole pipeline on this machine: detect the change between two commits, plan the jobs, run them in
dependency order with terragrunt and OpenTofu (in-process dispatcher), and report. The terminal report
goes to stdout, progress to stderr; --report writes the pull-request comment (markdown). Inside GitHub
Actions, failed units and configuration errors are also annotations (::error file=…,line=…). The exit code
is 0 only when every job succeeded (130 when interrupted).

A push deploys from the deployment record: the range runs from the commit each unit is deployed as of to the
deploy branch's tip (fetched from origin when there is one), applies at the tip, and the record advances by
what succeeded, so a cancelled, failed or late run loses nothing. Units deployed as of a newer commit are
skipped as superseded (never rolled back), those unchanged since as up to date. One run at a time holds the
record's lease; another waits. With no record yet, pass --base (the commit deployed today) once, or run
\`gantry record mark\`.

  --repo DIR         the repository (default: the current directory)
  --base REF         the commit before the change (the deploy branch on a pull request); on a push, start the
                     range here instead of at the record (what succeeds is still recorded)
  --head REF         the commit after the change (on a push: default the deploy branch's tip)
  --event EVENT      pull_request (plan, plan -destroy) or push (apply, destroy)
  --branch NAME      the pushed or pull-request branch (default: the deploy branch outside CI)
${recordOptionsHelp(21)}
  --report FILE      write the markdown report (≤ 65,536 characters) to FILE
  --publish-merged-prs
                     (push) publish the report as a comment on every pull request merged into the deploy
                     branch in the deployed range (one comment per pull request and deployed commit,
                     updated in place), with GANTRY_INFRA_LIVE_TOKEN only (or, when it is not set, the
                     GitHub App of GANTRY_GITHUB_APP_ID and GANTRY_GITHUB_APP_PRIVATE_KEY), against
                     GITHUB_API_URL (default https://api.github.com), in --repository. A comment that cannot
                     be posted is a warning: the deployment and its record stand
  --open-issue-on-failure
                     with --publish-merged-prs: when a job failed, also open one issue for the deployment,
                     assigned to whoever merged those pull requests (the token then needs Issues: write)
  --json             print the report as a gantry/v1 RunReport document instead of the text report
  --parallelism N    jobs at once (default 4); units inside a job follow the job's own limit
  --dry-run          run every check and print the commands, run nothing (nothing is recorded)`;

export const command: Command = async (argv, io) => {
  const { values } = parseCommandArgs(
    "run",
    argv,
    {
      ...changeRangeOptions,
      ...recordOptions,
      report: { type: "string" },
      "publish-merged-prs": { type: "boolean" },
      "open-issue-on-failure": { type: "boolean" },
      json: { type: "boolean" },
      parallelism: { type: "string" },
      "dry-run": { type: "boolean" },
    },
    help,
  );
  const repo = resolve(io.cwd, values.repo ?? ".");
  const event = parseEvent("run", values.event);
  const record = event === "push" ? await deploymentRecordSetting(repo, values, io.env) : undefined;
  // A push to another branch deploys nothing; it is planned (to say so) without the record.
  const fromRecord = record !== undefined && (values.branch === undefined || values.branch === record.deployBranch);
  const base = fromRecord ? values.base : requireOption("run", values.base, "base");
  const head = fromRecord ? values.head : requireOption("run", values.head, "head");
  const parallelism = values.parallelism === undefined ? 4 : Number(values.parallelism);
  if (!Number.isInteger(parallelism) || parallelism < 1) {
    throw usageError(`--parallelism must be a whole number of at least 1, not '${values.parallelism}'`);
  }
  const dryRun = values["dry-run"] ?? false;
  const publishing = await publishingTarget(repo, event, values, io);

  const masker = new SecretMasker();
  const writeReports = (report: RunReport, terminal = true): string => {
    const markdown = renderMarkdownReport(report, { masker });
    if (values.report) writeFileSync(resolve(io.cwd, values.report), markdown);
    appendStepSummary(markdown, io.env);
    if (terminal)
      io.stdout.write(
        values.json
          ? `${JSON.stringify(runReportDocument(report, { masker }), null, 2)}\n`
          : renderTextReport(report, { masker }),
      );
    if (io.env.GITHUB_ACTIONS === "true" && !values.json)
      for (const line of renderAnnotations(report, { masker })) io.stdout.write(`${line}\n`);
    return markdown;
  };
  /** Orchestration failed: the markdown report says so (as a pull-request comment would); the terminal gets the error once, from the CLI. */
  const reportFailure = (error: unknown): never => {
    if (GantryError.isInstance(error)) {
      writeReports(
        {
          event,
          base: base ?? "",
          head: head ?? "",
          jobs: [],
          interrupted: false,
          error: {
            code: error.code,
            message: error.message,
            hint: error.hint ?? null,
            location: error.location ?? null,
          },
        },
        false,
      );
    }
    throw error;
  };
  const planRange = (
    range: { base: string; head: string },
    skipUnits?: Parameters<typeof planChange>[0]["skipUnits"],
    cache = true,
  ) =>
    planChange({
      repo,
      base: range.base,
      head: range.head,
      event,
      ...(values.branch ? { branch: values.branch } : record ? { branch: record.deployBranch } : {}),
      env: io.env,
      cache,
      // Package plugins from where the pipelines side installed them, as the guards load them.
      ...(io.env.GANTRY_PLUGIN_PACKAGES ? { pluginPackages: io.env.GANTRY_PLUGIN_PACKAGES } : {}),
      ...(skipUnits ? { skipUnits } : {}),
    });

  const runRoot = await defaultRunDirectory(repo, io.env);
  const progress = createProgressPrinter(io.stderr, { masker, actionsLogGroups: io.env.GITHUB_ACTIONS === "true" });
  using interrupt = abortOnSignals(["SIGINT", "SIGTERM"], (name) =>
    io.stderr.write(`\ngantry run: ${name} received; stopping (again to exit at once)\n`),
  );
  const runPlan = (plan: PlanDocument, signal: AbortSignal, guard?: JobGuard, mayStart?: () => boolean) =>
    dispatchInProcess<JobResult>(plan, {
      parallelism,
      signal,
      isSuccess: (result) => result.status === "succeeded",
      runJob: (job, context) =>
        executeJob(job, {
          repo,
          env: io.env,
          signal: context.signal,
          masker,
          runDir: join(runRoot, job.id),
          dryRun,
          onEvent: progress.onEvent,
          ...(guard ? { guard } : {}),
          ...(mayStart ? { mayStart } : {}),
        }),
    });

  try {
    let plan: PlanDocument;
    let dispatch: InProcessDispatch<JobResult>;
    let deployed: DeploymentOutcome<JobResult> | undefined;
    if (!fromRecord || !record) {
      plan = await planRange({ base: base!, head: head! }).catch(reportFailure);
      dispatch = await runPlan(plan, interrupt.signal);
    } else if (dryRun) {
      const planned = await planFromRecord({ ...recordPlanning(record, values), plan: planRange }).catch(reportFailure);
      plan = planned.plan;
      dispatch = await runPlan(
        plan,
        interrupt.signal,
        rederivingGuard(planned, (range, skipUnits) => planRange(range, skipUnits, false), record, values),
      );
    } else {
      let ran: InProcessDispatch<JobResult> | undefined;
      deployed = await deployFromRecord<JobResult>({
        ...recordPlanning(record, values),
        holder: record.holder,
        plan: planRange,
        signal: interrupt.signal,
        onEvent: (deployEvent) => {
          if (deployEvent.type === "lease-wait")
            io.stderr.write(
              `gantry run: waiting for ${deployEvent.lease.holder}, deploying since ${deployEvent.lease.acquiredAt} (lease until ${deployEvent.lease.expiresAt})\n`,
            );
          if (deployEvent.type === "planned")
            io.stderr.write(
              `gantry run: deploying ${deployEvent.range.base.slice(0, 12)}..${deployEvent.range.head.slice(0, 12)} (from ${deployEvent.range.baseFrom === "record" ? "the deployment record" : "--base"}): ${deployEvent.jobs} job(s)\n`,
            );
        },
        run: async (planned, context) => {
          ran = await runPlan(
            planned,
            context.signal,
            rederivingGuard(context.planned, (range, skipUnits) => planRange(range, skipUnits, false), record, values),
            context.mayStart,
          );
          return {
            interrupted: ran.interrupted,
            jobs: ran.jobs.map((entry) => ({
              jobId: entry.job.id,
              result: entry.result,
              succeededUnits: succeededUnits(entry.result),
            })),
          };
        },
      }).catch(reportFailure);
      plan = deployed.plan;
      dispatch = ran!;
    }
    const report = buildRunReport({
      plan,
      results: dispatch.jobs.flatMap((entry) => (entry.result ? [entry.result] : [])),
      interrupted: dispatch.interrupted,
      logs: plan.jobs.length > 0 && !dryRun ? runRoot : null,
      supersededByNewerMerges: deployed !== undefined,
    });
    const markdown = writeReports(report);
    // With --json, stdout holds the document alone; these lines go to stderr.
    const notes = values.json ? io.stderr : io.stdout;
    if (deployed)
      notes.write(
        `Deployment record: every unit is deployed as of ${deployed.recorded.commit.slice(0, 12)}${describeAhead(deployed)} (${record!.store.description})\n`,
      );
    if (publishing && !dryRun && plan.branch === plan.deployBranch) {
      const failures = await publishOnDeployedPullRequests(publishing, {
        plan,
        report,
        markdown,
        commits: await deployedCommits(repo, plan.base, plan.head),
        openIssueOnFailure: values["open-issue-on-failure"] === true,
      });
      for (const failure of failures) {
        io.stderr.write(
          `gantry run: warning [${failure.code}]: ${failure.message}${failure.hint ? `\n  hint: ${failure.hint}` : ""}\n`,
        );
        if (io.env.GITHUB_ACTIONS === "true")
          notes.write(`${masker.mask(warningAnnotation(`Gantry: ${failure.code}`, failure.message))}\n`);
      }
    } else if (publishing) {
      io.stderr.write(
        `gantry run: ${dryRun ? "a dry run publishes nothing" : `a push to ${plan.branch} deploys nothing`}; no pull request was commented\n`,
      );
    }
    if (dispatch.interrupted) return exitCodeOf("INTERRUPTED");
    if (reportSucceeded(report)) return 0;
    const failed = report.jobs.find((job) => job.status === "failed" && job.result !== null);
    return failed?.result ? jobExitCode(failed.result) || exitCodeOf("JOB_FAILED") : exitCodeOf("JOB_FAILED");
  } finally {
    progress.stop();
  }
};

/**
 * Where `--publish-merged-prs` posts, checked before anything runs: the event, the credential (only
 * GANTRY_INFRA_LIVE_TOKEN, else the GitHub App narrowed to that role) and infrastructure-live's name
 * (`--repository`, else the checkout's origin).
 */
async function publishingTarget(
  repo: string,
  event: "pull_request" | "push",
  values: {
    "publish-merged-prs"?: boolean | undefined;
    "open-issue-on-failure"?: boolean | undefined;
    repository?: string | undefined;
  },
  io: Parameters<Command>[1],
): Promise<PublishTarget | undefined> {
  if (values["open-issue-on-failure"] === true && values["publish-merged-prs"] !== true) {
    throw usageError("--open-issue-on-failure goes with --publish-merged-prs", {
      hint: "issues are opened for failed deployments of a push",
    });
  }
  if (values["publish-merged-prs"] !== true) return undefined;
  if (event !== "push") {
    throw usageError("--publish-merged-prs reports a push's deployment, not a pull request's plan", {
      hint: "publish a pull request's report with `gantry report --publish-pr N`",
    });
  }
  const credential = githubCredentialFor(io.env, "infra-live-write", {
    optIn: values["open-issue-on-failure"] === true,
  });
  if (credential === undefined) {
    const setting = TOKEN_SETTINGS["infra-live-write"];
    throw new GantryError("REPORT_TOKEN_MISSING", `--publish-merged-prs needs ${setting.variable}, which is not set`, {
      hint: `set ${setting.variable} to a token with ${setting.fineGrained}, or configure a GitHub App (GANTRY_GITHUB_APP_ID, GANTRY_GITHUB_APP_PRIVATE_KEY); see \`gantry doctor\``,
    });
  }
  const name = await liveRepositoryOf(repo, values);
  const match = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(name ?? "");
  if (!match) {
    throw usageError(`--publish-merged-prs needs infrastructure-live's OWNER/NAME${name ? `, not '${name}'` : ""}`, {
      hint: "pass --repository OWNER/NAME, or run in a checkout whose origin is infrastructure-live",
    });
  }
  return {
    credential,
    repository: { owner: match[1]!, repo: match[2]! },
    apiUrl: io.env.GITHUB_API_URL,
    log: (line) => io.stderr.write(`gantry run: ${line}\n`),
  };
}

function recordPlanning(
  record: DeploymentRecordSetting,
  values: { base?: string | undefined; head?: string | undefined },
) {
  return {
    store: record.store,
    history: record.history,
    deployBranch: record.deployBranch,
    tip: record.tip,
    ...(values.base ? { base: values.base } : {}),
    ...(values.head ? { head: values.head } : {}),
  };
}

/**
 * The guards re-derive each job from the repository. A push run's jobs come from the record's range with the
 * units already deployed left out, so they are re-derived the same way: from the same record version and range,
 * planned again without detection's cache (once per run).
 */
function rederivingGuard(
  planned: Omit<RecordPlan, "plan">,
  plan: Parameters<typeof planFromRecord>[0]["plan"],
  record: DeploymentRecordSetting,
  values: { head?: string | undefined },
): JobGuard {
  let jobs: Promise<Job[]> | undefined;
  const rederive = () =>
    (jobs ??= planFromRecord({
      ...recordPlanning(record, values),
      base: planned.range.base,
      head: planned.range.head,
      record: planned.record ?? null,
      plan,
    }).then((again) => again.plan.jobs));
  return (job, options) => checkJob(job, { ...options, deployBranch: record.deployBranch, rederive });
}

function succeededUnits(result: JobResult | null): string[] {
  return result ? result.units.filter((unit) => unit.status === "succeeded").map((unit) => unit.unit) : [];
}

function describeAhead(deployed: DeploymentOutcome<JobResult>): string {
  const environments = Object.entries(deployed.recorded.environments);
  const units = Object.entries(deployed.recorded.units);
  const parts = [
    ...environments.map(([name, commit]) => `environment ${name} as of ${commit.slice(0, 12)}`),
    ...(units.length > 0 ? [`${units.length} unit(s) as of newer commits`] : []),
  ];
  return parts.length > 0 ? `; ${parts.join(", ")}` : "";
}
