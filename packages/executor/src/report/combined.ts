/**
 * The roll-up report of a plan whose jobs ran elsewhere (a GitHub Actions matrix, or the pipelines
 * repository's workflow): the plan document plus the JobResult documents that came back, checked against
 * the plan so a result from another plan or commit is never reported as its job, then `buildRunReport`.
 */
import { isDeepStrictEqual } from "node:util";
import { planDocumentSchema, type PlanDocument } from "@gantry/classifier";
import { GantryError } from "@gantry/errors";
import type { z } from "zod";
import { jobResultSchema, type JobResult } from "../result.js";
import { buildRunReport, type RunReport } from "./model.js";

function invalidDocument(code: string, kind: string, error: z.ZodError, source: string, hint: string): GantryError {
  const issue = error.issues[0]!;
  const field = issue.path.length > 0 ? issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("").replace(/^\./, "") : "(document)";
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problem${error.issues.length > 2 ? "s" : ""})` : "";
  return new GantryError(code, `not a valid gantry/v1 ${kind}: field "${field}": ${issue.message}${more}`, { hint, location: { file: source }, exitCode: 20 });
}

/** Validates a `gantry plan --json` document (apiVersion gantry/v1, kind Plan), naming the bad field. */
export function parsePlanDocument(input: unknown, source: string): PlanDocument {
  const parsed = planDocumentSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw invalidDocument("REPORT_PLAN_INVALID", "Plan", parsed.error, source, "pass the file written by `gantry plan --json` unchanged");
}

/** Validates a `gantry execute --result` document (apiVersion gantry/v1, kind JobResult), naming the bad field. */
export function parseJobResultDocument(input: unknown, source: string): JobResult {
  const parsed = jobResultSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw invalidDocument("REPORT_RESULT_INVALID", "JobResult", parsed.error, source, "pass the files written by `gantry execute --result FILE` (or `--json`) unchanged");
}

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
export function reportForPlan(plan: PlanDocument, results: readonly SourcedJobResult[], options: PlanReportOptions = {}): RunReport {
  const planned = new Map(plan.jobs.map((job) => [job.id, job]));
  const byId = new Map<string, SourcedJobResult>();
  for (const entry of results) {
    const { result, source } = entry;
    const job = planned.get(result.job.id);
    if (job === undefined) {
      throw new GantryError("REPORT_RESULT_NOT_IN_PLAN", `field "job.id": the result is for job "${result.job.id}", which the plan does not have (plan jobs: ${[...planned.keys()].join(", ") || "none"})`, {
        hint: "pass the plan the jobs were executed from, and only results of its jobs",
        location: { file: source },
        exitCode: 20,
      });
    }
    if (!isDeepStrictEqual(job, result.job)) {
      throw new GantryError("REPORT_RESULT_MISMATCH", `field "job": the result's job "${job.id}" differs from the plan's job of that id (ref ${result.job.ref} vs ${job.ref})`, {
        hint: "the result comes from another plan or commit; pass the plan of this run",
        location: { file: source },
        exitCode: 20,
      });
    }
    const earlier = byId.get(job.id);
    if (earlier !== undefined) {
      throw new GantryError("REPORT_DUPLICATE_RESULT", `two results for job "${job.id}": ${earlier.source} and ${source}`, {
        hint: "pass one result per job (a re-run's result replaces the earlier one: pass only the latest)",
        location: { file: source },
        exitCode: 20,
      });
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
