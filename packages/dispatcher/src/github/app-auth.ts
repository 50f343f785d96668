/**
 * Authenticating as a GitHub App installation (`@octokit/auth-app`), with the least rights per call: every
 * request to a repository carries an installation token minted for that one repository and the connection's
 * permissions (one Gantry role's, e.g. `actions: write`), never the installation's whole grant. The App's own
 * calls (`/app…`, and finding the installation of a repository) carry its JWT.
 *
 * auth-app caches each narrowed token until shortly before it expires (GitHub gives an hour) and mints the
 * next one then, so a run followed for two hours keeps working: the reason this lives in the client rather than
 * in a token minted once by the workflow.
 */
import { createAppAuth } from "@octokit/auth-app";
import { GantryError } from "@gantry/errors";

/** A GitHub App installation, in place of a token. */
export interface GitHubAppCredentials {
  /** The App's id (or its client id). */
  readonly appId: string;
  /** The App's private key, PEM (`\n` escapes are accepted). */
  readonly privateKey: string;
  /** The installation; default: the one on the repository a call addresses (`GET /repos/{owner}/{repo}/installation`). */
  readonly installationId?: number;
  /** What every token minted for this connection may do: one role's permissions, nothing more. */
  readonly permissions: Readonly<Record<string, "read" | "write">>;
}

/** A personal access token, or a GitHub App that mints installation tokens. */
export type GitHubCredential = string | GitHubAppCredentials;

type Request = Parameters<typeof createAppAuth>[0]["request"] & {};

export interface AppAuthorizer {
  /** The `authorization` header for a call: the JWT for the App's own routes, else an installation token. */
  authorization(route: string, repository: string | undefined): Promise<string>;
  /** The App's user, `<slug>[bot]`: who its comments and issues are by. */
  login(): Promise<string>;
}

/** The routes GitHub takes the App's JWT for: its own (`/app…`) and finding a repository's installation. */
const appRoute = /^[A-Z]+ (?:\/app(?:[/?]|$)|\/repos\/\{owner\}\/\{repo\}\/installation$)/;

export function isAppCredentials(credential: GitHubCredential): credential is GitHubAppCredentials {
  return typeof credential !== "string";
}

export function createAppAuthorizer(app: GitHubAppCredentials, request: Request): AppAuthorizer {
  if (app.appId.trim() === "" || app.privateKey.trim() === "") {
    throw new GantryError("GITHUB_INPUT_INVALID", "The GitHub App's id or private key is empty.", {
      hint: "Set the App's id and its private key (PEM) before running Gantry.",
    });
  }
  const auth = createAppAuth({ appId: app.appId, privateKey: app.privateKey, request });
  const jwt = async () => `bearer ${(await auth({ type: "app" })).token}`;
  const installations = new Map<string, Promise<number>>();
  const installationOf = (repository: string): Promise<number> => {
    if (app.installationId !== undefined) return Promise.resolve(app.installationId);
    let found = installations.get(repository);
    if (!found) {
      const [owner, repo] = repository.split("/") as [string, string];
      found = jwt().then(async (authorization) => {
        const response = await request("GET /repos/{owner}/{repo}/installation", {
          owner,
          repo,
          headers: { authorization },
        });
        return (response.data as { id: number }).id;
      });
      installations.set(repository, found);
      found.catch(() => installations.delete(repository));
    }
    return found;
  };
  let login: Promise<string> | undefined;
  return {
    async authorization(route, repository) {
      if (repository === undefined || appRoute.test(route)) return jwt();
      const installationId = await installationOf(repository);
      const { token } = await auth({
        type: "installation",
        installationId,
        repositoryNames: [repository.split("/")[1]!],
        permissions: { ...app.permissions },
      });
      return `token ${token}`;
    },
    login() {
      login ??= jwt().then(
        async (authorization) =>
          `${((await request("GET /app", { headers: { authorization } })).data as { slug: string }).slug}[bot]`,
      );
      login.catch(() => (login = undefined));
      return login;
    },
  };
}
