/**
 * What a report is made of: the jobs of a run, each with its status and (when it ran) its result.
 * Built by `gantry run` from the dispatcher's outcome, or by `gantry execute` from one job's result.
 */
import type { Job } from "@gantry/classifier";
import type { JobResult, JobStatus, UnitResult, UnitStatus } from "../result.js";

export interface ReportJob {
  job: Job;
  status: JobStatus;
  /** Null when the job never ran (skipped because a job it needs failed, or not started). */
  result: JobResult | null;
  /** Why a job did not run, in one line. */
  reason?: string | null;
}

export interface RunReport {
  event: "pull_request" | "push";
  base: string;
  head: string;
  branch?: string;
  /** Why nothing was planned (from the plan document), shown when there are no jobs. */
  notice?: string | null;
  jobs: ReportJob[];
  interrupted: boolean;
  /** Where the full logs are: a directory or a URL. */
  logs?: string | null;
  /** An error that stopped the pipeline before any job (detection or planning failed). */
  error?: { code: string; message: string; hint?: string | null } | null;
}

export const statusIcon: Record<UnitStatus | JobStatus, string> = {
  succeeded: "✅",
  failed: "❌",
  skipped: "⏭️",
  "not-started": "⏸️",
};

export function shortSha(sha: string): string {
  return /^[0-9a-f]{40}$/.test(sha) ? sha.slice(0, 7) : sha;
}

export function reportSucceeded(report: RunReport): boolean {
  return !report.error && !report.interrupted && report.jobs.every((job) => job.status === "succeeded");
}

export function countStatuses<T extends { status: UnitStatus | JobStatus }>(items: readonly T[]): Record<UnitStatus, number> {
  const counts: Record<UnitStatus, number> = { succeeded: 0, failed: 0, skipped: 0, "not-started": 0 };
  for (const item of items) counts[item.status]++;
  return counts;
}

export function unitsOf(report: RunReport): UnitResult[] {
  return report.jobs.flatMap((job) => job.result?.units ?? []);
}

/** A report for one job run alone (`gantry execute`). */
export function reportForJob(result: JobResult): RunReport {
  return {
    event: result.job.source.event,
    base: result.job.source.base,
    head: result.job.ref,
    branch: result.job.source.branch,
    jobs: [{ job: result.job, status: result.status, result }],
    interrupted: result.interrupted,
    logs: result.runDir,
  };
}
