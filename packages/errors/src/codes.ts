/**
 * Every code a Gantry error can carry, with the exit code the CLI ends with and one line on what it means:
 * the one registry. `GantryError` takes a key of it, so a code that is not here does not compile, and no
 * package writes an exit code of its own. The README's table and the CLI's help are rendered from it.
 */

/** The exit-code ranges: each command's help lists the ranges it can end in. */
export const EXIT_CODE_RANGES = {
  ok: { first: 0, last: 0, meaning: "success" },
  findings: { first: 1, last: 1, meaning: "the check ran and found problems (listed above the exit)" },
  usage: { first: 2, last: 2, meaning: "usage: an unknown command or option, a missing or invalid value" },
  detection: {
    first: 10,
    last: 14,
    meaning:
      "detection could not run: not a git repository (10), unknown ref (11), shallow clone lacking a commit (12), no merge-base (13), git failed (14)",
  },
  analysis: {
    first: 15,
    last: 19,
    meaning:
      "the document was printed, but some unit could not be analysed: HCL syntax (15), evaluation (16), include cycle (17), symlink leaving the repository (18), unreadable file (19)",
  },
  configuration: {
    first: 20,
    last: 29,
    meaning:
      "configuration or planning: an invalid configuration or document, a unit in no environment, a dependency cycle, ...",
  },
  execution: {
    first: 30,
    last: 39,
    meaning:
      "execution: a job or unit failed, was skipped or did not run (30), or setting it up or a GitHub call failed (31-39)",
  },
  guard: { first: 40, last: 59, meaning: "refused by a guard (nothing was run)" },
  credentials: { first: 60, last: 69, meaning: "no cloud credentials: the OIDC token or the STS exchange failed" },
  internal: { first: 70, last: 70, meaning: "internal error: a bug in Gantry, please report it" },
  interrupted: { first: 130, last: 130, meaning: "interrupted (SIGINT or SIGTERM)" },
} as const satisfies Record<string, { first: number; last: number; meaning: string }>;

export type ExitCodeRange = keyof typeof EXIT_CODE_RANGES;

export const ERROR_CODES = {
  // Outcomes that are not thrown: a command returns their exit code.
  FINDINGS: { exitCode: 1, meaning: "`gantry iam lint` or `gantry doctor` found problems" },
  JOB_FAILED: { exitCode: 30, meaning: "a job or unit failed, was skipped or did not run" },
  INTERNAL: { exitCode: 70, meaning: "an unexpected exception: a bug in Gantry" },
  INTERRUPTED: { exitCode: 130, meaning: "SIGINT or SIGTERM stopped the command" },

  USAGE: { exitCode: 2, meaning: "an unknown command or option, a missing or invalid value" },
  DISPATCH_TOKEN_MISSING: { exitCode: 2, meaning: "`gantry dispatch` needs its token variable, which is not set" },
  DISPATCH_REF_NOT_TRUSTED: {
    exitCode: 2,
    meaning: "`--ref` is not main of the pipelines repository (pass --allow-non-main-ref to test)",
  },
  REPORT_TOKEN_MISSING: {
    exitCode: 2,
    meaning: "`gantry report --publish-*` needs its token variable, which is not set",
  },
  EXEC_KEEP_RUNS_INVALID: { exitCode: 2, meaning: "GANTRY_KEEP_RUNS is not a whole number" },
  INIT_INVALID_OPTION: {
    exitCode: 2,
    meaning: "an option of `gantry init` has a value it cannot write (named in the error)",
  },
  INIT_ACTION_UNRESOLVED: {
    exitCode: 2,
    meaning: "`gantry init` cannot find the commit of the Action's tag or branch (pin its SHA with --action)",
  },

  DETECT_NOT_A_REPO: { exitCode: 10, meaning: "the directory is not inside a git repository" },
  DETECT_UNKNOWN_REF: {
    exitCode: 11,
    meaning: "the base or head ref is not a branch, tag or commit of the repository",
  },
  DETECT_SHALLOW_CLONE: { exitCode: 12, meaning: "a commit the range needs is not in this shallow clone" },
  DETECT_NO_MERGE_BASE: { exitCode: 13, meaning: "the base and head have no common ancestor" },
  DETECT_GIT_FAILED: { exitCode: 14, meaning: "git failed (not installed, or a corrupt repository)" },
  HCL_SYNTAX: { exitCode: 15, meaning: "an HCL file is not valid HCL" },
  HCL_EVAL: { exitCode: 16, meaning: "an HCL expression cannot be evaluated without running OpenTofu" },
  INCLUDE_CYCLE: { exitCode: 17, meaning: "includes include each other in a cycle" },
  SYMLINK_ESCAPES_REPO: { exitCode: 18, meaning: "a file read is a symlink leading outside the repository" },
  UNREADABLE_CONFIG: { exitCode: 19, meaning: "a file a unit reads could not be read from git" },

  CONFIG_SYNTAX: {
    exitCode: 20,
    meaning: "`.gantry/config.yml` (or a Gruntwork configuration) is not valid YAML or HCL",
  },
  CONFIG_INVALID: { exitCode: 20, meaning: "a configuration key has a wrong value, is missing or unknown" },
  CONFIG_PLUGIN_INVALID: {
    exitCode: 21,
    meaning: "a classifier plugin cannot be found or is not a `ChangeClassifier`",
  },
  PLAN_ENVIRONMENT_MISMATCH: { exitCode: 22, meaning: "an affected unit matches no environment, or more than one" },
  PLAN_DELETED_UNIT_STILL_USED: {
    exitCode: 23,
    meaning: "the change deletes a unit a remaining unit still depends on",
  },
  PLAN_DEPENDENCY_CYCLE: { exitCode: 24, meaning: "the units' dependency blocks form a cycle" },
  PLAN_ACCOUNTS_ADDED_NOT_ALONE: {
    exitCode: 25,
    meaning: "a new account directory is not the only change of its pull request",
  },
  PLAN_INVALID_DETECTION: {
    exitCode: 26,
    meaning: "the detection given to the planner is not a valid `gantry/v1` Detection",
  },
  RECORD_MISSING: { exitCode: 26, meaning: "a push without --base, and no deployment record to start from" },
  PLAN_CLASSIFIER_FAILED: {
    exitCode: 27,
    meaning: "a classifier plugin threw or answered something that is not a claim",
  },
  CONFIG_READ_FAILED: { exitCode: 28, meaning: "git could not read the configuration from the commit" },
  RECORD_INVALID: { exitCode: 29, meaning: "the stored deployment record is not a valid `gantry/v1` DeploymentRecord" },
  RECORD_NOT_ON_DEPLOY_BRANCH: {
    exitCode: 29,
    meaning: "a recorded commit is unknown or not in the deploy branch's history",
  },
  RECORD_DEPLOY_BRANCH_MISMATCH: {
    exitCode: 29,
    meaning: "the configuration's deploy branch is not the one this run deploys",
  },
  RECORD_LIVE_REPOSITORY_UNKNOWN: {
    exitCode: 29,
    meaning: "a record in a remote, and neither --repository nor the checkout's origin names infrastructure-live",
  },
  RECORD_EXISTS: { exitCode: 29, meaning: "`gantry record mark` would replace a record without --replace" },
  ACTION_PLAN_INVALID: {
    exitCode: 20,
    meaning: "the Action's `plan-file` cannot be read back or is not a valid `gantry/v1` Plan",
  },
  DISPATCH_PLAN_INVALID: {
    exitCode: 20,
    meaning: "the plan to dispatch cannot be read or is not a valid `gantry/v1` Plan",
  },
  REPORT_PLAN_INVALID: {
    exitCode: 20,
    meaning: "the plan given to `gantry report` cannot be read or is not a valid `gantry/v1` Plan",
  },
  REPORT_RESULT_INVALID: {
    exitCode: 20,
    meaning: "a result given to `gantry report` cannot be read or is not a valid `gantry/v1` JobResult",
  },
  REPORT_ERROR_INVALID: {
    exitCode: 20,
    meaning: "the file given to `--error` cannot be read or is not a valid `gantry/v1` Error",
  },
  REPORT_DUPLICATE_RESULT: { exitCode: 20, meaning: "two results for the same job" },
  REPORT_RESULT_MISMATCH: { exitCode: 20, meaning: "a result's job differs from the plan's job of that id" },
  REPORT_RESULT_NOT_IN_PLAN: { exitCode: 20, meaning: "a result is for a job the plan does not have" },
  INIT_MANIFEST_UNREADABLE: { exitCode: 20, meaning: "`.gantry/init.json` exists but cannot be read" },
  INIT_MANIFEST_INVALID: { exitCode: 20, meaning: "`.gantry/init.json` is not a valid `gantry/v1` InitManifest" },
  INIT_WRITE_FAILED: {
    exitCode: 20,
    meaning: "`gantry init` could not write a file (what it wrote is recorded; run it again)",
  },
  IAM_POLICY_INVALID: {
    exitCode: 21,
    meaning: "the trust policy given to `gantry iam lint` cannot be read or is not JSON",
  },

  EXEC_UNEXPECTED: { exitCode: 30, meaning: "the job stopped on an unexpected exception" },
  EXEC_QUEUE_OUTSIDE_JOB: { exitCode: 30, meaning: "terragrunt ran units that are not in the job" },
  EXEC_QUEUE_FAILED: { exitCode: 30, meaning: "terragrunt ended without a run report" },
  RECORD_LEASE_BUSY: { exitCode: 30, meaning: "another run holds the deployment lease" },
  RECORD_LEASE_LOST: { exitCode: 30, meaning: "another run took over the deployment lease after it expired" },
  RECORD_STORE_FAILED: { exitCode: 30, meaning: "reading or writing the deployment record failed" },
  GITHUB_REQUEST_FAILED: { exitCode: 30, meaning: "a GitHub call failed (network, or an unexpected status)" },
  GITHUB_INPUT_INVALID: { exitCode: 30, meaning: "a bad argument to a GitHub function (not a GitHub answer)" },
  EXEC_TOOL_NOT_FOUND: { exitCode: 31, meaning: "terragrunt or tofu is not installed or not executable" },
  ACTION_TOOL_NOT_EXECUTABLE: {
    exitCode: 31,
    meaning: "the Action's GANTRY_TERRAGRUNT or GANTRY_TOFU is not an executable file",
  },
  ACTION_TOOL_UNSUPPORTED_PLATFORM: { exitCode: 31, meaning: "the Action pins no tool for this platform" },
  ACTION_TOOL_DOWNLOAD_FAILED: { exitCode: 31, meaning: "the Action could not download a pinned tool" },
  ACTION_TOOL_DIGEST_MISMATCH: { exitCode: 31, meaning: "a downloaded tool does not have its pinned SHA-256 digest" },
  ACTION_TOOL_ARCHIVE_INVALID: { exitCode: 31, meaning: "a downloaded tool archive does not hold the tool" },
  GITHUB_BAD_CREDENTIALS: { exitCode: 31, meaning: "GitHub rejected the token (wrong, expired or revoked)" },
  EXEC_NOT_A_REPOSITORY: { exitCode: 32, meaning: "`--repo` is not inside a git repository" },
  EXEC_WORKTREE_FAILED: { exitCode: 32, meaning: "the job's git worktree could not be created" },
  GITHUB_PERMISSION_DENIED: {
    exitCode: 32,
    meaning: "the token lacks a permission the call needs (named in the error)",
  },
  EXEC_JOB_INVALID: { exitCode: 33, meaning: "the job cannot be read or is not a valid `gantry/v1` Job" },
  EXEC_TOOL_ENV_REFUSED: { exitCode: 33, meaning: "the job sets a variable of the pipelines side in terragrunt.env" },
  EXEC_UNIT_PATH_UNSUPPORTED: {
    exitCode: 33,
    meaning: "a unit path has characters Terragrunt's filters read as patterns",
  },
  EXEC_FLAG_UNSUPPORTED: { exitCode: 33, meaning: "a Terragrunt flag in the configuration changes which units run" },
  GITHUB_NOT_FOUND: {
    exitCode: 33,
    meaning: "GitHub answered 404 (a missing repository, or one the token cannot see)",
  },
  GITHUB_VALIDATION_FAILED: { exitCode: 34, meaning: "GitHub refused the request (400, 409, 422)" },
  GITHUB_RATE_LIMITED: { exitCode: 35, meaning: "GitHub's rate limit stopped a call after the retries" },
  DISPATCH_JOB_INVALID: { exitCode: 36, meaning: "the job to dispatch is not a valid `gantry/v1` Job" },
  DISPATCH_RUN_NOT_FOUND: {
    exitCode: 37,
    meaning: "a dispatched workflow run could not be found, or several could be it",
  },
  DISPATCH_UNCERTAIN: { exitCode: 37, meaning: "a dispatch got no answer and no run of it appeared (not sent again)" },
  DISPATCH_TIMEOUT: { exitCode: 38, meaning: "a dispatched run did not finish in time" },
  DISPATCH_CANCELLED: { exitCode: 39, meaning: "a dispatched run was cancelled" },

  GUARD_DEPLOY_BRANCH_UNAVAILABLE: { exitCode: 40, meaning: "the deploy branch's tip could not be read from origin" },
  GUARD_PATH_ESCAPE: { exitCode: 41, meaning: "a unit, or something it reads, leads outside the repository" },
  GUARD_UNTRUSTED_WORKFLOW: {
    exitCode: 42,
    meaning: "a write job runs in a workflow that is not the pipelines repository's",
  },
  GUARD_REF_NOT_ON_DEPLOY_BRANCH: { exitCode: 43, meaning: "an apply's commit is not on the deploy branch" },
  GUARD_UNIT_NOT_ON_DEPLOY_BRANCH: {
    exitCode: 44,
    meaning: "an applied unit does not exist at the deploy branch's tip",
  },
  GUARD_DESTROY_UNIT_STILL_LIVE: { exitCode: 45, meaning: "a destroyed unit still exists at the deploy branch's tip" },
  GUARD_DESTROY_REMOVAL_NOT_MERGED: {
    exitCode: 46,
    meaning: "a destroyed unit's removal was not merged to the deploy branch",
  },
  GUARD_DESTROY_REF_NOT_ANCESTOR: {
    exitCode: 47,
    meaning: "a destroy's commit is not an ancestor of the deploy branch's tip",
  },
  GUARD_JOB_NOT_REDERIVED: {
    exitCode: 48,
    meaning: "planning the job's commits again does not give this job (forged or stale)",
  },
  GUARD_PR_NOT_AHEAD: { exitCode: 49, meaning: "the pull request is behind the deploy branch" },
  GUARD_INVALID_JOB: { exitCode: 50, meaning: "the job given to the guards is not a valid `gantry/v1` Job" },
  GUARD_UNIT_MISSING_AT_REF: { exitCode: 51, meaning: "the job's commit, or a unit at it, does not exist" },
  GUARD_UNTRUSTED_SETTINGS: {
    exitCode: 52,
    meaning: "the job's privileged settings differ from the deploy branch's configuration",
  },
  GUARD_UNIT_SUPERSEDED: {
    exitCode: 53,
    meaning: "an applied unit changed on the deploy branch since the job's commit (no rollback)",
  },
  GUARD_WRONG_WORKFLOW: {
    exitCode: 54,
    meaning: "a pull request's job in the apply workflow, or a write in the plan workflow",
  },
  GUARD_INTERRUPTED: { exitCode: 130, meaning: "the guards were interrupted: nothing was run" },

  CREDENTIALS_OIDC_UNAVAILABLE: {
    exitCode: 60,
    meaning: "no GitHub OIDC token can be requested (missing `id-token: write`)",
  },
  CREDENTIALS_OIDC_REQUEST_FAILED: { exitCode: 61, meaning: "the OIDC token request failed" },
  CREDENTIALS_ASSUME_ROLE_FAILED: { exitCode: 62, meaning: "STS refused to exchange the OIDC token for the role" },
  CREDENTIALS_APPLY_ROLE_UNGUARDED: {
    exitCode: 63,
    meaning: "the apply role was asked for a job that has not passed the guards",
  },
  CREDENTIALS_NOT_CONFIGURED: { exitCode: 64, meaning: "the job's environment names no role for its action" },
} as const satisfies Record<string, { exitCode: number; meaning: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The exit code the CLI ends with for `code`. */
export function exitCodeOf(code: ErrorCode): number {
  return ERROR_CODES[code].exitCode;
}

export function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(ERROR_CODES, value);
}
