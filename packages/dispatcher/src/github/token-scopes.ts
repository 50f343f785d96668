/**
 * What each of Gantry's three GitHub tokens needs, and `checkTokenScopes`, which tells a classic token's
 * scopes (GitHub returns them in `X-OAuth-Scopes`) and which of them go beyond the token's role.
 *
 * Fine-grained tokens cannot be inspected through the REST API (no scopes header, no endpoint that lists a
 * token's permissions), so for them `scopes` and `broaderThanNeeded` are empty: their least privilege is
 * proven by use (a call they may not make fails with a 403 that names the permission).
 */
import { classicScopesCovering, TOKEN_SETTINGS, type TokenPurpose, type TokenRequirement } from "@gantry/guards";
import { createGitHubClient, type GitHubConnection } from "./client.js";

export type GantryTokenRole = TokenPurpose;

/** What one token is for and the least rights it needs (`@gantry/guards`' `TokenRequirement`). */
export type GantryTokenRequirement = TokenRequirement;

/**
 * Gantry's tokens, after Gruntwork Pipelines' GRUNTWORK_CODE_ACCESS_TOKEN, INFRA_LIVE_ACCESS_TOKEN and
 * PIPELINES_DISPATCH_TOKEN: each has only what its own calls need. The table lives in `@gantry/guards`
 * (`TOKEN_SETTINGS`, which `gantry doctor` also reads) so there is one source of truth; this is the same object.
 */
export const gantryTokenRequirements: Readonly<Record<GantryTokenRole, GantryTokenRequirement>> = TOKEN_SETTINGS;

export interface TokenScopeReport {
  readonly kind: "classic" | "fine-grained" | "unknown";
  /** A classic token's scopes as GitHub reports them; empty for other kinds. */
  readonly scopes: string[];
  /** Classic scopes beyond what the role needs (e.g. `workflow`, `admin:org`, `delete_repo`). */
  readonly broaderThanNeeded: string[];
  /** Classic scopes the role needs that the token lacks. */
  readonly missing: string[];
  /** The authenticated user (or bot) the token belongs to. */
  readonly login: string;
}

export interface CheckTokenScopesOptions extends Omit<GitHubConnection, "token"> {
  /** Which Gantry token this is (default "code-read"); decides what counts as broader than needed. */
  readonly role?: GantryTokenRole;
}

/** Tells the token's kind from GitHub's answer: only classic tokens (and OAuth apps) get `X-OAuth-Scopes`. */
function tokenKind(token: string, scopesHeader: unknown): TokenScopeReport["kind"] {
  if (typeof scopesHeader === "string") return "classic";
  if (token.startsWith("github_pat_")) return "fine-grained";
  return "unknown";
}

export async function checkTokenScopes(
  token: string,
  options: CheckTokenScopesOptions = {},
): Promise<TokenScopeReport> {
  const role = options.role ?? "code-read";
  const client = createGitHubClient({ ...options, token }, `the ${role} token`);
  const response = await client.request<{ login: string }>("GET /user");
  const header = response.headers["x-oauth-scopes"];
  const kind = tokenKind(token, header);
  if (kind !== "classic") return { kind, scopes: [], broaderThanNeeded: [], missing: [], login: response.data.login };
  const scopes = String(header)
    .split(",")
    .map((scope) => scope.trim())
    .filter((scope) => scope !== "");
  const needed = gantryTokenRequirements[role].classicScopes;
  const covered = classicScopesCovering(role);
  return {
    kind,
    scopes,
    broaderThanNeeded: scopes.filter((scope) => !covered.has(scope)),
    missing: needed.filter((scope) => !scopes.includes(scope)),
    login: response.data.login,
  };
}
