import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { planChange, type Job, type PlanDocument } from "@gantry/classifier";
import { dispatchInProcess } from "@gantry/dispatcher";
import { GantryError } from "@gantry/errors";
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
  runReportDocument,
  SecretMasker,
  type JobResult,
  type RunReport,
} from "@gantry/executor";
import { checkJob, rederiveWithClassifier, type RederiveJobs } from "@gantry/guards";
import { changeRangeOptions, parseCommandArgs, parseEvent, requireOption } from "../args.js";
import type { Command } from "../io.js";

const help = `usage: gantry run --repo DIR --base REF --head REF --event pull_request|push [--branch NAME]
                  [--report FILE] [--json] [--parallelism N] [--dry-run]

The whole pipeline on this machine: detect the change between two commits, plan the jobs, run them in
dependency order with terragrunt and OpenTofu (in-process dispatcher), and report. The terminal report
goes to stdout, progress to stderr; --report writes the pull-request comment (markdown). Inside GitHub
Actions, failed units and configuration errors are also annotations (::error file=…,line=…). The exit code
is 0 only when every job succeeded (130 when interrupted).

  --repo DIR         the repository (default: the current directory)
  --base REF         the commit before the change (the deploy branch on a pull request)
  --head REF         the commit after the change
  --event EVENT      pull_request (plan, plan -destroy) or push (apply, destroy)
  --branch NAME      the pushed or pull-request branch (default: the deploy branch outside CI)
  --report FILE      write the markdown report (≤ 65,536 characters) to FILE
  --json             print the report as a gantry/v1 RunReport document instead of the text report
  --parallelism N    jobs at once (default 4); units inside a job follow the job's own limit
  --dry-run          run every check and print the commands, run nothing`;

export const command: Command = async (argv, io) => {
  const { values } = parseCommandArgs(
    "run",
    argv,
    {
      ...changeRangeOptions,
      report: { type: "string" },
      json: { type: "boolean" },
      parallelism: { type: "string" },
      "dry-run": { type: "boolean" },
    },
    help,
  );
  const repo = resolve(io.cwd, values.repo ?? ".");
  const base = requireOption("run", values.base, "base");
  const head = requireOption("run", values.head, "head");
  const event = parseEvent("run", values.event);
  const parallelism = values.parallelism === undefined ? 4 : Number(values.parallelism);
  if (!Number.isInteger(parallelism) || parallelism < 1) {
    throw new GantryError("USAGE", `--parallelism must be a whole number of at least 1, not '${values.parallelism}'`, { exitCode: 2 });
  }

  const masker = new SecretMasker();
  const inActions = io.env.GITHUB_ACTIONS === "true";
  const writeReports = (report: RunReport, terminal = true) => {
    const markdown = renderMarkdownReport(report, { masker });
    if (values.report) writeFileSync(resolve(io.cwd, values.report), markdown);
    appendStepSummary(markdown, io.env);
    if (terminal) io.stdout.write(values.json ? `${JSON.stringify(runReportDocument(report, { masker }), null, 2)}\n` : renderTextReport(report, { masker }));
    if (inActions && !values.json) for (const line of renderAnnotations(report, { masker })) io.stdout.write(`${line}\n`);
  };

  let plan: PlanDocument;
  try {
    plan = await planChange({ repo, base, head, event, ...(values.branch ? { branch: values.branch } : {}), env: io.env });
  } catch (error) {
    if (!GantryError.isInstance(error)) throw error;
    // Orchestration failed: the markdown report says so (as a pull-request comment would); the terminal
    // gets the error itself once, from the CLI.
    writeReports({ event, base, head, jobs: [], interrupted: false, error: { code: error.code, message: error.message, hint: error.hint ?? null, location: error.location ?? null } }, false);
    throw error;
  }

  const runRoot = await defaultRunDirectory(repo, io.env);
  // The guards re-derive each job from its source commits, uncached; every job of this run has the same
  // source, so that derivation is done once and shared (it was once per job: 2.5 CPU-s at 200 units).
  const rederive = sharedRederivation(rederiveWithClassifier(repo));
  const progress = createProgressPrinter(io.stderr, { masker, actionsLogGroups: io.env.GITHUB_ACTIONS === "true" });
  using interrupt = abortOnSignals(["SIGINT", "SIGTERM"], (name) => io.stderr.write(`\ngantry run: ${name} received; stopping (again to exit at once)\n`));
  try {
    const dispatch = await dispatchInProcess<JobResult>(plan, {
      parallelism,
      signal: interrupt.signal,
      isSuccess: (result) => result.status === "succeeded",
      runJob: (job, { signal }) =>
        executeJob(job, {
          repo,
          env: io.env,
          signal,
          masker,
          runDir: join(runRoot, job.id),
          dryRun: values["dry-run"] ?? false,
          onEvent: progress.onEvent,
          guard: (guarded, options) => checkJob(guarded, { ...options, rederive }),
        }),
    });
    const report = buildRunReport({
      plan,
      results: dispatch.jobs.flatMap((entry) => (entry.result ? [entry.result] : [])),
      interrupted: dispatch.interrupted,
      logs: plan.jobs.length > 0 && !values["dry-run"] ? runRoot : null,
    });
    writeReports(report);
    if (dispatch.interrupted) return 130;
    if (dispatch.succeeded) return 0;
    const failed = dispatch.jobs.find((job) => job.status === "failed" && job.result !== null);
    return failed?.result ? jobExitCode(failed.result) || 30 : 30;
  } finally {
    progress.stop();
  }
};

/** One re-derivation per distinct source (event, commits, branch), shared by the jobs that have it. */
function sharedRederivation(rederive: RederiveJobs): RederiveJobs {
  const derived = new Map<string, Promise<Job[]>>();
  return (job) => {
    const key = JSON.stringify([job.source.event, job.source.base, job.source.head, job.source.branch]);
    let jobs = derived.get(key);
    if (jobs === undefined) {
      jobs = rederive(job);
      derived.set(key, jobs);
    }
    return jobs;
  };
}
