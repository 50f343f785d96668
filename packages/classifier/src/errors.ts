/**
 * Error codes of `@gantry/classifier` and the exit code the CLI uses for each (range 20-29:
 * configuration and planning). Codes are stable: programs branch on them.
 */
import { GantryError, type GantryErrorOptions } from "@gantry/errors";

export const classifierErrorExitCodes = {
  /** `.gantry/config.yml` (or a Gruntwork config) is not valid YAML/HCL. */
  CONFIG_SYNTAX: 20,
  /** A configuration key has a wrong value, a missing required key, or an unknown key. */
  CONFIG_INVALID: 20,
  /** A classifier plugin named in the configuration cannot be found or does not implement `ChangeClassifier`. */
  CONFIG_PLUGIN_INVALID: 21,
  /** An affected unit matches no environment, or more than one. */
  PLAN_ENVIRONMENT_MISMATCH: 22,
  /** The change deletes a unit that a remaining unit still depends on. */
  PLAN_DELETED_UNIT_STILL_USED: 23,
  /** The units' dependency blocks form a cycle: the jobs cannot be ordered. */
  PLAN_DEPENDENCY_CYCLE: 24,
  /** A new account directory must be the only infrastructure change of its pull request. */
  PLAN_ACCOUNTS_ADDED_NOT_ALONE: 25,
  /** The detection result given to the planner does not match the `gantry/v1` Detection schema. */
  PLAN_INVALID_DETECTION: 26,
  /** A classifier plugin threw or answered something that is not a claim. */
  PLAN_CLASSIFIER_FAILED: 27,
  /** git could not read the configuration from the head commit. */
  CONFIG_READ_FAILED: 28,
} as const;

export type ClassifierErrorCode = keyof typeof classifierErrorExitCodes;

export function classifierError(
  code: ClassifierErrorCode,
  message: string,
  options: Omit<GantryErrorOptions, "exitCode"> = {},
): GantryError {
  return new GantryError(code, message, { ...options, exitCode: classifierErrorExitCodes[code] });
}
