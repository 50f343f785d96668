/**
 * Hand-built `DetectionResult`s for the pure-function tests of classification and planning (the
 * end-to-end tests use the real `detectChanges` on real git repositories).
 */
import type { DetectionResult, FileChangeType, ReadVia, UnitStatus } from "@gantry/change-detector";

export const BASE = "b".repeat(40);
export const HEAD = "c".repeat(40);

export interface ChangeSpec {
  files: string | string[];
  type?: FileChangeType;
  insideUnit?: string | null;
  units?: string[];
}

export interface UnitSpec {
  status: UnitStatus;
  /** Files that put the unit in the result, with how it read them (default `unit`). */
  reasons?: (string | { file: string; via: ReadVia })[];
}

export function buildDetection(spec: {
  event?: "pull_request" | "push";
  changes?: ChangeSpec[];
  units?: Record<string, UnitSpec>;
  /** Dependencies of every head unit (and of deleted units). Units listed in `units` are added with none. */
  graph?: Record<string, string[]>;
}): DetectionResult {
  const units = Object.entries(spec.units ?? {}).map(([path, unit]) => ({
    path,
    status: unit.status,
    reasons: (unit.reasons ?? []).map((reason) => {
      const { file, via } = typeof reason === "string" ? { file: reason, via: "unit" as ReadVia } : reason;
      return {
        file,
        chain: [{ file: `${path}/terragrunt.hcl`, via: "unit" as ReadVia }, ...(via === "unit" ? [] : [{ file, via }])],
      };
    }),
    dynamic: [],
    problems: [],
    inStack: false,
  }));
  const dependencies: Record<string, string[]> = { ...(spec.graph ?? {}) };
  for (const unit of units) dependencies[unit.path] ??= [];
  return {
    apiVersion: "gantry/v1",
    kind: "Detection",
    event: spec.event ?? "pull_request",
    base: BASE,
    head: HEAD,
    requestedBase: BASE,
    changes: (spec.changes ?? []).map((change) => ({
      type: change.type ?? "modified",
      files: typeof change.files === "string" ? [change.files] : change.files,
      insideUnit: change.insideUnit ?? null,
      units: change.units ?? (change.insideUnit ? [change.insideUnit] : []),
    })),
    units,
    graph: { dependencies },
    stacks: [],
    stats: {
      trackedFiles: 0,
      unitsInHead: Object.keys(dependencies).length,
      filesParsed: 0,
      cacheHits: 0,
      elapsedMs: 0,
    },
  };
}
