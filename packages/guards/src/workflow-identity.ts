/**
 * Inside GitHub Actions, apply and destroy run only from the configured pipelines repository's workflow on
 * `main`. Checked from the runner's variables and, when the job may request one, from the OIDC token's
 * claims (which the runner cannot be talked into forging, unlike environment variables).
 */
import { GuardRefusedError } from "./errors.js";
import { canRequestOidcToken, readJwtClaims, requestGithubOidcToken } from "./oidc-token.js";

export const TRUSTED_WORKFLOW_REF = "refs/heads/main";

export interface WorkflowIdentity {
  repository: string;
  ref: string;
  workflowRef: string;
  /** Whether the OIDC token's claims were checked as well. */
  claimsChecked: boolean;
}

export function isGithubActions(env: NodeJS.ProcessEnv): boolean {
  return env["GITHUB_ACTIONS"] === "true";
}

/** `owner/name/.github/workflows/<file>@refs/heads/main` for the given repository. */
function isTrustedWorkflowRef(workflowRef: string, repository: string): boolean {
  const prefix = `${repository.toLowerCase()}/.github/workflows/`;
  const lower = workflowRef.toLowerCase();
  return (
    lower.startsWith(prefix) &&
    workflowRef.endsWith(`@${TRUSTED_WORKFLOW_REF}`) &&
    !workflowRef.slice(prefix.length).includes("/..")
  );
}

export async function checkWorkflowIdentity(
  env: NodeJS.ProcessEnv,
  pipelinesRepository: string | undefined,
  jobRef: string,
): Promise<WorkflowIdentity> {
  const refuse = (message: string, hint: string) =>
    new GuardRefusedError({ guard: "workflow-identity", unit: null, commit: jobRef, message, hint });
  if (!pipelinesRepository) {
    throw refuse(
      "no pipelines repository is configured, so no workflow is trusted to apply or destroy",
      "set GANTRY_PIPELINES_REPOSITORY=owner/name (the repository whose `main` workflows deploy) in the workflow's env",
    );
  }
  const repository = env["GITHUB_REPOSITORY"] ?? "";
  const ref = env["GITHUB_REF"] ?? "";
  const workflowRef = env["GITHUB_WORKFLOW_REF"] ?? "";
  if (repository.toLowerCase() !== pipelinesRepository.toLowerCase()) {
    throw refuse(
      `the workflow runs in '${repository || "(unset)"}', not in the pipelines repository '${pipelinesRepository}'`,
      `applies and destroys are dispatched to ${pipelinesRepository}'s workflow on main; run them there`,
    );
  }
  if (ref !== TRUSTED_WORKFLOW_REF) {
    throw refuse(
      `the workflow runs on '${ref || "(unset)"}', not on ${TRUSTED_WORKFLOW_REF}`,
      "only the reviewed workflow on main may apply or destroy; merge workflow changes first",
    );
  }
  if (!isTrustedWorkflowRef(workflowRef, pipelinesRepository)) {
    throw refuse(
      `GITHUB_WORKFLOW_REF '${workflowRef || "(unset)"}' is not a workflow of ${pipelinesRepository} on ${TRUSTED_WORKFLOW_REF}`,
      `run gantry from a workflow file in ${pipelinesRepository}/.github/workflows on main`,
    );
  }
  if (!canRequestOidcToken(env)) return { repository, ref, workflowRef, claimsChecked: false };

  const claims = readJwtClaims(await requestGithubOidcToken(env));
  if (!claims) throw refuse("the OIDC token's claims could not be read", "retry the workflow");
  const claimRepository = String(claims["repository"] ?? "");
  const claimRef = String(claims["ref"] ?? "");
  const claimWorkflow = String(claims["workflow_ref"] ?? "");
  if (
    claimRepository.toLowerCase() !== pipelinesRepository.toLowerCase() ||
    claimRef !== TRUSTED_WORKFLOW_REF ||
    !isTrustedWorkflowRef(claimWorkflow, pipelinesRepository)
  ) {
    throw refuse(
      `the OIDC token says repository '${claimRepository}', ref '${claimRef}', workflow '${claimWorkflow}', which is not ${pipelinesRepository}'s workflow on ${TRUSTED_WORKFLOW_REF}`,
      "the runner's variables and its OIDC token disagree; do not set GITHUB_* variables by hand",
    );
  }
  return { repository, ref, workflowRef, claimsChecked: true };
}
