import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { planChange, type PlanDocument } from "@gantry/classifier";
import { dispatchInProcess } from "@gantry/dispatcher";
import { GantryError } from "@gantry/errors";
import {
  abortOnSignals,
  appendStepSummary,
  createProgressPrinter,
  defaultRunDirectory,
  executeJob,
  jobExitCode,
  renderMarkdownReport,
  renderTextReport,
  SecretMasker,
  type JobResult,
  type RunReport,
} from "@gantry/executor";
import { changeRangeOptions, parseCommandArgs, parseEvent, requireOption } from "../args.js";
import type { Command } from "../io.js";

const help = `usage: gantry run --repo DIR --base REF --head REF --event pull_request|push [--branch NAME]
                  [--report FILE] [--parallelism N] [--dry-run]

The whole pipeline on this machine: detect the change between two commits, plan the jobs, run them in
dependency order with terragrunt and OpenTofu (in-process dispatcher), and report. The terminal report
goes to stdout, progress to stderr; --report writes the pull-request comment (markdown). The exit code is
0 only when every job succeeded (130 when interrupted).

  --repo DIR         the repository (default: the current directory)
  --base REF         the commit before the change (the deploy branch on a pull request)
  --head REF         the commit after the change
  --event EVENT      pull_request (plan, plan -destroy) or push (apply, destroy)
  --branch NAME      the pushed or pull-request branch (default: the deploy branch outside CI)
  --report FILE      write the markdown report (≤ 65,536 characters) to FILE
  --parallelism N    jobs at once (default 4); units inside a job follow the job's own limit
  --dry-run          run every check and print the commands, run nothing`;

export const command: Command = async (argv, io) => {
  const { values } = parseCommandArgs(
    "run",
    argv,
    {
      ...changeRangeOptions,
      report: { type: "string" },
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
  const writeReports = (report: RunReport, terminal = true) => {
    const markdown = renderMarkdownReport(report, { masker });
    if (values.report) writeFileSync(resolve(io.cwd, values.report), markdown);
    appendStepSummary(markdown, io.env);
    if (terminal) io.stdout.write(renderTextReport(report, { masker }));
  };

  let plan: PlanDocument;
  try {
    plan = await planChange({ repo, base, head, event, ...(values.branch ? { branch: values.branch } : {}), env: io.env });
  } catch (error) {
    if (!GantryError.isInstance(error)) throw error;
    // Orchestration failed: the markdown report says so (as a pull-request comment would); the terminal
    // gets the error itself once, from the CLI.
    writeReports({ event, base, head, jobs: [], interrupted: false, error: { code: error.code, message: error.message, hint: error.hint ?? null } }, false);
    throw error;
  }

  const runRoot = await defaultRunDirectory(repo, io.env);
  const progress = createProgressPrinter(io.stderr, { masker, actionsLogGroups: io.env.GITHUB_ACTIONS === "true" });
  using interrupt = abortOnSignals(["SIGINT", "SIGTERM"], (name) => io.stderr.write(`\ngantry run: ${name} received; stopping (again to exit at once)\n`));
  try {
    const dispatch = await dispatchInProcess<JobResult>(plan, {
      parallelism,
      signal: interrupt.signal,
      isSuccess: (result) => result.status === "succeeded",
      runJob: (job, { signal }) =>
        executeJob(job, { repo, env: io.env, signal, masker, runDir: join(runRoot, job.id), dryRun: values["dry-run"] ?? false, onEvent: progress.onEvent }),
    });
    const report: RunReport = {
      event: plan.event,
      base: plan.base,
      head: plan.head,
      branch: plan.branch,
      notice: plan.notice,
      jobs: dispatch.jobs,
      interrupted: dispatch.interrupted,
      logs: plan.jobs.length > 0 && !values["dry-run"] ? runRoot : null,
    };
    writeReports(report);
    if (dispatch.interrupted) return 130;
    if (dispatch.succeeded) return 0;
    const failed = dispatch.jobs.find((job) => job.status === "failed" && job.result !== null);
    return failed?.result ? jobExitCode(failed.result) || 30 : 30;
  } finally {
    progress.stop();
  }
};
