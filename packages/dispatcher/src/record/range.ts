/**
 * What the deployment record means for one run, as pure functions over a commit history:
 *
 * - `unitsAlreadyDeployed`: which units of a plan need no job (deployed as of a newer commit: `superseded`; or as
 *   of a commit since which nothing they read changed: `up-to-date`);
 * - `advanceRecord`: the record after a run, from what it deployed.
 *
 * Commits are compared by ancestry on the deploy branch ("newer" = a strict descendant). The record only ever
 * moves forward: every field takes the newer of its old value and the run's, so re-applying an advance to a
 * version another writer produced in between never loses what that writer recorded.
 */
import type { PlanDocument, SkippedUnit } from "@gantry/classifier";
import type { DeploymentRecord } from "./document.js";
import { initialRecord } from "./document.js";
import { GantryError } from "@gantry/errors";

export interface CommitHistory {
  /** True when `ancestor` is `descendant` or one of its ancestors (false for unrelated commits). */
  isAncestor(ancestor: string, descendant: string): Promise<boolean>;
}

/** Memoizes ancestry questions for one run (a record has few distinct commits; a plan asks about each unit). */
export function memoizeHistory(history: CommitHistory): CommitHistory {
  const answers = new Map<string, Promise<boolean>>();
  return {
    isAncestor(ancestor, descendant) {
      if (ancestor === descendant) return Promise.resolve(true);
      const key = `${ancestor}..${descendant}`;
      let answer = answers.get(key);
      if (!answer) {
        answer = history.isAncestor(ancestor, descendant);
        answers.set(key, answer);
      }
      return answer;
    },
  };
}

/** The newer of two commits of one history (`a` when equal); a commit that is on neither side of the other is refused. */
async function newer(history: CommitHistory, a: string, b: string): Promise<string> {
  if (a === b || (await history.isAncestor(b, a))) return a;
  if (await history.isAncestor(a, b)) return b;
  throw new GantryError(
    "RECORD_NOT_ON_DEPLOY_BRANCH",
    `commits ${a} and ${b} of the deployment record are not on one line of history`,
    {
      hint: "the deploy branch was rewritten; mark the commit deployed today with `gantry record mark --commit SHA --replace`",
    },
  );
}

/** The commit `unit` (of `environment`) is deployed as of. */
export async function deployedAsOf(
  history: CommitHistory,
  record: DeploymentRecord,
  unit: string,
  environment: string,
): Promise<string> {
  let commit = record.commit;
  const ofEnvironment = record.environments[environment];
  if (ofEnvironment) commit = await newer(history, commit, ofEnvironment);
  const ofUnit = record.units[unit];
  if (ofUnit) commit = await newer(history, commit, ofUnit.commit);
  return commit;
}

/**
 * Every commit the record names must be on the deploy branch's line of history: an ancestor of the tip, or a
 * descendant of it when this view of the tip is older than the record (a late run: its units are superseded).
 */
export async function checkRecordOnDeployBranch(
  history: CommitHistory,
  record: DeploymentRecord,
  tip: string,
  where: string,
): Promise<void> {
  const named = new Set([
    record.commit,
    ...Object.values(record.environments),
    ...Object.values(record.units).map((unit) => unit.commit),
  ]);
  for (const commit of named) {
    let onBranch: boolean;
    try {
      onBranch = (await history.isAncestor(commit, tip)) || (await history.isAncestor(tip, commit));
    } catch (cause) {
      throw new GantryError(
        "RECORD_NOT_ON_DEPLOY_BRANCH",
        `the deployment record (${where}) names commit ${commit}, which this repository does not have`,
        {
          hint: "fetch the deploy branch's full history (actions/checkout with fetch-depth: 0); if the branch was rewritten, mark today's deployed commit with `gantry record mark --commit SHA --replace`",
          cause,
        },
      );
    }
    if (!onBranch) {
      throw new GantryError(
        "RECORD_NOT_ON_DEPLOY_BRANCH",
        `the deployment record (${where}) names commit ${commit}, which is not in the history of '${record.deployBranch}' (tip ${tip})`,
        {
          hint: "the deploy branch was rewritten (force-pushed); mark the commit deployed today with `gantry record mark --commit SHA --replace`",
        },
      );
    }
  }
}

export interface AlreadyDeployedInput {
  readonly history: CommitHistory;
  readonly record: DeploymentRecord;
  /** The plan of `base..head` made without the record. */
  readonly plan: Pick<PlanDocument, "base" | "head" | "jobs">;
  /** The units a plan of `since..head` acts on (for units deployed as of a commit between base and head). */
  readonly unitsChangedSince: (since: string) => Promise<ReadonlySet<string>>;
}

/** Units of the plan that need no job, by unit; see the module comment. */
export async function unitsAlreadyDeployed(
  input: AlreadyDeployedInput,
): Promise<Map<string, Omit<SkippedUnit, "unit">>> {
  const { history, record, plan } = input;
  const skipped = new Map<string, Omit<SkippedUnit, "unit">>();
  const changedSince = new Map<string, Promise<ReadonlySet<string>>>();
  for (const job of plan.jobs) {
    for (const unit of job.units) {
      const deployedAt = await deployedAsOf(history, record, unit, job.environment);
      if (deployedAt === plan.head) skipped.set(unit, { reason: "up-to-date", deployedAt });
      else if (await history.isAncestor(plan.head, deployedAt)) skipped.set(unit, { reason: "superseded", deployedAt });
      else if (await history.isAncestor(deployedAt, plan.base))
        continue; // the range covers everything since
      else {
        let changed = changedSince.get(deployedAt);
        if (!changed) {
          changed = input.unitsChangedSince(deployedAt);
          changedSince.set(deployedAt, changed);
        }
        if (!(await changed).has(unit)) skipped.set(unit, { reason: "up-to-date", deployedAt });
      }
    }
  }
  return skipped;
}

/** What one run deployed: each unit it acted on, with its environment and whether it succeeded. */
export interface DeployedRange {
  readonly deployBranch: string;
  readonly base: string;
  readonly head: string;
  readonly units: readonly { readonly unit: string; readonly environment: string; readonly succeeded: boolean }[];
  readonly writer: string;
  readonly now: Date;
}

/**
 * The record after a run. `base..head` covers the record when `base` is the recorded commit or older (then a run
 * where every unit succeeded moves `commit` to `head`, and an environment where every unit succeeded moves to
 * `head`); each unit that succeeded is deployed as of `head`. With no record, `base` becomes the recorded commit
 * (the caller said it was deployed by passing `--base`). The lease is left as it was.
 */
export async function advanceRecord(
  history: CommitHistory,
  current: DeploymentRecord | undefined,
  run: DeployedRange,
): Promise<DeploymentRecord> {
  const next: DeploymentRecord = structuredClone(
    current ?? initialRecord(run.deployBranch, run.base, run.writer, run.now),
  );
  next.updatedBy = run.writer;
  next.updatedAt = run.now.toISOString();
  if (await history.isAncestor(run.head, next.commit)) return next; // a late run: nothing of it is newer
  await newer(history, next.commit, run.head); // refuses a head that is not on the recorded history
  const covered = await history.isAncestor(run.base, next.commit);
  if (covered && run.units.every((unit) => unit.succeeded)) {
    next.commit = run.head;
  } else if (covered) {
    const failedEnvironments = new Set(run.units.filter((unit) => !unit.succeeded).map((unit) => unit.environment));
    for (const environment of new Set(run.units.map((unit) => unit.environment))) {
      if (failedEnvironments.has(environment)) continue;
      const previous = next.environments[environment];
      next.environments[environment] = previous ? await newer(history, previous, run.head) : run.head;
    }
  }
  for (const { unit, environment, succeeded } of run.units) {
    if (!succeeded) continue;
    const previous = next.units[unit];
    next.units[unit] = { commit: previous ? await newer(history, previous.commit, run.head) : run.head, environment };
  }
  return normalize(history, next);
}

/** Drops environment and unit entries that say no more than `commit` (or their environment's entry). */
async function normalize(history: CommitHistory, record: DeploymentRecord): Promise<DeploymentRecord> {
  const strictlyNewer = async (commit: string, than: string) =>
    commit !== than && (await history.isAncestor(than, commit));
  if (record.newestHead !== undefined && !(await strictlyNewer(record.newestHead, record.commit)))
    delete record.newestHead;
  for (const [environment, commit] of Object.entries(record.environments)) {
    if (!(await strictlyNewer(commit, record.commit))) delete record.environments[environment];
  }
  for (const [unit, entry] of Object.entries(record.units)) {
    const floor = record.environments[entry.environment] ?? record.commit;
    if (!(await strictlyNewer(entry.commit, floor))) delete record.units[unit];
  }
  return record;
}
