/**
 * Every head unit's record, by unit id: encoded from this run's analysis, or reused from the cache as it was
 * loaded. Matching, the graph and the saved cache ask here, so none of them cares where a record came from.
 */
import type { DynamicRead, ExcludeSetting, ReadLink, UnitProblem } from "../contract.js";
import type { UnitReads } from "../analysis/read-set.js";
import type { LoadedCache } from "./cache-file.js";
import { RecordEncoder, RecordReader, StringTable, hasExtras, recordOf, type RecordText } from "./record.js";

/** The record of a unit with no reads (an unknown unit). */
const EMPTY_RECORD = "||||";

export class HeadRecords {
  private readonly fresh: Array<string | undefined>;
  private readonly encoder: RecordEncoder;
  private readonly reader: RecordReader;

  constructor(
    unitCount: number,
    /** Per head unit id, its id in `cached`, or -1 (analysed in this run). */
    private readonly cachedIds: Int32Array,
    private readonly cached: LoadedCache | null,
    /** The cached table when records are reused (it only grows, so their ids hold), else a new one. */
    readonly table: StringTable,
  ) {
    this.fresh = new Array(unitCount);
    this.encoder = new RecordEncoder(table);
    this.reader = new RecordReader(table);
  }

  /** Records a unit analysed in this run (its reads can then be dropped). */
  addFresh(id: number, reads: UnitReads): void {
    this.fresh[id] = this.encoder.encode(reads);
  }

  private record(id: number): RecordText {
    const fresh = this.fresh[id];
    if (fresh !== undefined) return recordOf(fresh);
    const cachedId = this.cachedIds[id]!;
    return cachedId !== -1 && this.cached ? this.cached.record(cachedId) : recordOf(EMPTY_RECORD);
  }

  /** The chain linking the unit to `path`, or undefined when it does not read it. */
  chainTo(id: number, path: string): ReadLink[] | undefined {
    return this.reader.chainTo(this.record(id), path);
  }

  /** The unit's dynamic reads, problems and `exclude` block, or undefined when it has none. */
  extras(id: number): { dynamic: DynamicRead[]; problems: UnitProblem[]; exclude?: ExcludeSetting } | undefined {
    const record = this.record(id);
    return hasExtras(record) ? this.reader.extras(record) : undefined;
  }

  /** What the unit's cached record lists, for taking it out of the index. */
  cachedKeys(cachedId: number) {
    return this.reader.keys(this.cached!.record(cachedId));
  }

  dependencies(id: number): string[] {
    const cachedId = this.cachedIds[id]!;
    if (this.fresh[id] === undefined && cachedId !== -1 && this.cached) return this.cached.dependencies(cachedId);
    return this.reader.dependencies(this.record(id));
  }

  /** The record to save: fresh text, or a reused record's bytes as they were loaded. */
  recordToSave(id: number): string | Buffer {
    const cachedId = this.cachedIds[id]!;
    return this.fresh[id] ?? (cachedId !== -1 && this.cached ? this.cached.recordBytes(cachedId) : EMPTY_RECORD);
  }
}
