import { describe, expect, it } from "vitest";
import {
  advanceRecord,
  acquireLease,
  deployFromRecord,
  initialRecord,
  memoryRecordStore,
  unitsAlreadyDeployed,
  writeHoldingLease,
  type Clock,
  type CommitHistory,
  type DeploymentRecord,
} from "../src/index.js";
import type { Job, PlanDocument } from "@gantry/classifier";

// A linear deploy branch c0 → c1 → … → c9.
const c = (index: number) => index.toString(16).padStart(40, "0");
const history: CommitHistory = { isAncestor: async (a, b) => parseInt(a, 16) <= parseInt(b, 16) };
const now = new Date("2026-12-01T10:00:00Z");
const record = (overrides: Partial<DeploymentRecord> = {}): DeploymentRecord => ({
  ...initialRecord("main", c(2), "test", now),
  ...overrides,
});
const run = (base: number, head: number, units: [string, string, boolean][]) => ({
  deployBranch: "main",
  base: c(base),
  head: c(head),
  units: units.map(([unit, environment, succeeded]) => ({ unit, environment, succeeded })),
  writer: "run",
  now,
});

describe("advanceRecord", () => {
  it("moves the recorded commit to the head when every unit of a covering range succeeded, dropping finer entries", async () => {
    const next = await advanceRecord(
      history,
      record({ units: { "dev/a": { commit: c(3), environment: "dev" } } }),
      run(2, 5, [["dev/b", "dev", true]]),
    );
    expect(next).toMatchObject({ commit: c(5), environments: {}, units: {} });
  });

  it("after a failure keeps the commit, moves the environments that fully succeeded, and records each unit that did", async () => {
    const next = await advanceRecord(
      history,
      record(),
      run(2, 5, [
        ["dev/a", "dev", true],
        ["prod/a", "prod", true],
        ["prod/b", "prod", false],
      ]),
    );
    expect(next.commit).toBe(c(2));
    expect(next.environments).toEqual({ dev: c(5) });
    // dev/a says no more than its environment: dropped; prod/a is finer than prod's entry.
    expect(next.units).toEqual({ "prod/a": { commit: c(5), environment: "prod" } });
  });

  it("for a range that starts after the record (--base newer), records units only; with no record, --base becomes the record", async () => {
    const newer = await advanceRecord(history, record(), run(4, 6, [["dev/a", "dev", true]]));
    expect(newer).toMatchObject({ commit: c(2), environments: {}, units: { "dev/a": { commit: c(6) } } });
    expect(await advanceRecord(history, undefined, run(4, 6, [["dev/a", "dev", false]]))).toMatchObject({
      commit: c(4),
      units: {},
    });
    expect(await advanceRecord(history, undefined, run(4, 6, [["dev/a", "dev", true]]))).toMatchObject({
      commit: c(6),
      units: {},
    });
  });

  it("never moves anything back: a late run's head older than the record changes nothing", async () => {
    const current = record({ commit: c(6), units: { "dev/a": { commit: c(8), environment: "dev" } } });
    const next = await advanceRecord(
      history,
      current,
      run(1, 4, [
        ["dev/a", "dev", true],
        ["dev/b", "dev", true],
      ]),
    );
    expect({ commit: next.commit, units: next.units }).toEqual({ commit: c(6), units: current.units });
  });
});

describe("unitsAlreadyDeployed", () => {
  const job = (units: string[], environment = "dev"): Job => ({ units, environment }) as Job;
  it("calls a unit superseded when deployed as of a newer commit, up to date when unchanged since, and keeps the rest", async () => {
    const current = record({
      commit: c(2),
      environments: { prod: c(4) },
      units: {
        "dev/newer": { commit: c(9), environment: "dev" },
        "dev/at-head": { commit: c(7), environment: "dev" },
        "dev/since": { commit: c(5), environment: "dev" },
      },
    });
    const plan = {
      base: c(2),
      head: c(7),
      jobs: [
        job(["dev/newer", "dev/at-head", "dev/since", "dev/changed-since", "dev/plain"]),
        job(["prod/a", "prod/b"], "prod"),
      ],
    } as PlanDocument;
    const asked: string[] = [];
    const skipped = await unitsAlreadyDeployed({
      history,
      record: current,
      plan,
      unitsChangedSince: async (since) => {
        asked.push(since);
        return new Set(since === c(4) ? ["prod/b"] : ["dev/changed-since"]);
      },
    });
    expect(Object.fromEntries(skipped)).toEqual({
      "dev/newer": { reason: "superseded", deployedAt: c(9) },
      "dev/at-head": { reason: "up-to-date", deployedAt: c(7) },
      "dev/since": { reason: "up-to-date", deployedAt: c(5) },
      "prod/a": { reason: "up-to-date", deployedAt: c(4) },
    });
    // One plan per distinct commit between base and head, not one per unit.
    expect(asked.sort()).toEqual([c(4), c(5)]);
  });
});

/** A clock whose sleeps move its time instead of waiting. */
function steppingClock(): Clock & { time: number } {
  const clock = {
    time: now.getTime(),
    now: () => new Date(clock.time),
    sleep: async (milliseconds: number) => {
      clock.time += milliseconds;
    },
  };
  return clock;
}

describe("the deployment lease", () => {
  it("waits while another run holds it, takes it over once it expired, and refuses the old holder's writes", async () => {
    const store = memoryRecordStore(record());
    const clock = steppingClock();
    const first = { store, holder: "first", clock, timing: { ttlMs: 60_000, pollMs: 10_000, waitMs: 3_600_000 } };
    await acquireLease(first);
    const waits: string[] = [];
    const second = await acquireLease({ ...first, holder: "second", onWait: (lease) => waits.push(lease.holder) });
    expect(second.record.lease?.holder).toBe("second");
    expect(waits).toEqual(["first", "first", "first", "first", "first", "first"]);
    const refused = await writeHoldingLease(first, async (current) => current, "late write").catch(
      (error: unknown) => error,
    );
    expect(refused).toMatchObject({ code: "RECORD_LEASE_LOST", exitCode: 30 });
  });

  it("gives up after waiting as long as it was told to, with the holder named", async () => {
    const store = memoryRecordStore(record());
    const clock = steppingClock();
    await acquireLease({ store, holder: "slow", clock, timing: { ttlMs: 3_600_000 } });
    const busy = await acquireLease({ store, holder: "next", clock, timing: { waitMs: 30_000, pollMs: 10_000 } }).catch(
      (error: unknown) => error,
    );
    expect(busy).toMatchObject({ code: "RECORD_LEASE_BUSY", exitCode: 30 });
    expect((busy as Error).message).toContain("slow has been deploying since");
  });
});

describe("deployFromRecord", () => {
  it("without a record and without --base fails with RECORD_MISSING naming both ways to start, writing nothing", async () => {
    const store = memoryRecordStore();
    const error = await deployFromRecord({
      store,
      history,
      deployBranch: "main",
      holder: "run",
      tip: async () => c(3),
      plan: async () => {
        throw new Error("must not plan");
      },
      run: async () => ({ jobs: [], interrupted: false }),
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "RECORD_MISSING", exitCode: 26 });
    expect((error as { hint: string }).hint).toContain("--base");
    expect((error as { hint: string }).hint).toContain("gantry record mark --commit");
    expect(store.writes).toEqual([]);
  });
});
