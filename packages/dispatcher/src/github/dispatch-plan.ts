/**
 * Dispatches a plan to the pipelines repository, as Pipelines' two-repository design does, respecting `needs`:
 * a job is dispatched only after every job it needs concluded `success`; the dependents of a job that did not
 * are reported `skipped` and never dispatched. Independent jobs run at once (up to `parallelism`). The
 * scheduling is the in-process dispatcher's.
 *
 * Plan and plan-destroy jobs each go to the plan workflow with a correlation id; the apply and destroy jobs
 * are not sent at all: one deployment request goes to the apply workflow, which deploys from the deployment
 * record (see `requestDeployment`), and every apply and destroy job takes that run's outcome. There is no one
 * workflow for every job: the workflow that runs pull requests' code must never be one the apply role trusts.
 */
import type { Job, PlanDocument } from "@gantry/classifier";
import { validateDocument } from "@gantry/documents";
import { GantryError } from "@gantry/errors";
import { dispatchInProcess, dispatchPlanDocument, type DispatchedJobStatus } from "../in-process.js";
import { requestDeployment, type DeploymentRequestOutcome } from "./deployment-request.js";
import {
  dispatchJobToWorkflow,
  newCorrelationId,
  type DispatchedRun,
  type DispatchJobOptions,
  type DispatchProgress,
} from "./workflow-dispatch.js";

export interface DispatchPlanOptions extends Omit<
  DispatchJobOptions,
  "job" | "onProgress" | "workflow" | "correlation"
> {
  /** The plan workflow: plan and plan-destroy jobs (inputs `job` and `correlation`). */
  readonly planWorkflow?: string | number;
  /** The apply workflow: one deployment request (inputs `commit` and `correlation`) stands for every apply and destroy job. */
  readonly applyWorkflow?: string | number;
  /** Jobs dispatched and followed at once; default 10 (Pipelines' default parallelism). */
  readonly parallelism?: number;
  /** Progress of a job's run; for the deployment request, `job` is the first apply or destroy job that waits for it. */
  readonly onProgress?: (job: Job, event: DispatchProgress) => void;
  /** Called when a job is not dispatched because a job it needs did not succeed. */
  readonly onSkipped?: (job: Job, because: Job) => void;
}

export interface DispatchedPlanJob {
  readonly job: Job;
  readonly status: DispatchedJobStatus;
  /** The run that carried the job (for an apply or destroy job: the deployment run); null when none. */
  readonly run: DispatchedRun | null;
  /** Why a job did not succeed (the run's conclusion, the error, or the job it waited for), in one line. */
  readonly reason: string | null;
  /** The GantryError code when dispatching or following failed (e.g. `GITHUB_PERMISSION_DENIED`). */
  readonly errorCode: string | null;
}

/** The `gantry/v1` outcome document (`gantry dispatch --output` / `--json`): which run carried each job, and how it ended. */
export interface DispatchedPlan {
  readonly apiVersion: "gantry/v1";
  readonly kind: "DispatchOutcome";
  readonly repository: string;
  /** The plan workflow (the apply workflow when the plan has only apply and destroy jobs). */
  readonly workflow: string;
  readonly ref: string;
  readonly jobs: readonly DispatchedPlanJob[];
  /** The apply workflow's run, when the plan had apply or destroy jobs and an apply workflow was given. */
  readonly deployment?: (DeploymentRequestOutcome & { readonly workflow: string }) | null;
  readonly interrupted: boolean;
  readonly succeeded: boolean;
}

const deploys = (job: Job) => job.action === "apply" || job.action === "destroy";

function describeConclusion(run: DispatchedRun): string {
  return `the run concluded ${run.conclusion ?? "without a conclusion"} (${run.runUrl})`;
}

export async function dispatchPlanToWorkflow(
  planInput: PlanDocument,
  options: DispatchPlanOptions,
): Promise<DispatchedPlan> {
  const plan = validateDocument(planInput, dispatchPlanDocument, "plan");
  const ref = options.ref ?? "main";
  const { parallelism, onProgress, onSkipped, planWorkflow, applyWorkflow, ...connection } = options;
  if (planWorkflow === undefined && plan.jobs.some((job) => !deploys(job))) {
    throw new GantryError("GITHUB_INPUT_INVALID", "the plan has plan jobs but no plan workflow was given.", {
      hint: "Pass planWorkflow (gantry dispatch --plan-workflow plan.yml).",
    });
  }
  if (applyWorkflow === undefined && plan.jobs.some(deploys)) {
    throw new GantryError(
      "GITHUB_INPUT_INVALID",
      "the plan has apply or destroy jobs but no apply workflow was given.",
      { hint: "Pass applyWorkflow (gantry dispatch --apply-workflow apply.yml)." },
    );
  }
  const errorCodes = new Map<string, string>();
  let deployment: Promise<DeploymentRequestOutcome> | undefined;
  const deploy = (job: Job, signal: AbortSignal) =>
    (deployment ??= requestDeployment({
      ...connection,
      signal,
      owner: options.owner,
      repo: options.repo,
      workflow: applyWorkflow!,
      ref,
      commit: plan.head,
      ...(onProgress ? { onProgress: (event: DispatchProgress) => onProgress(job, event) } : {}),
    }));
  const dispatched = await dispatchInProcess<DispatchedRun>(plan, {
    parallelism: parallelism ?? 10,
    ...(options.signal ? { signal: options.signal } : {}),
    isSuccess: (run) => run.conclusion === "success",
    runJob: async (job, { signal }) => {
      try {
        if (deploys(job)) return await deploy(job, signal);
        return await dispatchJobToWorkflow({
          ...connection,
          workflow: planWorkflow!,
          correlation: `${newCorrelationId()}-${job.id}`,
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
    const reason =
      run && run.conclusion !== "success"
        ? describeConclusion(run)
        : outcome.status === "succeeded"
          ? null
          : outcome.reason;
    const errorCode = errorCodes.get(outcome.job.id) ?? null;
    return { job: outcome.job, status: outcome.status, run, reason, errorCode };
  });
  const deployed = deployment ? await deployment.catch(() => null) : null;
  return {
    apiVersion: "gantry/v1",
    kind: "DispatchOutcome",
    repository: `${options.owner}/${options.repo}`,
    workflow: String(planWorkflow ?? applyWorkflow),
    ref,
    jobs,
    deployment: deployed && { ...deployed, workflow: String(applyWorkflow) },
    interrupted: dispatched.interrupted,
    succeeded: dispatched.succeeded,
  };
}
