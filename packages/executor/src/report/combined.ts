/**
 * The roll-up report of a plan whose jobs ran elsewhere (a GitHub Actions matrix, or the pipelines
 * repository's workflow): the plan document plus the JobResult documents that came back, checked against
 * the plan so a result from another plan or commit is never reported as its job, then `buildRunReport`.
 */
import { isDeepStrictEqual } from "node:util";
import { planDocumentSchema, type PlanDocument } from "@gantry/classifier";
import type { DocumentSpec } from "@gantry/documents";
import { GantryError } from "@gantry/errors";
import { jobResultSchema, type JobResult } from "../result.js";
import { buildRunReport, type RunReport } from "./model.js";

/** The plan a roll-up report is for: `gantry plan --json`'s document. */
export const reportPlanDocument = {
  kind: "Plan",
  schema: planDocumentSchema,
  code: "REPORT_PLAN_INVALID",
  hint: "pass the file written by `gantry plan --json` unchanged",
} as const satisfies DocumentSpec<typeof planDocumentSchema>;

/** A job's result: `gantry execute --result FILE`'s document. */
export const jobResultDocument = {
  kind: "JobResult",
  schema: jobResultSchema,
  code: "REPORT_RESULT_INVALID",
  hint: "pass the files written by `gantry execute --result FILE` (or `--json`) unchanged",
} as const satisfies DocumentSpec<typeof jobResultSchema>;

/** A result and the file it was read from (for messages). */
export interface SourcedJobResult {
  readonly result: JobResult;
  readonly source: string;
}

export interface PlanReportOptions {
  /** Where the full logs are (e.g. the Actions run URL); shown in the report. */
  readonly logs?: string | null;
}

/** Matches each result to its plan job (by id, and the whole job must be the plan's) and builds the report. */
export function reportForPlan(
  plan: PlanDocument,
  results: readonly SourcedJobResult[],
  options: PlanReportOptions = {},
): RunReport {
  const planned = new Map(plan.jobs.map((job) => [job.id, job]));
  const byId = new Map<string, SourcedJobResult>();
  for (const entry of results) {
    const { result, source } = entry;
    const job = planned.get(result.job.id);
    if (job === undefined) {
      throw new GantryError(
        "REPORT_RESULT_NOT_IN_PLAN",
        `field "job.id": the result is for job "${result.job.id}", which the plan does not have (plan jobs: ${[...planned.keys()].join(", ") || "none"})`,
        {
          hint: "pass the plan the jobs were executed from, and only results of its jobs",
          location: { file: source },
        },
      );
    }
    if (!isDeepStrictEqual(job, result.job)) {
      throw new GantryError(
        "REPORT_RESULT_MISMATCH",
        `field "job": the result's job "${job.id}" differs from the plan's job of that id (ref ${result.job.ref} vs ${job.ref})`,
        {
          hint: "the result comes from another plan or commit; pass the plan of this run",
          location: { file: source },
        },
      );
    }
    const earlier = byId.get(job.id);
    if (earlier !== undefined) {
      throw new GantryError(
        "REPORT_DUPLICATE_RESULT",
        `two results for job "${job.id}": ${earlier.source} and ${source}`,
        {
          hint: "pass one result per job (a re-run's result replaces the earlier one: pass only the latest)",
          location: { file: source },
        },
      );
    }
    byId.set(job.id, entry);
  }

  return buildRunReport({ plan, results: results.map((entry) => entry.result), logs: options.logs ?? null });
}

/** The URL of the current GitHub Actions run (where the logs are), or null outside Actions. */
export function actionsRunUrl(env: NodeJS.ProcessEnv): string | null {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repository, GITHUB_RUN_ID: runId } = env;
  if (!server || !repository || !runId) return null;
  return `${server.replace(/\/+$/, "")}/${repository}/actions/runs/${runId}`;
}
