/**
 * The three GitHub tokens, each a separate setting used only for its own calls (as Pipelines does):
 * reading code, writing to the infrastructure repository (report comments), and dispatching workflows.
 *
 * This table is Gantry's single source of truth for what each token needs: `gantry doctor` (here) and
 * `@gantry/dispatcher`'s `gantryTokenRequirements` / `checkTokenScopes` both read it. The rights are the
 * least that Gantry's own calls use (see `@gantry/dispatcher`'s GitHub client):
 * - code-read: git clone/fetch over HTTPS (`contents: read`).
 * - infra-live-write: `GET /user`, `GET pulls/{n}`, `GET commits/{sha}/pulls` (the merged pull request of a
 *   push, for the apply report) and listing, creating and editing issue comments on a pull
 *   request. GitHub accepts `issues: write` OR `pull_requests: write` for comments on a pull request, and
 *   `pull_requests: write` also covers reading the pull request, so it is the one permission needed. Gantry
 *   opens no pull requests and pushes nothing, so no `contents` permission. Only the opt-in
 *   `--open-issue-on-failure` (of `gantry run` and `gantry report`) opens issues, and needs `issues: write`
 *   as well (`optInPermissions`).
 * - dispatch: `workflow_dispatch`, listing, reading and cancelling runs (`actions: write`, which includes read).
 */
export const TOKEN_SETTINGS = {
  "code-read": {
    variable: "GANTRY_CODE_READ_TOKEN",
    purpose: "read the infrastructure and module repositories",
    usedFor: "cloning and fetching infrastructure-live and the module repositories (git over HTTPS)",
    classicScopes: ["repo"],
    fineGrainedPermissions: { contents: "read" },
    repositories: "infrastructure-live and every module repository",
    fineGrained: "Contents: read on the code repositories",
  },
  "infra-live-write": {
    variable: "GANTRY_INFRA_LIVE_TOKEN",
    purpose: "comment on pull requests in the infrastructure repository",
    usedFor: "reading pull requests and writing Gantry's report comments on infrastructure-live",
    classicScopes: ["repo"],
    fineGrainedPermissions: { pull_requests: "write" },
    optInPermissions: { issues: "write" },
    optInFineGrained: "Issues: read and write (for --open-issue-on-failure)",
    repositories: "infrastructure-live only",
    fineGrained: "Pull requests: read and write on the infrastructure repository only",
  },
  dispatch: {
    variable: "GANTRY_DISPATCH_TOKEN",
    purpose: "dispatch workflows in the pipelines repository",
    usedFor: "dispatching jobs to the pipelines repository's workflow and following (or cancelling) its runs",
    classicScopes: ["repo"],
    fineGrainedPermissions: { actions: "write" },
    repositories: "the pipelines repository only",
    fineGrained: "Actions: read and write on the pipelines repository only",
  },
} as const satisfies Record<string, TokenRequirement>;

/** What one of Gantry's tokens is for and the least rights it needs. */
export interface TokenRequirement {
  /** The environment variable Gantry reads it from. */
  readonly variable: string;
  /** What Gantry does with the token, in a few words. */
  readonly purpose: string;
  /** The calls it is used for. */
  readonly usedFor: string;
  /** The least classic scopes that allow it (classic tokens cannot be read-only on private repositories). */
  readonly classicScopes: readonly string[];
  /** The fine-grained repository permissions it needs (metadata: read is always granted). */
  readonly fineGrainedPermissions: Readonly<Record<string, "read" | "write">>;
  /** What an opt-in call adds to `fineGrainedPermissions`, and in words with the flag that makes it. */
  readonly optInPermissions?: Readonly<Record<string, "read" | "write">>;
  readonly optInFineGrained?: string;
  /** Which repositories a fine-grained token should have selected. */
  readonly repositories: string;
  /** `fineGrainedPermissions` and `repositories` in words, for messages. */
  readonly fineGrained: string;
}

export type TokenPurpose = keyof typeof TOKEN_SETTINGS;

/**
 * What a GitHub App standing in for the three tokens needs installed: their repository permissions together,
 * opt-in ones included (`gantry init`'s apply workflow opens an issue when a deployment fails; each call still
 * gets a token narrowed to its own role's). Metadata: read is always granted.
 */
export const GITHUB_APP_PERMISSIONS: Readonly<Record<string, "read" | "write">> = Object.assign(
  {},
  ...(Object.keys(TOKEN_SETTINGS) as TokenPurpose[]).flatMap((purpose) => {
    const setting: TokenRequirement = TOKEN_SETTINGS[purpose];
    return [setting.fineGrainedPermissions, setting.optInPermissions ?? {}];
  }),
);

/** The token for one purpose, or undefined. There is deliberately no fallback to another purpose's token. */
export function readToken(env: NodeJS.ProcessEnv, purpose: TokenPurpose): string | undefined {
  const value = env[TOKEN_SETTINGS[purpose].variable];
  return value ? value : undefined;
}

export type TokenKind = "classic" | "fine-grained" | "github-app" | "oauth" | "unknown";

/** GitHub's documented token prefixes. */
export function tokenKind(token: string): TokenKind {
  if (token.startsWith("ghp_")) return "classic";
  if (token.startsWith("github_pat_")) return "fine-grained";
  if (token.startsWith("ghs_")) return "github-app";
  if (token.startsWith("gho_")) return "oauth";
  return "unknown";
}

/**
 * Scopes GitHub grants as part of a broader one. Classic tokens cannot be narrower than `repo` for private
 * repositories, so anything beyond `repo` and the scopes it includes is broader than needed.
 */
export const IMPLIED_CLASSIC_SCOPES: Readonly<Record<string, readonly string[]>> = {
  repo: ["repo:status", "repo_deployment", "public_repo", "repo:invite", "security_events"],
};

/** A purpose's classic scopes with the scopes GitHub grants as part of them (selecting `repo` includes these). */
export function classicScopesCovering(purpose: TokenPurpose): Set<string> {
  return new Set(
    TOKEN_SETTINGS[purpose].classicScopes.flatMap((scope) => [scope, ...(IMPLIED_CLASSIC_SCOPES[scope] ?? [])]),
  );
}

const NEEDED_CLASSIC_SCOPES = new Set(
  (Object.keys(TOKEN_SETTINGS) as TokenPurpose[]).flatMap((purpose) => [...classicScopesCovering(purpose)]),
);

/** The scopes (from `X-OAuth-Scopes`) that are broader than the token's purpose needs. */
export function excessClassicScopes(scopes: string[]): string[] {
  return scopes.filter((scope) => !NEEDED_CLASSIC_SCOPES.has(scope)).sort();
}

export function parseScopesHeader(header: string | null | undefined): string[] {
  return (header ?? "")
    .split(",")
    .map((scope) => scope.trim())
    .filter(Boolean);
}
