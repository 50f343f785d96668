/**
 * The deployment record (`apiVersion: gantry/v1`, `kind: DeploymentRecord`): for one deploy branch, the commit
 * each unit is deployed as of. A unit is "deployed as of C" when its infrastructure was last applied (or
 * destroyed) from the code at C or at a later commit where it had not changed since C, so nothing merged up to C
 * is missing from it. The record is written only by Gantry runs that applied something, compare-and-swap.
 */
import { z } from "zod";

const commitSha = z.string().regex(/^[0-9a-f]{40}$/, "must be a full commit SHA");

/** Who may write the record now, and until when; see `lease.ts`. */
export const deploymentLeaseSchema = z.object({
  /** The run holding it, e.g. `acme/infrastructure-pipelines/actions/runs/123 (attempt 1)` or `host:pid:nonce`. */
  holder: z.string().min(1),
  acquiredAt: z.iso.datetime(),
  /** After this instant another run may take the lease (the holder renews it while it runs). */
  expiresAt: z.iso.datetime(),
});
export type DeploymentLease = z.infer<typeof deploymentLeaseSchema>;

export const deploymentRecordSchema = z.object({
  apiVersion: z.literal("gantry/v1"),
  kind: z.literal("DeploymentRecord"),
  deployBranch: z.string().min(1),
  /** Every unit is deployed as of this commit (or a newer one). */
  commit: commitSha,
  /** Environments whose every unit is deployed as of a newer commit than `commit`. */
  environments: z.record(z.string(), commitSha),
  /** Units deployed as of a newer commit than their environment's (or `commit`), with their environment. */
  units: z.record(z.string(), z.object({ commit: commitSha, environment: z.string() })),
  lease: deploymentLeaseSchema.nullable(),
  /**
   * The newest head a run has deployed at, written before it applies anything: no run deploys at an older head,
   * so what a killed or stalled run applied without recording it is never rolled back by a late run. Absent:
   * `commit` (dropped again once `commit` reaches it).
   */
  newestHead: commitSha.optional(),
  /** The last writer and when it wrote (for people reading the record; the ref's history keeps every version). */
  updatedBy: z.string(),
  updatedAt: z.iso.datetime(),
});
export type DeploymentRecord = z.infer<typeof deploymentRecordSchema>;

/** A record read from a store, with the version a compare-and-swap must name to replace it. */
export interface StoredRecord {
  readonly record: DeploymentRecord;
  /** Opaque to callers: the git object id of this version in the git stores. */
  readonly version: string;
}

/** The record that says "everything merged up to `commit` is deployed" (adoption, or `--base` on a first run). */
export function initialRecord(deployBranch: string, commit: string, writer: string, now: Date): DeploymentRecord {
  return {
    apiVersion: "gantry/v1",
    kind: "DeploymentRecord",
    deployBranch,
    commit,
    environments: {},
    units: {},
    lease: null,
    updatedBy: writer,
    updatedAt: now.toISOString(),
  };
}
