/**
 * The stateful behaviour of each emulated operation, keyed by GitHub's `operationId`. A handler receives an
 * authenticated, authorised and schema-checked request and returns the response GitHub would send.
 */
import type { EmulatedRun, EmulatedUser, ResponseFixtures } from "./fixtures.js";
import type { RunLifecycle } from "./runs.js";
import { githubTimestamp, type EmulatorState, type RepositoryState } from "./state.js";

export interface HandlerRequest {
  readonly baseUrl: string;
  readonly url: URL;
  readonly pathParameters: Readonly<Record<string, string>>;
  readonly body: unknown;
  readonly user: EmulatedUser;
  readonly tokenLabel: string;
  /** The repository named by the path, for repository-scoped operations. */
  readonly repository: RepositoryState | undefined;
  /** A dispatch's run stays invisible this long (an injected fault: GitHub shows some runs late). */
  readonly runAppearsAfterMs?: number;
}

export interface HandlerResponse {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface RecordedDispatch {
  readonly repository: string;
  readonly workflow: string;
  readonly ref: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly tokenLabel: string;
  /** The run it created (undefined when the workflow is configured to start none). */
  readonly runId: number | undefined;
}

export interface HandlerContext {
  readonly state: EmulatorState;
  readonly fixtures: ResponseFixtures;
  readonly dispatches: RecordedDispatch[];
  /** False makes dispatches answer 204 without run details, like GitHub Enterprise Server and older API versions. */
  readonly returnRunDetails: boolean;
  readonly runs: RunLifecycle;
}

export type OperationHandler = (context: HandlerContext, request: HandlerRequest) => HandlerResponse;

/** GitHub's limit on an issue or pull-request comment body. */
export const maximumCommentLength = 65_536;

const documentationUrl = "https://docs.github.com/rest";

export function errorBody(
  status: number,
  message: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { message, documentation_url: documentationUrl, status: String(status), ...extra };
}

const notFound: HandlerResponse = { status: 404, body: errorBody(404, "Not Found") };

function requireRepository(request: HandlerRequest): RepositoryState {
  if (!request.repository) throw new Error(`operation on ${request.url.pathname} needs a repository`);
  return request.repository;
}

function integerParameter(request: HandlerRequest, name: string): number {
  return Number(request.pathParameters[name]);
}

/** Applies `page`/`per_page` and builds GitHub's `Link` header. */
function paginate<T>(request: HandlerRequest, items: T[]): { page: T[]; headers: Record<string, string> } {
  const perPage = Math.min(100, Math.max(1, Number(request.url.searchParams.get("per_page") ?? 30)));
  const pageNumber = Math.max(1, Number(request.url.searchParams.get("page") ?? 1));
  const lastPage = Math.max(1, Math.ceil(items.length / perPage));
  const pageUrl = (page: number) => {
    const url = new URL(request.url.pathname + request.url.search, request.baseUrl);
    url.searchParams.set("per_page", String(perPage));
    url.searchParams.set("page", String(page));
    return url.toString();
  };
  const links: string[] = [];
  if (pageNumber > 1) links.push(`<${pageUrl(pageNumber - 1)}>; rel="prev"`, `<${pageUrl(1)}>; rel="first"`);
  if (pageNumber < lastPage)
    links.push(`<${pageUrl(pageNumber + 1)}>; rel="next"`, `<${pageUrl(lastPage)}>; rel="last"`);
  return {
    page: items.slice((pageNumber - 1) * perPage, pageNumber * perPage),
    headers: links.length > 0 ? { link: links.join(", ") } : {},
  };
}

function commentTooLong(body: string): HandlerResponse | undefined {
  if ([...body].length <= maximumCommentLength) return undefined;
  return {
    status: 422,
    body: errorBody(422, "Validation Failed", {
      errors: [
        {
          resource: "IssueComment",
          code: "custom",
          field: "body",
          message: `body is too long (maximum is ${maximumCommentLength} characters)`,
        },
      ],
    }),
  };
}

/** GitHub's date search syntax as `created` takes it: `>=X`, `>X`, `<=X`, `<X`, `X..Y`, or a day `YYYY-MM-DD`. */
export function matchesCreatedFilter(filter: string, createdAt: string): boolean {
  const created = Date.parse(createdAt);
  const range = /^(.+)\.\.(.+)$/.exec(filter);
  if (range)
    return matchesCreatedFilter(`>=${range[1]}`, createdAt) && matchesCreatedFilter(`<=${range[2]}`, createdAt);
  const comparison = /^(>=|<=|>|<)?(.+)$/.exec(filter);
  const operator = comparison?.[1] ?? "";
  const bound = Date.parse(comparison?.[2] ?? "");
  if (Number.isNaN(bound)) return false;
  switch (operator) {
    case ">=":
      return created >= bound;
    case ">":
      return created > bound;
    case "<=":
      return created <= bound;
    case "<":
      return created < bound;
    default:
      return /^\d{4}-\d{2}-\d{2}$/.test(comparison?.[2] ?? "")
        ? createdAt.startsWith(comparison?.[2] ?? "")
        : created === bound;
  }
}

const conclusions = new Set([
  "action_required",
  "cancelled",
  "failure",
  "neutral",
  "skipped",
  "stale",
  "success",
  "timed_out",
]);

function runMatchesQuery(run: EmulatedRun, query: URLSearchParams): boolean {
  const actor = query.get("actor");
  const branch = query.get("branch");
  const event = query.get("event");
  const status = query.get("status");
  const created = query.get("created");
  const headSha = query.get("head_sha");
  if (actor !== null && run.actor.login !== actor) return false;
  if (branch !== null && run.branch !== branch) return false;
  if (event !== null && run.event !== event) return false;
  if (headSha !== null && run.headSha !== headSha) return false;
  if (created !== null && !matchesCreatedFilter(created, run.createdAt)) return false;
  if (status !== null) {
    // `status` takes a status or a conclusion, as GitHub documents.
    if (conclusions.has(status) ? run.state.conclusion !== status : run.state.status !== status) return false;
  }
  return true;
}

function checkDispatchInputs(
  workflow: RepositoryState["workflows"][number],
  inputs: Record<string, unknown>,
): string | undefined {
  const declared = workflow.inputs ?? {};
  const unexpected = Object.keys(inputs).filter((name) => !(name in declared));
  if (unexpected.length > 0) return `Unexpected inputs provided: ${JSON.stringify(unexpected)}`;
  for (const [name, spec] of Object.entries(declared)) {
    const value = inputs[name];
    if (value === undefined) {
      if (spec.required === true) return `Required input '${name}' not provided`;
      continue;
    }
    const type = spec.type ?? "string";
    const acceptable =
      type === "boolean"
        ? typeof value === "boolean" || value === "true" || value === "false"
        : type === "number"
          ? typeof value === "number" ||
            (typeof value === "string" && value.trim() !== "" && !Number.isNaN(Number(value)))
          : typeof value === "string";
    if (!acceptable) return `Provided value for input '${name}' is not a valid ${type}`;
    if (type === "choice" && !(spec.options ?? []).includes(String(value))) {
      return `Provided value '${String(value)}' for input '${name}' not in the list of allowed values`;
    }
  }
  // GitHub caps the serialised inputs of one dispatch.
  if (JSON.stringify(inputs).length > 65_535) return "inputs are too large (maximum is 65535 characters)";
  return undefined;
}

export const operationHandlers: Readonly<Record<string, OperationHandler>> = {
  "users/get-authenticated": ({ fixtures }, request) => ({
    status: 200,
    body: fixtures.authenticatedUser(request.user),
  }),

  "issues/list-comments": ({ fixtures }, request) => {
    const repository = requireRepository(request);
    const issueNumber = integerParameter(request, "issue_number");
    if (!repository.pullRequests.has(issueNumber)) return notFound;
    const since = request.url.searchParams.get("since");
    const comments = [...repository.comments.values()]
      .filter((comment) => comment.issueNumber === issueNumber)
      .filter((comment) => since === null || Date.parse(comment.updatedAt) >= Date.parse(since))
      .sort((a, b) => a.id - b.id);
    const { page, headers } = paginate(request, comments);
    return { status: 200, body: page.map((comment) => fixtures.issueComment(repository, comment)), headers };
  },

  "issues/get-comment": ({ fixtures }, request) => {
    const repository = requireRepository(request);
    const comment = repository.comments.get(integerParameter(request, "comment_id"));
    return comment ? { status: 200, body: fixtures.issueComment(repository, comment) } : notFound;
  },

  "issues/create-comment": ({ state, fixtures }, request) => {
    const repository = requireRepository(request);
    const issueNumber = integerParameter(request, "issue_number");
    if (!repository.pullRequests.has(issueNumber)) return notFound;
    const body = (request.body as { body: string }).body;
    const tooLong = commentTooLong(body);
    if (tooLong) return tooLong;
    const now = githubTimestamp();
    const comment = { id: state.allocateId(), issueNumber, body, author: request.user, createdAt: now, updatedAt: now };
    repository.comments.set(comment.id, comment);
    const response = fixtures.issueComment(repository, comment);
    return { status: 201, body: response, headers: { location: String(response.url) } };
  },

  "issues/update-comment": ({ fixtures }, request) => {
    const repository = requireRepository(request);
    const comment = repository.comments.get(integerParameter(request, "comment_id"));
    if (!comment) return notFound;
    const body = (request.body as { body: string }).body;
    const tooLong = commentTooLong(body);
    if (tooLong) return tooLong;
    comment.body = body;
    comment.updatedAt = githubTimestamp();
    return { status: 200, body: fixtures.issueComment(repository, comment) };
  },

  "issues/delete-comment": (_context, request) => {
    const repository = requireRepository(request);
    return repository.comments.delete(integerParameter(request, "comment_id")) ? { status: 204 } : notFound;
  },

  "pulls/get": ({ fixtures }, request) => {
    const repository = requireRepository(request);
    const pull = repository.pullRequests.get(integerParameter(request, "pull_number"));
    return pull ? { status: 200, body: fixtures.pullRequest(repository, pull) } : notFound;
  },

  // GitHub: "the merged pull request that introduced the commit" (its merge commit, or one of the pull
  // request's own commits once merged); for a commit not on the default branch, the open pull requests whose
  // head it is.
  "repos/list-pull-requests-associated-with-commit": ({ fixtures }, request) => {
    const repository = requireRepository(request);
    const sha = request.pathParameters.commit_sha ?? "";
    const pulls = [...repository.pullRequests.values()]
      .filter(
        (pull) =>
          (pull.merged && (pull.mergeCommitSha === sha || pull.commits.includes(sha))) ||
          (pull.state === "open" && pull.headSha === sha),
      )
      .sort((a, b) => b.number - a.number);
    const { page, headers } = paginate(request, pulls);
    return { status: 200, body: page.map((pull) => fixtures.pullRequestSimple(repository, pull)), headers };
  },

  "issues/create": ({ state, fixtures }, request) => {
    const repository = requireRepository(request);
    const {
      title,
      body = "",
      assignees = [],
    } = request.body as { title: string | number; body?: string | null; assignees?: string[] };
    const tooLong = commentTooLong(body ?? "");
    if (tooLong) return tooLong;
    const now = githubTimestamp();
    const issue = {
      number: state.nextIssueNumber(repository),
      title: String(title),
      body: body ?? "",
      state: "open" as const,
      // GitHub silently drops assignees who may not be assigned; here every login given is kept.
      assignees: assignees.map((login, index) => ({ login, id: 5_000 + index })),
      author: request.user,
      createdAt: now,
      updatedAt: now,
    };
    repository.issues.set(issue.number, issue);
    const response = fixtures.issue(repository, issue);
    return { status: 201, body: response, headers: { location: String(response.url) } };
  },

  "issues/list-for-repo": ({ fixtures }, request) => {
    const repository = requireRepository(request);
    const wanted = request.url.searchParams.get("state") ?? "open";
    const creator = request.url.searchParams.get("creator");
    const issues = [...repository.issues.values()]
      .filter((issue) => wanted === "all" || issue.state === wanted)
      .filter((issue) => creator === null || issue.author.login === creator)
      .sort((a, b) => b.number - a.number);
    const { page, headers } = paginate(request, issues);
    return { status: 200, body: page.map((issue) => fixtures.issue(repository, issue)), headers };
  },

  "issues/update": ({ fixtures }, request) => {
    const repository = requireRepository(request);
    const issue = repository.issues.get(integerParameter(request, "issue_number"));
    if (!issue) return notFound;
    const update = request.body as { title?: string; body?: string | null; state?: "open" | "closed" };
    if (update.body !== undefined) {
      const tooLong = commentTooLong(update.body ?? "");
      if (tooLong) return tooLong;
      issue.body = update.body ?? "";
    }
    if (update.title !== undefined) issue.title = String(update.title);
    if (update.state !== undefined) issue.state = update.state;
    issue.updatedAt = githubTimestamp();
    return { status: 200, body: fixtures.issue(repository, issue) };
  },

  "actions/create-workflow-dispatch": (context, request) => {
    const repository = requireRepository(request);
    const workflowId = request.pathParameters.workflow_id ?? "";
    const workflow = repository.workflows.find(
      (candidate) => String(candidate.id) === workflowId || candidate.file === workflowId,
    );
    if (!workflow) return notFound;
    if (workflow.dispatchable === false) {
      return { status: 422, body: errorBody(422, "Workflow does not have 'workflow_dispatch' trigger") };
    }
    const {
      ref,
      inputs = {},
      return_run_details: returnRunDetails,
    } = request.body as {
      ref: string;
      inputs?: Record<string, unknown>;
      return_run_details?: boolean;
    };
    const branch = ref.replace(/^refs\/heads\//, "");
    if (!repository.branches.has(branch)) return { status: 422, body: errorBody(422, `No ref found for: ${ref}`) };
    const inputProblem = checkDispatchInputs(workflow, inputs);
    if (inputProblem) return { status: 422, body: errorBody(422, inputProblem) };
    const run = context.runs.create(repository, workflow, branch, inputs, request.user, request.runAppearsAfterMs);
    context.dispatches.push({
      repository: `${repository.owner}/${repository.name}`,
      workflow: workflow.file,
      ref,
      inputs: structuredClone(inputs),
      tokenLabel: request.tokenLabel,
      runId: run?.id,
    });
    if (returnRunDetails === true && context.returnRunDetails && run) {
      const body = context.fixtures.workflowRun(repository, run);
      return { status: 200, body: { workflow_run_id: run.id, run_url: body.url, html_url: body.html_url } };
    }
    return { status: 204 };
  },

  "actions/list-workflow-runs-for-repo": ({ fixtures, runs: lifecycle }, request) => {
    const repository = requireRepository(request);
    const runs = [...repository.runs.values()]
      .filter((run) => lifecycle.isVisible(run) && runMatchesQuery(run, request.url.searchParams))
      .sort((a, b) => b.id - a.id);
    const { page, headers } = paginate(request, runs);
    return {
      status: 200,
      body: { total_count: runs.length, workflow_runs: page.map((run) => fixtures.workflowRun(repository, run)) },
      headers,
    };
  },

  "actions/get-workflow-run": ({ fixtures, runs }, request) => {
    const repository = requireRepository(request);
    const run = repository.runs.get(integerParameter(request, "run_id"));
    if (!run || !runs.isVisible(run)) return notFound;
    const body = fixtures.workflowRun(repository, run);
    runs.advanceOnRead(repository, run);
    return { status: 200, body };
  },

  "actions/cancel-workflow-run": ({ runs }, request) => {
    const repository = requireRepository(request);
    const run = repository.runs.get(integerParameter(request, "run_id"));
    if (!run || !runs.isVisible(run)) return notFound;
    if (!runs.cancel(repository, run)) {
      return { status: 409, body: errorBody(409, "Cannot cancel a workflow run that is completed.") };
    }
    return { status: 202, body: {} };
  },
};
