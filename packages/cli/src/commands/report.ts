import { readdirSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { formatLocation, GantryError, usageError, exitCodeOf } from "@gantry/errors";
import {
  actionsRunUrl,
  appendStepSummary,
  jobResultDocument,
  renderAnnotations,
  renderMarkdownReport,
  renderTextReport,
  reportForPlan,
  reportPlanDocument,
  runReportDocument,
  reportSucceeded,
  SecretMasker,
  secretsFromEnvironment,
  type RunReport,
  type SourcedJobResult,
} from "@gantry/executor";
import type { PlanDocument } from "@gantry/classifier";
import { errorDocument } from "../error-document.js";
import { readDocument } from "@gantry/documents";
import { publishOnMergedPullRequest, publishOnPullRequest } from "./report-publishing.js";
import { githubCredentialFor } from "@gantry/dispatcher";
import { TOKEN_SETTINGS } from "@gantry/guards";
import { parseCommandArgs, requireOption } from "../args.js";
import type { CliIO, Command } from "../io.js";

const help = `usage: gantry report --plan PLAN.json --results FILE|DIR... [--format markdown|text|json | --json] [--output FILE]
                     [--publish-pr N | --publish-merged-pr [--open-issue-on-failure]] [--repository OWNER/REPO]
       gantry report --error ERROR.json --head SHA [--event pull_request|push] [--publish-pr N] ...

The roll-up of a plan whose jobs ran elsewhere (a GitHub Actions matrix of \`gantry execute --result\`, or
the pipelines repository's workflow): one report for every job of the plan. A job with no result did not run
(not started, or skipped when a job it needs did not succeed). A plan with no jobs reports that no
infrastructure changed.

  --plan FILE          the document of \`gantry plan --json\` (apiVersion gantry/v1, kind Plan)
  --error FILE         instead of a plan: the error a failing gantry command wrote to GANTRY_ERROR_FILE
                       (kind Error). The report says that planning failed and why, like Pipelines' comment
                       when orchestration fails; with --publish-pr it becomes the report comment of --head.
  --head SHA           with --error: the commit the failed run was for (the pull request's head)
  --event EVENT        with --error: pull_request (default) or push
  --results FILE|DIR   JobResult documents (\`gantry execute --result FILE\`); repeatable, and any further
                       arguments are results too (\`--results results/*.json\`); a directory is searched for
                       *.json files
  --format FORMAT      markdown (the pull-request comment, default), text, or json (a gantry/v1 RunReport)
  --json               same as --format json
  --output FILE        write the report to FILE instead of stdout; inside GitHub Actions, failed units
                       are then also printed as annotations (::error file=…,line=…) on stdout
  --publish-pr N       publish the markdown report as the comment of pull request N (one comment per head
                       commit, updated in place; earlier ones marked outdated). Uses GANTRY_INFRA_LIVE_TOKEN
                       only (or, when it is not set, the GitHub App of GANTRY_GITHUB_APP_ID and
                       GANTRY_GITHUB_APP_PRIVATE_KEY), against GITHUB_API_URL (default https://api.github.com).
  --publish-merged-pr  for a push to the deploy branch: publish the report as a comment on the pull request
                       whose merge made the pushed commit (one comment per pushed commit, updated in place;
                       plan reports are left alone). A push that no pull request made is reported, not
                       published. Same token and API as --publish-pr.
  --open-issue-on-failure
                       with --publish-merged-pr: when a job failed, also open an issue assigned to whoever
                       merged the pull request (one per pushed commit, updated in place). The token then
                       also needs Issues: write.
  --repository O/R     the pull request's repository (default: GITHUB_REPOSITORY)

The markdown report is also appended to GITHUB_STEP_SUMMARY when it is set. Exits 0 when every job
succeeded (or there were none), 30 when some job failed, was skipped or did not run.`;

/** Result files: the files given, and the *.json files under the directories given (artifact downloads). */
function resultFiles(paths: readonly string[], io: CliIO): string[] {
  const files: string[] = [];
  const walk = (path: string) => {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch {
      files.push(path); // reported as unreadable, naming the file
      return;
    }
    if (!isDirectory) return void files.push(path);
    for (const entry of readdirSync(path).sort()) {
      const child = join(path, entry);
      if (entry.endsWith(".json") || statSync(child).isDirectory()) walk(child);
    }
  };
  for (const path of paths) walk(resolve(io.cwd, path));
  return files;
}

/** The report of a run that failed before it had a plan: the error a gantry command wrote to GANTRY_ERROR_FILE. */
async function reportForError(
  file: string,
  head: string | undefined,
  event: string | undefined,
  io: CliIO,
): Promise<RunReport> {
  if (head === undefined || !/^[0-9a-f]{40}$/.test(head)) {
    throw usageError(`--error needs --head with the full commit SHA the run was for, not '${head ?? ""}'`, {
      hint: 'in a pull request workflow: --head "${{ github.event.pull_request.head.sha }}"',
    });
  }
  if (event !== undefined && event !== "pull_request" && event !== "push") {
    throw usageError(`--event must be pull_request or push, not '${event}'`, { command: "report" });
  }
  const failure = await readDocument(file, errorDocument, io);
  const where = failure.location ? `${formatLocation(failure.location)}: ` : "";
  return {
    event: event ?? "pull_request",
    base: "",
    head,
    jobs: [],
    interrupted: false,
    logs: actionsRunUrl(io.env),
    error: {
      code: failure.code,
      message: `gantry ${failure.command} failed: ${where}${failure.message}`,
      hint: failure.hint,
      location: failure.location ?? null,
    },
  };
}

function parseRepository(value: string | undefined): { owner: string; repo: string } {
  const match = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(value ?? "");
  if (!match) {
    throw usageError(`--repository must be OWNER/REPO, not '${value ?? ""}'`, {
      hint: "pass --repository, or run inside GitHub Actions (GITHUB_REPOSITORY)",
    });
  }
  return { owner: match[1]!, repo: match[2]! };
}

export const command: Command = async (argv, io) => {
  const { values, positionals } = parseCommandArgs(
    "report",
    argv,
    {
      plan: { type: "string" },
      error: { type: "string" },
      head: { type: "string" },
      event: { type: "string" },
      results: { type: "string", multiple: true },
      format: { type: "string" },
      json: { type: "boolean" },
      output: { type: "string" },
      "publish-pr": { type: "string" },
      "publish-merged-pr": { type: "boolean" },
      "open-issue-on-failure": { type: "boolean" },
      repository: { type: "string" },
    },
    help,
  );
  if (values.error !== undefined && values.plan !== undefined) {
    throw usageError("--error and --plan cannot be combined", {
      hint: "--error reports a run that failed before it had a plan",
    });
  }
  if (
    values.error !== undefined &&
    (values["publish-merged-pr"] === true || (values.results ?? []).length + positionals.length > 0)
  ) {
    throw usageError("--error takes no results and no --publish-merged-pr", { command: "report" });
  }
  if (values.error === undefined && (values.head !== undefined || values.event !== undefined)) {
    throw usageError("--head and --event go with --error", { hint: "a plan document names its own head and event" });
  }
  const planFile =
    values.error === undefined ? resolve(io.cwd, requireOption("report", values.plan, "plan")) : undefined;
  const format = values.json ? "json" : (values.format ?? "markdown");
  if (format !== "markdown" && format !== "text" && format !== "json") {
    throw usageError(`--format must be markdown, text or json, not '${format}'`, { command: "report" });
  }
  const pullNumber = values["publish-pr"] === undefined ? undefined : Number(values["publish-pr"]);
  if (pullNumber !== undefined && (!Number.isInteger(pullNumber) || pullNumber < 1)) {
    throw usageError(`--publish-pr must be a pull request number, not '${values["publish-pr"]}'`, {
      command: "report",
    });
  }
  const publishMerged = values["publish-merged-pr"] === true;
  if (publishMerged && pullNumber !== undefined) {
    throw usageError("--publish-pr and --publish-merged-pr cannot be combined", {
      hint: "--publish-pr for a pull request's plan, --publish-merged-pr for a push's apply",
    });
  }
  if (values["open-issue-on-failure"] === true && !publishMerged) {
    throw usageError("--open-issue-on-failure goes with --publish-merged-pr", {
      hint: "issues are opened for failed applies of a push to the deploy branch",
    });
  }
  const publishing = pullNumber !== undefined || publishMerged;
  const repository = publishing ? parseRepository(values.repository ?? io.env.GITHUB_REPOSITORY) : undefined;
  // Checked before anything is rendered, so a missing token fails fast; only this token is ever read here.
  const credential = publishing
    ? githubCredentialFor(io.env, "infra-live-write", { optIn: values["open-issue-on-failure"] === true })
    : undefined;
  if (publishing && credential === undefined) {
    const setting = TOKEN_SETTINGS["infra-live-write"];
    throw new GantryError(
      "REPORT_TOKEN_MISSING",
      `${publishMerged ? "--publish-merged-pr" : "--publish-pr"} needs ${setting.variable}, which is not set`,
      {
        hint: `set ${setting.variable} to a token with ${setting.fineGrained}, or configure a GitHub App (GANTRY_GITHUB_APP_ID, GANTRY_GITHUB_APP_PRIVATE_KEY); see \`gantry doctor\``,
      },
    );
  }

  let report: RunReport;
  let plan: PlanDocument | undefined;
  if (planFile === undefined) {
    report = await reportForError(values.error!, values.head, values.event, io);
  } else {
    plan = await readDocument(planFile, reportPlanDocument, io);
    if (publishMerged && plan.event !== "push") {
      throw usageError(`--publish-merged-pr reports a push, but the plan is for a ${plan.event} event`, {
        hint: "publish a pull request's plan with --publish-pr N",
      });
    }
    const results: SourcedJobResult[] = [];
    for (const file of resultFiles([...(values.results ?? []), ...positionals], io)) {
      results.push({ result: await readDocument(file, jobResultDocument, io), source: relative(io.cwd, file) || file });
    }
    report = reportForPlan(plan, results, { logs: actionsRunUrl(io.env) });
  }

  const masker = new SecretMasker(secretsFromEnvironment(io.env));
  const markdown = renderMarkdownReport(report, { masker });
  const rendered =
    format === "markdown"
      ? markdown
      : format === "json"
        ? `${JSON.stringify(runReportDocument(report, { masker }), null, 2)}\n`
        : renderTextReport(report, { masker });
  if (values.output) writeFileSync(resolve(io.cwd, values.output), rendered);
  else io.stdout.write(rendered.endsWith("\n") ? rendered : `${rendered}\n`);
  appendStepSummary(markdown, io.env);
  // Annotations go to stdout, so only when the report itself does not.
  if (values.output && io.env.GITHUB_ACTIONS === "true")
    for (const line of renderAnnotations(report, { masker })) io.stdout.write(`${line}\n`);

  if (credential !== undefined && repository !== undefined) {
    const target = {
      credential,
      repository,
      apiUrl: io.env.GITHUB_API_URL,
      log: (line: string) => io.stderr.write(`gantry report: ${line}\n`),
    };
    if (pullNumber !== undefined) await publishOnPullRequest(target, pullNumber, report.head, markdown);
    if (publishMerged && plan)
      await publishOnMergedPullRequest(target, plan, report, markdown, values["open-issue-on-failure"] === true);
  }

  if (reportSucceeded(report)) return 0;
  return exitCodeOf(report.interrupted ? "INTERRUPTED" : "JOB_FAILED");
};
