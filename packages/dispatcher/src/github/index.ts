export {
  defaultGitHubApiUrl,
  githubTimingFromEnvironment,
  type GitHubConnection,
  type GitHubTiming,
} from "./client.js";
export type { GitHubAppCredentials, GitHubCredential } from "./app-auth.js";
export {
  diagnoseGitHubApp,
  type DiagnoseGitHubAppOptions,
  type GitHubAppDiagnosis,
  type GitHubAppRoleCheck,
} from "./app-diagnosis.js";
export {
  GITHUB_APP_VARIABLES,
  githubAppFromEnvironment,
  githubCredentialFor,
  type RoleCredential,
} from "./credentials.js";
export {
  checkTokenScopes,
  gantryTokenRequirements,
  type CheckTokenScopesOptions,
  type GantryTokenRequirement,
  type GantryTokenRole,
  type TokenScopeReport,
} from "./token-scopes.js";
export {
  githubCommentLimit,
  parseReportMarker,
  publishPullRequestReport,
  reportMarker,
  truncateCommentBody,
  type PublishedReport,
  type PublishPullRequestReportOptions,
} from "./pull-request-report.js";
export {
  applyReportMarker,
  findMergedPullRequest,
  findMergedPullRequests,
  MERGED_PULL_REQUEST_LOOKUPS,
  openFailedApplyIssue,
  publishApplyReport,
  type FailedApplyIssue,
  type OpenFailedApplyIssueOptions,
  type FindMergedPullRequestOptions,
  type FindMergedPullRequestsOptions,
  type MergedPullRequest,
  type MergedPullRequestInRange,
  type MergedPullRequestsInRange,
  type PublishApplyReportOptions,
  type PublishedApplyReport,
} from "./merged-pull-request-report.js";
export {
  dispatchJobToWorkflow,
  dispatchedRunCandidates,
  newCorrelationId,
  validateJobForDispatch,
  type DispatchedRun,
  type DispatchJobOptions,
  type DispatchProgress,
  type WorkflowRunConclusion,
} from "./workflow-dispatch.js";
export {
  requestDeployment,
  type DeploymentRequestOutcome,
  type RequestDeploymentOptions,
} from "./deployment-request.js";
export {
  dispatchPlanToWorkflow,
  type DispatchedPlan,
  type DispatchedPlanJob,
  type DispatchPlanOptions,
} from "./dispatch-plan.js";
