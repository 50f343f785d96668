/**
 * Planning: turns classified changes into ordered, self-contained jobs.
 *
 * - Actions: on `pull_request`, added/changed/affected units get `plan` and deleted units `plan-destroy`;
 *   on `push` to the deploy branch, `apply` and `destroy`. Deletions run at the base commit, where their
 *   code still exists. Plan-only units get `plan` / `plan-destroy` on both events. A push to another
 *   branch plans nothing and says so in `notice`.
 * - Grouping: added/changed units are one job per environment (Terragrunt orders the units inside it) or,
 *   with `consolidation: unit`, one job per unit; deleted units are one job each unless
 *   `consolidateDeleted` is set.
 * - Ordering: a job `needs` the jobs of every unit its units depend on (also through unchanged units);
 *   destroys run in reverse dependency order and after every apply/plan job of the same change. The
 *   same graph is planned on both events, so a pull request previews exactly what the push will run.
 * - Already deployed: units in `skipUnits` (from the deployment record: applied at a newer commit, or at one
 *   since which they did not change) get no job and are listed in `skippedUnits`; order through them is kept.
 * - Excluded: units Terragrunt's `exclude` blocks take out of their action get no job either and are listed
 *   in `excludedUnits` (see `exclusions.ts`).
 * - Refusals: deleting a unit that a remaining unit still depends on; a unit matching no environment or
 *   several; a dependency cycle between units. Consolidated jobs that would need each other are split
 *   into per-unit jobs instead (see `orderJobs`).
 */
import type { DetectionResult, UnitStatus } from "@gantry/change-detector";
import { match, P } from "ts-pattern";
import { changeTypeName, type Change } from "./changes.js";
import type { Classification } from "./classify.js";
import type { EnvironmentConfig, GantryConfig } from "./config/schema.js";
import { authenticationOf, matchEnvironments } from "./environments.js";
import { excludedUnits } from "./exclusions.js";
import { compileGlobs, type PathMatcher } from "./globs.js";
import { CycleFound, nearestPlannedDependencies, topologicalOrder } from "./graph.js";
import type { Job, JobAction, PlanChange, PlanDocument, SkippedUnit } from "./job.js";
import { refuseAccountsAddedWithOthers, refuseDeletingDependedOnUnits } from "./refusals.js";
import { unitReasons } from "./unit-reasons.js";
import { unitsActedOn } from "./units-acted-on.js";
import { GantryError } from "@gantry/errors";

export { unitsActedOn };

export interface PlanJobsInput {
  detection: DetectionResult;
  classification: Classification;
  config: GantryConfig;
  /** The branch of the event: the pushed branch, or the pull request's head branch. */
  branch: string;
  /** The configuration file, named in errors about environments. */
  configFile?: string;
  /**
   * Units to leave out because they are already deployed, by unit (from the deployment record; see
   * `@gantry/dispatcher`). They get no job and are listed in the plan's `skippedUnits`.
   */
  skipUnits?: ReadonlyMap<string, Omit<SkippedUnit, "unit">>;
}

/** Why a change gets no job, for the report. */
function noActionNote(change: Change): string | undefined {
  return match(change)
    .with(
      { type: P.union("AccountsRequested", "AccountsChanged", "AccountsDeleted") },
      () =>
        "account requests are not processed by Gantry: create the account with your account factory, then add its directory",
    )
    .with({ type: "ConfigChanged" }, () => "Gantry/Pipelines configuration or CI workflow: no infrastructure action")
    .with({ type: "Plugin" }, (plugin) =>
      plugin.units.length === 0 ? `claimed by classifier '${plugin.classifier}' with no action` : undefined,
    )
    .otherwise((other) => (other.units.length === 0 ? "read by no unit: no action" : undefined));
}

interface JobDraft {
  id: string;
  /** `action\0environment`: the consolidated group the job belongs to. */
  groupKey: string;
  /** One job per unit (by configuration or because its group was split). */
  perUnit: boolean;
  action: JobAction;
  environment: EnvironmentConfig;
  units: string[];
  destroy: boolean;
  needs: Set<JobDraft>;
}

export function planJobs(input: PlanJobsInput): PlanDocument {
  const { detection, classification, config, branch } = input;
  const deployBranch = config.deployBranch;
  const base = {
    apiVersion: "gantry/v1" as const,
    kind: "Plan" as const,
    event: detection.event,
    base: detection.base,
    head: detection.head,
    branch,
    deployBranch,
  };
  const report = (jobs: readonly JobDraft[]) => describeChanges(classification, jobs);

  if (detection.event === "push" && branch !== deployBranch) {
    return {
      ...base,
      notice: `push to '${branch}', which is not the deploy branch '${deployBranch}': nothing is planned`,
      jobs: [],
      changes: report([]),
      ignoredFiles: classification.ignoredFiles,
    };
  }

  const status = new Map<string, UnitStatus>(detection.units.map((unit) => [unit.path, unit.status]));
  const isSkipped = compileOverride(config, "skip");
  const isPlanOnly = compileOverride(config, "planOnly");
  const changeNames = new Map<string, Set<string>>();
  const deployed = new Map<string, SkippedUnit>();
  for (const change of classification.changes) {
    for (const unit of unitsActedOn(change)) {
      if (isSkipped(unit)) continue;
      const recorded = input.skipUnits?.get(unit);
      if (recorded) {
        deployed.set(unit, { unit, reason: recorded.reason, deployedAt: recorded.deployedAt });
        continue;
      }
      const names = changeNames.get(unit) ?? new Set<string>();
      names.add(changeTypeName(change));
      changeNames.set(unit, names);
    }
  }
  const actionOf = (unit: string, destroy: boolean): JobAction =>
    detection.event === "pull_request" || isPlanOnly(unit)
      ? destroy
        ? "plan-destroy"
        : "plan"
      : destroy
        ? "destroy"
        : "apply";
  const excluded = excludedUnits(
    new Map([...changeNames.keys()].map((unit) => [unit, actionOf(unit, status.get(unit) === "deleted")])),
    detection,
  );
  for (const { unit } of excluded) changeNames.delete(unit);
  const acting = [...changeNames.keys()].sort();
  const deleted = new Set(acting.filter((unit) => status.get(unit) === "deleted"));
  const forward = new Set(acting.filter((unit) => !deleted.has(unit)));

  if (detection.event === "pull_request") refuseAccountsAddedWithOthers(classification.changes);
  refuseDeletingDependedOnUnits(detection, deleted, status);
  const environmentOf = matchEnvironments(acting, config.environments, input.configFile);

  const dependenciesOf = (unit: string) => detection.graph.dependencies[unit] ?? [];
  const forwardDependencies = nearestPlannedDependencies(forward, dependenciesOf);
  const destroyDependencies = nearestPlannedDependencies(deleted, dependenciesOf);

  // Plain code-unit comparison: localeCompare costs ~10x more and 10,000 units are sorted here.
  const environmentIndex = new Map(config.environments.map((environment, index) => [environment, index]));
  const byEnvironment = (a: string, b: string) =>
    environmentIndex.get(environmentOf.get(a)!)! - environmentIndex.get(environmentOf.get(b)!)! ||
    (a < b ? -1 : a > b ? 1 : 0);
  const forwardUnits = [...forward].sort(byEnvironment);
  const deletedUnits = [...deleted].sort(byEnvironment);

  // Group units into jobs.
  const groupIntoJobs = (split: ReadonlySet<string>): JobDraft[] => {
    const drafts: JobDraft[] = [];
    const draftsByKey = new Map<string, JobDraft>();
    const jobOf = new Map<string, JobDraft>();
    const usedIds = new Set<string>();
    const place = (unit: string, destroy: boolean) => {
      const environment = environmentOf.get(unit)!;
      const action = actionOf(unit, destroy);
      const groupKey = `${action}\0${environment.name}`;
      const perUnit = (destroy ? !config.consolidateDeleted : config.consolidation === "unit") || split.has(groupKey);
      const key = perUnit ? `${groupKey}\0${unit}` : groupKey;
      let draft = draftsByKey.get(key);
      if (!draft) {
        // `apply-prod-us-east-1-app` for prod/us-east-1/app: the environment's name is not repeated.
        // The root unit (`.`) is named `root` in ids (`destroy-default-root`).
        const unitName =
          unit === "."
            ? "root"
            : unit.startsWith(`${environment.name}/`)
              ? unit.slice(environment.name.length + 1)
              : unit;
        const id = uniqueId(
          perUnit ? `${action}-${environment.name}-${unitName}` : `${action}-${environment.name}`,
          usedIds,
        );
        draft = { id, groupKey, perUnit, action, environment, units: [], destroy, needs: new Set() };
        draftsByKey.set(key, draft);
        drafts.push(draft);
      }
      draft.units.push(unit);
      jobOf.set(unit, draft);
    };
    forwardUnits.forEach((unit) => place(unit, false));
    deletedUnits.forEach((unit) => place(unit, true));

    // Needs: dependencies first for applies; dependents first for destroys, and destroys after applies.
    for (const unit of forward) {
      for (const dependency of forwardDependencies.get(unit) ?? []) linkJobs(jobOf.get(unit)!, jobOf.get(dependency)!);
    }
    for (const unit of deleted) {
      for (const dependency of destroyDependencies.get(unit) ?? []) linkJobs(jobOf.get(dependency)!, jobOf.get(unit)!);
    }
    const forwardJobs = drafts.filter((draft) => !draft.destroy);
    for (const draft of drafts) if (draft.destroy) forwardJobs.forEach((applyJob) => draft.needs.add(applyJob));
    return drafts;
  };

  const ordered = orderJobs(groupIntoJobs);
  for (const draft of ordered) {
    draft.units = orderUnits(draft, draft.destroy ? destroyDependencies : forwardDependencies);
  }
  const position = new Map(ordered.map((draft, index) => [draft, index]));
  const source = { event: detection.event, base: detection.base, head: detection.head, branch, deployBranch };
  const jobs: Job[] = ordered.map((draft) => ({
    apiVersion: "gantry/v1",
    kind: "Job",
    id: draft.id,
    action: draft.action,
    units: draft.units,
    ref: draft.destroy ? detection.base : detection.head,
    needs: [...draft.needs].sort((a, b) => position.get(a)! - position.get(b)!).map((need) => need.id),
    environment: draft.environment.name,
    changes: [...new Set(draft.units.flatMap((unit) => [...(changeNames.get(unit) ?? [])]))].sort(),
    source: { ...source },
    authentication: authenticationOf(draft.environment),
    terragrunt: {
      flags: [...config.terragrunt.flags],
      env: { ...config.terragrunt.env },
      parallelism: config.parallelism,
    },
  }));

  const skippedOnly = classification.changes.some((change) => unitsActedOn(change).length > 0);
  const notice =
    jobs.length > 0
      ? null
      : classification.changes.length === 0
        ? "no changed file needs an infrastructure change"
        : deployed.size > 0
          ? "every affected unit is already deployed at this commit or a newer one (the deployment record): nothing is planned"
          : excluded.length > 0
            ? "every affected unit is excluded by an `exclude` block (listed in excludedUnits): nothing is planned"
            : skippedOnly
              ? "every affected unit is skipped by the configuration (units: {glob: {skip: true}}): nothing is planned"
              : "the changed files affect no unit: nothing is planned";
  const skippedUnits = [...deployed.values()].sort((a, b) => (a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : 0));
  return {
    ...base,
    notice,
    jobs,
    changes: report(ordered),
    ignoredFiles: classification.ignoredFiles,
    reasons: unitReasons(detection, jobs),
    ...(input.skipUnits ? { skippedUnits } : {}),
    ...(excluded.length > 0 ? { excludedUnits: excluded } : {}),
  };
}

function linkJobs(dependent: JobDraft, dependency: JobDraft): void {
  if (dependent !== dependency) dependent.needs.add(dependency);
}

/**
 * Orders the jobs. Two consolidated jobs can need each other (prod/app → shared/dns → prod/vpc): the
 * consolidated jobs of such a cycle are split into one job per unit, and the grouping is retried, until
 * the job graph has no cycle. A cycle left between single units is a real dependency cycle: refused.
 */
function orderJobs(groupIntoJobs: (split: ReadonlySet<string>) => JobDraft[]): JobDraft[] {
  const split = new Set<string>();
  for (;;) {
    const drafts = groupIntoJobs(split);
    try {
      return topologicalOrder(drafts, (draft) => [...draft.needs]);
    } catch (error) {
      if (!(error instanceof CycleFound)) throw error;
      const cycle = error.cycle as JobDraft[];
      const consolidated = cycle.filter((draft) => !draft.perUnit);
      if (consolidated.length === 0) {
        throw new GantryError(
          "PLAN_DEPENDENCY_CYCLE",
          `units depend on each other in a cycle: ${cycle.map((draft) => draft.units[0]).join(" → ")}`,
          {
            hint: "break the cycle of dependency blocks between these units",
          },
        );
      }
      consolidated.forEach((draft) => split.add(draft.groupKey));
    }
  }
}

function orderUnits(draft: JobDraft, dependencies: ReadonlyMap<string, string[]>): string[] {
  const units = [...draft.units].sort();
  try {
    const order = topologicalOrder(units, (unit) => dependencies.get(unit) ?? []);
    return draft.destroy ? order.reverse() : order;
  } catch (error) {
    if (!(error instanceof CycleFound)) throw error;
    throw new GantryError(
      "PLAN_DEPENDENCY_CYCLE",
      `units depend on each other in a cycle: ${(error.cycle as string[]).join(" → ")}`,
      {
        hint: "break the cycle of dependency blocks between these units",
      },
    );
  }
}

function compileOverride(config: GantryConfig, key: "skip" | "planOnly"): PathMatcher {
  const globs = Object.entries(config.units)
    .filter(([, override]) => override[key])
    .map(([glob]) => glob);
  return compileGlobs(globs);
}

function slug(raw: string): string {
  return raw
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^[^a-z0-9]+/, "")
    .replace(/-+$/, "");
}

function uniqueId(raw: string, used: Set<string>): string {
  const base = slug(raw) || "job";
  let id = base;
  for (let suffix = 2; used.has(id); suffix++) id = `${base}-${suffix}`;
  used.add(id);
  return id;
}

function describeChanges(classification: Classification, jobs: readonly JobDraft[]): PlanChange[] {
  const jobsOfUnit = new Map<string, string[]>();
  for (const job of jobs) for (const unit of job.units) jobsOfUnit.set(unit, [...(jobsOfUnit.get(unit) ?? []), job.id]);
  return classification.changes.map((change) => {
    const jobIds = [...new Set(unitsActedOn(change).flatMap((unit) => jobsOfUnit.get(unit) ?? []))];
    const note = noActionNote(change);
    return {
      type: changeTypeName(change),
      files: [...change.files],
      units: [...change.units],
      jobs: jobIds,
      ...(note ? { note } : {}),
    };
  });
}
