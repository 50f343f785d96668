/**
 * Workflow runs as GitHub Actions runs them: created by a dispatch, held `pending` by the workflow's
 * `concurrency` group (one in progress and one pending per group; a newer run cancels the pending one), then
 * moved through their states by reads (`runStates`) or run by the workflow's executor, and cancelled on request.
 * Every state change goes through `setState`, so a run that completes lets its group's pending run start.
 */
import type { EmulatedRun, EmulatedUser, RunState } from "./fixtures.js";
import { defaultRunStates, githubTimestamp, type EmulatorState, type RepositoryState } from "./state.js";

type Workflow = RepositoryState["workflows"][number];

const pendingState: RunState = { status: "pending", conclusion: null };
const cancelledState: RunState = { status: "completed", conclusion: "cancelled" };

export class RunLifecycle {
  constructor(private readonly state: EmulatorState) {}

  /** A run for an accepted dispatch (undefined when the workflow starts none). */
  create(
    repository: RepositoryState,
    workflow: Workflow,
    ref: string,
    inputs: Record<string, unknown>,
    actor: EmulatedUser,
    visibleAfterMs = 0,
  ): EmulatedRun | undefined {
    if (workflow.runStates === false) return undefined;
    const now = githubTimestamp();
    const workflowName = workflow.name ?? workflow.file;
    const run: EmulatedRun = {
      id: this.state.allocateId() + 9_000_000_000,
      runNumber: repository.runs.size + 1,
      workflowId: workflow.id,
      workflowName,
      workflowPath: `.github/workflows/${workflow.file}`,
      displayTitle: workflow.runName ? workflow.runName(inputs) : workflowName,
      event: "workflow_dispatch",
      branch: ref,
      headSha: repository.branches.get(ref) ?? "0".repeat(40),
      actor,
      inputs,
      createdAt: now,
      updatedAt: now,
      state: pendingState,
      pending: [],
      group: workflow.concurrency ? `${workflow.id}:${workflow.concurrency.group(inputs)}` : undefined,
      visibleAt: Date.now() + visibleAfterMs,
      execution: undefined,
    };
    repository.runs.set(run.id, run);
    if (run.group === undefined) {
      this.start(repository, workflow, run);
      return run;
    }
    const others = this.inGroup(repository, run).filter((other) => other.state.status !== "completed");
    const running = others.filter((other) => other.state.status !== "pending");
    // A newer run replaces the pending one of its group; with cancel-in-progress, the running one too.
    others.filter((other) => other.state.status === "pending").forEach((other) => this.cancel(repository, other));
    if (workflow.concurrency?.cancelInProgress) running.forEach((other) => this.cancel(repository, other));
    if (!workflow.concurrency?.cancelInProgress && running.length > 0) return run; // waits, pending
    this.start(repository, workflow, run);
    return run;
  }

  isVisible(run: EmulatedRun): boolean {
    return Date.now() >= run.visibleAt;
  }

  /** A read of a run moves it to its next state (runs without an executor). */
  advanceOnRead(repository: RepositoryState, run: EmulatedRun): void {
    const next = run.pending.shift();
    if (next) this.setState(repository, run, next);
  }

  /** Sets a run's state (and the states it goes through on the next reads); completing it starts its group's pending run. */
  setState(
    repository: RepositoryState,
    run: EmulatedRun,
    state: RunState,
    next: readonly RunState[] = run.pending,
  ): void {
    run.state = state;
    run.pending = [...next];
    run.updatedAt = githubTimestamp();
    if (state.status === "completed") {
      run.pending = [];
      run.execution?.abort();
      run.execution = undefined;
      if (run.group !== undefined) {
        const group = this.inGroup(repository, run);
        const busy = group.some((other) => other.state.status !== "pending" && other.state.status !== "completed");
        const waiting = busy ? undefined : group.find((other) => other.state.status === "pending");
        const workflow = repository.workflows.find((candidate) => candidate.id === waiting?.workflowId);
        if (waiting && workflow) this.start(repository, workflow, waiting);
      }
    }
  }

  /** Cancels a run that has not completed; false when it had. */
  cancel(repository: RepositoryState, run: EmulatedRun): boolean {
    if (run.state.status === "completed") return false;
    this.setState(repository, run, cancelledState);
    return true;
  }

  private inGroup(repository: RepositoryState, run: EmulatedRun): EmulatedRun[] {
    return [...repository.runs.values()]
      .filter((other) => other !== run && other.group === run.group)
      .sort((a, b) => a.id - b.id);
  }

  private start(repository: RepositoryState, workflow: Workflow, run: EmulatedRun): void {
    if (!workflow.execute) {
      const [first = { status: "queued", conclusion: null }, ...rest] = workflow.runStates || defaultRunStates;
      this.setState(repository, run, first, rest);
      return;
    }
    const execution = new AbortController();
    this.setState(repository, run, { status: "in_progress", conclusion: null }, []);
    run.execution = execution;
    workflow.execute({ id: run.id, inputs: run.inputs, branch: run.branch }, execution.signal).then(
      (conclusion) => {
        if (run.execution === execution) this.setState(repository, run, { status: "completed", conclusion });
      },
      () => {
        if (run.execution === execution) this.setState(repository, run, { status: "completed", conclusion: "failure" });
      },
    );
  }
}
