/**
 * GitHub Apps, as GitHub documents them ("Authenticating as a GitHub App", "Generating an installation access
 * token"): the App authenticates with a JWT it signs (RS256, `iss` its id or client id, `iat` not in the future,
 * `exp` at most ten minutes ahead), and trades it for installation tokens (`ghs_…`, one hour) narrowed to some of
 * the installation's repositories and permissions, never more than the installation has.
 */
import { createPublicKey, randomBytes, verify, type KeyObject } from "node:crypto";
import type { ResponseFixtures } from "./fixtures.js";
import { errorBody, type HandlerResponse } from "./handlers.js";
import { grantsPermissionSet, type FineGrainedPermissions, type RepositoryPermission } from "./permissions.js";
import { githubTimestamp, repositoryKey, type EmulatorState } from "./state.js";

export interface GitHubInstallationSpec {
  readonly id: number;
  /** The organisation or user it is installed on. */
  readonly account: string;
  /** `owner/name` of each repository it may access, or every repository of the account. */
  readonly repositories: readonly string[] | "all";
  readonly permissions: FineGrainedPermissions;
}

export interface GitHubAppSpec {
  readonly id: number;
  readonly slug: string;
  /** The public half of the App's key: JWTs must be signed with its private key. */
  readonly publicKey: string | KeyObject;
  readonly installations: readonly GitHubInstallationSpec[];
}

/** An installation token the emulator minted, with what it may do (tests assert its narrowness). */
export interface MintedInstallationToken {
  readonly token: string;
  readonly appId: number;
  readonly installationId: number;
  readonly repositories: readonly string[];
  readonly permissions: FineGrainedPermissions;
  readonly expiresAt: number;
}

/** The operations a GitHub App calls with its JWT. */
export const appJwtOperations = new Set([
  "apps/get-authenticated",
  "apps/get-installation",
  "apps/get-repo-installation",
  "apps/create-installation-access-token",
]);

const base64url = (text: string) => Buffer.from(text, "base64url");

/** GitHub's 401 messages for a JWT it refuses. */
export function verifyAppJwt(
  apps: readonly GitHubAppSpec[],
  jwt: string,
  now = Date.now(),
): { app: GitHubAppSpec } | { refusal: string } {
  const undecodable = { refusal: "A JSON web token could not be decoded" };
  const parts = jwt.split(".");
  if (parts.length !== 3) return undecodable;
  let header: { alg?: unknown };
  let payload: { iss?: unknown; iat?: unknown; exp?: unknown };
  try {
    header = JSON.parse(base64url(parts[0]!).toString("utf8")) as typeof header;
    payload = JSON.parse(base64url(parts[1]!).toString("utf8")) as typeof payload;
  } catch {
    return undecodable;
  }
  if (header.alg !== "RS256") return undecodable;
  const app = apps.find(
    (candidate) =>
      String(candidate.id) === String(payload.iss) ||
      `Iv1.${candidate.id.toString(16).padStart(16, "0")}` === payload.iss,
  );
  if (!app) return { refusal: "Integration not found" };
  const key = typeof app.publicKey === "string" ? createPublicKey(app.publicKey) : app.publicKey;
  if (!verify("RSA-SHA256", Buffer.from(`${parts[0]}.${parts[1]}`), key, base64url(parts[2]!))) return undecodable;
  const seconds = Math.floor(now / 1000);
  if (typeof payload.iat !== "number" || payload.iat > seconds + 60) {
    return {
      refusal: "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued",
    };
  }
  if (typeof payload.exp !== "number" || payload.exp <= seconds) {
    return {
      refusal:
        "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
    };
  }
  if (payload.exp > seconds + 600) return { refusal: "'Expiration time' claim ('exp') is too far in the future" };
  return { app };
}

export interface AppRequest {
  readonly operationId: string;
  readonly app: GitHubAppSpec;
  readonly pathParameters: Readonly<Record<string, string>>;
  readonly body: unknown;
}

/** Serves the App's own operations; `mint` registers a new installation token with the emulator. */
export function handleAppOperation(
  context: {
    state: EmulatorState;
    fixtures: ResponseFixtures;
    ownerOf: (login: string) => { login: string; id: number };
  },
  request: AppRequest,
  mint: (token: MintedInstallationToken, login: string) => void,
): HandlerResponse {
  const { app } = request;
  const installationOf = (installation: GitHubInstallationSpec) =>
    context.fixtures.installation({
      id: installation.id,
      appId: app.id,
      appSlug: app.slug,
      account: context.ownerOf(installation.account),
      permissions: { metadata: "read", ...installation.permissions },
      selection: installation.repositories === "all" ? "all" : "selected",
    });
  const covers = (installation: GitHubInstallationSpec, owner: string, name: string) =>
    installation.account.toLowerCase() === owner.toLowerCase() &&
    (installation.repositories === "all"
      ? context.state.repository(owner, name) !== undefined
      : installation.repositories.some((full) => full.toLowerCase() === repositoryKey(owner, name)));
  const notFound: HandlerResponse = { status: 404, body: errorBody(404, "Not Found") };

  switch (request.operationId) {
    case "apps/get-authenticated": {
      const permissions = Object.assign(
        { metadata: "read" },
        ...app.installations.map((installation) => installation.permissions),
      ) as Record<string, string>;
      return {
        status: 200,
        body: context.fixtures.integration({
          id: app.id,
          slug: app.slug,
          owner: context.ownerOf(app.installations[0]?.account ?? app.slug),
          permissions,
        }),
      };
    }
    case "apps/get-installation": {
      const installation = app.installations.find(
        (candidate) => String(candidate.id) === request.pathParameters.installation_id,
      );
      return installation ? { status: 200, body: installationOf(installation) } : notFound;
    }
    case "apps/get-repo-installation": {
      const { owner = "", repo = "" } = request.pathParameters;
      const installation = app.installations.find((candidate) => covers(candidate, owner, repo));
      return installation ? { status: 200, body: installationOf(installation) } : notFound;
    }
    case "apps/create-installation-access-token": {
      const installation = app.installations.find(
        (candidate) => String(candidate.id) === request.pathParameters.installation_id,
      );
      if (!installation) return notFound;
      const body = (request.body ?? {}) as {
        repositories?: string[];
        repository_ids?: number[];
        permissions?: Record<string, string>;
      };
      if (body.repository_ids !== undefined)
        return { status: 422, body: errorBody(422, "repository_ids are not emulated: ask by name") };
      const all =
        installation.repositories === "all"
          ? [...context.state.repositories.values()]
              .filter((repository) => repository.owner.toLowerCase() === installation.account.toLowerCase())
              .map((repository) => repositoryKey(repository.owner, repository.name))
          : installation.repositories.map((full) => full.toLowerCase());
      const repositories =
        body.repositories === undefined
          ? all
          : body.repositories.map((name) => repositoryKey(installation.account, name));
      if (!repositories.every((full) => all.includes(full))) {
        return {
          status: 422,
          body: errorBody(
            422,
            "There is at least one repository that does not exist or is not accessible to the parent installation.",
          ),
        };
      }
      const requested = (body.permissions ?? installation.permissions) as FineGrainedPermissions;
      const { metadata: _metadata, ...withoutMetadata } = requested;
      if (
        !grantsPermissionSet(
          installation.permissions,
          withoutMetadata as Partial<Record<RepositoryPermission, "read" | "write">>,
        )
      ) {
        return { status: 422, body: errorBody(422, "The permissions requested are not granted to this installation.") };
      }
      const expiresAt = Date.now() + 3_600_000;
      const token = `ghs_${randomBytes(18).toString("hex")}`;
      mint(
        { token, appId: app.id, installationId: installation.id, repositories, permissions: requested, expiresAt },
        `${app.slug}[bot]`,
      );
      return {
        status: 201,
        body: {
          token,
          expires_at: githubTimestamp(new Date(expiresAt)),
          permissions: requested,
          repository_selection:
            body.repositories === undefined && installation.repositories === "all" ? "all" : "selected",
        },
      };
    }
    default:
      return notFound;
  }
}
