/**
 * @gantry/guards: only code reviewed and merged to the deploy branch is applied or destroyed, only the
 * pipelines repository's workflow on `main` gets write credentials, and every token and role has the least
 * rights it needs. See README.md for the threat model.
 */
export { checkJob, type CheckJobOptions, type GuardReport, type WorkflowRole } from "./check-job.js";
export { DEFAULT_DEPLOY_BRANCH, trustedDeployBranch } from "./trust-root.js";
export { obtainCredentials, roleForAction, type JobCredentials, type ObtainCredentialsOptions } from "./credentials.js";
export { GuardRefusedError, GUARDS, type GuardName, type GuardRefusal } from "./errors.js";
export { rederiveWithClassifier, type RederiveJobs } from "./rederive.js";
export { buildSessionName, sessionNameFromEnvironment } from "./session-name.js";
export { requestGithubOidcToken, readJwtClaims, STS_AUDIENCE } from "./oidc-token.js";
export {
  buildTrustPolicies,
  inferTrustPolicyRole,
  lintTrustPolicy,
  GITHUB_OIDC_HOST,
  APPLY_ENVIRONMENT,
  APPLY_WORKFLOW,
  PLAN_WORKFLOW,
  AWS_EVALUATED_CLAIMS,
  type TrustPolicy,
  type LintTrustPolicyOptions,
  type TrustPolicyFinding,
  type TrustPolicyInput,
} from "./trust-policy.js";
export {
  readToken,
  tokenKind,
  GITHUB_APP_PERMISSIONS,
  excessClassicScopes,
  classicScopesCovering,
  IMPLIED_CLASSIC_SCOPES,
  TOKEN_SETTINGS,
  type TokenPurpose,
  type TokenKind,
  type TokenRequirement,
} from "./tokens.js";
export { diagnoseSetup, readScopesFromGithub, TOOL_VARIABLES, type Diagnosis, type ReadTokenScopes } from "./doctor.js";
export {
  UNIT_MARKER,
  DEPLOY_BRANCH_FETCHED_VARIABLE,
  deployBranchFetchFrom,
  resolveDeployBranchTip,
  type DeployBranchFetch,
  type DeployBranchTip,
} from "./deploy-branch.js";
export {
  checkPipelinesWorkflow,
  PIPELINES_WORKFLOW_FINDINGS,
  type PipelinesWorkflowFinding,
  type PipelinesWorkflowRole,
} from "./pipelines-workflows.js";
