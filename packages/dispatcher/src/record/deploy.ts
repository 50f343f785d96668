/**
 * Level-triggered deployment: whatever push started it, a run deploys from the deployment record to the deploy
 * branch's tip, at the tip, then advances the record by what succeeded. A cancelled, superseded or late run
 * therefore loses nothing: the next run's range starts where the record is, and a unit whose apply failed stays
 * in that range until it succeeds. A unit deployed as of a newer commit is never applied at an older one.
 *
 * `planFromRecord` plans without writing anything (`gantry plan --event push`); `deployFromRecord` takes the
 * deployment lease, plans, runs the plan through the caller's runner (in-process: `dispatchInProcess` with the
 * executor) and writes the record once, when the run ends, whatever its outcome. Git, planning and execution are
 * injected, so the simulation runs this same code in memory.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { PlanDocument, SkippedUnit } from "@gantry/classifier";
import type { DeploymentLease, DeploymentRecord, StoredRecord } from "./document.js";
import { initialRecord } from "./document.js";
import {
  acquireLease,
  defaultLeaseTiming,
  leaseFresh,
  renewLease,
  writeHoldingLease,
  type Clock,
  type LeaseContext,
  type LeaseTiming,
} from "./lease.js";
import {
  advanceRecord,
  checkRecordOnDeployBranch,
  memoizeHistory,
  unitsAlreadyDeployed,
  type CommitHistory,
} from "./range.js";
import type { DeploymentRecordStore } from "./store.js";
import { GantryError } from "@gantry/errors";

export interface RecordRange {
  readonly base: string;
  readonly head: string;
  /** Where `base` came from: the record, or the caller's `--base`. */
  readonly baseFrom: "record" | "option";
}

export interface PlanFromRecordOptions {
  readonly store: DeploymentRecordStore;
  readonly history: CommitHistory;
  readonly deployBranch: string;
  /** The deploy branch's tip, read fresh (fetched from origin when there is one). */
  readonly tip: () => Promise<string>;
  /** `--base`: the range starts here instead of at the record (and, with no record, this is taken as deployed). */
  readonly base?: string;
  /** `--head`: the commit to deploy; default the tip. */
  readonly head?: string;
  /** Plans `base..head` as a push; `skipUnits` are units the record says are deployed (see `planJobs`). */
  readonly plan: (
    range: { base: string; head: string },
    skipUnits?: ReadonlyMap<string, Omit<SkippedUnit, "unit">>,
  ) => Promise<PlanDocument>;
  /** `planFromRecord` only: plan from this version (null: as if there were none) instead of reading the store. */
  readonly record?: StoredRecord | null;
}

export interface RecordPlan {
  readonly range: RecordRange;
  readonly plan: PlanDocument;
  /** The record the plan was made from (undefined: none yet, the range came from `--base`). */
  readonly record: StoredRecord | undefined;
}

function missingRecord(options: PlanFromRecordOptions) {
  return new GantryError(
    "RECORD_MISSING",
    `there is no deployment record for '${options.deployBranch}' (${options.store.description}), and no --base`,
    {
      hint: "start with `--base <the commit deployed today>` (the run records what it deploys), or mark that commit first: `gantry record mark --commit <SHA>`",
    },
  );
}

async function planWithRecord(options: PlanFromRecordOptions, stored: StoredRecord | undefined): Promise<RecordPlan> {
  const history = options.history;
  const record = stored?.record;
  const requested = options.head ?? (await options.tip());
  // A late run (an old --head, a stale fetch) deploys at the newest head a run started at, never older.
  const newest = record?.newestHead;
  const head =
    newest !== undefined && requested !== newest && (await history.isAncestor(requested, newest)) ? newest : requested;
  if (record)
    await checkRecordOnDeployBranch(
      history,
      record,
      options.head === undefined ? requested : await options.tip(),
      options.store.description,
    );
  const base = options.base ?? record?.commit;
  if (base === undefined) throw missingRecord(options);
  const range: RecordRange = { base, head, baseFrom: options.base === undefined ? "record" : "option" };
  const unplanned = await options.plan(range);
  if (unplanned.deployBranch !== options.deployBranch) {
    // Planning for another branch plans nothing; recording that as deployed would skip the range.
    throw new GantryError(
      "RECORD_DEPLOY_BRANCH_MISMATCH",
      `the repository's configuration names '${unplanned.deployBranch}' as the deploy branch, but this run deploys '${options.deployBranch}'`,
      {
        hint: `set GANTRY_DEPLOY_BRANCH (or --deploy-branch) to '${unplanned.deployBranch}', or correct deployBranch in the configuration`,
      },
    );
  }
  if (!record) return { range, plan: unplanned, record: stored };
  const skipUnits = await unitsAlreadyDeployed({
    history,
    record,
    plan: unplanned,
    unitsChangedSince: async (since) =>
      new Set((await options.plan({ base: since, head })).jobs.flatMap((job) => job.units)),
  });
  return { range, plan: await options.plan(range, skipUnits), record: stored };
}

/** The plan a push run would make now, from the record (read only: no lease, nothing written). */
export async function planFromRecord(options: PlanFromRecordOptions): Promise<RecordPlan> {
  const stored = options.record === undefined ? await options.store.read() : (options.record ?? undefined);
  return planWithRecord({ ...options, history: memoizeHistory(options.history) }, stored);
}

/** One job's outcome as the record needs it: the units that succeeded. */
export interface DeployedJob<R> {
  readonly jobId: string;
  readonly result: R | null;
  readonly succeededUnits: readonly string[];
}

export interface DeployRun<R> {
  readonly jobs: readonly DeployedJob<R>[];
  readonly interrupted: boolean;
}

export type DeployEvent =
  | { readonly type: "lease-wait"; readonly lease: DeploymentLease }
  | { readonly type: "lease-acquired" }
  | {
      readonly type: "planned";
      readonly range: RecordRange;
      readonly jobs: number;
      readonly skippedUnits: readonly SkippedUnit[];
    }
  | { readonly type: "recorded"; readonly commit: string; readonly units: number; readonly environments: number };

export interface DeployFromRecordOptions<R> extends PlanFromRecordOptions {
  /** Who is deploying (goes into the lease and the record's `updatedBy`). */
  readonly holder: string;
  /**
   * Runs the plan; must stop starting work when `signal` aborts (the lease was lost, or the caller's signal), and
   * call `mayStart()` right before it starts a job or a unit's tools: false means the lease may have expired
   * (the run has been stopped; report that work as not started). `planned` is what the plan was made from (to
   * re-derive its jobs the same way: see `planFromRecord`'s `record`).
   */
  readonly run: (plan: PlanDocument, context: DeployRunContext) => Promise<DeployRun<R>>;
  readonly lease?: LeaseTiming;
  readonly clock?: Clock;
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: DeployEvent) => void;
}

export interface DeployRunContext {
  readonly signal: AbortSignal;
  readonly planned: Omit<RecordPlan, "plan">;
  /** Whether new work may start: the lease was renewed recently enough (`leaseFresh`, no I/O). */
  readonly mayStart: () => boolean;
}

export interface DeploymentOutcome<R> extends RecordPlan {
  readonly run: DeployRun<R>;
  /** The record as this run left it. */
  readonly recorded: DeploymentRecord;
}

const systemClock: Clock = {
  now: () => new Date(),
  sleep: (milliseconds, signal) => sleep(milliseconds, undefined, signal ? { signal } : {}),
};

export async function deployFromRecord<R>(options: DeployFromRecordOptions<R>): Promise<DeploymentOutcome<R>> {
  const clock = options.clock ?? systemClock;
  const history = memoizeHistory(options.history);
  const context: LeaseContext = {
    store: options.store,
    holder: options.holder,
    clock,
    ...(options.lease ? { timing: options.lease } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    onWait: (lease) => options.onEvent?.({ type: "lease-wait", lease }),
  };
  // With --base and no record, the record starts at --base: the caller says it is deployed.
  const base = options.base;
  const initial =
    base === undefined ? undefined : () => initialRecord(options.deployBranch, base, options.holder, clock.now());
  if (base === undefined && !(await options.store.read())) throw missingRecord(options);
  const leased = await acquireLease(context, initial);
  options.onEvent?.({ type: "lease-acquired" });

  const controller = new AbortController();
  const forward = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener("abort", forward, { once: true });
  let lost: unknown;
  const ttl = options.lease?.ttlMs ?? defaultLeaseTiming.ttlMs;
  let lease = leased.record.lease!;
  const mayStart = (): boolean => {
    if (lost === undefined && !leaseFresh(lease, clock.now(), ttl)) {
      lost = staleLease(context, lease, clock.now(), ttl);
      controller.abort(lost);
    }
    return lost === undefined;
  };
  // Renew the lease every third of its time to live while the run goes on; losing it stops the run. Between
  // renewals, look at the clock often: after a stall, timers fire late (they count time the process ran), the
  // clock does not, and a stale lease stops the run (Terragrunt's queue too) before it starts more units.
  const stopRenewing = new AbortController();
  const renewing = (async () => {
    for (;;) {
      await clock.sleep(Math.max(10, Math.floor(ttl / 20)), stopRenewing.signal);
      if (!mayStart()) return;
      if (clock.now().getTime() >= Date.parse(lease.expiresAt) - (2 * ttl) / 3)
        lease = (await renewLease(context)).record.lease!;
    }
  })().catch((error: unknown) => {
    if (stopRenewing.signal.aborted) return;
    lost = error;
    controller.abort(error);
  });
  try {
    let planned: RecordPlan;
    let run: DeployRun<R>;
    try {
      planned = await planWithRecord({ ...options, history }, leased);
      options.onEvent?.({
        type: "planned",
        range: planned.range,
        jobs: planned.plan.jobs.length,
        skippedUnits: planned.plan.skippedUnits ?? [],
      });
      const head = planned.range.head;
      if (
        planned.plan.jobs.length > 0 &&
        (leased.record.newestHead ?? leased.record.commit) !== head &&
        !(await history.isAncestor(head, leased.record.commit))
      ) {
        // Before anything is applied at this head: should this run die unrecorded, no later run deploys older.
        lease = (
          await writeHoldingLease(
            context,
            async (record) => ({ ...record, newestHead: head }),
            `gantry: deploying ${head.slice(0, 12)} by ${options.holder}`,
          )
        ).record.lease!;
      }
      run = await options.run(planned.plan, {
        signal: controller.signal,
        planned: { range: planned.range, record: planned.record },
        mayStart,
      });
    } finally {
      stopRenewing.abort();
      await renewing;
    }
    const units = unitOutcomes(planned.plan, run);
    const written = await writeHoldingLease(
      context,
      async (record) => ({
        ...(await advanceRecord(history, record, {
          deployBranch: options.deployBranch,
          base: planned.range.base,
          head: planned.range.head,
          units,
          writer: options.holder,
          now: clock.now(),
        })),
        lease: null,
      }),
      `gantry: ${describeRun(planned.range, units)} by ${options.holder}`,
    );
    if (lost) throw lost;
    options.onEvent?.({
      type: "recorded",
      commit: written.record.commit,
      units: Object.keys(written.record.units).length,
      environments: Object.keys(written.record.environments).length,
    });
    return { ...planned, run, recorded: written.record };
  } catch (error) {
    // Give the lease back (leaving the record as it was) unless it is no longer ours.
    if (!lost) {
      await writeHoldingLease(
        context,
        async (record) => ({ ...record, lease: null }),
        `gantry: lease released by ${options.holder}`,
      ).catch(() => undefined);
    }
    throw error;
  } finally {
    options.signal?.removeEventListener("abort", forward);
  }
}

function staleLease(context: LeaseContext, lease: DeploymentLease, now: Date, ttlMs: number) {
  const renewed = Date.parse(lease.expiresAt) - ttlMs;
  return new GantryError(
    "RECORD_LEASE_LOST",
    `this run's deployment lease was last renewed ${Math.round((now.getTime() - renewed) / 1000)} s ago, more than half its ${Math.round(ttlMs / 1000)} s time to live, so another run may have taken it over (${context.store.description}); no new unit was started`,
    {
      hint: "the runner was stalled (a suspended machine, a blocked process) or could not reach the record; the next run deploys what this one did not start",
    },
  );
}

function unitOutcomes<R>(
  plan: PlanDocument,
  run: DeployRun<R>,
): { unit: string; environment: string; succeeded: boolean }[] {
  const succeeded = new Set(run.jobs.flatMap((job) => job.succeededUnits.map((unit) => `${job.jobId}\0${unit}`)));
  return plan.jobs.flatMap((job) =>
    job.units.map((unit) => ({ unit, environment: job.environment, succeeded: succeeded.has(`${job.id}\0${unit}`) })),
  );
}

function describeRun(range: RecordRange, units: readonly { succeeded: boolean }[]): string {
  const failed = units.filter((unit) => !unit.succeeded).length;
  return `${range.base.slice(0, 12)}..${range.head.slice(0, 12)}, ${units.length - failed} unit(s) deployed${failed ? `, ${failed} not` : ""}`;
}
