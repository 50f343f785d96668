/**
 * The delivery promise, simulated over many random interleavings (in memory, on a large generated repository):
 * merges in bursts, runs started by pushes (some never started, as a cancelled pending run), runs cancelled or
 * killed midway, runners stalled longer than the lease (a suspended machine), units that break and are fixed
 * later, flaky applies, late runs that plan from an old tip or an old `--base`, and several runners at once. The code under test is the real one — `deployFromRecord` (record,
 * lease, range), `planJobs`, `dispatchInProcess` — with git, the tools and the store simulated. Each seed is
 * reproducible; a failure prints it (`GANTRY_SIMULATION_SEED=<n>` runs that one alone).
 */
import { describe, expect, it } from "vitest";
import { GantryError } from "@gantry/errors";
import {
  deployFromRecord,
  dispatchInProcess,
  initialRecord,
  memoryRecordStore,
  type DeploymentOutcome,
  type DeploymentRecordStore,
  type MemoryRecordStore,
} from "../src/index.js";
import { Random, World, shaOf } from "./support/delivery-world.js";
import { Scheduler } from "./support/scheduler.js";

interface UnitRun {
  readonly succeeded: string[];
}

interface Stats {
  runs: number;
  cancelled: number;
  killed: number;
  stalled: number;
  /** Runs stopped by their own stale lease (`mayStart`), with units left to the next run. */
  staleStops: number;
  late: number;
  leaseWaits: number;
  supersededUnits: number;
  upToDateUnits: number;
  failedApplies: number;
  recordWrites: number;
}

/** The shared store, seen by one runner: every read and write is a point where another runner may go first. */
function storeFor(shared: DeploymentRecordStore, scheduler: Scheduler, owner: string): DeploymentRecordStore {
  return {
    description: shared.description,
    read: async () => {
      await scheduler.tick(owner);
      return shared.read();
    },
    compareAndSwap: async (expected, next, message) => {
      await scheduler.tick(owner);
      return shared.compareAndSwap(expected, next, message);
    },
  };
}

interface SimulationOptions {
  readonly units: number;
  readonly merges: number;
  readonly flaky: number;
  /** Whether runners ask `mayStart()` before each unit (false: the check removed, to show the simulation catches it). */
  readonly checkLease: boolean;
}

const emptyStats = (): Stats => ({
  runs: 0,
  cancelled: 0,
  killed: 0,
  stalled: 0,
  staleStops: 0,
  late: 0,
  leaseWaits: 0,
  supersededUnits: 0,
  upToDateUnits: 0,
  failedApplies: 0,
  recordWrites: 0,
});
const leaseTiming = { ttlMs: 60_000, waitMs: 20 * 60_000, pollMs: 5_000 } as const;

async function simulate(seed: number, options: SimulationOptions): Promise<{ problems: string[]; stats: Stats }> {
  const random = new Random(seed);
  const world = new World(random, options.units);
  const scheduler = new Scheduler(random);
  const shared: MemoryRecordStore = memoryRecordStore(
    initialRecord("main", world.tip.sha, "adoption", new Date(Date.UTC(2026, 11, 1))),
  );
  const stats = emptyStats();
  const problems: string[] = [];
  const active = new Map<string, { controller: AbortController; done: Promise<void> }>();
  const killed = new Set<string>();
  const stalled = new Set<string>();
  let flaky = options.flaky;

  const start = (kind: "push" | "late-tip" | "late-base") => {
    const owner = `runner-${++stats.runs}`;
    const controller = new AbortController();
    const tipAtStart = world.tip.index;
    // A late run plans from an old view of the branch: a stale fetch (its tip), or an old `--base` and `--head`.
    const staleTip = kind === "push" ? undefined : random.below(tipAtStart + 1);
    if (kind !== "push") stats.late++;
    const lateBase = kind === "late-base" ? shaOf(random.below((staleTip ?? 0) + 1)) : undefined;
    const done = deployFromRecord<UnitRun>({
      store: storeFor(shared, scheduler, owner),
      history: world.history,
      deployBranch: "main",
      holder: owner,
      tip: async () => {
        await scheduler.tick(owner);
        return kind === "late-tip" ? shaOf(staleTip!) : world.tip.sha;
      },
      ...(lateBase ? { base: lateBase, head: shaOf(staleTip!) } : {}),
      plan: async (range, skipUnits) => {
        await scheduler.tick(owner);
        return world.plan(range, skipUnits);
      },
      run: async (plan, { signal, mayStart }) => {
        const outcome = await dispatchInProcess<UnitRun>(plan, {
          parallelism: 2,
          signal,
          isSuccess: (result) =>
            result.succeeded.length ===
            plan.jobs.find((job) => job.units.includes(result.succeeded[0] ?? ""))?.units.length,
          runJob: async (job, context) => {
            const succeeded: string[] = [];
            const action = job.action === "destroy" ? "destroy" : "apply";
            for (const unit of job.units) {
              await scheduler.tick(owner);
              // Right before the tool starts: a runner that stalled past half its lease starts nothing more.
              if (options.checkLease && !mayStart()) {
                stats.staleStops++;
                break;
              }
              if (context.signal.aborted) {
                // Cut short while the tool ran (or before it started).
                if (random.chance(0.5)) world.interrupted(unit, action, world.index(job.ref), owner);
                break;
              }
              if (world.attempt(unit, action, world.index(job.ref), owner, flaky) === "failed") {
                stats.failedApplies++;
                break;
              }
              succeeded.push(unit);
            }
            return { succeeded };
          },
        });
        return {
          interrupted: outcome.interrupted,
          jobs: outcome.jobs.map((entry) => ({
            jobId: entry.job.id,
            result: entry.result,
            succeededUnits: entry.result?.succeeded ?? [],
          })),
        };
      },
      lease: leaseTiming,
      clock: scheduler.clock(owner),
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === "lease-wait") stats.leaseWaits++;
      },
    }).then(
      (outcome: DeploymentOutcome<UnitRun>) => {
        for (const skipped of outcome.plan.skippedUnits ?? [])
          stats[skipped.reason === "superseded" ? "supersededUnits" : "upToDateUnits"]++;
        if (
          kind === "push" &&
          !controller.signal.aborted &&
          outcome.range.head !== shaOf(tipAtStart) &&
          world.index(outcome.range.head) < tipAtStart
        ) {
          problems.push(`${owner} deployed ${outcome.range.head}, older than the tip ${tipAtStart} when it started`);
        }
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        // Waiting too long for another run's lease is an allowed outcome (the record is untouched).
        if (GantryError.isInstance(error) && error.code === "RECORD_LEASE_BUSY") return;
        // A stalled runner finds its lease stale or taken over: it stops, and the next run deploys the rest.
        if (GantryError.isInstance(error) && error.code === "RECORD_LEASE_LOST" && stalled.has(owner)) return;
        problems.push(`${owner} failed: ${error instanceof Error ? error.stack : String(error)}`);
      },
    );
    active.set(owner, { controller, done: done.finally(() => active.delete(owner)) });
  };

  let merges = options.merges;
  while (merges > 0) {
    const roll = random.next();
    if (roll < 0.1) {
      for (let burst = 1 + (random.chance(0.3) ? random.below(3) : 0); burst > 0 && merges > 0; burst--, merges--)
        world.merge();
      // Most pushes start a run; the rest are runs GitHub cancelled while pending (they never start).
      if (random.chance(0.8)) start("push");
    } else if (roll < 0.115 && active.size > 0) {
      stats.cancelled++;
      random.pick([...active.values()]).controller.abort(new Error("cancelled"));
    } else if (roll < 0.12 && active.size > 0) {
      const owner = random.pick([...active.keys()]);
      stats.killed++;
      killed.add(owner);
      scheduler.kill(owner);
      active.delete(owner);
    } else if (roll < 0.125 && active.size > 0) {
      // A suspended machine: longer than the lease, so another runner may take over meanwhile.
      const owner = random.pick([...active.keys()]);
      stats.stalled++;
      stalled.add(owner);
      scheduler.stall(owner, leaseTiming.ttlMs * (1 + 3 * random.next()));
    } else if (roll < 0.135) {
      start(random.chance(0.5) ? "late-tip" : "late-base");
    } else {
      scheduler.step();
    }
    await scheduler.settle();
  }
  while (scheduler.step()) await scheduler.settle();
  await Promise.all([...active.values()].map((runner) => runner.done));

  // The quiet end: fix what is broken at the tip, then runs without faults until the record reaches the tip.
  flaky = 0;
  world.fixBroken();
  for (let attempt = 0; attempt < 3 && (await shared.read())?.record.commit !== world.tip.sha; attempt++) {
    start("push");
    while (scheduler.step()) await scheduler.settle();
    await Promise.all([...active.values()].map((runner) => runner.done));
  }
  const record = (await shared.read())!.record;
  if (record.commit !== world.tip.sha) problems.push(`the record is at ${record.commit}, not the tip ${world.tip.sha}`);
  if (record.lease !== null && !killed.has(record.lease.holder))
    problems.push(`the lease is still held by ${record.lease.holder}`);
  // The record only moves forward.
  for (let i = 1; i < shared.writes.length; i++) {
    if (world.index(shared.writes[i]!.record.commit) < world.index(shared.writes[i - 1]!.record.commit))
      problems.push(`record write ${i} moved the record back`);
  }
  stats.recordWrites = shared.writes.length;
  // A stalled runner that lost its lease could not record what it applied, as a killed one.
  problems.push(...world.checkFinalState(new Set([...killed, ...stalled])));
  return { problems, stats };
}

const only = process.env.GANTRY_SIMULATION_SEED;
const seeds = only ? [Number(only)] : Array.from({ length: 24 }, (_, index) => 1000 + index);
const world = { units: 1200, merges: 40, flaky: 0.05 } as const;

describe("delivery simulation (in memory, real record, planning and scheduling)", () => {
  it(`keeps the promise in ${seeds.length} random interleavings on a 1,200-unit repository`, async () => {
    const totals = emptyStats();
    for (const seed of seeds) {
      const { problems, stats } = await simulate(seed, { ...world, checkLease: true });
      expect(problems, `seed ${seed} (GANTRY_SIMULATION_SEED=${seed})`).toEqual([]);
      for (const key of Object.keys(totals) as (keyof Stats)[]) totals[key] += stats[key];
    }
    if (process.env.DEBUG_SIM) console.log(totals);
    // The interleavings did exercise what they claim to.
    if (!only) {
      for (const key of [
        "cancelled",
        "killed",
        "stalled",
        "staleStops",
        "late",
        "leaseWaits",
        "supersededUnits",
        "upToDateUnits",
        "failedApplies",
      ] as const) {
        expect(totals[key], key).toBeGreaterThan(0);
      }
    }
  });

  it.skipIf(only !== undefined)(
    "catches the rollback a stalled runner makes when it starts units without looking at its lease",
    async () => {
      const rollbacks: string[] = [];
      for (const seed of seeds) {
        const { problems } = await simulate(seed, { ...world, checkLease: false });
        rollbacks.push(
          ...problems.filter((problem) => problem.includes("rolled back")).map((problem) => `seed ${seed}: ${problem}`),
        );
        if (rollbacks.length > 0) break;
      }
      if (process.env.DEBUG_SIM) console.log(rollbacks);
      expect(rollbacks.length).toBeGreaterThan(0);
    },
  );
});
