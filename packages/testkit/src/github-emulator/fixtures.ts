/**
 * Response bodies built from GitHub's own published examples (`components/examples` of the description),
 * with every field the emulator's state owns overwritten. Starting from the examples keeps the dozens of
 * required-but-irrelevant fields (avatar URLs, repository objects) realistic; the emulator validates every
 * response it sends against the operation's schema, so a drift in the examples shows up as a violation.
 */
import type { OpenApiDocument } from "./openapi.js";

export interface EmulatedUser {
  readonly login: string;
  readonly id: number;
}

export interface EmulatedComment {
  readonly id: number;
  readonly issueNumber: number;
  body: string;
  readonly author: EmulatedUser;
  readonly createdAt: string;
  updatedAt: string;
}

export type RunStatus = "queued" | "in_progress" | "completed" | "waiting" | "requested" | "pending";
export type RunConclusion =
  | "success"
  | "failure"
  | "cancelled"
  | "skipped"
  | "timed_out"
  | "action_required"
  | "neutral"
  | "stale"
  | "startup_failure";

export interface RunState {
  readonly status: RunStatus;
  readonly conclusion: RunConclusion | null;
}

export interface EmulatedIssue {
  readonly number: number;
  title: string;
  body: string;
  state: "open" | "closed";
  assignees: EmulatedUser[];
  readonly author: EmulatedUser;
  readonly createdAt: string;
  updatedAt: string;
}

export interface EmulatedRun {
  readonly id: number;
  readonly runNumber: number;
  readonly workflowId: number;
  readonly workflowName: string;
  readonly workflowPath: string;
  readonly displayTitle: string;
  readonly event: string;
  readonly branch: string;
  readonly headSha: string;
  readonly actor: EmulatedUser;
  readonly inputs: Record<string, unknown>;
  readonly createdAt: string;
  updatedAt: string;
  state: RunState;
  /** States still to come: each read of the run moves to the next one (a run with an executor: none). */
  pending: RunState[];
  /** The run's `concurrency` group, when its workflow has one. */
  readonly group: string | undefined;
  /** Before this instant (ms since the epoch) GitHub does not show the run yet: it is not listed and reads 404. */
  readonly visibleAt: number;
  /** Set while the workflow's executor runs the run; aborting it cancels the run. */
  execution: AbortController | undefined;
}

export interface EmulatedPullRequest {
  readonly number: number;
  title: string;
  headSha: string;
  headRef: string;
  baseRef: string;
  baseSha: string;
  state: "open" | "closed";
  merged: boolean;
  mergeCommitSha: string | null;
  /** Who merged it (`merged_by`); default the author. */
  readonly mergedBy: EmulatedUser | null;
  /** The pull request's own commits: GitHub lists a merged pull request for each of them too. */
  readonly commits: readonly string[];
  readonly author: EmulatedUser;
  readonly createdAt: string;
}

export interface RepositoryRef {
  readonly owner: string;
  readonly name: string;
  readonly id: number;
  readonly private: boolean;
}

type Json = Record<string, unknown>;

export class ResponseFixtures {
  private readonly document: OpenApiDocument;
  private readonly baseUrl: string;

  constructor(document: OpenApiDocument, baseUrl: string) {
    this.document = document;
    this.baseUrl = baseUrl;
  }

  private example(name: string): Json {
    const example = this.document.components.examples?.[name] as { value?: unknown } | undefined;
    if (example?.value === undefined) throw new Error(`the GitHub description has no example "${name}"`);
    return structuredClone(example.value) as Json;
  }

  simpleUser(user: EmulatedUser): Json {
    const base = this.example("issue-comment").user as Json;
    return {
      ...base,
      login: user.login,
      id: user.id,
      node_id: Buffer.from(`04:User${user.id}`).toString("base64"),
      url: `${this.baseUrl}/users/${user.login}`,
      html_url: `https://github.com/${user.login}`,
      type: user.login.endsWith("[bot]") ? "Bot" : "User",
    };
  }

  /** `GET /app`: the GitHub App itself. */
  integration(app: { id: number; slug: string; owner: EmulatedUser; permissions: Record<string, string> }): Json {
    return {
      ...this.example("integration"),
      id: app.id,
      slug: app.slug,
      name: app.slug,
      client_id: `Iv1.${app.id.toString(16).padStart(16, "0")}`,
      owner: this.simpleUser(app.owner),
      permissions: app.permissions,
      events: [],
    };
  }

  /** An installation of a GitHub App on an account. */
  installation(installation: {
    id: number;
    appId: number;
    appSlug: string;
    account: EmulatedUser;
    permissions: Record<string, string>;
    selection: "all" | "selected";
  }): Json {
    return {
      ...this.example("installation"),
      id: installation.id,
      app_id: installation.appId,
      app_slug: installation.appSlug,
      account: this.simpleUser(installation.account),
      target_id: installation.account.id,
      target_type: "Organization",
      access_tokens_url: `${this.baseUrl}/app/installations/${installation.id}/access_tokens`,
      repositories_url: `${this.baseUrl}/installation/repositories`,
      html_url: `https://github.com/organizations/${installation.account.login}/settings/installations/${installation.id}`,
      permissions: installation.permissions,
      repository_selection: installation.selection,
      events: [],
    };
  }

  authenticatedUser(user: EmulatedUser): Json {
    return {
      ...this.example("private-user"),
      ...this.simpleUser(user),
      name: user.login,
      user_view_type: "private",
    };
  }

  issueComment(repository: RepositoryRef, comment: EmulatedComment): Json {
    const repositoryUrl = `${this.baseUrl}/repos/${repository.owner}/${repository.name}`;
    return {
      ...this.example("issue-comment"),
      id: comment.id,
      node_id: Buffer.from(`012:IssueComment${comment.id}`).toString("base64"),
      url: `${repositoryUrl}/issues/comments/${comment.id}`,
      html_url: `https://github.com/${repository.owner}/${repository.name}/pull/${comment.issueNumber}#issuecomment-${comment.id}`,
      issue_url: `${repositoryUrl}/issues/${comment.issueNumber}`,
      body: comment.body,
      user: this.simpleUser(comment.author),
      created_at: comment.createdAt,
      updated_at: comment.updatedAt,
      author_association: "COLLABORATOR",
    };
  }

  issue(repository: RepositoryRef, issue: EmulatedIssue): Json {
    const example = this.example("issue");
    const repositoryUrl = `${this.baseUrl}/repos/${repository.owner}/${repository.name}`;
    const assignees = issue.assignees.map((user) => this.simpleUser(user));
    const { pull_request: _pullRequest, ...plain } = example;
    return {
      ...plain,
      id: 2_000_000 + issue.number,
      node_id: Buffer.from(`05:Issue${issue.number}`).toString("base64"),
      number: issue.number,
      url: `${repositoryUrl}/issues/${issue.number}`,
      repository_url: repositoryUrl,
      labels_url: `${repositoryUrl}/issues/${issue.number}/labels{/name}`,
      comments_url: `${repositoryUrl}/issues/${issue.number}/comments`,
      events_url: `${repositoryUrl}/issues/${issue.number}/events`,
      html_url: `https://github.com/${repository.owner}/${repository.name}/issues/${issue.number}`,
      title: issue.title,
      body: issue.body,
      state: issue.state,
      user: this.simpleUser(issue.author),
      assignee: assignees[0] ?? null,
      assignees,
      labels: [],
      milestone: null,
      comments: 0,
      closed_at: issue.state === "closed" ? issue.updatedAt : null,
      closed_by: null,
      created_at: issue.createdAt,
      updated_at: issue.updatedAt,
      author_association: "COLLABORATOR",
    };
  }

  workflowRun(repository: RepositoryRef, run: EmulatedRun): Json {
    const example = this.example("workflow-run");
    const repositoryUrl = `${this.baseUrl}/repos/${repository.owner}/${repository.name}`;
    const runUrl = `${repositoryUrl}/actions/runs/${run.id}`;
    return {
      ...example,
      id: run.id,
      name: run.workflowName,
      node_id: Buffer.from(`010:WorkflowRun${run.id}`).toString("base64"),
      head_branch: run.branch,
      head_sha: run.headSha,
      path: run.workflowPath,
      display_title: run.displayTitle,
      run_number: run.runNumber,
      run_attempt: 1,
      event: run.event,
      status: run.state.status,
      conclusion: run.state.conclusion,
      workflow_id: run.workflowId,
      check_suite_id: run.id + 1,
      check_suite_node_id: Buffer.from(`018:CheckSuite${run.id + 1}`).toString("base64"),
      url: runUrl,
      html_url: `https://github.com/${repository.owner}/${repository.name}/actions/runs/${run.id}`,
      pull_requests: [],
      created_at: run.createdAt,
      updated_at: run.updatedAt,
      run_started_at: run.createdAt,
      actor: this.simpleUser(run.actor),
      triggering_actor: this.simpleUser(run.actor),
      jobs_url: `${runUrl}/jobs`,
      logs_url: `${runUrl}/logs`,
      check_suite_url: `${repositoryUrl}/check-suites/${run.id + 1}`,
      artifacts_url: `${runUrl}/artifacts`,
      cancel_url: `${runUrl}/cancel`,
      rerun_url: `${runUrl}/rerun`,
      previous_attempt_url: null,
      workflow_url: `${repositoryUrl}/actions/workflows/${run.workflowId}`,
      head_commit: { ...(example.head_commit as Json), id: run.headSha, tree_id: run.headSha },
    };
  }

  /** The `pull-request-simple` shape (lists): the full pull request cut to the fields GitHub's example has. */
  pullRequestSimple(repository: RepositoryRef, pull: EmulatedPullRequest): Json {
    const items = this.document.components.examples?.["pull-request-simple-items"] as { value?: unknown } | undefined;
    const template = (Array.isArray(items?.value) ? items.value[0] : undefined) as Json | undefined;
    if (!template) throw new Error('the GitHub description has no example "pull-request-simple-items"');
    const full = this.pullRequest(repository, pull);
    return Object.fromEntries(Object.keys(template).map((key) => [key, key in full ? full[key] : template[key]]));
  }

  pullRequest(repository: RepositoryRef, pull: EmulatedPullRequest): Json {
    const example = this.example("pull-request");
    const repositoryUrl = `${this.baseUrl}/repos/${repository.owner}/${repository.name}`;
    const htmlUrl = `https://github.com/${repository.owner}/${repository.name}/pull/${pull.number}`;
    const owner = this.simpleUser({ login: repository.owner, id: 1 });
    const side = (template: unknown, ref: string, sha: string) => {
      const branch = template as Json;
      const repo = {
        ...(branch.repo as Json),
        id: repository.id,
        name: repository.name,
        full_name: `${repository.owner}/${repository.name}`,
        private: repository.private,
        visibility: repository.private ? "private" : "public",
        owner,
        url: repositoryUrl,
        html_url: `https://github.com/${repository.owner}/${repository.name}`,
      };
      return { ...branch, label: `${repository.owner}:${ref}`, ref, sha, user: owner, repo };
    };
    const mergedAt = pull.merged ? pull.createdAt : null;
    return {
      ...example,
      id: 1_000_000 + pull.number,
      node_id: Buffer.from(`011:PullRequest${pull.number}`).toString("base64"),
      number: pull.number,
      url: `${repositoryUrl}/pulls/${pull.number}`,
      html_url: htmlUrl,
      diff_url: `${htmlUrl}.diff`,
      patch_url: `${htmlUrl}.patch`,
      issue_url: `${repositoryUrl}/issues/${pull.number}`,
      comments_url: `${repositoryUrl}/issues/${pull.number}/comments`,
      commits_url: `${repositoryUrl}/pulls/${pull.number}/commits`,
      review_comments_url: `${repositoryUrl}/pulls/${pull.number}/comments`,
      statuses_url: `${repositoryUrl}/statuses/${pull.headSha}`,
      state: pull.state,
      title: pull.title,
      user: this.simpleUser(pull.author),
      created_at: pull.createdAt,
      updated_at: pull.createdAt,
      closed_at: pull.state === "closed" ? pull.createdAt : null,
      merged_at: mergedAt,
      merged: pull.merged,
      merged_by: pull.merged ? this.simpleUser(pull.mergedBy ?? pull.author) : null,
      merge_commit_sha: pull.mergeCommitSha,
      requested_reviewers: [],
      requested_teams: [],
      head: side(example.head, pull.headRef, pull.headSha),
      base: side(example.base, pull.baseRef, pull.baseSha),
    };
  }
}
