/**
 * Guards and credentials are injectable. The defaults are `@gantry/guards`' `checkJob` (every guard,
 * including re-deriving the job from its source commits) and `obtainCredentials` (GitHub OIDC -> STS
 * inside GitHub Actions; the local AWS chain unchanged elsewhere). `checkJobMinimal` and
 * `localCredentials` are the small built-ins for embedding and tests: the commit and units exist; no
 * extra environment.
 */
import { checkJob, GuardRefusedError, obtainCredentials, type JobCredentials } from "@gantry/guards";
import type { Job } from "@gantry/classifier";
import { git } from "@gantry/git";

export type JobGuard = (job: Job, options: { repo: string; env: NodeJS.ProcessEnv; dryRun: boolean; signal?: AbortSignal }) => Promise<unknown>;

export type CredentialProvider = (job: Job, options: { env: NodeJS.ProcessEnv; sessionName?: string }) => Promise<JobCredentials>;

/**
 * The checks every job gets even without `@gantry/guards`: the commit and each unit exist. A failure is the
 * guards' own `unit-at-ref` refusal (exit 51), so the code does not depend on which guard ran.
 */
export const checkJobMinimal: JobGuard = async (job, { repo }) => {
  const refuse = (unit: string | null, message: string, hint: string) => new GuardRefusedError({ guard: "unit-at-ref", unit, commit: job.ref, message, hint });
  try {
    await git(repo, ["cat-file", "-e", `${job.ref}^{commit}`]);
  } catch {
    throw refuse(job.units[0] ?? null, `field "ref": commit ${job.ref} does not exist in ${repo}`, "fetch the commit (`git fetch origin SHA`) or plan the job again from this repository");
  }
  for (const [index, unit] of job.units.entries()) {
    try {
      await git(repo, ["cat-file", "-e", `${job.ref}:${unit.replace(/\/+$/, "")}/terragrunt.hcl`]);
    } catch {
      throw refuse(
        unit,
        `field "units[${index}]": ${unit}/terragrunt.hcl does not exist at ${job.ref.slice(0, 12)}`,
        "a unit is run at the commit where its code exists: the head for plan/apply, the base for plan-destroy/destroy; plan the job again",
      );
    }
  }
  return { checks: ["ref-exists", "units-exist-at-ref"] };
};

export const localCredentials: CredentialProvider = async () => ({ env: {}, secrets: [] });

/** `@gantry/guards`' `checkJob`. */
export function defaultGuard(): JobGuard {
  return (job, options) => checkJob(job, options);
}

/** `@gantry/guards`' `obtainCredentials`. */
export function defaultCredentials(): CredentialProvider {
  return (job, options) => obtainCredentials(job, options);
}
