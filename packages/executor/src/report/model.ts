/**
 * The report of a run: one model, built in one place (`buildRunReport`) from the plan document, the job
 * results and detection's reasons, whether the jobs ran in-process (`gantry run`), alone (`gantry execute`)
 * or in the pipelines repository (`gantry report --results`). Every renderer (markdown, text, annotations)
 * reads this model only.
 */
import type { UnitReason } from "@gantry/change-detector";
import type { Job, PlanDocument } from "@gantry/classifier";
import { GUARDS } from "@gantry/guards";
import type { JobResult, RunStatus, UnitResult } from "../result.js";

/**
 * A job's status in the report: its result's, or `superseded` when a merge that landed during a push run
 * changed its units (the guards refused it; the run that merge started deploys them): not a failure.
 */
export type ReportStatus = RunStatus | "superseded";

export interface ReportJob {
  job: Job;
  status: ReportStatus;
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
  error?: {
    code: string;
    message: string;
    hint?: string | null;
    location?: { file: string; line?: number } | null;
  } | null;
  /** Why each unit runs: the changed file and the chain of reads to it (from the plan document). */
  reasons?: Record<string, UnitReason[]>;
  /** The change types that put each unit in the run (from the plan document's changes). */
  changeTypes?: Record<string, string[]>;
  /** Units the plan left out (no job): already deployed, or excluded by their Terragrunt configuration. */
  unitsNotRun?: UnitNotRun[];
}

/** A unit the plan gave no job, and why (from the plan document's `skippedUnits` and `excludedUnits`). */
export interface UnitNotRun {
  unit: string;
  /**
   * `up-to-date`: deployed as of a commit since which nothing it reads changed; `superseded`: deployed as of a
   * newer commit than this run's (running it would roll it back); `excluded`: its `exclude` block takes it out
   * of this action.
   */
  reason: "up-to-date" | "superseded" | "excluded";
  /** The commit the deployment record says it is deployed as of (null for an excluded unit). */
  deployedAt: string | null;
  /** Where the reason comes from when it is a file (`dev/app/terragrunt.hcl:12`). */
  from?: string | null;
  /** Excluded as a dependency of this unit (its `exclude` block sets `exclude_dependencies`). */
  dependencyOf?: string | null;
}

/** A row of the report: a unit of a job, with its result when the job ran. */
export interface ReportUnit {
  unit: string;
  entry: ReportJob;
  status: ReportStatus;
  result: UnitResult | null;
}

export const statusIcon: Record<ReportStatus, string> = {
  succeeded: "✅",
  failed: "❌",
  skipped: "⏭️",
  "not-started": "⏸️",
  superseded: "⏩",
};

export function shortSha(sha: string): string {
  return /^[0-9a-f]{40}$/.test(sha) ? sha.slice(0, 7) : sha;
}

/** Every job succeeded or was superseded (nothing failed, nothing was stopped). */
export function reportSucceeded(report: RunReport): boolean {
  return (
    !report.error &&
    !report.interrupted &&
    report.jobs.every((job) => job.status === "succeeded" || job.status === "superseded")
  );
}

export function countStatuses<T extends { status: ReportStatus }>(items: readonly T[]): Record<ReportStatus, number> {
  const counts: Record<ReportStatus, number> = { succeeded: 0, failed: 0, skipped: 0, "not-started": 0, superseded: 0 };
  for (const item of items) counts[item.status]++;
  return counts;
}

/** Every unit of every job, in the jobs' order; a job that never ran (or was superseded) gives its units its own status. */
export function reportUnits(report: RunReport): ReportUnit[] {
  return report.jobs.flatMap((entry): ReportUnit[] =>
    entry.result && entry.status !== "superseded"
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
  /**
   * True for a push run that planned its own jobs from the deployment record (`gantry run --event push`): a job
   * the guards refused because a merge landed during the run and changed its units, and a job skipped only
   * because of such jobs, is `superseded`, not failed. Never for results from elsewhere (`gantry report`),
   * where the same refusal may be a replayed or forged job.
   */
  supersededByNewerMerges?: boolean;
}

/** Refusals that mean "a newer merge changed this since the run planned it" (the run that merge started deploys it). */
const supersedingRefusals = new Set<string>([GUARDS["no-rollback"], GUARDS["apply-unit-on-deploy-branch"]]);

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
    const reason =
      status === "skipped"
        ? `job ${blocker} did not succeed`
        : "no result: the job did not run, or its result was not collected";
    return { job, status, result: null, reason };
  });
  if (input.supersededByNewerMerges) markSuperseded(entries);
  const first = input.results[0]?.job;
  const changeTypes: Record<string, string[]> = {};
  for (const change of plan?.changes ?? []) {
    for (const unit of change.units)
      if (change.jobs.length > 0)
        (changeTypes[unit] ??= []).includes(change.type) || changeTypes[unit]!.push(change.type);
  }
  return {
    event: plan?.event ?? first?.source.event ?? "pull_request",
    base: plan?.base ?? first?.source.base ?? "",
    head: plan?.head ?? first?.source.head ?? "",
    ...(plan ? { branch: plan.branch } : first ? { branch: first.source.branch } : {}),
    notice: plan?.notice ?? null,
    jobs: entries,
    interrupted: input.interrupted === true || input.results.some((result) => result.interrupted),
    logs:
      input.logs ??
      (plan === null && input.results.length === 1 ? (input.results[0]!.logsUrl ?? input.results[0]!.runDir) : null),
    ...(plan?.reasons ? { reasons: plan.reasons } : {}),
    ...(Object.keys(changeTypes).length > 0 ? { changeTypes } : {}),
    ...(plan ? notRun(plan) : {}),
  };
}

/** The jobs refused because a merge landed during the run, and those skipped only because of them (in plan order, needs first). */
function markSuperseded(entries: ReportJob[]): void {
  const status = new Map(entries.map((entry) => [entry.job.id, entry]));
  for (const entry of entries) {
    const code = entry.result?.error?.code;
    if (entry.status === "failed" && code !== undefined && supersedingRefusals.has(code)) {
      entry.status = "superseded";
      entry.reason = "a merge that landed during this run changed its units: the run that merge started deploys them";
      continue;
    }
    const blocking = entry.job.needs.filter((need) => status.get(need)?.status !== "succeeded");
    if (
      entry.status === "skipped" &&
      blocking.length > 0 &&
      blocking.every((need) => status.get(need)?.status === "superseded")
    ) {
      entry.status = "superseded";
      entry.reason = `job ${blocking[0]} was superseded: the run of the newer merge deploys this one too`;
    }
  }
}

function notRun(plan: PlanDocument): { unitsNotRun?: UnitNotRun[] } {
  const units: UnitNotRun[] = [
    ...(plan.skippedUnits ?? []).map((skipped) => ({
      unit: skipped.unit,
      reason: skipped.reason,
      deployedAt: skipped.deployedAt,
    })),
    ...(plan.excludedUnits ?? []).map((excluded) => ({
      unit: excluded.unit,
      reason: "excluded" as const,
      deployedAt: null,
      from: excluded.from,
      dependencyOf: excluded.dependencyOf ?? null,
    })),
  ];
  return units.length > 0 ? { unitsNotRun: units } : {};
}

/** A report for one job run alone (`gantry execute`). */
export function reportForJob(result: JobResult): RunReport {
  return buildRunReport({ results: [result] });
}
