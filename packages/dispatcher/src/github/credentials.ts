/**
 * Which GitHub credential a Gantry role uses, from the environment: the role's own token when it is set
 * (`GANTRY_DISPATCH_TOKEN`, ...: it wins, and no role ever falls back to another role's token), else the
 * GitHub App (`GANTRY_GITHUB_APP_ID`, `GANTRY_GITHUB_APP_PRIVATE_KEY`, optionally
 * `GANTRY_GITHUB_APP_INSTALLATION_ID`), narrowed to that role's permissions (`TOKEN_SETTINGS`), with its opt-in
 * ones when the command was asked for an opt-in call (`--open-issue-on-failure`: `issues: write`).
 */
import { readToken, TOKEN_SETTINGS, type TokenPurpose, type TokenRequirement } from "@gantry/guards";
import type { GitHubCredential } from "./app-auth.js";
import { GantryError } from "@gantry/errors";

export const GITHUB_APP_VARIABLES = {
  appId: "GANTRY_GITHUB_APP_ID",
  privateKey: "GANTRY_GITHUB_APP_PRIVATE_KEY",
  installationId: "GANTRY_GITHUB_APP_INSTALLATION_ID",
} as const;

export interface RoleCredential {
  readonly credential: GitHubCredential;
  /** How messages name it: the token's variable, or the App's. */
  readonly name: string;
}

/** The GitHub App of the environment, or undefined when none is configured. A half-configured App is an error. */
export function githubAppFromEnvironment(
  env: Readonly<Record<string, string | undefined>>,
): { appId: string; privateKey: string; installationId?: number } | undefined {
  const appId = env[GITHUB_APP_VARIABLES.appId]?.trim() || undefined;
  const privateKey = env[GITHUB_APP_VARIABLES.privateKey] || undefined;
  const installation = env[GITHUB_APP_VARIABLES.installationId]?.trim() || undefined;
  if (appId === undefined && privateKey === undefined) return undefined;
  if (appId === undefined || privateKey === undefined) {
    const missing = appId === undefined ? GITHUB_APP_VARIABLES.appId : GITHUB_APP_VARIABLES.privateKey;
    throw new GantryError("GITHUB_INPUT_INVALID", `${missing} is not set, but the other half of the GitHub App is.`, {
      hint: `Set both ${GITHUB_APP_VARIABLES.appId} and ${GITHUB_APP_VARIABLES.privateKey}, or neither.`,
    });
  }
  if (installation !== undefined && !/^\d+$/.test(installation)) {
    throw new GantryError(
      "GITHUB_INPUT_INVALID",
      `${GITHUB_APP_VARIABLES.installationId} must be a number, not '${installation}'.`,
      {
        hint: "Use the number at the end of the installation's settings URL, or leave it unset: Gantry finds the installation of each repository.",
      },
    );
  }
  return { appId, privateKey, ...(installation !== undefined ? { installationId: Number(installation) } : {}) };
}

export function githubCredentialFor(
  env: Readonly<Record<string, string | undefined>>,
  role: TokenPurpose,
  options: { optIn?: boolean } = {},
): RoleCredential | undefined {
  const setting: TokenRequirement = TOKEN_SETTINGS[role];
  const token = readToken(env as NodeJS.ProcessEnv, role);
  if (token !== undefined) return { credential: token, name: setting.variable };
  const app = githubAppFromEnvironment(env);
  if (!app) return undefined;
  const permissions = options.optIn
    ? { ...setting.fineGrainedPermissions, ...setting.optInPermissions }
    : setting.fineGrainedPermissions;
  return { credential: { ...app, permissions }, name: `the GitHub App ${app.appId} (${GITHUB_APP_VARIABLES.appId})` };
}
