/**
 * The emulator's mutable world: repositories with their branches, pull requests, issue comments, workflows
 * and workflow runs. Plain data plus small lookups; HTTP lives in `server.ts`.
 */
import { randomBytes } from "node:crypto";
import type {
  EmulatedComment,
  EmulatedIssue,
  EmulatedPullRequest,
  EmulatedRun,
  EmulatedUser,
  RepositoryRef,
  RunConclusion,
  RunState,
} from "./fixtures.js";

export interface WorkflowInputSpec {
  readonly required?: boolean;
  readonly type?: "string" | "boolean" | "number" | "choice" | "environment";
  readonly options?: readonly string[];
}

export interface EmulatedWorkflowSpec {
  /** File name under `.github/workflows/`, e.g. `gantry-execute.yml`. */
  readonly file: string;
  readonly id?: number;
  readonly name?: string;
  /** Declared `workflow_dispatch` inputs; undefined means the workflow declares none. */
  readonly inputs?: Readonly<Record<string, WorkflowInputSpec>>;
  /** False emulates a workflow without a `workflow_dispatch` trigger (GitHub answers 422). */
  readonly dispatchable?: boolean;
  /** The workflow's `run-name`, computed from the dispatch inputs (default: the workflow's name). */
  readonly runName?: (inputs: Readonly<Record<string, unknown>>) => string;
  /**
   * The states a dispatched run goes through, one per `GET .../actions/runs/{id}` (the first is its state when
   * created; the last one stays). Default: queued → in_progress → completed/success. `false`: the dispatch is
   * accepted but no run ever appears (a stuck or filtered workflow).
   */
  readonly runStates?: readonly RunState[] | false;
  /**
   * The workflow's `concurrency`, as GitHub applies it: in one group at most one run is in progress and one
   * pending (status `pending`); a newer run cancels the pending one, and with `cancelInProgress` the running one.
   */
  readonly concurrency?: {
    readonly group: (inputs: Readonly<Record<string, unknown>>) => string;
    readonly cancelInProgress?: boolean;
  };
  /**
   * Runs each run when it starts (instead of `runStates`): the run is `in_progress` until the promise settles,
   * then `completed` with the conclusion it returns (`failure` if it throws). Cancelling the run aborts `signal`.
   */
  readonly execute?: (run: ExecutedRun, signal: AbortSignal) => Promise<RunConclusion>;
}

/** What a workflow's executor is told about the run it executes. */
export interface ExecutedRun {
  readonly id: number;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly branch: string;
}

export interface EmulatedPullRequestSpec {
  readonly number: number;
  readonly headSha: string;
  readonly headRef?: string;
  readonly baseRef?: string;
  readonly title?: string;
  readonly state?: "open" | "closed";
  readonly merged?: boolean;
  /** The commit the merge made on the base branch (default: the head SHA, as a fast-forward or rebase gives). */
  readonly mergeCommitSha?: string;
  /** The login of whoever merged it (default: the repository owner, who authors every pull request here). */
  readonly mergedBy?: string;
  /** The pull request's own commits (default: its head): once merged, GitHub associates each with it. */
  readonly commits?: readonly string[];
}

export interface EmulatedRepositorySpec {
  readonly owner: string;
  readonly name: string;
  /** Default "private": Gantry's repositories hold infrastructure and are private. */
  readonly visibility?: "private" | "public";
  /** Branch name → head SHA. Default: `main` at a random SHA. */
  readonly branches?: Readonly<Record<string, string>>;
  readonly pullRequests?: readonly EmulatedPullRequestSpec[];
  readonly workflows?: readonly EmulatedWorkflowSpec[];
}

export interface RepositoryState extends RepositoryRef {
  readonly branches: Map<string, string>;
  readonly pullRequests: Map<number, EmulatedPullRequest>;
  readonly comments: Map<number, EmulatedComment>;
  /** Issues (not pull requests); they share the numbering of pull requests, as on GitHub. */
  readonly issues: Map<number, EmulatedIssue>;
  readonly workflows: Array<EmulatedWorkflowSpec & { readonly id: number }>;
  readonly runs: Map<number, EmulatedRun>;
}

export const defaultRunStates: readonly RunState[] = [
  { status: "queued", conclusion: null },
  { status: "in_progress", conclusion: null },
  { status: "completed", conclusion: "success" },
];

export function randomSha(): string {
  return randomBytes(20).toString("hex");
}

/** GitHub timestamps have second precision. */
export function githubTimestamp(date = new Date()): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

export function repositoryKey(owner: string, name: string): string {
  return `${owner}/${name}`.toLowerCase();
}

export class EmulatorState {
  readonly repositories = new Map<string, RepositoryState>();
  private nextId = 1000;

  allocateId(): number {
    return this.nextId++;
  }

  addRepository(spec: EmulatedRepositorySpec, owner: EmulatedUser): RepositoryState {
    const branches = new Map(Object.entries(spec.branches ?? { main: randomSha() }));
    const repository: RepositoryState = {
      owner: spec.owner,
      name: spec.name,
      id: this.allocateId(),
      private: (spec.visibility ?? "private") === "private",
      branches,
      pullRequests: new Map(),
      comments: new Map(),
      issues: new Map(),
      workflows: (spec.workflows ?? []).map((workflow) => ({ ...workflow, id: workflow.id ?? this.allocateId() })),
      runs: new Map(),
    };
    this.repositories.set(repositoryKey(spec.owner, spec.name), repository);
    for (const pull of spec.pullRequests ?? []) this.addPullRequest(repository, pull, owner);
    return repository;
  }

  addPullRequest(
    repository: RepositoryState,
    spec: EmulatedPullRequestSpec,
    author: EmulatedUser,
  ): EmulatedPullRequest {
    const baseRef = spec.baseRef ?? "main";
    const pull: EmulatedPullRequest = {
      number: spec.number,
      title: spec.title ?? `Pull request #${spec.number}`,
      headSha: spec.headSha,
      headRef: spec.headRef ?? `change-${spec.number}`,
      baseRef,
      baseSha: repository.branches.get(baseRef) ?? randomSha(),
      state: spec.state ?? "open",
      merged: spec.merged ?? false,
      mergeCommitSha: spec.merged ? (spec.mergeCommitSha ?? spec.headSha) : null,
      mergedBy: spec.merged && spec.mergedBy ? { login: spec.mergedBy, id: this.allocateId() } : null,
      commits: spec.commits ?? [spec.headSha],
      author,
      createdAt: githubTimestamp(),
    };
    repository.pullRequests.set(spec.number, pull);
    return pull;
  }

  /** The next issue or pull-request number of a repository (one sequence for both). */
  nextIssueNumber(repository: RepositoryState): number {
    return Math.max(0, ...repository.pullRequests.keys(), ...repository.issues.keys()) + 1;
  }

  repository(owner: string, name: string): RepositoryState | undefined {
    return this.repositories.get(repositoryKey(owner, name));
  }

  findRun(runId: number): { repository: RepositoryState; run: EmulatedRun } | undefined {
    for (const repository of this.repositories.values()) {
      const run = repository.runs.get(runId);
      if (run) return { repository, run };
    }
    return undefined;
  }
}
