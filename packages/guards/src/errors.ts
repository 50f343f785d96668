/**
 * Refusals. Every guard has its own stable code (and so its own exit code, 40-59, in the registry of
 * `@gantry/errors`), so a workflow log or a script can tell *which* guard stopped a job.
 */
import { GantryError, type ErrorCode } from "@gantry/errors";

/** The guards, by the name a refusal reports. */
export const GUARDS = {
  "deploy-branch": "GUARD_DEPLOY_BRANCH_UNAVAILABLE",
  "path-containment": "GUARD_PATH_ESCAPE",
  "workflow-identity": "GUARD_UNTRUSTED_WORKFLOW",
  "apply-ref-on-deploy-branch": "GUARD_REF_NOT_ON_DEPLOY_BRANCH",
  "apply-unit-on-deploy-branch": "GUARD_UNIT_NOT_ON_DEPLOY_BRANCH",
  "destroy-unit-absent": "GUARD_DESTROY_UNIT_STILL_LIVE",
  "destroy-removal-merged": "GUARD_DESTROY_REMOVAL_NOT_MERGED",
  "destroy-ref-ancestor": "GUARD_DESTROY_REF_NOT_ANCESTOR",
  "re-derive": "GUARD_JOB_NOT_REDERIVED",
  "pull-request-preflight": "GUARD_PR_NOT_AHEAD",
  "job-document": "GUARD_INVALID_JOB",
  "unit-at-ref": "GUARD_UNIT_MISSING_AT_REF",
  "trusted-settings": "GUARD_UNTRUSTED_SETTINGS",
  "no-rollback": "GUARD_UNIT_SUPERSEDED",
  "workflow-role": "GUARD_WRONG_WORKFLOW",
} as const satisfies Record<string, ErrorCode>;

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
    super(
      GUARDS[refusal.guard],
      `guard ${refusal.guard} refused the job${where ? ` (${where})` : ""}: ${refusal.message}`,
      {
        hint: refusal.hint,
        cause: options.cause,
      },
    );
    this.name = "GuardRefusedError";
    this.guard = refusal.guard;
    this.unit = refusal.unit;
    this.commit = refusal.commit;
  }

  static isGuardRefusal(value: unknown): value is GuardRefusedError {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[guardMarker] === true;
  }
}
