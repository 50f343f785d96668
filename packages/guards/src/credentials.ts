/**
 * Short-lived AWS credentials for one job. In GitHub Actions the job's OIDC token is exchanged with STS
 * (`AssumeRoleWithWebIdentity`, through `fromWebToken`) for the plan role (plan, plan-destroy) or the
 * apply role (apply, destroy; only for a job that passed `checkJob`). Locally nothing is returned and
 * the standard AWS credential chain applies unchanged.
 */
import type { Job } from "@gantry/classifier";
import { wasJobGuarded } from "./guarded-jobs.js";
import { requestGithubOidcToken, STS_AUDIENCE } from "./oidc-token.js";
import { sessionNameFromEnvironment } from "./session-name.js";
import { isGithubActions } from "./workflow-identity.js";
import { GantryError } from "@gantry/errors";

export interface JobCredentials {
  /** Variables for Terragrunt's process environment only (never this process's own). */
  env: Record<string, string>;
  /** Values to mask in every log and output. */
  secrets: string[];
}

export interface ObtainCredentialsOptions {
  env: NodeJS.ProcessEnv;
  sessionName?: string;
}

/** Which role an action may use: writes need the apply role, everything else the read-only plan role. */
export function roleForAction(action: Job["action"]): "plan" | "apply" {
  return action === "apply" || action === "destroy" ? "apply" : "plan";
}

/** The STS endpoint from the SDK's standard settings, read from the given environment. */
function stsEndpoint(env: NodeJS.ProcessEnv): string | undefined {
  return env["AWS_ENDPOINT_URL_STS"] || env["AWS_ENDPOINT_URL"] || undefined;
}

export async function obtainCredentials(job: Job, options: ObtainCredentialsOptions): Promise<JobCredentials> {
  if (!isGithubActions(options.env)) return { env: {}, secrets: [] };
  const authentication = job.authentication;
  if (!authentication) return { env: {}, secrets: [] };

  const role = roleForAction(job.action);
  if (role === "apply" && !wasJobGuarded(job)) {
    throw new GantryError(
      "CREDENTIALS_APPLY_ROLE_UNGUARDED",
      `job ${job.id} asks for the apply role but has not passed checkJob in this process (or changed since)`,
      { hint: "call checkJob(job, ...) first and pass the same job object to obtainCredentials" },
    );
  }
  const roleArn = role === "apply" ? authentication.applyRoleArn : authentication.planRoleArn;
  const webIdentityToken = await requestGithubOidcToken(options.env, STS_AUDIENCE);
  const roleSessionName = options.sessionName ?? sessionNameFromEnvironment(options.env, job.source.branch);
  const endpoint = stsEndpoint(options.env);

  // Loaded here, not at the top: the AWS SDK is large and only this path needs it, while every
  // command that imports @gantry/guards (doctor, dispatch, execute without credentials) would pay for it.
  const { fromWebToken } = await import("@aws-sdk/credential-providers");
  const provider = fromWebToken({
    roleArn,
    webIdentityToken,
    roleSessionName,
    durationSeconds: authentication.sessionDurationSeconds,
    clientConfig: { region: authentication.region, ...(endpoint ? { endpoint } : {}) },
  });
  let credentials: Awaited<ReturnType<typeof provider>>;
  try {
    credentials = await provider();
  } catch (cause) {
    const awsCode = (cause as { name?: string }).name ?? "Error";
    const message = ((cause as Error).message ?? "").replaceAll(webIdentityToken, "***");
    throw new GantryError(
      "CREDENTIALS_ASSUME_ROLE_FAILED",
      `STS refused ${role} role ${roleArn} for session ${roleSessionName}: ${awsCode}: ${message}`,
      {
        hint:
          role === "apply"
            ? "the apply role trusts only the apply workflow's job (environment gantry-apply on the pipelines repository's main); check its trust policy with `gantry iam lint`"
            : "check the plan role's trust policy (`gantry iam trust-policy` prints one) and the OIDC provider's audience sts.amazonaws.com",
        cause,
      },
    );
  }
  const env: Record<string, string> = {
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_REGION: authentication.region,
  };
  if (credentials.sessionToken) env["AWS_SESSION_TOKEN"] = credentials.sessionToken;
  const secrets = [
    credentials.accessKeyId,
    credentials.secretAccessKey,
    credentials.sessionToken,
    webIdentityToken,
  ].filter((value): value is string => typeof value === "string" && value.length > 0);
  return { env, secrets };
}
