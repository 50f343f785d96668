/**
 * What `gantry doctor` reports: which tokens are set (never their values), whether classic tokens carry
 * scopes broader than their purpose needs, whether terragrunt and tofu can be run, and, given a checkout,
 * whether it keeps credentials in its git configuration (where code a job runs can read them).
 */
import { execFile } from "node:child_process";
import { runGit } from "./git.js";
import {
  excessClassicScopes,
  parseScopesHeader,
  readToken,
  TOKEN_SETTINGS,
  tokenKind,
  type TokenKind,
  type TokenPurpose,
} from "./tokens.js";

/** Returns a classic token's scopes, or null when the token has none to report (fine-grained, app). */
export type ReadTokenScopes = (token: string, purpose: TokenPurpose) => Promise<string[] | null>;

/**
 * Reads a token's scopes the way GitHub documents: `GET /user` answers with `X-OAuth-Scopes` for classic
 * tokens. `fetchImpl` is injectable so tests can point it at an emulator.
 */
export function readScopesFromGithub(options: { baseUrl?: string; fetch?: typeof fetch } = {}): ReadTokenScopes {
  const baseUrl = (options.baseUrl ?? "https://api.github.com").replace(/\/$/, "");
  const fetchImpl = options.fetch ?? fetch;
  return async (token) => {
    const response = await fetchImpl(`${baseUrl}/user`, {
      headers: {
        authorization: `token ${token}`,
        accept: "application/vnd.github+json",
        "user-agent": "gantry-doctor",
      },
      signal: AbortSignal.timeout(15_000),
    });
    if (response.status === 401) throw new Error("GitHub rejected the token (401 Bad credentials)");
    if (!response.ok) throw new Error(`GET /user answered HTTP ${response.status}`);
    const header = response.headers.get("x-oauth-scopes");
    return header === null ? null : parseScopesHeader(header);
  };
}

export interface TokenDiagnosis {
  purpose: TokenPurpose;
  variable: string;
  set: boolean;
  kind: TokenKind | null;
  /** Scopes beyond what the purpose needs (classic tokens); null when not checked. */
  excessScopes: string[] | null;
  problem: string | null;
}

export interface ToolDiagnosis {
  name: "terragrunt" | "tofu";
  /** What was run: `GANTRY_TERRAGRUNT` / `GANTRY_TOFU` when set (as the executor runs them), else the name on PATH. */
  command: string;
  available: boolean;
  version: string | null;
}

/** The variables naming the tools, which the executor honours too. */
export const TOOL_VARIABLES = { terragrunt: "GANTRY_TERRAGRUNT", tofu: "GANTRY_TOFU" } as const;

export interface CheckoutDiagnosis {
  repo: string;
  /** The git configuration keys that hold credentials (never their values). */
  persistedCredentials: string[];
  problem: string | null;
}

export interface Diagnosis {
  tokens: TokenDiagnosis[];
  tools: ToolDiagnosis[];
  /** Given `repo`: the checkout's credentials. */
  checkout: CheckoutDiagnosis | null;
  /** True when nothing needs fixing (unset tokens are allowed: local runs need none). */
  healthy: boolean;
}

function probeTool(name: ToolDiagnosis["name"], env: NodeJS.ProcessEnv): Promise<ToolDiagnosis> {
  const command = env[TOOL_VARIABLES[name]] || name;
  return new Promise((resolve) => {
    execFile(command, ["--version"], { env, timeout: 30_000, encoding: "utf8" }, (error, stdout) => {
      const version = /v?(\d+\.\d+\.\d+[\w.-]*)/.exec(stdout)?.[1] ?? null;
      resolve({ name, command, available: !error, version: error ? null : version });
    });
  });
}

/** Keys of the checkout's git configuration that carry credentials: an `extraheader`, a URL with userinfo. */
async function diagnoseCheckout(repo: string): Promise<CheckoutDiagnosis> {
  const listed = await runGit(repo, [
    "config",
    "--get-regexp",
    "^(http\\..*extraheader|remote\\..*\\.url|url\\..*\\.insteadof)$",
  ]);
  const persistedCredentials = listed.stdout
    .split("\n")
    .filter((line) => /extraheader /i.test(line) || /:\/\/[^/\s:@]*:[^/\s@]+@/.test(line))
    .map((line) => line.slice(0, line.indexOf(" ")));
  const problem =
    persistedCredentials.length === 0
      ? null
      : `the checkout keeps credentials in .git/config (${persistedCredentials.join(", ")}): code a job runs (hooks, run_cmd, providers) can read them; check out with persist-credentials: false, the guards fetch with GANTRY_CODE_READ_TOKEN`;
  return { repo, persistedCredentials, problem };
}

export async function diagnoseSetup(options: {
  env: NodeJS.ProcessEnv;
  readScopes?: ReadTokenScopes;
  repo?: string;
}): Promise<Diagnosis> {
  const readScopes =
    options.readScopes ??
    readScopesFromGithub({ ...(options.env["GITHUB_API_URL"] ? { baseUrl: options.env["GITHUB_API_URL"] } : {}) });
  const tokens: TokenDiagnosis[] = [];
  for (const purpose of Object.keys(TOKEN_SETTINGS) as TokenPurpose[]) {
    const variable = TOKEN_SETTINGS[purpose].variable;
    const token = readToken(options.env, purpose);
    if (!token) {
      tokens.push({ purpose, variable, set: false, kind: null, excessScopes: null, problem: null });
      continue;
    }
    const kind = tokenKind(token);
    let excessScopes: string[] | null = null;
    let problem: string | null = null;
    if (kind === "classic" || kind === "unknown") {
      try {
        const scopes = await readScopes(token, purpose);
        excessScopes = scopes === null ? null : excessClassicScopes(scopes);
        if (excessScopes && excessScopes.length > 0) {
          problem = `classic token has scopes broader than needed: ${excessScopes.join(", ")}; create a fine-grained token with ${TOKEN_SETTINGS[purpose].fineGrained}`;
        }
      } catch (error) {
        problem = `could not read the token's scopes: ${(error as Error).message.replaceAll(token, "***")}`;
      }
    }
    tokens.push({ purpose, variable, set: true, kind, excessScopes, problem });
  }
  const tools = await Promise.all([probeTool("terragrunt", options.env), probeTool("tofu", options.env)]);
  const checkout = options.repo ? await diagnoseCheckout(options.repo) : null;
  const healthy =
    tokens.every((token) => token.problem === null) && tools.every((tool) => tool.available) && !checkout?.problem;
  return { tokens, tools, checkout, healthy };
}
