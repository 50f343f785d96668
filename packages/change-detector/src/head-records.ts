/**
 * What every head unit reads, by unit id: fresh from this run's analysis, or reused from the cache (the
 * record it was loaded with, decoded only as far as a question needs). Matching, the graph and the saved
 * cache all ask here, so none of them cares which of the two a unit's reads came from.
 */
import { chainToArray, type UnitReads } from "./analysis/read-set.js";
import type { LoadedCache } from "./cache.js";
import type { ReadLink } from "./contract.js";
import { chainFor } from "./read-index.js";
import { StringTable, decodeUnitReads, encodeUnitReads, recordHasExtras } from "./record-codec.js";

export class HeadRecords {
  private readonly fresh: Array<string | undefined>;
  private readonly freshDependencies: Array<string[] | undefined>;
  /**
   * Chains of changed files read by freshly analysed units, taken while their reads are at hand (matching
   * then decodes no record for them: on a root.hcl change, every unit). Per changed path, by unit id (a few
   * paths, often read by every unit: not a map per unit).
   */
  private readonly freshChains = new Map<string, Map<number, ReadLink[]>>();

  constructor(
    unitCount: number,
    /** Per head unit id, its id in `cached`, or -1 (analysed in this run). */
    private readonly cachedIds: Int32Array,
    private readonly cached: LoadedCache | null,
    /** This run's string table: the cached one when records are reused (it only grows, so their ids hold). */
    readonly table: StringTable,
    /** Every path the diff names (either side). */
    private readonly changedPaths: Set<string>,
  ) {
    this.fresh = new Array(unitCount);
    this.freshDependencies = new Array(unitCount);
  }

  /** Records a unit analysed in this run (encoded at once: its reads can then be dropped). */
  addFresh(id: number, reads: UnitReads): void {
    this.fresh[id] = encodeUnitReads(reads, this.table);
    this.freshDependencies[id] = [...reads.dependencies].sort();
    // Whichever side is smaller is walked (a few changed paths, or a unit's dozen reads).
    const small = this.changedPaths.size <= reads.files.size;
    for (const path of small ? this.changedPaths : reads.files.keys()) {
      const node = small ? reads.files.get(path) : this.changedPaths.has(path) ? reads.files.get(path) : undefined;
      if (!node) continue;
      let chains = this.freshChains.get(path);
      if (!chains) this.freshChains.set(path, (chains = new Map()));
      chains.set(id, chainToArray(node));
    }
  }

  reads(id: number): UnitReads {
    const fresh = this.fresh[id];
    const cachedId = this.cachedIds[id]!;
    // Cached records decode against the cached table, which is this run's table.
    if (fresh !== undefined) return decodeUnitReads(fresh, this.table.strings);
    return cachedId !== -1 && this.cached ? this.cached.reads(cachedId) : emptyReads();
  }

  /**
   * The chain linking the unit to `path`, or undefined when it does not read it: a fresh unit's was taken
   * during the analysis, a cached file or directory read's comes straight from the record, a glob or
   * dynamic read's from the decoded reads.
   */
  chain(id: number, path: string): ReadLink[] | undefined {
    const known = this.freshChains.size > 0 ? this.freshChains.get(path)?.get(id) : undefined;
    if (known) return known;
    const cachedId = this.cachedIds[id]!;
    if (this.fresh[id] === undefined && cachedId !== -1 && this.cached) {
      const chain = this.cached.fileOrDirChain(cachedId, path);
      if (chain) return chain;
    }
    return chainFor(this.reads(id), path);
  }

  /** The unit's reads when it has dynamic reads or problems (what the report shows of them), else undefined. */
  extras(id: number): UnitReads | undefined {
    const fresh = this.fresh[id];
    const cachedId = this.cachedIds[id]!;
    const has = fresh !== undefined ? recordHasExtras(fresh, 0, fresh.length) : cachedId !== -1 && this.cached !== null && this.cached.hasExtras(cachedId);
    return has ? this.reads(id) : undefined;
  }

  dependencies(id: number): string[] {
    const cachedId = this.cachedIds[id]!;
    return this.freshDependencies[id] ?? (cachedId !== -1 && this.cached ? this.cached.dependencies(cachedId) : []);
  }

  /** The record to save: fresh text, or a reused record's bytes as they were loaded. */
  recordToSave(id: number): string | Buffer {
    const cachedId = this.cachedIds[id]!;
    return this.fresh[id] ?? (cachedId !== -1 && this.cached ? this.cached.recordBytes(cachedId) : encodeUnitReads(emptyReads(), this.table));
  }
}

function emptyReads(): UnitReads {
  return { files: new Map(), dirs: new Map(), globs: new Map(), dynamic: [], problems: [], dependencies: new Set() };
}
