/** The deployment record's error codes and their exit codes (planning 20-29, execution 30-39). */
import { GantryError } from "@gantry/errors";

export const recordErrorCodes = {
  /** A push run has no `--base` and there is no record to start from. */
  RECORD_MISSING: 26,
  /** The stored record is not a valid `gantry/v1` DeploymentRecord. */
  RECORD_INVALID: 29,
  /** A recorded commit is not in the deploy branch's history (the branch was rewritten), or is unknown. */
  RECORD_NOT_ON_DEPLOY_BRANCH: 29,
  /** The configuration's deploy branch is not the one this run deploys (`GANTRY_DEPLOY_BRANCH`). */
  RECORD_DEPLOY_BRANCH_MISMATCH: 29,
  /** The record exists and `gantry record mark` was not told to replace it. */
  RECORD_EXISTS: 29,
  /** A record in a remote needs the infrastructure-live repository's name (its key there), and none was found. */
  RECORD_LIVE_REPOSITORY_UNKNOWN: 29,
  /** Another run held the deployment lease for longer than this run would wait. */
  RECORD_LEASE_BUSY: 30,
  /** The lease was taken over by another run while this one held it (it had expired). */
  RECORD_LEASE_LOST: 30,
  /** Reading or writing the record failed (git, the network, credentials). */
  RECORD_STORE_FAILED: 30,
} as const satisfies Record<string, number>;

export type RecordErrorCode = keyof typeof recordErrorCodes;

export function recordError(code: RecordErrorCode, message: string, hint: string, cause?: unknown): GantryError {
  return new GantryError(code, message, { hint, exitCode: recordErrorCodes[code], ...(cause === undefined ? {} : { cause }) });
}
