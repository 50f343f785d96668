/**
 * A local GitHub REST API for tests: a real HTTP server on 127.0.0.1 that checks EVERY request against
 * GitHub's published OpenAPI description (`@octokit/openapi`) and answers the operations Gantry uses with
 * stateful responses that are themselves checked against the description's response schemas.
 *
 * - Unknown path or method, bad path or query parameters, or a JSON body that breaks the operation's
 *   `requestBody` schema: answered like GitHub (404 / 422 / 400) and recorded in `violations`.
 * - Tokens are registered with their kind: classic (scopes, sent back in `X-OAuth-Scopes`) or fine-grained
 *   (selected repositories + repository permissions, no scopes header). A call a token may not make gets 403
 *   with GitHub's `X-Accepted-GitHub-Permissions` / `X-Accepted-OAuth-Scopes` header; a repository it cannot
 *   see gets 404, as GitHub hides private repositories.
 * - GitHub Apps (`apps`): the App's JWT is verified as GitHub documents (RS256 with its key, `iss`, `iat`, `exp`
 *   at most ten minutes ahead) on the App's own operations; installation tokens are minted narrowed to what
 *   the installation has (422 beyond it), enforced like fine-grained tokens, and refused `GET /user`.
 * - Every request is recorded (method, path, operation, the token's label, status) so a test can prove each
 *   token is used only for its own calls.
 * - Faults on request (`injectFault`): 5xx answers, primary and secondary rate limits (with `retry-after`), a
 *   connection reset before the request is processed, a response lost after it was processed, and a dispatched
 *   run that GitHub shows late. Workflow runs honour `concurrency` groups and can be run by a test's executor
 *   (see `runs.ts`); every accepted dispatch is counted in `dispatches`.
 *
 * Usage: `await using github = await startGitHubEmulator({ tokens, repositories })`, then point a client at
 * `github.url`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  appJwtOperations,
  handleAppOperation,
  verifyAppJwt,
  type GitHubAppSpec,
  type MintedInstallationToken,
} from "./github-emulator/apps.js";
import {
  ResponseFixtures,
  type EmulatedComment,
  type EmulatedRun,
  type EmulatedUser,
  type RunState,
} from "./github-emulator/fixtures.js";
import {
  errorBody,
  operationHandlers,
  type HandlerContext,
  type HandlerResponse,
  type RecordedDispatch,
} from "./github-emulator/handlers.js";
import { RunLifecycle } from "./github-emulator/runs.js";
import { validateSchema, type SchemaIssue } from "./github-emulator/json-schema.js";
import { loadGitHubOpenApi, OperationMatcher, type MatchedOperation } from "./github-emulator/openapi.js";
import {
  formatAcceptedPermissions,
  grantsPermissionSet,
  operationRequirements,
  type FineGrainedPermissions,
  type OperationRequirement,
} from "./github-emulator/permissions.js";
import {
  checkApiVersion,
  checkParameters,
  checkRequestBody,
  responseSchemaFor,
  statusForProblem,
  type RequestProblem,
  type ViolationKind,
} from "./github-emulator/request-checks.js";
import {
  EmulatorState,
  githubTimestamp,
  repositoryKey,
  type EmulatedPullRequestSpec,
  type EmulatedRepositorySpec,
  type RepositoryState,
} from "./github-emulator/state.js";

export type {
  FineGrainedPermissions as GitHubFineGrainedPermissions,
  PermissionLevel as GitHubPermissionLevel,
  RepositoryPermission as GitHubRepositoryPermission,
} from "./github-emulator/permissions.js";
export type {
  ExecutedRun as GitHubExecutedRun,
  EmulatedRepositorySpec as GitHubRepositorySpec,
  EmulatedPullRequestSpec as GitHubPullRequestSpec,
  EmulatedWorkflowSpec as GitHubWorkflowSpec,
  WorkflowInputSpec as GitHubWorkflowInputSpec,
} from "./github-emulator/state.js";
export type {
  RunState as GitHubRunState,
  RunStatus as GitHubRunStatus,
  RunConclusion as GitHubRunConclusion,
} from "./github-emulator/fixtures.js";
export type { RecordedDispatch as GitHubRecordedDispatch } from "./github-emulator/handlers.js";
export type {
  GitHubAppSpec,
  GitHubInstallationSpec,
  MintedInstallationToken as GitHubInstallationToken,
} from "./github-emulator/apps.js";
export type { SchemaIssue as GitHubSchemaIssue } from "./github-emulator/json-schema.js";
export type { ViolationKind as GitHubViolationKind } from "./github-emulator/request-checks.js";
export { maximumCommentLength as githubMaximumCommentLength } from "./github-emulator/handlers.js";

interface TokenCommon {
  readonly token: string;
  /** How tests and records name this token, e.g. "dispatch". Never the secret itself. */
  readonly label?: string;
  /** The user the token belongs to (default "gantry-bot"). */
  readonly login?: string;
}

export type GitHubTokenSpec =
  | (TokenCommon & { readonly kind: "classic"; readonly scopes: readonly string[] })
  | (TokenCommon & {
      readonly kind: "fine-grained";
      /** `owner/name` of each selected repository. */
      readonly repositories: readonly string[];
      readonly permissions: FineGrainedPermissions;
    })
  | (TokenCommon & {
      /** A GitHub App installation token (`ghs_…`); the emulator registers these when it mints them. */
      readonly kind: "installation";
      readonly repositories: readonly string[];
      readonly permissions: FineGrainedPermissions;
      /** Milliseconds since the epoch; later, GitHub answers 401. */
      readonly expiresAt: number;
    });

export interface GitHubEmulatorOptions {
  readonly tokens: readonly GitHubTokenSpec[];
  readonly repositories?: readonly EmulatedRepositorySpec[];
  /** GitHub Apps, with their installations: JWTs are verified, installation tokens minted and enforced. */
  readonly apps?: readonly GitHubAppSpec[];
  /** Answer `return_run_details: true` dispatches with the run (GitHub.com, default) or always 204 (GHES, older). */
  readonly returnRunDetails?: boolean;
}

/** One injected fault, applied to one request of an operation (fields combine, e.g. a lost response and a late run). */
export interface GitHubFault {
  /** Answer with this status (500, 502, 503, ...) without processing the request. */
  readonly status?: number;
  /** Answer 403 "You have exceeded a secondary rate limit" with `retry-after`, without processing the request. */
  readonly secondaryRateLimit?: { readonly retryAfterSeconds: number };
  /** Answer 403 with `x-ratelimit-remaining: 0` and a reset this far ahead, without processing the request. */
  readonly primaryRateLimit?: { readonly resetInSeconds: number };
  /** Reset the connection before the request is processed (it had no effect). */
  readonly resetBeforeProcessing?: boolean;
  /** Process the request, then reset the connection: it took effect, but the client never sees the answer. */
  readonly loseResponse?: boolean;
  /** A workflow dispatch's run is neither listed nor readable for this long after it was created. */
  readonly runAppearsAfterMs?: number;
}

export interface GitHubViolation {
  readonly kind: ViolationKind;
  readonly method: string;
  readonly path: string;
  readonly operationId: string | undefined;
  readonly message: string;
}

export interface GitHubRecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly operationId: string | undefined;
  /** The label of the token used (undefined: none or unknown). */
  readonly tokenLabel: string | undefined;
  /** The status sent; 0 when the connection was reset instead. */
  readonly status: number;
  /** The injected fault this request met, if any. */
  readonly fault?: GitHubFault;
}

export interface GitHubCommentSnapshot {
  readonly id: number;
  readonly body: string;
  readonly author: string;
}

export interface GitHubIssueSnapshot {
  readonly number: number;
  readonly title: string;
  readonly body: string;
  readonly state: "open" | "closed";
  readonly author: string;
  readonly assignees: string[];
}

export interface GitHubRunSnapshot {
  readonly id: number;
  readonly workflowPath: string;
  readonly branch: string;
  readonly event: string;
  readonly displayTitle: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly state: RunState;
  /** The run's concurrency group, when its workflow has one. */
  readonly group: string | undefined;
}

export interface GitHubEmulator extends AsyncDisposable {
  /** Base URL for API clients (`baseUrl` of Octokit): `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** Requests that broke GitHub's description, and responses of the emulator that did. */
  readonly violations: readonly GitHubViolation[];
  readonly requests: readonly GitHubRecordedRequest[];
  readonly dispatches: readonly RecordedDispatch[];
  /** Every installation token minted, with its repositories and permissions. */
  readonly installationTokens: readonly MintedInstallationToken[];
  comments(owner: string, repo: string, issueNumber: number): GitHubCommentSnapshot[];
  /** Adds a comment as another user would (e.g. a reviewer's, or one faking Gantry's marker). */
  addComment(owner: string, repo: string, issueNumber: number, body: string, authorLogin: string): number;
  /** The issues (not pull requests) of a repository, lowest number first. */
  issues(owner: string, repo: string): GitHubIssueSnapshot[];
  runs(owner: string, repo: string): GitHubRunSnapshot[];
  /** Sets a run's state now, and optionally the states it goes through on the next reads. */
  setRunState(runId: number, state: RunState, next?: readonly RunState[]): void;
  addPullRequest(owner: string, repo: string, spec: EmulatedPullRequestSpec): void;
  /** Moves a pull request's head (a new push). */
  setPullRequestHead(owner: string, repo: string, pullNumber: number, headSha: string): void;
  /** The next `times` authorised calls of `operationId` fail with `status` (e.g. 502), as GitHub sometimes does. */
  failNext(operationId: string, status: number, times?: number): void;
  /** The next `times` authorised calls of `operationId` meet `fault` (queued after faults injected before). */
  injectFault(operationId: string, fault: GitHubFault, times?: number): void;
  close(): Promise<void>;
}

interface StoredToken {
  readonly spec: GitHubTokenSpec;
  readonly label: string;
  readonly user: EmulatedUser;
}

/** Compiling the 800-odd path templates once per process is enough: the description never changes. */
let sharedMatcher: OperationMatcher | undefined;

/**
 * Checks a response body against GitHub's description of `method path` for `status` (an empty list: valid).
 * Exposed so tests can validate what any server sent, independently of the emulator's own check.
 */
export function validateGitHubResponse(method: string, path: string, status: number, body: unknown): SchemaIssue[] {
  const document = loadGitHubOpenApi();
  sharedMatcher ??= new OperationMatcher(document);
  const matched = sharedMatcher.findOperation(method, new URL(path, "http://localhost").pathname);
  if (typeof matched === "string")
    return [{ path: "", message: `${method} ${path} is not an operation of the GitHub REST API (${matched})` }];
  const schema = responseSchemaFor(document, matched, status);
  if (schema === undefined) {
    return matched.operation.responses[String(status)] === undefined
      ? [{ path: "", message: `status ${status} is not documented for ${matched.operation.operationId}` }]
      : [];
  }
  return validateSchema(document, schema, body);
}

/**
 * Checks a request (method, path with its parameters, JSON body) against GitHub's description, as the emulator
 * checks each request it serves; an empty list: valid. For requests Gantry tells people to send themselves.
 */
export function validateGitHubRequest(method: string, path: string, body: unknown): string[] {
  const document = loadGitHubOpenApi();
  sharedMatcher ??= new OperationMatcher(document);
  const url = new URL(path, "http://localhost");
  const matched = sharedMatcher.findOperation(method, url.pathname);
  if (typeof matched === "string") return [`${method} ${path} is not an operation of the GitHub REST API (${matched})`];
  const problems = checkParameters(document, matched, url.searchParams).map((problem) => problem.message);
  const checked = checkRequestBody(document, matched, body === undefined ? "" : JSON.stringify(body));
  return checked.ok ? problems : [...problems, checked.message];
}

function loginId(login: string): number {
  let hash = 7;
  for (const character of login) hash = (hash * 31 + character.charCodeAt(0)) % 10_000_000;
  return 100_000 + hash;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

function bearerToken(header: string | undefined): string | undefined {
  const match = /^(?:token|bearer)\s+(\S+)$/i.exec(header?.trim() ?? "");
  return match?.[1];
}

export async function startGitHubEmulator(options: GitHubEmulatorOptions): Promise<GitHubEmulator> {
  const document = loadGitHubOpenApi();
  sharedMatcher ??= new OperationMatcher(document);
  const matcher = sharedMatcher;
  const state = new EmulatorState();
  const violations: GitHubViolation[] = [];
  const requests: GitHubRecordedRequest[] = [];
  const dispatches: RecordedDispatch[] = [];
  const installationTokens: MintedInstallationToken[] = [];
  const tokens = new Map<string, StoredToken>();
  const faults = new Map<string, GitHubFault[]>();
  options.tokens.forEach((spec, index) => {
    const login = spec.login ?? "gantry-bot";
    tokens.set(spec.token, { spec, label: spec.label ?? `token-${index + 1}`, user: { login, id: loginId(login) } });
  });
  const repositoryOwner = (owner: string): EmulatedUser => ({ login: owner, id: loginId(owner) });

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      violations.push({
        kind: "emulator-error",
        method: request.method ?? "",
        path: request.url ?? "",
        operationId: undefined,
        message,
      });
      response.writeHead(500, { "content-type": "application/json" });
      response.end(
        JSON.stringify(errorBody(500, `emulator failure: ${error instanceof Error ? error.message : String(error)}`)),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const fixtures = new ResponseFixtures(document, url);
  const runs = new RunLifecycle(state);
  const context: HandlerContext = {
    state,
    fixtures,
    dispatches,
    returnRunDetails: options.returnRunDetails ?? true,
    runs,
  };
  for (const spec of options.repositories ?? []) state.addRepository(spec, repositoryOwner(spec.owner));

  function send(
    response: ServerResponse,
    record: Omit<GitHubRecordedRequest, "status">,
    matched: MatchedOperation | undefined,
    result: HandlerResponse,
    extraHeaders: Record<string, string>,
  ): void {
    if (matched) checkOwnResponse(record, matched, result);
    requests.push({ ...record, status: result.status });
    const headers: Record<string, string> = {
      ...extraHeaders,
      ...result.headers,
      "x-github-media-type": "github.v3; format=json",
    };
    if (result.body === undefined) {
      response.writeHead(result.status, headers);
      response.end();
      return;
    }
    response.writeHead(result.status, { ...headers, "content-type": "application/json; charset=utf-8" });
    response.end(JSON.stringify(result.body));
  }

  /** The emulator's own answers must satisfy the description too; a failure here is an emulator bug. */
  function checkOwnResponse(
    record: Omit<GitHubRecordedRequest, "status">,
    matched: MatchedOperation,
    result: HandlerResponse,
  ): void {
    const documented = matched.operation.responses[String(result.status)] !== undefined;
    const issues: string[] = [];
    if (!documented && result.status < 300) issues.push(`status ${result.status} is not documented`);
    const schema = responseSchemaFor(document, matched, result.status);
    if (schema !== undefined)
      issues.push(...validateSchema(document, schema, result.body ?? null).map((issue) => issue.message));
    if (issues.length > 0) {
      violations.push({
        kind: "response-schema",
        method: record.method,
        path: record.path,
        operationId: record.operationId,
        message: issues.join("\n"),
      });
    }
  }

  function authorise(
    token: StoredToken,
    requirement: OperationRequirement,
    repository: RepositoryState | undefined,
  ): { status: 403 | 404; headers: Record<string, string> } | undefined {
    const spec = token.spec;
    if (spec.kind === "fine-grained" || spec.kind === "installation") {
      const headers = { "x-accepted-github-permissions": formatAcceptedPermissions(requirement) };
      if (repository) {
        const selected = spec.repositories.some(
          (name) => name.toLowerCase() === repositoryKey(repository.owner, repository.name),
        );
        if (!selected && repository.private) return { status: 404, headers };
        // Any fine-grained token may read public repositories; it writes only to the ones selected.
        if (!selected) {
          const readOnly = requirement.fineGrained.some((set) => Object.values(set).every((level) => level === "read"));
          return readOnly ? undefined : { status: 403, headers };
        }
      }
      const granted = requirement.fineGrained.some((set) => grantsPermissionSet(spec.permissions, set));
      return granted ? undefined : { status: 403, headers };
    }
    const accepted = repository?.private === false ? requirement.classicPublic : requirement.classicPrivate;
    const headers = { "x-accepted-oauth-scopes": accepted.join(", ") };
    if (accepted.length === 0 || accepted.some((scope) => spec.scopes.includes(scope))) return undefined;
    // GitHub hides a private repository from a classic token without `repo`.
    return { status: repository?.private === true ? 404 : 403, headers };
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = (request.method ?? "GET").toUpperCase();
    const requestUrl = new URL(request.url ?? "/", url);
    const rawBody = await readBody(request);
    const token = tokens.get(bearerToken(request.headers.authorization) ?? "");
    const matched = matcher.findOperation(method, requestUrl.pathname);
    const record = {
      method,
      path: requestUrl.pathname + requestUrl.search,
      operationId: typeof matched === "string" ? undefined : matched.operation.operationId,
      tokenLabel: token?.label,
    };
    const violate = (problem: RequestProblem) =>
      violations.push({
        kind: problem.kind,
        method,
        path: record.path,
        operationId: record.operationId,
        message: problem.message,
      });
    const scopeHeaders: Record<string, string> =
      token?.spec.kind === "classic" ? { "x-oauth-scopes": token.spec.scopes.join(", ") } : {};

    if (typeof matched === "string") {
      const kind = matched === "no-path" ? "unknown-path" : "unknown-method";
      violate({ kind, message: `${method} ${requestUrl.pathname} is not an operation of the GitHub REST API.` });
      send(response, record, undefined, { status: 404, body: errorBody(404, "Not Found") }, scopeHeaders);
      return;
    }
    const apiVersionProblem = checkApiVersion(request.headers["x-github-api-version"]);
    const problems = [
      ...(apiVersionProblem ? [apiVersionProblem] : []),
      ...checkParameters(document, matched, requestUrl.searchParams),
    ];
    const body = checkRequestBody(document, matched, rawBody);
    problems.forEach(violate);
    if (!body.ok) violate({ kind: "request-body", message: body.message });

    if (bearerToken(request.headers.authorization) === undefined) {
      send(response, record, matched, { status: 401, body: errorBody(401, "Requires authentication") }, scopeHeaders);
      return;
    }
    const operationId = matched.operation.operationId;
    if (appJwtOperations.has(operationId)) {
      // The App's own operations take its JWT, and nothing else.
      const checked = verifyAppJwt(options.apps ?? [], bearerToken(request.headers.authorization)!);
      if ("refusal" in checked) {
        send(response, record, matched, { status: 401, body: errorBody(401, checked.refusal) }, {});
        return;
      }
      const appRecord = { ...record, tokenLabel: `app:${checked.app.slug}` };
      if (!body.ok) {
        send(response, appRecord, matched, { status: body.status, body: errorBody(body.status, body.message) }, {});
        return;
      }
      const result = handleAppOperation(
        { state, fixtures, ownerOf: repositoryOwner },
        { operationId, app: checked.app, pathParameters: matched.pathParameters, body: body.value },
        (minted, login) => {
          installationTokens.push(minted);
          const spec: GitHubTokenSpec = {
            kind: "installation",
            token: minted.token,
            label: `${login} installation ${minted.installationId}`,
            login,
            repositories: minted.repositories,
            permissions: minted.permissions,
            expiresAt: minted.expiresAt,
          };
          tokens.set(minted.token, { spec, label: spec.label!, user: { login, id: loginId(login) } });
        },
      );
      send(response, appRecord, matched, result, {});
      return;
    }
    if (!token || (token.spec.kind === "installation" && token.spec.expiresAt <= Date.now())) {
      send(response, record, matched, { status: 401, body: errorBody(401, "Bad credentials") }, scopeHeaders);
      return;
    }
    if (token.spec.kind === "installation" && operationId === "users/get-authenticated") {
      // An installation token is the App's, not a user's.
      send(
        response,
        record,
        matched,
        { status: 403, body: errorBody(403, "Resource not accessible by integration") },
        {},
      );
      return;
    }
    const requirement = operationRequirements[operationId];
    const handler = operationHandlers[operationId];
    if (!requirement || !handler) {
      const message = `${operationId} (${method} ${matched.template}) is valid but not emulated.`;
      violate({ kind: "not-emulated", message });
      send(response, record, matched, { status: 501, body: errorBody(501, message) }, scopeHeaders);
      return;
    }
    const repository = requirement.repositoryScoped
      ? state.repository(matched.pathParameters.owner ?? "", matched.pathParameters.repo ?? "")
      : undefined;
    if (requirement.repositoryScoped && !repository) {
      send(response, record, matched, { status: 404, body: errorBody(404, "Not Found") }, scopeHeaders);
      return;
    }
    const denied = authorise(token, requirement, repository);
    if (denied) {
      const message =
        denied.status === 404
          ? "Not Found"
          : `Resource not accessible by ${token.spec.kind === "installation" ? "integration" : "personal access token"}`;
      send(
        response,
        record,
        matched,
        { status: denied.status, body: errorBody(denied.status, message) },
        { ...scopeHeaders, ...denied.headers },
      );
      return;
    }
    const blocking = problems.find((problem) => problem.kind !== "unknown-query-parameter");
    if (blocking) {
      const status = statusForProblem(blocking.kind);
      const message =
        status === 404 ? "Not Found" : status === 400 ? blocking.message : `Invalid request.\n\n${blocking.message}`;
      send(response, record, matched, { status, body: errorBody(status, message) }, scopeHeaders);
      return;
    }
    if (!body.ok) {
      send(
        response,
        record,
        matched,
        { status: body.status, body: errorBody(body.status, body.message) },
        scopeHeaders,
      );
      return;
    }
    const fault = faults.get(operationId)?.shift();
    const faulty = fault ? { ...record, fault } : record;
    const reset = () => {
      requests.push({ ...faulty, status: 0 });
      request.socket.destroy();
    };
    if (fault?.resetBeforeProcessing) return reset();
    const refusal = fault && refusalFor(fault);
    if (refusal) {
      send(response, faulty, undefined, refusal, scopeHeaders);
      return;
    }
    const result = handler(context, {
      baseUrl: url,
      url: requestUrl,
      pathParameters: matched.pathParameters,
      body: body.value,
      user: token.user,
      tokenLabel: token.label,
      repository,
      ...(fault?.runAppearsAfterMs ? { runAppearsAfterMs: fault.runAppearsAfterMs } : {}),
    });
    if (fault?.loseResponse) return reset();
    send(response, faulty, matched, result, scopeHeaders);
  }

  /** The answer of a fault that refuses the request without processing it. */
  function refusalFor(fault: GitHubFault): HandlerResponse | undefined {
    if (fault.secondaryRateLimit) {
      const message = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.";
      return {
        status: 403,
        body: errorBody(403, message),
        headers: { "retry-after": String(fault.secondaryRateLimit.retryAfterSeconds) },
      };
    }
    if (fault.primaryRateLimit) {
      const reset = Math.ceil(Date.now() / 1000) + fault.primaryRateLimit.resetInSeconds;
      return {
        status: 403,
        body: errorBody(403, "API rate limit exceeded for user."),
        headers: {
          "x-ratelimit-limit": "5000",
          "x-ratelimit-remaining": "0",
          "x-ratelimit-used": "5000",
          "x-ratelimit-reset": String(reset),
        },
      };
    }
    if (fault.status !== undefined) return { status: fault.status, body: errorBody(fault.status, "Server Error") };
    return undefined;
  }

  const repositoryOrThrow = (owner: string, repo: string): RepositoryState => {
    const repository = state.repository(owner, repo);
    if (!repository) throw new Error(`the GitHub emulator has no repository ${owner}/${repo}`);
    return repository;
  };
  const snapshotRun = (run: EmulatedRun): GitHubRunSnapshot => ({
    id: run.id,
    workflowPath: run.workflowPath,
    branch: run.branch,
    event: run.event,
    displayTitle: run.displayTitle,
    inputs: run.inputs,
    state: run.state,
    group: run.group,
  });
  const snapshotComment = (comment: EmulatedComment): GitHubCommentSnapshot => ({
    id: comment.id,
    body: comment.body,
    author: comment.author.login,
  });
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
    return closed;
  };

  return {
    url,
    violations,
    requests,
    dispatches,
    installationTokens,
    comments: (owner, repo, issueNumber) =>
      [...repositoryOrThrow(owner, repo).comments.values()]
        .filter((comment) => comment.issueNumber === issueNumber)
        .sort((a, b) => a.id - b.id)
        .map(snapshotComment),
    addComment(owner, repo, issueNumber, body, authorLogin) {
      const repository = repositoryOrThrow(owner, repo);
      const now = githubTimestamp();
      const comment = {
        id: state.allocateId(),
        issueNumber,
        body,
        author: repositoryOwner(authorLogin),
        createdAt: now,
        updatedAt: now,
      };
      repository.comments.set(comment.id, comment);
      return comment.id;
    },
    issues: (owner, repo) =>
      [...repositoryOrThrow(owner, repo).issues.values()]
        .sort((a, b) => a.number - b.number)
        .map((issue) => ({
          number: issue.number,
          title: issue.title,
          body: issue.body,
          state: issue.state,
          author: issue.author.login,
          assignees: issue.assignees.map((user) => user.login),
        })),
    runs: (owner, repo) => [...repositoryOrThrow(owner, repo).runs.values()].map(snapshotRun),
    setRunState(runId, runState, next = []) {
      const found = state.findRun(runId);
      if (!found) throw new Error(`the GitHub emulator has no run ${runId}`);
      runs.setState(found.repository, found.run, runState, next);
    },
    addPullRequest(owner, repo, spec) {
      state.addPullRequest(repositoryOrThrow(owner, repo), spec, repositoryOwner(owner));
    },
    setPullRequestHead(owner, repo, pullNumber, headSha) {
      const pull = repositoryOrThrow(owner, repo).pullRequests.get(pullNumber);
      if (!pull) throw new Error(`the GitHub emulator has no pull request ${owner}/${repo}#${pullNumber}`);
      pull.headSha = headSha;
    },
    failNext(operationId, status, times = 1) {
      faults.set(
        operationId,
        Array.from({ length: times }, () => ({ status })),
      );
    },
    injectFault(operationId, fault, times = 1) {
      faults.set(operationId, [...(faults.get(operationId) ?? []), ...Array.from({ length: times }, () => fault)]);
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
