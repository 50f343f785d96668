/**
 * A local stand-in for GitHub Actions' OIDC provider (`token.actions.githubusercontent.com`), for tests:
 * real RSA signing keys, the discovery document, a JWKS, GitHub's claim set, and the runner's token-request
 * endpoint (`ACTIONS_ID_TOKEN_REQUEST_URL` + bearer `ACTIONS_ID_TOKEN_REQUEST_TOKEN`). Real HTTP on
 * 127.0.0.1 with a random port; disposable with `await using`.
 *
 * The `sub` is GitHub's default (classic or immutable format), or a repository's customised template
 * (`subjectClaimKeys`, GitHub's `include_claim_keys`: `repo`, `context`, then any claim as `key:value`, a
 * `:` inside a value written `%3A`).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { generateKeyPairSync, randomBytes, randomUUID, sign, type KeyObject } from "node:crypto";
import type { AddressInfo } from "node:net";

/** The workflow run a token is issued for. Only `repository` and `ref` are required. */
export interface GithubWorkflowContext {
  /** `owner/name` */
  repository: string;
  /** `refs/heads/main`, `refs/pull/7/merge`, `refs/tags/v1` */
  ref: string;
  repositoryId?: string;
  repositoryOwnerId?: string;
  /** Defaults to `<repository>/.github/workflows/deploy.yml@<ref>`. */
  workflowRef?: string;
  /** The called (reusable) workflow; defaults to `workflowRef`. */
  jobWorkflowRef?: string;
  actor?: string;
  eventName?: string;
  sha?: string;
  /** A deployment environment makes the `sub` `repo:O/R:environment:NAME`, as GitHub does. */
  environment?: string;
  /** Use GitHub's immutable subject format `repo:OWNER@ownerId/REPO@repoId:...`. */
  immutableSubject?: boolean;
  /** The repository's customised `sub` template (`include_claim_keys`), e.g. `["repo", "context", "job_workflow_ref"]`. */
  subjectClaimKeys?: string[];
}

export type GithubOidcClaims = Record<string, string | number | boolean | string[]>;

export interface MintOptions {
  audience?: string | string[];
  /** Seconds until `exp` (negative makes an already-expired token). Default 300. */
  expiresInSeconds?: number;
  /** Sign with a key that is not in the JWKS (a forged token). */
  signWithUntrustedKey?: boolean;
  /** Claims to replace or add after the context's claims are computed. */
  overrides?: GithubOidcClaims;
}

export interface WorkflowRun {
  /** The environment a runner gives a job with `permissions: id-token: write`, plus the GITHUB_* context. */
  env: Record<string, string>;
  requestUrl: string;
  requestToken: string;
}

export interface OidcIssuer extends AsyncDisposable {
  /** The `iss` claim and discovery base, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** The issuer without its scheme: the IAM OIDC provider name and the condition-key prefix (`<host>:sub`). */
  readonly host: string;
  /** `arn:aws:iam::<account>:oidc-provider/<host>`, what a trust policy names as its Federated principal. */
  providerArn(accountId: string): string;
  /** GitHub's claim set for a run (without `aud`/`exp`/`iat`/`nbf`/`jti`). */
  claimsFor(context: GithubWorkflowContext): GithubOidcClaims;
  mintToken(context: GithubWorkflowContext, options?: MintOptions): string;
  /** Registers a run: its token-request URL and bearer, and the env a runner would set. */
  startRun(context: GithubWorkflowContext): WorkflowRun;
  /** Audiences requested through the token-request endpoint, in order. */
  readonly tokenRequests: ReadonlyArray<{ repository: string; audience: string }>;
  close(): Promise<void>;
}

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString("base64url");
}

function signJwt(header: object, claims: object, key: KeyObject): string {
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  return `${input}.${base64url(sign("sha256", Buffer.from(input), key))}`;
}

/** The `context` part of a subject: the environment, a pull request, or the ref. */
function subjectContext(context: GithubWorkflowContext): string {
  if (context.environment) return `environment:${context.environment}`;
  if ((context.eventName ?? "push") === "pull_request") return "pull_request";
  return `ref:${context.ref}`;
}

function subjectFor(context: GithubWorkflowContext, claims: GithubOidcClaims): string {
  const [owner = "", name = ""] = context.repository.split("/");
  const repo = context.immutableSubject
    ? `${owner}@${context.repositoryOwnerId ?? "1"}/${name}@${context.repositoryId ?? "1"}`
    : context.repository;
  const keys = context.subjectClaimKeys ?? ["repo", "context"];
  return keys
    .map((key) => {
      if (key === "repo") return `repo:${repo}`;
      if (key === "context") return subjectContext(context);
      return `${key}:${String(claims[key] ?? "").replaceAll(":", "%3A")}`;
    })
    .join(":");
}

export async function startOidcIssuer(): Promise<OidcIssuer> {
  const keyId = randomUUID();
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const untrusted = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
  const runs = new Map<string, GithubWorkflowContext>();
  const tokenRequests: Array<{ repository: string; audience: string }> = [];
  let url = "";

  const claimsFor = (context: GithubWorkflowContext): GithubOidcClaims => {
    const [owner = ""] = context.repository.split("/");
    const workflowRef = context.workflowRef ?? `${context.repository}/.github/workflows/deploy.yml@${context.ref}`;
    const jobWorkflowRef = context.jobWorkflowRef ?? workflowRef;
    const sha = context.sha ?? "0".repeat(40);
    const claims: GithubOidcClaims = {
      sub: "",
      ref: context.ref,
      ref_type: context.ref.startsWith("refs/tags/") ? "tag" : "branch",
      ref_protected: context.ref === "refs/heads/main" ? "true" : "false",
      sha,
      repository: context.repository,
      repository_id: context.repositoryId ?? "1",
      repository_owner: owner,
      repository_owner_id: context.repositoryOwnerId ?? "1",
      repository_visibility: "private",
      run_id: "1",
      run_number: "1",
      run_attempt: "1",
      runner_environment: "github-hosted",
      actor: context.actor ?? "octocat",
      actor_id: "1",
      event_name: context.eventName ?? "push",
      workflow: "deploy",
      workflow_ref: workflowRef,
      workflow_sha: sha,
      job_workflow_ref: jobWorkflowRef,
      job_workflow_sha: sha,
    };
    if (context.environment) claims["environment"] = context.environment;
    claims["sub"] = subjectFor(context, claims);
    return claims;
  };

  const mintToken = (context: GithubWorkflowContext, options: MintOptions = {}): string => {
    const now = Math.floor(Date.now() / 1000);
    const expiresIn = options.expiresInSeconds ?? 300;
    const [owner = ""] = context.repository.split("/");
    const claims = {
      jti: randomUUID(),
      ...claimsFor(context),
      aud: options.audience ?? `https://github.com/${owner}`,
      iss: url,
      // Backdate nbf/iat for expired tokens so they are otherwise well-formed.
      nbf: Math.min(now, now + expiresIn) - 5,
      iat: Math.min(now, now + expiresIn) - 5,
      exp: now + expiresIn,
      ...options.overrides,
    };
    return signJwt(
      { typ: "JWT", alg: "RS256", kid: keyId },
      claims,
      options.signWithUntrustedKey ? untrusted : privateKey,
    );
  };

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const requestUrl = new URL(req.url ?? "/", url);
    if (req.method !== "GET") return json(res, 405, { message: "method not allowed" });
    switch (requestUrl.pathname) {
      case "/.well-known/openid-configuration":
        return json(res, 200, {
          issuer: url,
          jwks_uri: `${url}/.well-known/jwks`,
          subject_types_supported: ["public", "pairwise"],
          response_types_supported: ["id_token"],
          id_token_signing_alg_values_supported: ["RS256"],
          scopes_supported: ["openid"],
          claims_supported: [
            "sub",
            "aud",
            "exp",
            "iat",
            "iss",
            "jti",
            "nbf",
            "ref",
            "ref_type",
            "ref_protected",
            "sha",
            "repository",
            "repository_id",
            "repository_owner",
            "repository_owner_id",
            "repository_visibility",
            "run_id",
            "run_number",
            "run_attempt",
            "runner_environment",
            "actor",
            "actor_id",
            "event_name",
            "workflow",
            "workflow_ref",
            "workflow_sha",
            "job_workflow_ref",
            "job_workflow_sha",
            "environment",
          ],
        });
      case "/.well-known/jwks":
        return json(res, 200, {
          keys: [{ ...publicKey.export({ format: "jwk" }), kid: keyId, use: "sig", alg: "RS256" }],
        });
      case "/_apis/idtoken": {
        const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
        const context = bearer === undefined ? undefined : runs.get(bearer);
        if (!context) return json(res, 401, { message: "invalid or missing request token" });
        const audience = requestUrl.searchParams.get("audience") ?? undefined;
        tokenRequests.push({ repository: context.repository, audience: audience ?? "" });
        return json(res, 200, { value: mintToken(context, audience === undefined ? {} : { audience }) });
      }
      default:
        return json(res, 404, { message: "not found" });
    }
  };

  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  url = `http://127.0.0.1:${port}`;
  const host = url.replace(/^https?:\/\//, "");

  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });

  return {
    url,
    host,
    providerArn: (accountId) => `arn:aws:iam::${accountId}:oidc-provider/${host}`,
    claimsFor,
    mintToken,
    tokenRequests,
    startRun(context) {
      const requestToken = randomBytes(24).toString("hex");
      runs.set(requestToken, context);
      const requestUrl = `${url}/_apis/idtoken?api-version=2.0`;
      const [owner = ""] = context.repository.split("/");
      const claims = claimsFor(context);
      return {
        requestUrl,
        requestToken,
        env: {
          GITHUB_ACTIONS: "true",
          ACTIONS_ID_TOKEN_REQUEST_URL: requestUrl,
          ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken,
          GITHUB_REPOSITORY: context.repository,
          GITHUB_REPOSITORY_OWNER: owner,
          GITHUB_REF: context.ref,
          GITHUB_REF_NAME: context.ref.replace(/^refs\/(heads|tags)\//, ""),
          GITHUB_WORKFLOW_REF: String(claims["workflow_ref"]),
          GITHUB_ACTOR: String(claims["actor"]),
          GITHUB_TRIGGERING_ACTOR: String(claims["actor"]),
          GITHUB_EVENT_NAME: String(claims["event_name"]),
          GITHUB_SHA: String(claims["sha"]),
        },
      };
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
