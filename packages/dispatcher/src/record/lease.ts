/**
 * The deployment lease: one run at a time deploys from the record. A run takes the lease by writing itself into
 * the record (compare-and-swap), renews it while it runs, and gives it back in the same write that advances the
 * record. A run that finds the lease held waits; a lease not renewed before it expires (its run was killed) may
 * be taken over. Without it, two runners could plan from the same record and the older one apply last (a
 * rollback); GitHub's `concurrency` serialises the apply workflow, and the lease holds when it does not.
 */
import type { DeploymentLease, DeploymentRecord, StoredRecord } from "./document.js";
import type { DeploymentRecordStore } from "./store.js";
import { GantryError } from "@gantry/errors";

export interface LeaseTiming {
  /** How long a lease lasts without renewal; default 10 minutes. */
  readonly ttlMs?: number;
  /** How long to wait for another run's lease; default 60 minutes. */
  readonly waitMs?: number;
  /** Time between two looks at a held lease; default 10 s. */
  readonly pollMs?: number;
}

export interface Clock {
  now(): Date;
  /** Waits, and rejects as soon as `signal` aborts. */
  sleep(milliseconds: number, signal?: AbortSignal): Promise<void>;
}

export interface LeaseContext {
  readonly store: DeploymentRecordStore;
  readonly holder: string;
  readonly clock: Clock;
  readonly timing?: LeaseTiming;
  readonly signal?: AbortSignal;
  /** Called each time the run finds the lease held by another run and waits. */
  readonly onWait?: (lease: DeploymentLease) => void;
}

export const defaultLeaseTiming = { ttlMs: 10 * 60_000, waitMs: 60 * 60_000, pollMs: 10_000 } as const;

function leaseFor(context: LeaseContext, acquiredAt: Date): DeploymentLease {
  const ttl = context.timing?.ttlMs ?? defaultLeaseTiming.ttlMs;
  return {
    holder: context.holder,
    acquiredAt: acquiredAt.toISOString(),
    expiresAt: new Date(context.clock.now().getTime() + ttl).toISOString(),
  };
}

function heldByOther(record: DeploymentRecord, context: LeaseContext): DeploymentLease | undefined {
  const lease = record.lease;
  if (!lease || lease.holder === context.holder) return undefined;
  return Date.parse(lease.expiresAt) > context.clock.now().getTime() ? lease : undefined;
}

/**
 * Takes the lease, waiting while another run holds it. `initial` is the record to create when there is none
 * (a first run with `--base`); without it a missing record is the caller's error to raise.
 */
export async function acquireLease(context: LeaseContext, initial?: () => DeploymentRecord): Promise<StoredRecord> {
  const waitMs = context.timing?.waitMs ?? defaultLeaseTiming.waitMs;
  const pollMs = context.timing?.pollMs ?? defaultLeaseTiming.pollMs;
  const deadline = context.clock.now().getTime() + waitMs;
  for (;;) {
    context.signal?.throwIfAborted();
    const current = await context.store.read();
    const base = current?.record ?? initial?.();
    if (!base)
      throw new GantryError("RECORD_MISSING", `there is no deployment record (${context.store.description})`, {
        hint: "pass --base, or mark the deployed commit with `gantry record mark`",
      });
    const other = current ? heldByOther(current.record, context) : undefined;
    if (other) {
      if (context.clock.now().getTime() >= deadline) {
        throw new GantryError(
          "RECORD_LEASE_BUSY",
          `${other.holder} has been deploying since ${other.acquiredAt} (lease until ${other.expiresAt}); waited ${Math.round(waitMs / 1000)} s`,
          {
            hint: "let that run finish (this commit is deployed by the next run), or, if it is gone, wait for its lease to expire",
          },
        );
      }
      context.onWait?.(other);
      await context.clock.sleep(
        Math.min(pollMs, Math.max(1, deadline - context.clock.now().getTime())),
        context.signal,
      );
      continue;
    }
    const next: DeploymentRecord = { ...structuredClone(base), lease: leaseFor(context, context.clock.now()) };
    const swapped = await context.store.compareAndSwap(
      current?.version,
      next,
      `gantry: lease taken by ${context.holder}`,
    );
    if (swapped.swapped) return { record: next, version: swapped.version };
  }
}

/**
 * Writes `change(record)` with the lease still ours, re-reading after a lost race. Throws RECORD_LEASE_LOST when
 * another run holds the lease now (ours expired and was taken over).
 */
export async function writeHoldingLease(
  context: LeaseContext,
  change: (record: DeploymentRecord) => Promise<DeploymentRecord>,
  message: string,
): Promise<StoredRecord> {
  for (;;) {
    const current = await context.store.read();
    if (!current || current.record.lease?.holder !== context.holder) {
      const holder = current?.record.lease?.holder;
      throw new GantryError(
        "RECORD_LEASE_LOST",
        `this run's deployment lease ${holder ? `was taken over by ${holder}` : "is gone"} (${context.store.description})`,
        { hint: "the lease expired while this run was stalled; what this run applied is re-checked by the next run" },
      );
    }
    const next = await change(structuredClone(current.record));
    const swapped = await context.store.compareAndSwap(current.version, next, message);
    if (swapped.swapped) return { record: next, version: swapped.version };
  }
}

/**
 * Whether this run may start new work under `lease` (its own, as last written): only while less than half the
 * time to live has passed since the write that set it (a lease expires `ttl` after the clock read that wrote it).
 * A local clock check, no I/O: a runner that was stalled (a suspended machine, a blocked process, a renewal that
 * hangs) finds out as soon as it resumes, before its next renewal could tell it that another run took over. The
 * half left over is the margin for the other runner's clock.
 */
export function leaseFresh(lease: DeploymentLease, now: Date, ttlMs: number): boolean {
  return now.getTime() < Date.parse(lease.expiresAt) - ttlMs / 2;
}

/** Extends the lease by its time to live from now. */
export function renewLease(context: LeaseContext): Promise<StoredRecord> {
  return writeHoldingLease(
    context,
    async (record) => ({
      ...record,
      lease: leaseFor(context, new Date(record.lease?.acquiredAt ?? context.clock.now())),
    }),
    `gantry: lease renewed by ${context.holder}`,
  );
}
