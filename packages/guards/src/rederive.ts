/**
 * A job is trusted only if detection and planning, run again on the repository for the job's own source
 * commits with the trusted configuration (the deploy branch tip's, see `trust-root.ts`), produce it: same
 * action, units and ref, and the same environment, credentials configuration and Terragrunt settings.
 */
import { isDeepStrictEqual } from "node:util";
import { planChange, type Job, type PlanningConfiguration } from "@gantry/classifier";
import { GantryError } from "@gantry/errors";
import { GuardRefusedError } from "./errors.js";

/** Produces the jobs detection and planning give for the job's source commits. */
export type RederiveJobs = (job: Job) => Promise<Job[]>;

/**
 * The default: `planChange` from `@gantry/classifier` on the job's own source commits, with the trusted
 * configuration and without detection's parse cache (a cache written while handling untrusted input must
 * not vouch for a job).
 */
export function rederiveWithClassifier(repo: string, configuration: PlanningConfiguration): RederiveJobs {
  return async (job) => {
    const plan = await planChange({
      repo,
      base: job.source.base,
      head: job.source.head,
      event: job.source.event,
      branch: job.source.branch,
      cache: false,
      configuration,
    });
    return plan.jobs;
  };
}

const sameUnits = (a: string[], b: string[]) =>
  a.length === b.length && [...a].sort().join("\0") === [...b].sort().join("\0");

/** The fields besides action/units/ref that must match, with how to read them. */
const comparedFields: Array<[string, (job: Job) => unknown]> = [
  ["environment", (job) => job.environment],
  ["authentication", (job) => job.authentication],
  ["terragrunt", (job) => job.terragrunt],
  ["source.deployBranch", (job) => job.source.deployBranch],
];

export async function checkJobRederived(job: Job, rederive: RederiveJobs): Promise<Job> {
  const refuse = (message: string, hint: string, cause?: unknown) =>
    new GuardRefusedError(
      { guard: "re-derive", unit: job.units[0] ?? null, commit: job.ref, message, hint },
      { cause },
    );
  let derived: Job[];
  try {
    derived = await rederive(job);
  } catch (cause) {
    const reason = GantryError.isInstance(cause) ? cause.format() : (cause as Error).message;
    throw refuse(
      `detection and planning could not run again for ${job.source.base}..${job.source.head}: ${reason}`,
      "fix the repository problem above, then re-run the pipeline",
      cause,
    );
  }
  const match = derived.find(
    (candidate) =>
      candidate.action === job.action && candidate.ref === job.ref && sameUnits(candidate.units, job.units),
  );
  if (!match) {
    const produced = derived
      .map((candidate) => `${candidate.action} [${candidate.units.join(", ")}] at ${candidate.ref.slice(0, 12)}`)
      .join("; ");
    throw refuse(
      `no job with action ${job.action}, units [${job.units.join(", ")}] and ref ${job.ref} comes out of ${job.source.base.slice(0, 12)}..${job.source.head.slice(0, 12)} (produced: ${produced || "nothing"})`,
      "the job was edited or is stale; use the jobs `gantry plan` produces for these commits",
    );
  }
  for (const [field, read] of comparedFields) {
    if (!isDeepStrictEqual(read(match), read(job))) {
      throw refuse(
        `field ${field} differs from the re-derived job ${match.id}`,
        "the job was edited after planning; use the job exactly as `gantry plan` produced it",
      );
    }
  }
  return match;
}
