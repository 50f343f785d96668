/**
 * Asks the pipelines repository's apply workflow for a deployment and follows it. The request names nothing
 * to deploy: the apply run deploys from the deployment record to the deploy branch's tip as it finds them when
 * it starts (level-triggered), so the request carries only the commit that asked (for people reading the run)
 * and a correlation id. Two consequences shape this function:
 *
 * - A request never needs to be sent twice, and a run that GitHub's `concurrency` cancelled while it was
 *   pending lost nothing: the newer run of the group deploys at a tip that contains this commit. So a
 *   `cancelled` conclusion is followed to the next newer run of the workflow, until one concludes otherwise.
 * - Cancelling the caller (the infrastructure-live run) never cancels the apply run: an apply that started
 *   must finish, and one still pending is what deploys this commit.
 */
import { checkCommitSha, checkRepository } from "./inputs.js";
import { createGitHubClient, type GitHubConnection } from "./client.js";
import { abortError, dispatchAndFollow, type DispatchStage, type DispatchTimingOptions } from "./workflow-dispatch.js";
import {
  followWorkflowRun,
  listDispatchRuns,
  newCorrelationId,
  type DispatchedRun,
  type WorkflowTarget,
} from "./workflow-runs.js";

export interface RequestDeploymentOptions extends GitHubConnection, DispatchTimingOptions {
  readonly owner: string;
  readonly repo: string;
  /** The apply workflow (`apply.yml`), with the inputs `commit` and `correlation`. */
  readonly workflow: string | number;
  /** Default "main". */
  readonly ref?: string;
  /** The deploy-branch commit that asks for the deployment (the push's SHA). */
  readonly commit: string;
  /** Default: a fresh one (`newCorrelationId`). */
  readonly correlation?: string;
}

export interface DeploymentRequestOutcome extends DispatchedRun {
  readonly correlation: string;
  /** The run this request started, when concurrency cancelled it and a newer run deployed instead. */
  readonly supersededRuns: readonly { readonly runId: number; readonly runUrl: string }[];
}

export async function requestDeployment(options: RequestDeploymentOptions): Promise<DeploymentRequestOutcome> {
  checkRepository(options.owner, options.repo);
  checkCommitSha(options.commit, "commit", "the pushed commit of the deploy branch");
  const correlation = options.correlation ?? newCorrelationId();
  const target: WorkflowTarget = {
    owner: options.owner,
    repo: options.repo,
    workflow: options.workflow,
    ref: options.ref ?? "main",
  };
  const supersededRuns: { runId: number; runUrl: string }[] = [];
  let stage: DispatchStage = "before-dispatch";
  let found: { runId: number; runUrl: string } | undefined;
  const deadline = Date.now() + (options.timeoutMs ?? 3_600_000);
  try {
    options.signal?.throwIfAborted();
    stage = "dispatching";
    let run = await dispatchAndFollow(
      { ...options, target, inputs: { commit: options.commit, correlation }, identity: { correlation } },
      (started) => {
        stage = "following";
        found = started;
      },
    );
    const client = createGitHubClient(options, "the dispatch token");
    while (run.conclusion === "cancelled") {
      // GitHub cancels the older pending run of a concurrency group when a newer one arrives: follow that one.
      const newer = (await listDispatchRuns(client, target))
        .filter((candidate) => candidate.id > run.runId && candidate.conclusion !== "cancelled")
        .sort((a, b) => a.id - b.id)[0];
      if (!newer) break; // cancelled by a person, with nothing newer to deploy in its place
      supersededRuns.push({ runId: run.runId, runUrl: run.runUrl });
      options.onProgress?.({ type: "superseded", runId: run.runId, by: newer.id, runUrl: newer.html_url });
      found = { runId: newer.id, runUrl: newer.html_url };
      run = await followWorkflowRun(client, target, found, {
        deadline,
        findRunIntervalMs: options.findRunIntervalMs ?? 5_000,
        lostResponseWindowMs: 0,
        signal: options.signal,
        onProgress: options.onProgress,
        pollIntervalMs: options.pollIntervalMs ?? 60_000,
        timeoutMs: options.timeoutMs ?? 3_600_000,
      });
    }
    return { ...run, correlation, supersededRuns };
  } catch (error) {
    // Never cancel the deployment: stop following it only.
    if (!options.signal?.aborted) throw error;
    throw abortError(stage, found?.runUrl, false);
  }
}
