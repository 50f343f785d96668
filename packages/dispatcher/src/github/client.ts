/**
 * A thin Octokit wrapper: one client per token, a configurable `baseUrl` (GitHub Enterprise Server, or a
 * local emulator in tests), and every failure turned into a `GantryError` that names the token.
 * The token is handed to Octokit's auth and nowhere else: it is never logged, never put in a message.
 */
import { Octokit } from "@octokit/core";
import { githubError, toGantryError } from "./errors.js";

export const defaultGitHubApiUrl = "https://api.github.com";

export interface GitHubConnection {
  readonly token: string;
  /** REST API root; default `https://api.github.com` (GHES: `https://HOST/api/v3`). */
  readonly baseUrl?: string;
  /** How messages name the token, e.g. `GANTRY_DISPATCH_TOKEN`; defaults to its role ("the dispatch token"). */
  readonly tokenName?: string;
  /** Aborts in-flight calls. */
  readonly signal?: AbortSignal;
}

type RequestParameters = Record<string, unknown>;

export interface GitHubResponse<T> {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | number | undefined>>;
  readonly data: T;
}

export interface GitHubClient {
  readonly tokenName: string;
  /** `route` like `GET /repos/{owner}/{repo}/pulls/{pull_number}`; `T` is the JSON the caller expects. */
  request<T>(route: string, parameters?: RequestParameters): Promise<GitHubResponse<T>>;
  /** Follows `Link: rel="next"` until the last page of a list endpoint. */
  paginate<T>(route: string, parameters?: RequestParameters): Promise<T[]>;
}

/** Fills `{name}` placeholders for messages (the values are public: owner, repo, numbers). */
function describeCall(route: string, parameters: RequestParameters): string {
  return route.replace(/\{([^}]+)\}/g, (whole, name: string) => (name in parameters ? String(parameters[name]) : whole));
}

function nextPageUrl(link: unknown): string | undefined {
  if (typeof link !== "string") return undefined;
  return /<([^>]+)>;\s*rel="next"/.exec(link)?.[1];
}

export function createGitHubClient(connection: GitHubConnection, defaultTokenName: string): GitHubClient {
  const tokenName = connection.tokenName ?? defaultTokenName;
  if (connection.token.trim() === "") {
    throw githubError("GITHUB_INPUT_INVALID", `${tokenName} is empty.`, `Set ${tokenName} to a GitHub token before running Gantry.`);
  }
  const octokit = new Octokit({
    auth: connection.token,
    baseUrl: (connection.baseUrl ?? defaultGitHubApiUrl).replace(/\/+$/, ""),
    userAgent: "gantry",
    request: connection.signal ? { signal: connection.signal } : {},
    // Octokit's default logger prints warnings and deprecations; nothing of ours goes through it.
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  });

  const repositoryOf = (parameters: RequestParameters) =>
    typeof parameters.owner === "string" && typeof parameters.repo === "string" ? `${parameters.owner}/${parameters.repo}` : undefined;

  const send = async <T>(route: string, parameters: RequestParameters, repository: string | undefined): Promise<GitHubResponse<T>> => {
    try {
      const response = await octokit.request(route, { ...parameters, headers: { "x-github-api-version": "2022-11-28" } });
      return { status: response.status, headers: response.headers as GitHubResponse<T>["headers"], data: response.data as T };
    } catch (error) {
      throw toGantryError(error, { tokenName, call: describeCall(route, parameters), repository });
    }
  };
  const request = <T>(route: string, parameters: RequestParameters = {}) => send<T>(route, parameters, repositoryOf(parameters));

  return {
    tokenName,
    request,
    async paginate<T>(route: string, parameters: RequestParameters = {}): Promise<T[]> {
      const items: T[] = [];
      let response = await request<T[]>(route, { per_page: 100, ...parameters });
      items.push(...response.data);
      for (let next = nextPageUrl(response.headers.link); next !== undefined; next = nextPageUrl(response.headers.link)) {
        // The next-page URL is absolute and already carries every parameter.
        response = await send<T[]>(`GET ${next}`, {}, repositoryOf(parameters));
        items.push(...response.data);
      }
      return items;
    },
  };
}
