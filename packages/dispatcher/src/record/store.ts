/**
 * Where the deployment record lives: read it, and replace it only if it is still the version read
 * (compare-and-swap), so two runs can never both advance it from the same value. `gitRecordStore` keeps it in a
 * git ref (the repository's own git directory, or a remote such as the pipelines repository);
 * `memoryRecordStore` is the same contract in memory, for simulations and tests.
 */
import { deploymentRecordSchema, type DeploymentRecord, type StoredRecord } from "./document.js";
import { validateDocument, type DocumentSpec } from "@gantry/documents";

export interface DeploymentRecordStore {
  /** Names the place in messages, e.g. `refs/gantry/deployments/main in /repo/.git`. */
  readonly description: string;
  /** The current version, or undefined when no record exists yet. */
  read(): Promise<StoredRecord | undefined>;
  /**
   * Writes `next` if the stored version is still `expected` (undefined: only if there is no record).
   * Returns the new version, or `{ swapped: false }` when another writer got there first; never overwrites.
   */
  compareAndSwap(
    expected: string | undefined,
    next: DeploymentRecord,
    message: string,
  ): Promise<{ swapped: true; version: string } | { swapped: false }>;
}

export const recordDocument = {
  kind: "DeploymentRecord",
  schema: deploymentRecordSchema,
  code: "RECORD_INVALID",
  hint: "only Gantry writes the record; restore the previous version from the ref's history (`git log` of the ref), or mark the deployed commit again with `gantry record mark --replace`",
} as const satisfies DocumentSpec<typeof deploymentRecordSchema>;

/** Validates a stored document, naming the first bad field and the store. */
export function parseRecord(document: unknown, where: string): DeploymentRecord {
  return validateDocument(document, recordDocument, where);
}

/** The record in memory: versions are counters; every write is recorded for tests to inspect. */
export interface MemoryRecordStore extends DeploymentRecordStore {
  readonly writes: readonly { version: string; record: DeploymentRecord; message: string }[];
}

export function memoryRecordStore(initial?: DeploymentRecord): MemoryRecordStore {
  let counter = 0;
  let current: StoredRecord | undefined = initial
    ? { record: structuredClone(initial), version: String(++counter) }
    : undefined;
  const writes: { version: string; record: DeploymentRecord; message: string }[] = [];
  return {
    description: "memory",
    writes,
    async read() {
      return current && { record: structuredClone(current.record), version: current.version };
    },
    async compareAndSwap(expected, next, message) {
      if (current?.version !== expected) return { swapped: false };
      const record = parseRecord(structuredClone(next), "memory");
      current = { record, version: String(++counter) };
      writes.push({ version: current.version, record: structuredClone(record), message });
      return { swapped: true, version: current.version };
    },
  };
}
