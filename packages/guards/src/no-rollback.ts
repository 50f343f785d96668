/**
 * No rollback: an apply runs code from its commit, so it is refused when its unit, or anything the unit
 * reads, changed between that commit and the deploy branch's tip (applying it would put older code back).
 * Detection (`@gantry/change-detector`, without its cache) answers from `job.ref` to the tip. Push runs skip
 * such units before they become jobs; this refusal meets replayed or forged jobs.
 */
import { detectChanges } from "@gantry/change-detector";
import type { Job } from "@gantry/classifier";
import type { DeployBranchTip } from "./deploy-branch.js";
import { GuardRefusedError } from "./errors.js";

export async function checkNotSuperseded(repo: string, job: Job, tip: DeployBranchTip): Promise<string> {
  if (job.ref === tip.commit) return `${job.ref} is the tip`;
  const detection = await detectChanges({ repo, base: job.ref, head: tip.commit, event: "push", cache: false });
  const units = new Set(job.units);
  const superseded = detection.units.find((unit) => units.has(unit.path));
  if (superseded) {
    const reason = superseded.reasons[0];
    const via = reason ? ` (${reason.file} changed)` : "";
    throw new GuardRefusedError({
      guard: "no-rollback",
      unit: superseded.path,
      commit: job.ref,
      message: `${superseded.path} is ${superseded.status} on '${tip.branch}' after the job's commit${via}: applying this job would put older code back`,
      hint: `the job is superseded; the newer push to '${tip.branch}' (tip ${tip.commit}) applies the unit's current code`,
    });
  }
  return `no unit changed between ${job.ref} and ${tip.commit}`;
}
