export { defaultGitHubApiUrl, githubTimingFromEnvironment, type GitHubConnection, type GitHubTiming } from "./client.js";
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
  openFailedApplyIssue,
  publishApplyReport,
  type FailedApplyIssue,
  type OpenFailedApplyIssueOptions,
  type FindMergedPullRequestOptions,
  type MergedPullRequest,
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
export { requestDeployment, type DeploymentRequestOutcome, type RequestDeploymentOptions } from "./deployment-request.js";
export {
  dispatchPlanToWorkflow,
  type DispatchedPlan,
  type DispatchedPlanJob,
  type DispatchPlanOptions,
} from "./dispatch-plan.js";
