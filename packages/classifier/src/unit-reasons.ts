/**
 * Why each unit of a plan's jobs runs, as detection found it (a changed file and the chain of reads from the
 * unit to it), carried in the plan document so the report can say it wherever it is rendered.
 */
import type { DetectionResult, UnitReason } from "@gantry/change-detector";
import type { Job } from "./job.js";

/** Enough to explain a unit; a unit that reads many changed files (a root.hcl change) lists the first few. */
export const MAX_REASONS_PER_UNIT = 3;

export function unitReasons(detection: DetectionResult, jobs: readonly Job[]): Record<string, UnitReason[]> {
  const planned = new Set(jobs.flatMap((job) => job.units));
  const reasons: Record<string, UnitReason[]> = {};
  for (const unit of detection.units) {
    if (planned.has(unit.path) && unit.reasons.length > 0)
      reasons[unit.path] = unit.reasons.slice(0, MAX_REASONS_PER_UNIT);
  }
  return reasons;
}
