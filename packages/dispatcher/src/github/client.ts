/**
 * A thin Octokit wrapper: one client per token, a configurable `baseUrl` (GitHub Enterprise Server, or a
 * local emulator in tests), and every failure turned into a `GantryError` that names the token.
 * The token is handed to Octokit's auth and nowhere else: it is never logged, never put in a message.
 *
 * Faults are Octokit's official plugins' job, not ours: `@octokit/plugin-throttling` spaces writes as GitHub
 * asks (one at a time, a second apart) and waits out primary and secondary rate limits (`retry-after`,
 * `x-ratelimit-reset`) when the wait is short; `@octokit/plugin-retry` retries 5xx answers and network failures
 * with a growing delay. A request that must not be repeated blindly (a workflow dispatch: a lost response may
 * hide a run that started) opts out with `{ retries: 0 }` and is recovered by its caller.
 */
import { Octokit } from "@octokit/core";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import Bottleneck from "bottleneck";
import { createAppAuthorizer, isAppCredentials, type AppAuthorizer, type GitHubCredential } from "./app-auth.js";
import { toGantryError } from "./errors.js";
import { GantryError } from "@gantry/errors";

export const defaultGitHubApiUrl = "https://api.github.com";

export interface GitHubConnection {
  /** A token, or a GitHub App installation (`GitHubAppCredentials`), which mints one narrowed token per repository. */
  readonly token: GitHubCredential;
  /** REST API root; default `https://api.github.com` (GHES: `https://HOST/api/v3`). */
  readonly baseUrl?: string;
  /** How messages name the token, e.g. `GANTRY_DISPATCH_TOKEN`; defaults to its role ("the dispatch token"). */
  readonly tokenName?: string;
  /** Aborts in-flight calls. */
  readonly signal?: AbortSignal;
  readonly timing?: GitHubTiming;
}

/** How patient the client is with GitHub; the defaults follow GitHub's guidance for integrators. */
export interface GitHubTiming {
  /** Least time between two writes (POST, PATCH, PUT, DELETE) of this process; default 1000 ms (3 times that for comments and issues). */
  readonly writeIntervalMs?: number;
  /** Retries of a 5xx answer or a network failure; default 3 (after 1, 4 and 9 times `retryBaseMs`). */
  readonly retries?: number;
  /** The unit of waiting: plugin-retry's backoff step, and what a `retry-after: 1` means; default 1000 ms. */
  readonly retryBaseMs?: number;
  /** A rate limit asking to wait longer than this fails with GITHUB_RATE_LIMITED instead; default 60 s. */
  readonly maxRateLimitWaitMs?: number;
}

const GantryOctokit = Octokit.plugin(throttling, retry);

/**
 * `GANTRY_GITHUB_WRITE_INTERVAL_MS` and `GANTRY_GITHUB_RETRY_BASE_MS` from an environment (a GitHub Enterprise
 * Server with other limits, or an emulator); what is not set keeps GitHub's guidance.
 */
export function githubTimingFromEnvironment(env: Readonly<Record<string, string | undefined>>): GitHubTiming {
  const number = (name: string) => {
    const value = env[name];
    return value !== undefined && value !== "" && Number.isFinite(Number(value)) && Number(value) >= 0
      ? Number(value)
      : undefined;
  };
  const writeIntervalMs = number("GANTRY_GITHUB_WRITE_INTERVAL_MS");
  const retryBaseMs = number("GANTRY_GITHUB_RETRY_BASE_MS");
  return {
    ...(writeIntervalMs !== undefined ? { writeIntervalMs } : {}),
    ...(retryBaseMs !== undefined ? { retryBaseMs } : {}),
  };
}

/**
 * One queue per interval for the whole process, as GitHub counts writes per user, not per client: writes, and
 * (three times further apart, as plugin-throttling does by default) writes that notify people, like comments.
 */
const writeQueues = new Map<number, Bottleneck.Group>();
function writeQueue(intervalMs: number): Bottleneck.Group {
  let queue = writeQueues.get(intervalMs);
  if (!queue) {
    queue = new Bottleneck.Group({ maxConcurrent: 1, minTime: intervalMs });
    writeQueues.set(intervalMs, queue);
  }
  return queue;
}

type RequestParameters = Record<string, unknown>;

export interface GitHubResponse<T> {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | number | undefined>>;
  readonly data: T;
}

export interface GitHubClient {
  readonly tokenName: string;
  /**
   * `route` like `GET /repos/{owner}/{repo}/pulls/{pull_number}`; `T` is the JSON the caller expects.
   * `once: true` sends the request a single time (no retry after a 5xx or a network failure).
   */
  request<T>(route: string, parameters?: RequestParameters, options?: { once?: boolean }): Promise<GitHubResponse<T>>;
  /** Follows `Link: rel="next"` until the last page of a list endpoint. */
  paginate<T>(route: string, parameters?: RequestParameters): Promise<T[]>;
  /** Who the credential acts as (a user's login, or a GitHub App's `<slug>[bot]`): whose comments are ours. */
  login(): Promise<string>;
}

/** Fills `{name}` placeholders for messages (the values are public: owner, repo, numbers). */
function describeCall(route: string, parameters: RequestParameters): string {
  return route.replace(/\{([^}]+)\}/g, (whole, name: string) =>
    name in parameters ? String(parameters[name]) : whole,
  );
}

function nextPageUrl(link: unknown): string | undefined {
  if (typeof link !== "string") return undefined;
  return /<([^>]+)>;\s*rel="next"/.exec(link)?.[1];
}

export function createGitHubClient(connection: GitHubConnection, defaultTokenName: string): GitHubClient {
  const tokenName = connection.tokenName ?? defaultTokenName;
  const credential = connection.token;
  if (typeof credential === "string" && credential.trim() === "") {
    throw new GantryError("GITHUB_INPUT_INVALID", `${tokenName} is empty.`, {
      hint: `Set ${tokenName} to a GitHub token before running Gantry.`,
    });
  }
  const timing = connection.timing ?? githubTimingFromEnvironment(process.env);
  const retryBaseMs = timing.retryBaseMs ?? 1000;
  const maxWaitSeconds = (timing.maxRateLimitWaitMs ?? 60_000) / 1000;
  // Wait out a rate limit a few times when GitHub asks for a short wait; otherwise fail with GITHUB_RATE_LIMITED.
  const onLimit = (retryAfter: number, _options: unknown, _octokit: unknown, retryCount: number) =>
    retryCount < 3 && retryAfter <= maxWaitSeconds;
  const octokit = new GantryOctokit({
    ...(typeof credential === "string" ? { auth: credential } : {}),
    baseUrl: (connection.baseUrl ?? defaultGitHubApiUrl).replace(/\/+$/, ""),
    userAgent: "gantry",
    request: connection.signal ? { signal: connection.signal } : {},
    // Octokit's default logger prints warnings and deprecations; nothing of ours goes through it.
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    retry: { retries: timing.retries ?? 3, retryAfterBaseValue: retryBaseMs },
    throttle: {
      retryAfterBaseValue: retryBaseMs,
      write: writeQueue(timing.writeIntervalMs ?? 1000),
      notifications: writeQueue((timing.writeIntervalMs ?? 1000) * 3),
      onRateLimit: onLimit,
      onSecondaryRateLimit: onLimit,
    },
  });

  const apiVersion = { "x-github-api-version": "2022-11-28" };
  // A GitHub App: each call gets its own authorization header (the App's JWT, or a narrowed installation token).
  const app: AppAuthorizer | undefined = isAppCredentials(credential)
    ? createAppAuthorizer(credential, octokit.request.defaults({ headers: apiVersion }))
    : undefined;

  const repositoryOf = (parameters: RequestParameters) =>
    typeof parameters.owner === "string" && typeof parameters.repo === "string"
      ? `${parameters.owner}/${parameters.repo}`
      : undefined;

  const send = async <T>(
    route: string,
    parameters: RequestParameters,
    repository: string | undefined,
    once = false,
  ): Promise<GitHubResponse<T>> => {
    try {
      const request = { ...(connection.signal ? { signal: connection.signal } : {}), ...(once ? { retries: 0 } : {}) };
      const headers = app ? { ...apiVersion, authorization: await app.authorization(route, repository) } : apiVersion;
      const response = await octokit.request(route, { ...parameters, headers, request });
      return {
        status: response.status,
        headers: response.headers as GitHubResponse<T>["headers"],
        data: response.data as T,
      };
    } catch (error) {
      throw toGantryError(error, { tokenName, call: describeCall(route, parameters), repository });
    }
  };
  const request = <T>(route: string, parameters: RequestParameters = {}, options: { once?: boolean } = {}) =>
    send<T>(route, parameters, repositoryOf(parameters), options.once ?? false);

  return {
    tokenName,
    request,
    async paginate<T>(route: string, parameters: RequestParameters = {}): Promise<T[]> {
      const items: T[] = [];
      let response = await request<T[]>(route, { per_page: 100, ...parameters });
      items.push(...response.data);
      for (
        let next = nextPageUrl(response.headers.link);
        next !== undefined;
        next = nextPageUrl(response.headers.link)
      ) {
        // The next-page URL is absolute and already carries every parameter.
        response = await send<T[]>(`GET ${next}`, {}, repositoryOf(parameters));
        items.push(...response.data);
      }
      return items;
    },
    async login() {
      if (!app) return (await request<{ login: string }>("GET /user")).data.login;
      try {
        return await app.login();
      } catch (error) {
        throw toGantryError(error, { tokenName, call: "GET /app", repository: undefined });
      }
    },
  };
}
