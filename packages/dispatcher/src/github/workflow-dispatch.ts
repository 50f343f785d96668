/**
 * Dispatches one `gantry/v1` job to a GitHub Actions workflow (`workflow_dispatch`, the job as the JSON
 * string input `job`, plus `correlation` when the workflow takes it) and follows the run to its conclusion,
 * like Pipelines' two-repository design (poll every 60 s, give up after an hour; both configurable).
 * See `workflow-runs.ts` for how a dispatch whose answer was lost is recovered without starting it twice.
 */
import { jobSchema, type Job } from "@gantry/classifier";
import { createGitHubClient, type GitHubConnection } from "./client.js";
import {
  followWorkflowRun,
  startWorkflowRun,
  type DispatchedRun,
  type DispatchProgress,
  type RunIdentity,
  type WorkflowTarget,
} from "./workflow-runs.js";
import { validateDocument } from "@gantry/documents";
import { GantryError } from "@gantry/errors";

export {
  dispatchedRunCandidates,
  newCorrelationId,
  type DispatchedRun,
  type DispatchProgress,
  type WorkflowRunConclusion,
} from "./workflow-runs.js";

export interface DispatchJobOptions extends GitHubConnection {
  readonly owner: string;
  readonly repo: string;
  /** The workflow's file name (`plan.yml`) or numeric id. */
  readonly workflow: string | number;
  /** The branch the workflow runs from; default "main" (only `main` of the pipelines repository gets credentials). */
  readonly ref?: string;
  /** The job; validated with `jobSchema` before anything is sent. */
  readonly job: unknown;
  /**
   * Sent as the input `correlation`, which the workflow puts in its `run-name`: the run is recognised by it,
   * and a dispatch whose answer was lost is found by it before it is ever sent again. Without it (a workflow
   * with only the `job` input) the run is recognised by the job id among new runs, and a lost answer is not
   * retried (`DISPATCH_UNCERTAIN`).
   */
  readonly correlation?: string;
  /** Time between two status checks of the run; default 60 s. */
  readonly pollIntervalMs?: number;
  /** Time between two looks for the run when GitHub did not return its id; default 5 s. */
  readonly findRunIntervalMs?: number;
  /** After a dispatch failed without an answer, how long to look for its run before sending it again; default 60 s. */
  readonly lostResponseWindowMs?: number;
  /** Give up waiting after this long, counted from the dispatch; default 1 h. The run itself keeps going. */
  readonly timeoutMs?: number;
  /** On abort, also cancel the run on GitHub (default true). */
  readonly cancelRunOnAbort?: boolean;
  readonly onProgress?: (event: DispatchProgress) => void;
}

/** Parses the job, naming each bad field, so nothing invalid reaches another repository. */
export function validateJobForDispatch(job: unknown): Job {
  return validateDocument(
    job,
    {
      kind: "Job",
      schema: jobSchema,
      code: "DISPATCH_JOB_INVALID",
      hint: "Dispatch an element of `gantry plan --json`'s `jobs` unchanged.",
    },
    "job",
  );
}

export type DispatchStage = "before-dispatch" | "dispatching" | "following";

export function abortError(stage: DispatchStage, runUrl: string | undefined, cancelled: boolean): Error {
  const message =
    stage === "before-dispatch"
      ? "Stopped before the job was dispatched; nothing was started."
      : runUrl === undefined
        ? "Stopped before the dispatched run was found; the run may still start and go on."
        : `Stopped waiting for ${runUrl}${cancelled ? "; the run was cancelled on GitHub" : "; the run goes on"}.`;
  return new GantryError("DISPATCH_CANCELLED", message, {
    hint: runUrl ? `Check ${runUrl} for what it did before it stopped.` : "Check the workflow's runs on GitHub.",
  });
}

/** Dispatch, find and follow: the parts every workflow dispatch shares, with the stage reached for abort messages. */
export async function dispatchAndFollow(
  options: GitHubConnection &
    DispatchTimingOptions & {
      readonly target: WorkflowTarget;
      readonly inputs: Record<string, string>;
      readonly identity: RunIdentity;
    },
  onFound: (run: { runId: number; runUrl: string }) => void,
): Promise<DispatchedRun> {
  const client = createGitHubClient(options, "the dispatch token");
  const timeoutMs = options.timeoutMs ?? 3_600_000;
  const timing = {
    deadline: Date.now() + timeoutMs,
    findRunIntervalMs: options.findRunIntervalMs ?? 5_000,
    lostResponseWindowMs: options.lostResponseWindowMs ?? 60_000,
    signal: options.signal,
    onProgress: options.onProgress,
    pollIntervalMs: options.pollIntervalMs ?? 60_000,
    timeoutMs,
  };
  const run = await startWorkflowRun(client, options.target, options.inputs, options.identity, timing);
  onFound(run);
  const duplicatesOf = run.resent && "correlation" in options.identity ? options.identity.correlation : undefined;
  return followWorkflowRun(client, options.target, run, {
    ...timing,
    ...(duplicatesOf !== undefined ? { duplicatesOf } : {}),
  });
}

export type DispatchTimingOptions = Pick<
  DispatchJobOptions,
  "pollIntervalMs" | "findRunIntervalMs" | "lostResponseWindowMs" | "timeoutMs" | "onProgress"
>;

export async function dispatchJobToWorkflow(options: DispatchJobOptions): Promise<DispatchedRun> {
  const job = validateJobForDispatch(options.job);
  const target: WorkflowTarget = {
    owner: options.owner,
    repo: options.repo,
    workflow: options.workflow,
    ref: options.ref ?? "main",
  };
  let stage: DispatchStage = "before-dispatch";
  let found: { runId: number; runUrl: string } | undefined;
  try {
    options.signal?.throwIfAborted();
    stage = "dispatching";
    return await dispatchAndFollow(
      {
        ...options,
        target,
        inputs: { job: JSON.stringify(job), ...(options.correlation ? { correlation: options.correlation } : {}) },
        identity: options.correlation ? { correlation: options.correlation } : { jobId: job.id },
      },
      (run) => {
        stage = "following";
        found = run;
      },
    );
  } catch (error) {
    if (!options.signal?.aborted) throw error;
    const cancelled =
      found !== undefined && options.cancelRunOnAbort !== false && (await cancelRun(options, found.runId));
    throw abortError(stage, found?.runUrl, cancelled);
  }
}

/** Best effort: the user asked to stop; a run that already finished (409) is fine. */
async function cancelRun(options: DispatchJobOptions, runId: number): Promise<boolean> {
  const { signal: _aborted, ...withoutSignal } = options;
  const client = createGitHubClient(withoutSignal, "the dispatch token");
  try {
    await client.request("POST /repos/{owner}/{repo}/actions/runs/{run_id}/cancel", {
      owner: options.owner,
      repo: options.repo,
      run_id: runId,
    });
    return true;
  } catch {
    return false;
  }
}
