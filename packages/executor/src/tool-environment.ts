/**
 * The environment terragrunt and OpenTofu run with, and everything the code they run (hooks, `run_cmd`,
 * providers, external data sources) can read from it.
 *
 * A strict deny-list over the caller's environment rather than an allow-list: the tools legitimately need
 * variables nobody can list in advance (proxies, `TF_VAR_*`, provider settings such as `ARM_*` or
 * `VAULT_ADDR`, `SSH_AUTH_SOCK` for git module sources), while what they must never see is a short, known
 * set: the runner's tokens (`ACTIONS_*`, the OIDC token request, `ACTIONS_RUNTIME_TOKEN`), GitHub tokens,
 * Gantry's own settings and tokens, action inputs, and git configuration passed through the environment.
 * When the job has credentials, every other AWS credential source is dropped too, so the role the guards
 * allowed is the one used.
 *
 * Limit: the tools run as the same OS user as Gantry, so code they run can read Gantry's own initial
 * environment from `/proc/<pid>/environ`. The structural defence is elsewhere: a pull request's plan runs in a
 * workflow whose OIDC token the apply role does not trust (see `@gantry/guards`' trust policies).
 */
import { existsSync } from "node:fs";
import { reservedToolVariable } from "@gantry/classifier";
import { GantryError } from "@gantry/errors";

/** Variables of the caller never given to the tools. */
const withheldPrefixes = ["ACTIONS_", "GANTRY_", "INPUT_", "GIT_CONFIG_"];
const withheldNames = new Set([
  "GITHUB_TOKEN",
  "GH_TOKEN",
  "GH_ENTERPRISE_TOKEN",
  "GITHUB_ENTERPRISE_TOKEN",
  "GIT_CONFIG_PARAMETERS",
  "GIT_ASKPASS",
  "SSH_ASKPASS",
]);

/** AWS credential sources, dropped from the caller's environment when the job brings its own credentials. */
const awsCredentialSources = new Set([
  "AWS_PROFILE",
  "AWS_DEFAULT_PROFILE",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_SECURITY_TOKEN",
  "AWS_ROLE_ARN",
  "AWS_ROLE_SESSION_NAME",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
  "AWS_CONTAINER_CREDENTIALS_FULL_URI",
  "AWS_CONTAINER_AUTHORIZATION_TOKEN",
  "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
  "AWS_SHARED_CREDENTIALS_FILE",
  "AWS_CONFIG_FILE",
]);

/** True when a variable of the caller's environment is withheld from the tools. */
export function isWithheldFromTools(name: string): boolean {
  const upper = name.toUpperCase();
  return withheldNames.has(upper) || withheldPrefixes.some((prefix) => upper.startsWith(prefix));
}

export interface ToolEnvironmentInput {
  /** This process's environment. */
  caller: Record<string, string | undefined>;
  /** The job's `terragrunt.env` (the guards checked it is the deploy branch's configuration). */
  job: Record<string, string>;
  /** The job's credentials; they win over everything. */
  credentials: Record<string, string>;
  /** Exported as `GANTRY_STATE_DIR`. */
  stateDir: string;
}

/**
 * The caller's environment without what is withheld, then the job's `terragrunt.env` (a reserved name is
 * refused: only a job that skipped the guards can carry one), then the credentials, then what makes every
 * run non-interactive and finds the state.
 */
export function toolEnvironment(input: ToolEnvironmentInput): Record<string, string> {
  const hasCredentials = Object.keys(input.credentials).length > 0;
  const toolEnv: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.caller)) {
    if (value === undefined || isWithheldFromTools(name)) continue;
    if (hasCredentials && awsCredentialSources.has(name.toUpperCase())) continue;
    toolEnv[name] = value;
  }
  for (const [name, value] of Object.entries(input.job)) {
    const reason = reservedToolVariable(name);
    if (reason !== null) {
      throw new GantryError(
        "EXEC_TOOL_ENV_REFUSED",
        `field "terragrunt.env.${name}": ${reason}, which a job may not set`,
        {
          hint: "plan the job again from the deploy branch's configuration, and run it through the guards",
        },
      );
    }
    toolEnv[name] = value;
  }
  Object.assign(toolEnv, input.credentials);
  // OpenTofu prints a warning when TF_CLI_CONFIG_FILE names a missing file, and terragrunt then fails to
  // parse `tofu version`; a missing file configures nothing, so it is dropped.
  if (toolEnv.TF_CLI_CONFIG_FILE !== undefined && !existsSync(toolEnv.TF_CLI_CONFIG_FILE))
    delete toolEnv.TF_CLI_CONFIG_FILE;
  return {
    ...toolEnv,
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
    TG_NON_INTERACTIVE: "true",
    CHECKPOINT_DISABLE: "1",
    GANTRY_STATE_DIR: input.stateDir,
  };
}
