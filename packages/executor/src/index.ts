/**
 * `@gantry/executor`: runs Gantry jobs with real terragrunt and OpenTofu in worktrees of their own,
 * and renders the reports (pull-request comment, step summary, terminal).
 */
export {
  executeJob,
  parseJob,
  jobDocument,
  jobExitCode,
  defaultRunDirectory,
  defaultStateDirectory,
  type ExecuteOptions,
  type ExecutionEvent,
} from "./execute-job.js";
export { runTimestamp, pruneRunDirectories, keptRunsFromEnv, DEFAULT_KEPT_RUNS } from "./run-directories.js";
export {
  checkJobMinimal,
  localCredentials,
  defaultGuard,
  defaultCredentials,
  type JobGuard,
  type CredentialProvider,
} from "./guard.js";
export { findIacTools, type IacTools } from "./tools.js";
export { SecretMasker, secretsFromEnvironment, MASK } from "./masking.js";
export {
  summarisePlan,
  parseJsonPlan,
  readJsonPlan,
  hasChanges,
  sensitiveValuesInPlan,
  formatPlanCounts,
  type PlanSummary,
} from "./plan-summary.js";
export { jobResultSchema, unitResultSchema, type JobResult, type UnitResult, type RunStatus } from "./result.js";
export * from "./report/index.js";
export { abortOnSignals, type SignalAbort } from "./signals.js";
