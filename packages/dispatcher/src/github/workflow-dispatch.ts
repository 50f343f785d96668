/**
 * Dispatches one `gantry/v1` job to a GitHub Actions workflow (`workflow_dispatch`, the job as the JSON
 * string input `job`) and follows the run to its conclusion, like Pipelines' two-repository design
 * (poll every 60 s, give up after an hour; both configurable).
 *
 * Finding the run: GitHub.com answers a dispatch with the run's id when asked (`return_run_details`).
 * Servers that do not (GitHub Enterprise Server, older API versions) answer 204; then Gantry lists the
 * workflow's `workflow_dispatch` runs on the ref before and after dispatching and takes the new one whose
 * title names the job (see `dispatchedRunCandidates`); give the workflow
 * `run-name: gantry ${{ fromJSON(inputs.job).id }}` so concurrent dispatches cannot be confused.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { jobSchema, type Job } from "@gantry/classifier";
import { GantryError } from "@gantry/errors";
import { createGitHubClient, type GitHubClient, type GitHubConnection } from "./client.js";
import { githubError } from "./errors.js";

export type WorkflowRunConclusion =
  | "success"
  | "failure"
  | "cancelled"
  | "skipped"
  | "timed_out"
  | "action_required"
  | "neutral"
  | "stale"
  | "startup_failure";

export type DispatchProgress =
  | { readonly type: "dispatched"; readonly workflow: string; readonly ref: string }
  | { readonly type: "run-found"; readonly runId: number; readonly runUrl: string }
  | { readonly type: "run-status"; readonly runId: number; readonly status: string };

export interface DispatchJobOptions extends GitHubConnection {
  readonly owner: string;
  readonly repo: string;
  /** The workflow's file name (`gantry-execute.yml`) or numeric id. */
  readonly workflow: string | number;
  /** The branch the workflow runs from; default "main" (only `main` of the pipelines repository gets credentials). */
  readonly ref?: string;
  /** The job; validated with `jobSchema` before anything is sent. */
  readonly job: unknown;
  /** Time between two status checks of the run; default 60 s. */
  readonly pollIntervalMs?: number;
  /** Time between two looks for the run when GitHub did not return its id; default 5 s. */
  readonly findRunIntervalMs?: number;
  /** Give up waiting after this long, counted from the dispatch; default 1 h. The run itself keeps going. */
  readonly timeoutMs?: number;
  /** On abort, also cancel the run on GitHub (default true). */
  readonly cancelRunOnAbort?: boolean;
  readonly onProgress?: (event: DispatchProgress) => void;
}

export interface DispatchedRun {
  readonly runId: number;
  readonly runUrl: string;
  readonly conclusion: WorkflowRunConclusion | null;
}

interface WorkflowRun {
  id: number;
  /** The workflow's name; `display_title` equals it unless the workflow sets `run-name`. */
  name: string | null;
  html_url: string;
  path: string;
  workflow_id: number;
  display_title: string;
  status: string | null;
  conclusion: string | null;
}

const maximumConsecutivePollFailures = 3;

/** Parses the job, naming each bad field, so nothing invalid reaches another repository. */
export function validateJobForDispatch(job: unknown): Job {
  const parsed = jobSchema.safeParse(job);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${["job", ...issue.path.map(String)].join(".")}: ${issue.message}`);
  throw githubError(
    "DISPATCH_JOB_INVALID",
    `The job to dispatch is not a valid gantry/v1 Job: ${problems.join("; ")}.`,
    "Dispatch an element of `gantry plan --json`'s `jobs` unchanged.",
  );
}

function runMatchesWorkflow(run: WorkflowRun, workflow: string | number): boolean {
  return typeof workflow === "number" || /^\d+$/.test(workflow)
    ? run.workflow_id === Number(workflow)
    : run.path === `.github/workflows/${workflow}` || run.path.startsWith(`.github/workflows/${workflow}@`);
}

async function listDispatchRuns(client: GitHubClient, options: DispatchJobOptions, ref: string): Promise<WorkflowRun[]> {
  const { data } = await client.request<{ workflow_runs: WorkflowRun[] }>("GET /repos/{owner}/{repo}/actions/runs", {
    owner: options.owner,
    repo: options.repo,
    event: "workflow_dispatch",
    branch: ref,
    per_page: 100,
  });
  return data.workflow_runs.filter((run) => runMatchesWorkflow(run, options.workflow));
}

function abortError(stage: "before-dispatch" | "dispatching" | "following", runUrl: string | undefined, cancelled: boolean): GantryError {
  const message =
    stage === "before-dispatch"
      ? "Stopped before the job was dispatched; nothing was started."
      : runUrl === undefined
        ? "Stopped before the dispatched run was found; the run may still start and go on."
        : `Stopped waiting for ${runUrl}${cancelled ? "; the run was cancelled on GitHub" : "; the run may still be going"}.`;
  return githubError(
    "DISPATCH_CANCELLED",
    message,
    runUrl ? `Check ${runUrl} for what it did before it stopped.` : "Check the workflow's runs on GitHub.",
  );
}

/** Waits, but wakes up as soon as `signal` aborts (then throws its reason). */
async function pause(milliseconds: number, signal: AbortSignal | undefined): Promise<void> {
  await sleep(Math.max(0, milliseconds), undefined, signal ? { signal } : {});
}

export async function dispatchJobToWorkflow(options: DispatchJobOptions): Promise<DispatchedRun> {
  const job = validateJobForDispatch(options.job);
  const ref = options.ref ?? "main";
  const pollIntervalMs = options.pollIntervalMs ?? 60_000;
  const findRunIntervalMs = options.findRunIntervalMs ?? 5_000;
  const timeoutMs = options.timeoutMs ?? 3_600_000;
  const signal = options.signal;
  const client = createGitHubClient(options, "the dispatch token");
  const deadline = Date.now() + timeoutMs;
  let runUrl: string | undefined;
  let runId: number | undefined;
  let stage: "before-dispatch" | "dispatching" | "following" = "before-dispatch";

  try {
    const before = new Set((await listDispatchRuns(client, options, ref)).map((run) => run.id));
    signal?.throwIfAborted();
    stage = "dispatching";
    const dispatched = await client.request<{ workflow_run_id?: number; html_url?: string } | undefined>(
      "POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches",
      {
        owner: options.owner,
        repo: options.repo,
        workflow_id: options.workflow,
        ref,
        inputs: { job: JSON.stringify(job) },
        return_run_details: true,
      },
    );
    stage = "following";
    options.onProgress?.({ type: "dispatched", workflow: String(options.workflow), ref });
    if (dispatched.status === 200 && typeof dispatched.data?.workflow_run_id === "number") {
      runId = dispatched.data.workflow_run_id;
      runUrl = dispatched.data.html_url ?? String(runId);
    } else {
      const found = await findNewRun(client, options, ref, job, before, { deadline, intervalMs: findRunIntervalMs, signal });
      runId = found.id;
      runUrl = found.html_url;
    }
    options.onProgress?.({ type: "run-found", runId, runUrl });

    let consecutiveFailures = 0;
    for (;;) {
      let run: WorkflowRun;
      try {
        ({ data: run } = await client.request<WorkflowRun>("GET /repos/{owner}/{repo}/actions/runs/{run_id}", {
          owner: options.owner,
          repo: options.repo,
          run_id: runId,
        }));
        consecutiveFailures = 0;
      } catch (error) {
        // An hour of polling should survive a passing 5xx or network blip; a 4xx, or three failures in a row, not.
        consecutiveFailures += 1;
        const transient = GantryError.isInstance(error) && error.code === "GITHUB_REQUEST_FAILED";
        if (!transient || consecutiveFailures >= maximumConsecutivePollFailures || signal?.aborted || Date.now() >= deadline) throw error;
        await pause(Math.min(pollIntervalMs, Math.max(0, deadline - Date.now())), signal);
        continue;
      }
      runUrl = run.html_url;
      options.onProgress?.({ type: "run-status", runId, status: run.status ?? "unknown" });
      if (run.status === "completed") {
        return { runId, runUrl, conclusion: (run.conclusion as WorkflowRunConclusion | null) ?? null };
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw githubError(
          "DISPATCH_TIMEOUT",
          `${runUrl} did not complete within ${Math.round(timeoutMs / 1000)} s (last status: ${run.status ?? "unknown"}); it keeps running on GitHub.`,
          "Follow the run on GitHub, or raise the timeout if such jobs take longer.",
        );
      }
      await pause(Math.min(pollIntervalMs, remaining), signal);
    }
  } catch (error) {
    if (!signal?.aborted) throw error;
    const cancelled = runId !== undefined && options.cancelRunOnAbort !== false && (await cancelRun(options, runId));
    throw abortError(stage, runUrl, cancelled);
  }
}

/**
 * Which of the runs that appeared since the dispatch can be this job's: those whose title names the job id
 * (a workflow with `run-name: gantry ${{ fromJSON(inputs.job).id }}`); failing that, only runs still titled
 * with the workflow's plain name (a workflow without `run-name`, where nothing tells jobs apart). A run whose
 * custom title names another job is never taken for ours.
 */
export function dispatchedRunCandidates<T extends Pick<WorkflowRun, "name" | "display_title">>(fresh: readonly T[], jobId: string): T[] {
  const naming = fresh.filter((run) => run.display_title.split(/\s+/).includes(jobId));
  return naming.length > 0 ? naming : fresh.filter((run) => run.display_title === run.name);
}

async function findNewRun(
  client: GitHubClient,
  options: DispatchJobOptions,
  ref: string,
  job: Job,
  before: ReadonlySet<number>,
  timing: { deadline: number; intervalMs: number; signal: AbortSignal | undefined },
): Promise<WorkflowRun> {
  for (;;) {
    const fresh = (await listDispatchRuns(client, options, ref)).filter((run) => !before.has(run.id));
    const candidates = dispatchedRunCandidates(fresh, job.id);
    if (candidates.length === 1 && candidates[0]) return candidates[0];
    if (candidates.length > 1) {
      throw githubError(
        "DISPATCH_RUN_NOT_FOUND",
        `Job ${job.id} was dispatched, but ${candidates.length} new runs could be it: ${candidates.map((run) => run.html_url).join(", ")}.`,
        "Give the workflow `run-name: gantry ${{ fromJSON(inputs.job).id }}` so each run names its job, then check those runs.",
      );
    }
    const remaining = timing.deadline - Date.now();
    if (remaining <= 0) {
      throw githubError(
        "DISPATCH_RUN_NOT_FOUND",
        `Job ${job.id} was dispatched to ${options.owner}/${options.repo} (${String(options.workflow)} on ${ref}), but no run of it appeared.`,
        "Check the workflow's runs on GitHub; a workflow that is disabled or whose file is missing on the ref starts no run.",
      );
    }
    await pause(Math.min(timing.intervalMs, remaining), timing.signal);
  }
}

/** Best effort: the user asked to stop; a run that already finished (409) is fine. */
async function cancelRun(options: DispatchJobOptions, runId: number): Promise<boolean> {
  const { signal: _aborted, ...withoutSignal } = options;
  const client = createGitHubClient(withoutSignal, "the dispatch token");
  try {
    await client.request("POST /repos/{owner}/{repo}/actions/runs/{run_id}/cancel", { owner: options.owner, repo: options.repo, run_id: runId });
    return true;
  } catch {
    return false;
  }
}
