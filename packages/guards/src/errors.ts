/**
 * Refusals and credential failures. Every guard has its own stable code and exit code (40-59), so a
 * workflow log or a script can tell *which* guard stopped a job; credential failures use 60-69.
 */
import { GantryError } from "@gantry/errors";

/** The guards, by the name a refusal reports. */
export const GUARDS = {
  "deploy-branch": { code: "GUARD_DEPLOY_BRANCH_UNAVAILABLE", exitCode: 40 },
  "path-containment": { code: "GUARD_PATH_ESCAPE", exitCode: 41 },
  "workflow-identity": { code: "GUARD_UNTRUSTED_WORKFLOW", exitCode: 42 },
  "apply-ref-on-deploy-branch": { code: "GUARD_REF_NOT_ON_DEPLOY_BRANCH", exitCode: 43 },
  "apply-unit-on-deploy-branch": { code: "GUARD_UNIT_NOT_ON_DEPLOY_BRANCH", exitCode: 44 },
  "destroy-unit-absent": { code: "GUARD_DESTROY_UNIT_STILL_LIVE", exitCode: 45 },
  "destroy-removal-merged": { code: "GUARD_DESTROY_REMOVAL_NOT_MERGED", exitCode: 46 },
  "destroy-ref-ancestor": { code: "GUARD_DESTROY_REF_NOT_ANCESTOR", exitCode: 47 },
  "re-derive": { code: "GUARD_JOB_NOT_REDERIVED", exitCode: 48 },
  "pull-request-preflight": { code: "GUARD_PR_NOT_AHEAD", exitCode: 49 },
  "job-document": { code: "GUARD_INVALID_JOB", exitCode: 50 },
  "unit-at-ref": { code: "GUARD_UNIT_MISSING_AT_REF", exitCode: 51 },
  "trusted-settings": { code: "GUARD_UNTRUSTED_SETTINGS", exitCode: 52 },
  "no-rollback": { code: "GUARD_UNIT_SUPERSEDED", exitCode: 53 },
  "workflow-role": { code: "GUARD_WRONG_WORKFLOW", exitCode: 54 },
} as const;

/** A check interrupted (SIGINT/SIGTERM): nothing was run. The exit code of an interrupted run. */
export const GUARD_INTERRUPTED_EXIT_CODE = 130;

export type GuardName = keyof typeof GUARDS;

const guardMarker = Symbol.for("gantry.guard-refused");

export interface GuardRefusal {
  guard: GuardName;
  /** The unit the refusal is about, or null when it is about the whole job (e.g. the workflow). */
  unit: string | null;
  /** The commit the refusal is about (the job's ref, the deploy branch tip, ...). */
  commit: string | null;
  message: string;
  hint: string;
}

/** A guard refused the job: nothing may run. `guard`, `unit` and `commit` say what and where. */
export class GuardRefusedError extends GantryError {
  readonly [guardMarker] = true;
  readonly guard: GuardName;
  readonly unit: string | null;
  readonly commit: string | null;

  constructor(refusal: GuardRefusal, options: { cause?: unknown } = {}) {
    const where = [refusal.unit ? `unit ${refusal.unit}` : null, refusal.commit ? `commit ${refusal.commit}` : null]
      .filter(Boolean)
      .join(", ");
    super(GUARDS[refusal.guard].code, `guard ${refusal.guard} refused the job${where ? ` (${where})` : ""}: ${refusal.message}`, {
      hint: refusal.hint,
      exitCode: GUARDS[refusal.guard].exitCode,
      cause: options.cause,
    });
    this.name = "GuardRefusedError";
    this.guard = refusal.guard;
    this.unit = refusal.unit;
    this.commit = refusal.commit;
  }

  static isGuardRefusal(value: unknown): value is GuardRefusedError {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[guardMarker] === true;
  }
}

export const CREDENTIAL_ERRORS = {
  CREDENTIALS_OIDC_UNAVAILABLE: 60,
  CREDENTIALS_OIDC_REQUEST_FAILED: 61,
  CREDENTIALS_ASSUME_ROLE_FAILED: 62,
  CREDENTIALS_APPLY_ROLE_UNGUARDED: 63,
  CREDENTIALS_NOT_CONFIGURED: 64,
} as const;

export function credentialsError(code: keyof typeof CREDENTIAL_ERRORS, message: string, hint: string, cause?: unknown): GantryError {
  return new GantryError(code, message, { hint, exitCode: CREDENTIAL_ERRORS[code], cause });
}
