/**
 * The three GitHub tokens, each a separate setting used only for its own calls (as Pipelines does):
 * reading code, writing to the infrastructure repository (comments, PRs), and dispatching workflows.
 */
export const TOKEN_SETTINGS = {
  "code-read": {
    variable: "GANTRY_CODE_READ_TOKEN",
    purpose: "read the infrastructure and module repositories",
    fineGrained: "Contents: read on the code repositories",
  },
  "infra-live-write": {
    variable: "GANTRY_INFRA_LIVE_TOKEN",
    purpose: "comment on pull requests and open pull requests in the infrastructure repository",
    fineGrained: "Contents, Pull requests, Issues: read and write on the infrastructure repository only",
  },
  dispatch: {
    variable: "GANTRY_DISPATCH_TOKEN",
    purpose: "dispatch workflows in the pipelines repository",
    fineGrained: "Actions: read and write on the pipelines repository only",
  },
} as const;

export type TokenPurpose = keyof typeof TOKEN_SETTINGS;

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
 * Classic scopes each purpose needs. Classic tokens cannot be narrower than `repo` for private
 * repositories, so anything beyond `repo` and the scopes it includes is broader than needed.
 */
const NEEDED_CLASSIC_SCOPES = new Set(["repo", "repo:status", "repo_deployment", "public_repo", "repo:invite", "security_events"]);

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
