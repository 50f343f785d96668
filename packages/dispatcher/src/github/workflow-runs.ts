/**
 * Starting a workflow run with `workflow_dispatch` and following it, under GitHub's faults.
 *
 * A dispatch is the one request that must never be repeated blindly: when its answer is lost (a 5xx, a reset
 * connection) the run may exist anyway. So the dispatch is sent once (`once: true`, no plugin retry), and after
 * an uncertain failure Gantry first looks for the run by its correlation id (an input the workflow puts in its
 * `run-name`) for `lostResponseWindowMs`; only when no such run appeared is the dispatch sent again, with the
 * same correlation id. Rate limits are refusals (nothing was started): plugin-throttling waits them out.
 * Reads (listing and polling runs) are retried by plugin-retry.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { randomBytes } from "node:crypto";
import { GantryError } from "@gantry/errors";
import type { GitHubClient } from "./client.js";

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
  | { readonly type: "dispatch-uncertain"; readonly attempt: number; readonly reason: string }
  | { readonly type: "run-found"; readonly runId: number; readonly runUrl: string }
  | { readonly type: "run-status"; readonly runId: number; readonly status: string }
  | { readonly type: "superseded"; readonly runId: number; readonly by: number; readonly runUrl: string }
  /** A dispatch sent again started a second run of one correlation id: the one still waiting was cancelled. */
  | { readonly type: "duplicate-cancelled"; readonly runId: number; readonly kept: number };

export interface DispatchedRun {
  readonly runId: number;
  readonly runUrl: string;
  readonly conclusion: WorkflowRunConclusion | null;
}

export interface WorkflowRun {
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

export interface WorkflowTarget {
  readonly owner: string;
  readonly repo: string;
  /** The workflow's file name (`plan.yml`) or numeric id. */
  readonly workflow: string | number;
  /** The branch the workflow runs from. */
  readonly ref: string;
}

export interface RunTiming {
  /** Give up at this instant (ms since the epoch); the run itself goes on. */
  readonly deadline: number;
  readonly findRunIntervalMs: number;
  /** After an uncertain dispatch failure, how long to look for the run before sending the dispatch again. */
  readonly lostResponseWindowMs: number;
  readonly signal: AbortSignal | undefined;
  readonly onProgress: ((event: DispatchProgress) => void) | undefined;
}

/** How this dispatch's run is told from the others. */
export type RunIdentity =
  /** The `correlation` input, which the workflow's `run-name` carries: found even among runs that existed before. */
  | { readonly correlation: string }
  /** The job id in the title, among runs that appeared since the dispatch (workflows without `correlation`). */
  | { readonly jobId: string };

/** A fresh correlation id: one word, safe in a run name. */
export function newCorrelationId(): string {
  return `${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`;
}

/** Sending the same dispatch more often than this is never right: GitHub keeps failing, or something else is wrong. */
const maximumDispatchAttempts = 3;

export async function pause(milliseconds: number, signal: AbortSignal | undefined): Promise<void> {
  await sleep(Math.max(0, milliseconds), undefined, signal ? { signal } : {});
}

function runMatchesWorkflow(run: WorkflowRun, workflow: string | number): boolean {
  return typeof workflow === "number" || /^\d+$/.test(workflow)
    ? run.workflow_id === Number(workflow)
    : run.path === `.github/workflows/${workflow}` || run.path.startsWith(`.github/workflows/${workflow}@`);
}

export async function listDispatchRuns(client: GitHubClient, target: WorkflowTarget): Promise<WorkflowRun[]> {
  const { data } = await client.request<{ workflow_runs: WorkflowRun[] }>("GET /repos/{owner}/{repo}/actions/runs", {
    owner: target.owner,
    repo: target.repo,
    event: "workflow_dispatch",
    branch: target.ref,
    per_page: 100,
  });
  return data.workflow_runs.filter((run) => runMatchesWorkflow(run, target.workflow));
}

/**
 * Which of the runs that appeared since the dispatch can be this job's: those whose title names the job id
 * (a workflow with `run-name: gantry ${{ fromJSON(inputs.job).id }}`); failing that, only runs still titled
 * with the workflow's plain name (a workflow without `run-name`, where nothing tells jobs apart). A run whose
 * custom title names another job is never taken for ours.
 */
export function dispatchedRunCandidates<T extends Pick<WorkflowRun, "name" | "display_title">>(
  fresh: readonly T[],
  jobId: string,
): T[] {
  const naming = fresh.filter((run) => run.display_title.split(/\s+/).includes(jobId));
  return naming.length > 0 ? naming : fresh.filter((run) => run.display_title === run.name);
}

/** A 5xx or a network failure: the request may or may not have taken effect. */
function uncertain(error: unknown): boolean {
  return GantryError.isInstance(error) && error.code === "GITHUB_REQUEST_FAILED";
}

/** Sends the dispatch (never twice for one run) and returns the run it started. */
export async function startWorkflowRun(
  client: GitHubClient,
  target: WorkflowTarget,
  inputs: Record<string, string>,
  identity: RunIdentity,
  timing: RunTiming,
): Promise<{ runId: number; runUrl: string; resent: boolean }> {
  const before =
    "jobId" in identity ? new Set((await listDispatchRuns(client, target)).map((run) => run.id)) : undefined;
  timing.signal?.throwIfAborted();

  /** Looks for the run until `until`; undefined when none appeared. */
  const findRun = async (until: number): Promise<WorkflowRun | undefined> => {
    for (;;) {
      const runs = await listDispatchRuns(client, target);
      const candidates =
        "correlation" in identity
          ? runs.filter((run) => run.display_title.split(/\s+/).includes(identity.correlation))
          : dispatchedRunCandidates(
              runs.filter((run) => !before!.has(run.id)),
              identity.jobId,
            );
      if (candidates.length === 1 || ("correlation" in identity && candidates.length > 1))
        return candidates.sort((a, b) => a.id - b.id)[0];
      if (candidates.length > 1) {
        throw new GantryError(
          "DISPATCH_RUN_NOT_FOUND",
          `${describe(identity)} was dispatched, but ${candidates.length} new runs could be it: ${candidates.map((run) => run.html_url).join(", ")}.`,
          {
            hint: "Give the workflow a `correlation` input and `run-name: gantry ${{ fromJSON(inputs.job).id }} ${{ inputs.correlation }}`, then check those runs.",
          },
        );
      }
      const remaining = until - Date.now();
      if (remaining <= 0) return undefined;
      await pause(Math.min(timing.findRunIntervalMs, remaining), timing.signal);
    }
  };
  let resent = false;
  const found = (run: WorkflowRun) => {
    timing.onProgress?.({ type: "run-found", runId: run.id, runUrl: run.html_url });
    return { runId: run.id, runUrl: run.html_url, resent };
  };

  for (let attempt = 1; ; attempt++) {
    let answer: { status: number; data: { workflow_run_id?: number; html_url?: string } | undefined };
    try {
      answer = await client.request<{ workflow_run_id?: number; html_url?: string } | undefined>(
        "POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches",
        {
          owner: target.owner,
          repo: target.repo,
          workflow_id: target.workflow,
          ref: target.ref,
          inputs,
          return_run_details: true,
        },
        { once: true },
      );
    } catch (error) {
      if (!uncertain(error) || timing.signal?.aborted) throw error;
      timing.onProgress?.({ type: "dispatch-uncertain", attempt, reason: (error as Error).message });
      // The dispatch may have been accepted: look for its run before ever sending it again.
      const run = await findRun(Math.min(timing.deadline, Date.now() + timing.lostResponseWindowMs));
      if (run) return found(run);
      if (!("correlation" in identity)) {
        throw new GantryError(
          "DISPATCH_UNCERTAIN",
          `the dispatch of ${describe(identity)} failed without an answer (${(error as Error).message}), and no run of it appeared; it was not sent again.`,
          {
            hint: "Without a `correlation` input the run cannot be recognised for sure, so Gantry does not risk starting it twice: check the workflow's runs, then dispatch again if none started. Give the workflow the `correlation` input (see the dispatcher's README) to have this recovered.",
          },
        );
      }
      if (attempt >= maximumDispatchAttempts) throw error;
      resent = true;
      continue; // not seen in time: send it again, with the same correlation id (a late first run is a duplicate)
    }
    timing.onProgress?.({ type: "dispatched", workflow: String(target.workflow), ref: target.ref });
    if (answer.status === 200 && typeof answer.data?.workflow_run_id === "number") {
      const runId = answer.data.workflow_run_id;
      const runUrl = answer.data.html_url ?? String(runId);
      timing.onProgress?.({ type: "run-found", runId, runUrl });
      return { runId, runUrl, resent };
    }
    const run = await findRun(timing.deadline);
    if (run) return found(run);
    throw new GantryError(
      "DISPATCH_RUN_NOT_FOUND",
      `${describe(identity)} was dispatched to ${target.owner}/${target.repo} (${String(target.workflow)} on ${target.ref}), but no run of it appeared.`,
      {
        hint: "Check the workflow's runs on GitHub; a workflow that is disabled or whose file is missing on the ref starts no run.",
      },
    );
  }
}

function describe(identity: RunIdentity): string {
  return "jobId" in identity ? `Job ${identity.jobId}` : `The run with correlation id ${identity.correlation}`;
}

export async function readRun(client: GitHubClient, target: WorkflowTarget, runId: number): Promise<WorkflowRun> {
  return (
    await client.request<WorkflowRun>("GET /repos/{owner}/{repo}/actions/runs/{run_id}", {
      owner: target.owner,
      repo: target.repo,
      run_id: runId,
    })
  ).data;
}

/** Statuses of a run that has not started its jobs: cancelling it runs nothing. */
const notStarted = new Set(["queued", "pending", "waiting", "requested"]);

/**
 * After a dispatch was sent again, the first one's run may show up late: two runs of one correlation id. The
 * one that has not started is cancelled (the plan workflow's concurrency group, keyed by the correlation id,
 * holds the later one back while the other runs), and the started one is followed. Returns the run to follow.
 */
async function cancelDuplicateRuns(
  client: GitHubClient,
  target: WorkflowTarget,
  followed: WorkflowRun,
  correlation: string,
  timing: RunTiming,
): Promise<WorkflowRun> {
  const copies = (await listDispatchRuns(client, target)).filter(
    (run) =>
      run.id !== followed.id && run.display_title.split(/\s+/).includes(correlation) && run.status !== "completed",
  );
  let kept = followed;
  for (const copy of copies.sort((a, b) => a.id - b.id)) {
    // Cancel the one that has not started (the copy, when neither has); both started: nothing to undo.
    const waiting = notStarted.has(copy.status ?? "") ? copy : notStarted.has(kept.status ?? "") ? kept : undefined;
    if (waiting === undefined) continue;
    const other = waiting === copy ? kept : copy;
    await client.request("POST /repos/{owner}/{repo}/actions/runs/{run_id}/cancel", {
      owner: target.owner,
      repo: target.repo,
      run_id: waiting.id,
    });
    timing.onProgress?.({ type: "duplicate-cancelled", runId: waiting.id, kept: other.id });
    kept = other;
  }
  return kept;
}

/** Polls a run until it completes (or the deadline: DISPATCH_TIMEOUT, the run goes on). */
export async function followWorkflowRun(
  client: GitHubClient,
  target: WorkflowTarget,
  run: { runId: number; runUrl: string },
  timing: RunTiming & { readonly pollIntervalMs: number; readonly timeoutMs: number; readonly duplicatesOf?: string },
): Promise<DispatchedRun> {
  let runUrl = run.runUrl;
  for (;;) {
    let current = await readRun(client, target, run.runId);
    if (timing.duplicatesOf !== undefined && current.status !== "completed") {
      const kept = await cancelDuplicateRuns(client, target, current, timing.duplicatesOf, timing);
      if (kept.id !== current.id) {
        run = { runId: kept.id, runUrl: kept.html_url };
        timing.onProgress?.({ type: "run-found", runId: kept.id, runUrl: kept.html_url });
        current = await readRun(client, target, kept.id);
      }
    }
    runUrl = current.html_url;
    timing.onProgress?.({ type: "run-status", runId: run.runId, status: current.status ?? "unknown" });
    if (current.status === "completed")
      return { runId: run.runId, runUrl, conclusion: (current.conclusion as WorkflowRunConclusion | null) ?? null };
    const remaining = timing.deadline - Date.now();
    if (remaining <= 0) {
      throw new GantryError(
        "DISPATCH_TIMEOUT",
        `${runUrl} did not complete within ${Math.round(timing.timeoutMs / 1000)} s (last status: ${current.status ?? "unknown"}); it keeps running on GitHub.`,
        { hint: "Follow the run on GitHub, or raise the timeout if such jobs take longer." },
      );
    }
    await pause(Math.min(timing.pollIntervalMs, remaining), timing.signal);
  }
}
