/**
 * Remembers which job objects passed `checkJob`, so `obtainCredentials` hands out the apply role only on
 * the guarded path: the same object, unchanged since it was checked, in the same process.
 */
import { jobSchema, type Job } from "@gantry/classifier";

const guarded = new WeakMap<object, string>();

/** The job as the schema reads it (unknown keys dropped, schema key order), serialised. */
function fingerprint(job: unknown): string | undefined {
  const parsed = jobSchema.safeParse(job);
  return parsed.success ? JSON.stringify(parsed.data) : undefined;
}

export function markJobGuarded(original: Job, parsed: Job): void {
  guarded.set(original, JSON.stringify(parsed));
}

export function wasJobGuarded(job: Job): boolean {
  const recorded = guarded.get(job);
  return recorded !== undefined && recorded === fingerprint(job);
}
