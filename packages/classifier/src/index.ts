export * from "./job.js";
export { builtInChangeTypes, changeTypeName } from "./changes.js";
export type * from "./changes.js";
export { classifyChanges, driftMarkerNames, type Classification, type ClassifyOptions } from "./classify.js";
export { planJobs, unitsActedOn, type PlanJobsInput } from "./plan-jobs.js";
export { matchEnvironments, authenticationOf } from "./environments.js";
export {
  planChange,
  resolveBranch,
  loadPlanningConfiguration,
  type PlanChangeOptions,
  type PlanningConfiguration,
} from "./plan-change.js";
export {
  loadConfig,
  parseConfigFiles,
  defaultConfig,
  type LoadedConfig,
  type ConfigSource,
} from "./config/load-config.js";
export {
  configJsonSchema,
  gantryConfigSchema,
  type GantryConfig,
  type GantryConfigInput,
  type EnvironmentConfig,
  type AwsConfig,
  type UnitOverride,
} from "./config/schema.js";
export {
  loadClassifierPlugins,
  isChangeClassifier,
  type LoadPluginsOptions,
  type ChangeClassifier,
  type ChangedFile,
  type ClassifierClaim,
  type ClassifierContext,
} from "./plugins.js";
export {
  renderPlan,
  renderPlanText,
  renderPlanMermaid,
  githubMatrix,
  githubOutputLine,
  planFormats,
  type PlanFormat,
} from "./render.js";
export { reservedToolVariable } from "./tool-variables.js";
export { unitReasons, MAX_REASONS_PER_UNIT } from "./unit-reasons.js";
