/**
 * Turns a failed GitHub API call into a `GantryError` that names the token (by its label, never its value),
 * the call, and the permission GitHub says is missing (`X-Accepted-GitHub-Permissions` for fine-grained
 * tokens, `X-Accepted-OAuth-Scopes` for classic ones).
 */
import { GantryError, type ErrorCode } from "@gantry/errors";

const githubError = (code: ErrorCode, message: string, hint: string) => new GantryError(code, message, { hint });

/** What Octokit's `RequestError` carries that matters here (duck-typed: no direct dependency on its class). */
interface FailedResponse {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
}

export interface FailedCall {
  /** "the dispatch token", or the user's own name for it (`GANTRY_DISPATCH_TOKEN`). */
  readonly tokenName: string;
  /** `POST /repos/acme/live/actions/workflows/x.yml/dispatches`, with the values filled in. */
  readonly call: string;
  /** `owner/repo`, when the call addresses a repository. */
  readonly repository: string | undefined;
}

function githubMessage(data: unknown): string | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const { message, errors } = data as { message?: unknown; errors?: unknown };
  const details = Array.isArray(errors)
    ? errors.map((error) =>
        typeof error === "object" && error !== null
          ? String((error as { message?: unknown }).message ?? "")
          : String(error),
      )
    : [];
  const text = [typeof message === "string" ? message : "", ...details].filter((part) => part !== "").join(": ");
  return text === "" ? undefined : text;
}

/** "actions=write" → "`actions: write`"; alternatives joined with "or". */
function describePermissions(header: string): string {
  return header
    .split(";")
    .map((set) =>
      set
        .split(",")
        .map((permission) => permission.trim().replace("=", ": "))
        .filter((permission) => permission !== "")
        .map((permission) => `\`${permission}\``)
        .join(" and "),
    )
    .filter((set) => set !== "")
    .join(" or ");
}

export function toGantryError(error: unknown, failed: FailedCall): GantryError {
  if (GantryError.isInstance(error)) return error;
  const { status, response } = (typeof error === "object" && error !== null ? error : {}) as FailedResponse;
  const headers = response?.headers ?? {};
  const detail = githubMessage(response?.data);
  const where = failed.repository ? ` on ${failed.repository}` : "";
  const said = detail ? ` GitHub said: "${detail}".` : "";
  switch (status) {
    case 401:
      return githubError(
        "GITHUB_BAD_CREDENTIALS",
        `GitHub rejected ${failed.tokenName} for ${failed.call}.${said}`,
        `The token is wrong, expired or revoked: create a new one and update ${failed.tokenName}.`,
      );
    case 403:
    case 429: {
      const secondary = /secondary rate limit/i.test(detail ?? "");
      if (status === 429 || secondary || String(headers["x-ratelimit-remaining"] ?? "") === "0") {
        return githubError(
          "GITHUB_RATE_LIMITED",
          `GitHub's ${secondary ? "secondary " : ""}rate limit stopped ${failed.call} made with ${failed.tokenName} (Gantry waited and retried while the waits were short).${said}`,
          secondary || headers["retry-after"] !== undefined
            ? `Wait ${String(headers["retry-after"] ?? "a minute")} seconds (retry-after) and run again; fewer jobs at once (--parallelism) makes fewer requests.`
            : `Wait until the limit resets (x-ratelimit-reset: ${String(headers["x-ratelimit-reset"] ?? "unknown")}) and run again.`,
        );
      }
      const fineGrained = headers["x-accepted-github-permissions"];
      const classic = headers["x-accepted-oauth-scopes"];
      const needed =
        typeof fineGrained === "string" && fineGrained !== ""
          ? `repository permission ${describePermissions(fineGrained)}${where}`
          : typeof classic === "string" && classic !== ""
            ? `scope ${classic
                .split(",")
                .map((scope) => `\`${scope.trim()}\``)
                .join(" or ")}`
            : undefined;
      return githubError(
        "GITHUB_PERMISSION_DENIED",
        `${failed.tokenName} may not make ${failed.call}${needed ? `: it needs the ${needed}` : ""}.${said}`,
        needed
          ? `Grant ${failed.tokenName} the ${needed}, and nothing more (each Gantry token has only the rights its own calls need).`
          : `Check the permissions of ${failed.tokenName}${where}.`,
      );
    }
    case 404:
      return githubError(
        "GITHUB_NOT_FOUND",
        `GitHub answered 404 for ${failed.call} made with ${failed.tokenName}.${said}`,
        failed.repository
          ? `Check that ${failed.repository} and the numbers in the call exist, and that ${failed.tokenName} can see ${failed.repository} (a fine-grained token must have it selected; a classic one needs \`repo\` for a private repository).`
          : "Check the base URL and the arguments of the call.",
      );
    case 400:
    case 409:
    case 422:
      return githubError(
        "GITHUB_VALIDATION_FAILED",
        `GitHub refused ${failed.call} (${status}).${said}`,
        "Fix the request GitHub describes above; for a workflow dispatch, check the workflow's inputs and the ref.",
      );
    default: {
      // Octokit reports a network failure (reset, refused, DNS) as status 500 with no response.
      const network = status === undefined || (status === 500 && response === undefined);
      const reason = network
        ? `${error instanceof Error ? error.message : String(error)} (no answer from GitHub)`
        : `HTTP ${status}`;
      return githubError(
        "GITHUB_REQUEST_FAILED",
        `${failed.call} with ${failed.tokenName} failed: ${reason}.${said}`,
        "Check the network and GitHub's status, then run again.",
      );
    }
  }
}
