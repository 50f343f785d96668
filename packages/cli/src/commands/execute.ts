import { writeFileSync } from "node:fs";
import { readDocument } from "@gantry/documents";
import { resolve } from "node:path";
import { usageError } from "@gantry/errors";
import {
  abortOnSignals,
  actionsRunUrl,
  appendStepSummary,
  createProgressPrinter,
  executeJob,
  jobExitCode,
  jobDocument,
  renderAnnotations,
  renderMarkdownReport,
  renderTextReport,
  reportForJob,
  SecretMasker,
} from "@gantry/executor";
import { DEPLOY_BRANCH_FETCHED_VARIABLE } from "@gantry/guards";
import { parseCommandArgs, requireOption } from "../args.js";
import type { Command } from "../io.js";

const help = `usage: gantry execute --repo DIR --job FILE|- [--dry-run] [--json] [--result FILE] [--report FILE] [--parallelism N] [--run-dir DIR]
                      [--deploy-branch NAME] [--workflow-role plan|apply] [--deploy-branch-fetched]

Runs one job of \`gantry plan --json\` (one element of its "jobs") with terragrunt and OpenTofu, in a git
worktree of its own, after the guards. Progress goes to stderr, the report to stdout.

  --repo DIR         the repository (default: the current directory)
  --job FILE|-       the job document; - reads stdin
  --dry-run          run every check and print the commands, run nothing
  --deploy-branch B  the branch that deploys (default GANTRY_DEPLOY_BRANCH, else main): the guards take it
                     from here, never from the job; the configuration is read from its tip on origin
  --workflow-role R  the pipelines workflow this runs in (default GANTRY_WORKFLOW_ROLE): plan accepts only
                     plan and plan-destroy jobs, apply only jobs of a push to the deploy branch; required
                     inside GitHub Actions (exit 54 without it)
  --deploy-branch-fetched
                     an earlier step fetched the deploy branch (\`gantry fetch-deploy-branch\`): read it as
                     fetched, with no token (default GANTRY_DEPLOY_BRANCH_FETCHED=true)
  --json             print the typed result (kind JobResult) instead of the text report
  --result FILE      also write the typed result (apiVersion gantry/v1, kind JobResult) to FILE, for
                     \`gantry report --results\` (e.g. uploaded as an artifact by a matrix job); it carries
                     each unit's rendered plan or apply output and error (masked, bounded), and, in
                     GitHub Actions, the URL of this run (where the full logs are)
  --report FILE      also write the pull-request comment (markdown) to FILE
  --parallelism N    units at once (default: the job's terragrunt.parallelism)
  --run-dir DIR      where logs and plan files are kept (default: <git dir>/gantry/runs/<time>/<job>)`;

export const command: Command = async (argv, io) => {
  const { values } = parseCommandArgs(
    "execute",
    argv,
    {
      repo: { type: "string" },
      job: { type: "string" },
      "dry-run": { type: "boolean" },
      json: { type: "boolean" },
      report: { type: "string" },
      result: { type: "string" },
      parallelism: { type: "string" },
      "run-dir": { type: "string" },
      "deploy-branch": { type: "string" },
      "workflow-role": { type: "string" },
      "deploy-branch-fetched": { type: "boolean" },
    },
    help,
  );
  const source = requireOption("execute", values.job, "job");
  const job = await readDocument(source, jobDocument, io);
  const parallelism = values.parallelism === undefined ? undefined : Number(values.parallelism);
  if (parallelism !== undefined && (!Number.isInteger(parallelism) || parallelism < 1)) {
    throw usageError(`--parallelism must be a whole number of at least 1, not '${values.parallelism}'`);
  }

  const role = values["workflow-role"];
  if (role !== undefined && role !== "plan" && role !== "apply") {
    throw usageError(`--workflow-role must be plan or apply, not '${role}'`, { command: "execute" });
  }
  // The pipelines side's settings reach the guards through their variables (never the tools: see tool-environment.ts).
  const env = {
    ...io.env,
    ...(values["deploy-branch"] ? { GANTRY_DEPLOY_BRANCH: values["deploy-branch"] } : {}),
    ...(role ? { GANTRY_WORKFLOW_ROLE: role } : {}),
    ...(values["deploy-branch-fetched"] ? { [DEPLOY_BRANCH_FETCHED_VARIABLE]: "true" } : {}),
  };

  const masker = new SecretMasker();
  const progress = createProgressPrinter(io.stderr, { masker, actionsLogGroups: io.env.GITHUB_ACTIONS === "true" });
  using interrupt = abortOnSignals(["SIGINT", "SIGTERM"], (name) =>
    io.stderr.write(`\ngantry execute: ${name} received; stopping the running units (again to exit at once)\n`),
  );
  try {
    const result = await executeJob(job, {
      repo: resolve(io.cwd, values.repo ?? "."),
      env,
      dryRun: values["dry-run"] ?? false,
      signal: interrupt.signal,
      masker,
      onEvent: progress.onEvent,
      // The roll-up report in the other repository links each job to the run that holds its logs.
      logsUrl: actionsRunUrl(io.env),
      ...(parallelism !== undefined ? { parallelism } : {}),
      ...(values["run-dir"] ? { runDir: resolve(io.cwd, values["run-dir"]) } : {}),
    });
    const report = reportForJob(result);
    const markdown = renderMarkdownReport(report, { masker });
    if (values.report) writeFileSync(resolve(io.cwd, values.report), markdown);
    if (values.result)
      writeFileSync(resolve(io.cwd, values.result), `${masker.mask(JSON.stringify(result, null, 2))}\n`);
    appendStepSummary(markdown, io.env);
    io.stdout.write(
      values.json ? `${masker.mask(JSON.stringify(result, null, 2))}\n` : renderTextReport(report, { masker }),
    );
    if (io.env.GITHUB_ACTIONS === "true" && !values.json)
      for (const line of renderAnnotations(report, { masker })) io.stdout.write(`${line}\n`);
    return jobExitCode(result);
  } finally {
    progress.stop();
  }
};
