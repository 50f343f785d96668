/**
 * The report of a run: one model, built in one place (`buildRunReport`) from the plan document, the job
 * results and detection's reasons, whether the jobs ran in-process (`gantry run`), alone (`gantry execute`)
 * or in the pipelines repository (`gantry report --results`). Every renderer (markdown, text, annotations)
 * reads this model only.
 */
import type { UnitReason } from "@gantry/change-detector";
import type { Job, PlanDocument } from "@gantry/classifier";
import type { JobResult, RunStatus, UnitResult } from "../result.js";

export interface ReportJob {
  job: Job;
  status: RunStatus;
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
  error?: { code: string; message: string; hint?: string | null; location?: { file: string; line?: number } | null } | null;
  /** Why each unit runs: the changed file and the chain of reads to it (from the plan document). */
  reasons?: Record<string, UnitReason[]>;
  /** The change types that put each unit in the run (from the plan document's changes). */
  changeTypes?: Record<string, string[]>;
}

/** A row of the report: a unit of a job, with its result when the job ran. */
export interface ReportUnit {
  unit: string;
  entry: ReportJob;
  status: RunStatus;
  result: UnitResult | null;
}

export const statusIcon: Record<RunStatus, string> = {
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

export function countStatuses<T extends { status: RunStatus }>(items: readonly T[]): Record<RunStatus, number> {
  const counts: Record<RunStatus, number> = { succeeded: 0, failed: 0, skipped: 0, "not-started": 0 };
  for (const item of items) counts[item.status]++;
  return counts;
}

/** Every unit of every job, in the jobs' order; a job that never ran gives its units its own status. */
export function reportUnits(report: RunReport): ReportUnit[] {
  return report.jobs.flatMap((entry): ReportUnit[] =>
    entry.result
      ? entry.result.units.map((result) => ({ unit: result.unit, entry, status: result.status, result }))
      : entry.job.units.map((unit) => ({ unit, entry, status: entry.status, result: null })),
  );
}

export interface RunReportInput {
  /** The plan the jobs came from; absent when one job ran alone (`gantry execute`). */
  plan?: PlanDocument | null;
  /** The results of the jobs that ran (already matched to the plan, see `reportForPlan`). */
  results: readonly JobResult[];
  /** Set when the run was stopped; also true when any result says so. */
  interrupted?: boolean;
  /** Where the full logs are (a directory, or the Actions run's URL). */
  logs?: string | null;
}

/**
 * The one report builder. A planned job without a result did not run: `skipped` when a job it needs
 * (transitively) failed or was skipped, otherwise `not-started`.
 */
export function buildRunReport(input: RunReportInput): RunReport {
  const byId = new Map(input.results.map((result) => [result.job.id, result]));
  const plan = input.plan ?? null;
  const jobs = plan?.jobs ?? input.results.map((result) => result.job);
  const planned = new Map(jobs.map((job) => [job.id, job]));
  const statuses = new Map<string, RunStatus>();
  const statusOf = (id: string, seen: ReadonlySet<string>): RunStatus => {
    const known = statuses.get(id) ?? byId.get(id)?.status;
    if (known !== undefined) return known;
    const job = planned.get(id);
    if (job === undefined || seen.has(id)) return "not-started";
    const blocked = job.needs.some((need) => ["failed", "skipped"].includes(statusOf(need, new Set([...seen, id]))));
    const status: RunStatus = blocked ? "skipped" : "not-started";
    statuses.set(id, status);
    return status;
  };
  const entries: ReportJob[] = jobs.map((job) => {
    const result = byId.get(job.id);
    if (result !== undefined) return { job, status: result.status, result };
    const status = statusOf(job.id, new Set());
    const blocker = job.needs.find((need) => ["failed", "skipped"].includes(statusOf(need, new Set())));
    const reason = status === "skipped" ? `job ${blocker} did not succeed` : "no result: the job did not run, or its result was not collected";
    return { job, status, result: null, reason };
  });
  const first = input.results[0]?.job;
  const changeTypes: Record<string, string[]> = {};
  for (const change of plan?.changes ?? []) {
    for (const unit of change.units) if (change.jobs.length > 0) (changeTypes[unit] ??= []).includes(change.type) || changeTypes[unit]!.push(change.type);
  }
  return {
    event: plan?.event ?? first?.source.event ?? "pull_request",
    base: plan?.base ?? first?.source.base ?? "",
    head: plan?.head ?? first?.source.head ?? "",
    ...(plan ? { branch: plan.branch } : first ? { branch: first.source.branch } : {}),
    notice: plan?.notice ?? null,
    jobs: entries,
    interrupted: input.interrupted === true || input.results.some((result) => result.interrupted),
    logs: input.logs ?? (plan === null && input.results.length === 1 ? (input.results[0]!.logsUrl ?? input.results[0]!.runDir) : null),
    ...(plan?.reasons ? { reasons: plan.reasons } : {}),
    ...(Object.keys(changeTypes).length > 0 ? { changeTypes } : {}),
  };
}

/** A report for one job run alone (`gantry execute`). */
export function reportForJob(result: JobResult): RunReport {
  return buildRunReport({ results: [result] });
}
