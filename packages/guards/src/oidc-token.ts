/** GitHub Actions' OIDC token: requested from the runner's endpoint, and its (unverified) claims read. */
import { GantryError } from "@gantry/errors";

export const STS_AUDIENCE = "sts.amazonaws.com";

/** True when the job was given `permissions: id-token: write` (the runner then sets both variables). */
export function canRequestOidcToken(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env["ACTIONS_ID_TOKEN_REQUEST_URL"] && env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"]);
}

/**
 * Requests an OIDC token for `audience` from the Actions runtime (`ACTIONS_ID_TOKEN_REQUEST_URL` with
 * `&audience=`, bearer `ACTIONS_ID_TOKEN_REQUEST_TOKEN`). Neither the request token nor the result is ever
 * put in an error message.
 */
export async function requestGithubOidcToken(env: NodeJS.ProcessEnv, audience = STS_AUDIENCE): Promise<string> {
  const requestUrl = env["ACTIONS_ID_TOKEN_REQUEST_URL"];
  const requestToken = env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"];
  if (!requestUrl || !requestToken) {
    throw new GantryError(
      "CREDENTIALS_OIDC_UNAVAILABLE",
      "ACTIONS_ID_TOKEN_REQUEST_URL / ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set: this job cannot request an OIDC token",
      { hint: "add `permissions: { id-token: write, contents: read }` to the workflow job that runs gantry" },
    );
  }
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch (cause) {
    throw new GantryError("CREDENTIALS_OIDC_REQUEST_FAILED", "ACTIONS_ID_TOKEN_REQUEST_URL is not a URL", {
      hint: "this variable is set by the runner; do not override it",
      cause,
    });
  }
  url.searchParams.set("audience", audience);
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { authorization: `Bearer ${requestToken}`, accept: "application/json; api-version=2.0" },
      signal: AbortSignal.timeout(15_000),
    });
  } catch (cause) {
    throw new GantryError(
      "CREDENTIALS_OIDC_REQUEST_FAILED",
      `the OIDC token request to ${url.host} failed: ${(cause as Error).message}`,
      { hint: "retry the workflow; the runner's token service was unreachable", cause },
    );
  }
  if (!response.ok) {
    throw new GantryError(
      "CREDENTIALS_OIDC_REQUEST_FAILED",
      `the OIDC token request to ${url.host} answered HTTP ${response.status}`,
      { hint: "check `permissions: id-token: write` on the job; the request token is only valid inside its own job" },
    );
  }
  const body = (await response.json().catch(() => null)) as { value?: unknown } | null;
  if (typeof body?.value !== "string" || body.value.split(".").length !== 3) {
    throw new GantryError("CREDENTIALS_OIDC_REQUEST_FAILED", "the OIDC token response has no token in `value`", {
      hint: "retry the workflow",
    });
  }
  return body.value;
}

/**
 * The claims of a JWT, without verifying it. Used only to *refuse* early (STS verifies the signature
 * before any credential is issued); never to grant anything.
 */
export function readJwtClaims(token: string): Record<string, unknown> | null {
  const payload = token.split(".")[1];
  if (!payload) return null;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    return typeof claims === "object" && claims !== null && !Array.isArray(claims)
      ? (claims as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
