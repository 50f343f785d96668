export {
  deploymentLeaseSchema,
  deploymentRecordSchema,
  initialRecord,
  type DeploymentLease,
  type DeploymentRecord,
  type StoredRecord,
} from "./document.js";
export { memoryRecordStore, parseRecord, type DeploymentRecordStore, type MemoryRecordStore } from "./store.js";
export { gitRecordStore, liveRepositoryOfOrigin, recordRef, type GitRecordStoreOptions } from "./git-store.js";
export { commitOnDeployBranch, deployedCommits, gitHistory } from "./git-history.js";
export {
  advanceRecord,
  checkRecordOnDeployBranch,
  deployedAsOf,
  memoizeHistory,
  unitsAlreadyDeployed,
  type AlreadyDeployedInput,
  type CommitHistory,
  type DeployedRange,
} from "./range.js";
export {
  acquireLease,
  defaultLeaseTiming,
  leaseFresh,
  renewLease,
  writeHoldingLease,
  type Clock,
  type LeaseContext,
  type LeaseTiming,
} from "./lease.js";
export {
  deployFromRecord,
  planFromRecord,
  type DeployedJob,
  type DeployEvent,
  type DeployFromRecordOptions,
  type DeployRunContext,
  type DeploymentOutcome,
  type DeployRun,
  type PlanFromRecordOptions,
  type RecordPlan,
  type RecordRange,
} from "./deploy.js";
