/**
 * Environments: every planned unit must match exactly one environment's path globs; the environment gives
 * the job its AWS authentication.
 */
import type { EnvironmentConfig } from "./config/schema.js";
import { compileGlobs } from "./globs.js";
import type { AwsAuthentication } from "./job.js";
import { GantryError } from "@gantry/errors";

export function matchEnvironments(
  units: readonly string[],
  environments: readonly EnvironmentConfig[],
  configFile: string | undefined,
): Map<string, EnvironmentConfig> {
  const matchers = environments.map((environment) => ({ environment, matches: compileGlobs(environment.paths) }));
  const result = new Map<string, EnvironmentConfig>();
  const problems: string[] = [];
  for (const unit of units) {
    const found = matchers.filter(({ matches }) => matches(unit)).map(({ environment }) => environment);
    if (found.length === 1) result.set(unit, found[0]!);
    else if (found.length === 0) problems.push(`unit ${unit} matches no environment`);
    else
      problems.push(
        `unit ${unit} matches ${found.length} environments: ${found.map((environment) => `${environment.name} (${environment.paths.join(", ")})`).join(" and ")}`,
      );
  }
  if (problems.length > 0) {
    const listed = environments.map((environment) => `${environment.name}: ${environment.paths.join(", ")}`).join("; ");
    throw new GantryError(
      "PLAN_ENVIRONMENT_MISMATCH",
      `${problems.slice(0, 10).join("; ")}${problems.length > 10 ? ` (and ${problems.length - 10} more)` : ""}`,
      {
        ...(configFile ? { location: { file: configFile } } : {}),
        hint: `every unit must match exactly one environment's paths; environments are ${listed}`,
      },
    );
  }
  return result;
}

export function authenticationOf(environment: EnvironmentConfig): AwsAuthentication | null {
  const aws = environment.aws;
  if (!aws) return null;
  return {
    accountId: aws.accountId,
    planRoleArn: aws.planRoleArn,
    applyRoleArn: aws.applyRoleArn,
    region: aws.region,
    sessionDurationSeconds: aws.sessionDuration,
  };
}
