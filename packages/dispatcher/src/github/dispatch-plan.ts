/**
 * Dispatches every job of a plan to the pipelines repository's workflow, as Pipelines' two-repository design
 * does, respecting `needs`: a job is dispatched only after every job it needs concluded `success`; the
 * dependents of a job that did not are reported `skipped` and never dispatched. Independent jobs run at once
 * (up to `parallelism`). The scheduling is the in-process dispatcher's; each "run" of a job is one
 * `dispatchJobToWorkflow` (dispatch, find the run, poll it to its conclusion).
 */
import { planDocumentSchema, type Job, type PlanDocument } from "@gantry/classifier";
import { GantryError } from "@gantry/errors";
import { dispatchInProcess, type DispatchedJobStatus } from "../in-process.js";
import { dispatchJobToWorkflow, type DispatchedRun, type DispatchJobOptions, type DispatchProgress } from "./workflow-dispatch.js";

export interface DispatchPlanOptions extends Omit<DispatchJobOptions, "job" | "onProgress"> {
  /** Jobs dispatched and followed at once; default 10 (Pipelines' default parallelism). */
  readonly parallelism?: number;
  readonly onProgress?: (job: Job, event: DispatchProgress) => void;
  /** Called when a job is not dispatched because a job it needs did not succeed. */
  readonly onSkipped?: (job: Job, because: Job) => void;
}

export interface DispatchedPlanJob {
  readonly job: Job;
  readonly status: DispatchedJobStatus;
  /** The run on the pipelines repository; null when the job was not dispatched or its run was never found. */
  readonly run: DispatchedRun | null;
  /** Why a job did not succeed (the run's conclusion, the error, or the job it waited for), in one line. */
  readonly reason: string | null;
  /** The GantryError code when dispatching or following failed (e.g. `GITHUB_PERMISSION_DENIED`). */
  readonly errorCode: string | null;
}

/** The `gantry/v1` outcome document (`gantry dispatch --output`): which run carried each job, and how it ended. */
export interface DispatchedPlan {
  readonly apiVersion: "gantry/v1";
  readonly kind: "DispatchOutcome";
  readonly repository: string;
  readonly workflow: string;
  readonly ref: string;
  readonly jobs: readonly DispatchedPlanJob[];
  readonly interrupted: boolean;
  readonly succeeded: boolean;
}

function describeConclusion(run: DispatchedRun): string {
  return `the run concluded ${run.conclusion ?? "without a conclusion"} (${run.runUrl})`;
}

export async function dispatchPlanToWorkflow(planInput: PlanDocument, options: DispatchPlanOptions): Promise<DispatchedPlan> {
  const plan = planDocumentSchema.parse(planInput);
  const ref = options.ref ?? "main";
  const { parallelism, onProgress, onSkipped, ...connection } = options;
  const errorCodes = new Map<string, string>();
  const dispatched = await dispatchInProcess<DispatchedRun>(plan, {
    parallelism: parallelism ?? 10,
    ...(options.signal ? { signal: options.signal } : {}),
    isSuccess: (run) => run.conclusion === "success",
    runJob: async (job, { signal }) => {
      try {
        return await dispatchJobToWorkflow({
          ...connection,
          ref,
          job,
          signal,
          ...(onProgress ? { onProgress: (event: DispatchProgress) => onProgress(job, event) } : {}),
        });
      } catch (error) {
        if (GantryError.isInstance(error)) errorCodes.set(job.id, error.code);
        throw error;
      }
    },
    ...(onSkipped ? { onJobSkipped: onSkipped } : {}),
  });
  const jobs = dispatched.jobs.map((outcome): DispatchedPlanJob => {
    const run = outcome.result;
    const reason = run && run.conclusion !== "success" ? describeConclusion(run) : outcome.status === "succeeded" ? null : outcome.reason;
    const errorCode = errorCodes.get(outcome.job.id) ?? null;
    return { job: outcome.job, status: outcome.status, run, reason, errorCode };
  });
  return {
    apiVersion: "gantry/v1",
    kind: "DispatchOutcome",
    repository: `${options.owner}/${options.repo}`,
    workflow: String(options.workflow),
    ref,
    jobs,
    interrupted: dispatched.interrupted,
    succeeded: dispatched.succeeded,
  };
}
