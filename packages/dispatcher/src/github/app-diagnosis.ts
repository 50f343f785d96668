/**
 * `gantry doctor` for a GitHub App: the App authenticates (its JWT), it is installed on each repository a
 * role needs, the installation grants no more than Gantry's roles need, and for each role GitHub mints a token
 * narrowed to that role's permission and repository (which is exactly what Gantry asks for when it runs).
 * The minted tokens are discarded, never printed.
 */
import { GITHUB_APP_PERMISSIONS, TOKEN_SETTINGS, type TokenPurpose } from "@gantry/guards";
import { GantryError } from "@gantry/errors";
import type { GitHubAppCredentials } from "./app-auth.js";
import { createGitHubClient } from "./client.js";

export interface GitHubAppRoleCheck {
  readonly role: TokenPurpose;
  /** `owner/name` the role's calls address; null when the caller did not say. */
  readonly repository: string | null;
  readonly installationId: number | null;
  readonly problem: string | null;
}

export interface GitHubAppDiagnosis {
  readonly appId: string;
  readonly slug: string | null;
  readonly roles: readonly GitHubAppRoleCheck[];
  /** Installation permissions beyond what Gantry's roles need, e.g. `contents: write`, `administration: read`. */
  readonly broaderThanNeeded: readonly string[];
  /** The App itself could not authenticate. */
  readonly problem: string | null;
}

export interface DiagnoseGitHubAppOptions {
  readonly app: Omit<GitHubAppCredentials, "permissions">;
  /** The roles the App stands in for, with the repository each one's calls address. */
  readonly roles: ReadonlyArray<{ readonly role: TokenPurpose; readonly repository: string | undefined }>;
  readonly baseUrl?: string;
  readonly signal?: AbortSignal;
}

const levels = { read: 1, write: 2, admin: 3 } as Record<string, number>;

const describe = (error: unknown) => (GantryError.isInstance(error) ? error.message : (error as Error).message);

export async function diagnoseGitHubApp(options: DiagnoseGitHubAppOptions): Promise<GitHubAppDiagnosis> {
  const client = createGitHubClient(
    {
      token: { ...options.app, permissions: {} },
      tokenName: "the GitHub App",
      ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    },
    "the GitHub App",
  );
  let slug: string;
  try {
    slug = (await client.request<{ slug: string }>("GET /app")).data.slug;
  } catch (error) {
    return { appId: options.app.appId, slug: null, roles: [], broaderThanNeeded: [], problem: describe(error) };
  }
  const needed: Record<string, string> = { metadata: "read", ...GITHUB_APP_PERMISSIONS };
  const broader = new Set<string>();
  const roles: GitHubAppRoleCheck[] = [];
  for (const { role, repository } of options.roles) {
    const setting = TOKEN_SETTINGS[role];
    if (repository === undefined) {
      roles.push({
        role,
        repository: null,
        installationId: null,
        problem: `no repository to check ${setting.variable}'s role against: pass it (see gantry doctor --help)`,
      });
      continue;
    }
    const [owner, repo] = repository.split("/") as [string, string];
    let installation: { id: number; permissions: Record<string, string> };
    try {
      installation = (
        await client.request<{ id: number; permissions: Record<string, string> }>(
          "GET /repos/{owner}/{repo}/installation",
          { owner, repo },
        )
      ).data;
    } catch (error) {
      roles.push({
        role,
        repository,
        installationId: null,
        problem: `the App is not installed on ${repository}, or cannot see it: ${describe(error)}`,
      });
      continue;
    }
    for (const [name, level] of Object.entries(installation.permissions)) {
      if ((levels[level] ?? 0) > (levels[needed[name] ?? ""] ?? 0)) broader.add(`${name}: ${level}`);
    }
    try {
      await client.request("POST /app/installations/{installation_id}/access_tokens", {
        installation_id: installation.id,
        repositories: [repo],
        permissions: setting.fineGrainedPermissions,
      });
      roles.push({ role, repository, installationId: installation.id, problem: null });
    } catch (error) {
      roles.push({
        role,
        repository,
        installationId: installation.id,
        problem: `no token with ${setting.fineGrained.replace(/ on .*/, "")} on ${repository}: ${describe(error)}`,
      });
    }
  }
  return { appId: options.app.appId, slug, roles, broaderThanNeeded: [...broader].sort(), problem: null };
}
