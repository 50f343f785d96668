/**
 * What the cache keeps of a commit's stack generation, so a later run reuses it instead of generating again:
 * per committed stack file, what its generation read (records, against a string table of their own that only
 * grows), the sources outside the repository it copied (at which revision), and the units it generated (their
 * fingerprints are the cache's `generated`). A stack file whose generation had a problem is not kept.
 *
 * A kept generation still holds at a later commit when neither the stack file nor anything its generation read
 * changed since the cached commit (git says which paths changed) and every source outside the repository is
 * still at the revision copied: a git checkout kept at the same commit (a ref to a tag or commit, or a branch
 * not fetched again while its checkout is kept, as detection always treats it), a disk directory with the same
 * digest.
 */
import { RecordEncoder, RecordReader, StringTable, recordOf, type RecordText } from "../cache/record.js";
import type { SourceFetcher } from "./fetch.js";
import type { ExternalSource, StackFileGeneration } from "./generate.js";

export interface KeptStackFile {
  reads: RecordText[];
  external: ExternalSource[];
  units: string[];
}

export class KeptStacks {
  readonly reader: RecordReader;
  private readonly encoder: RecordEncoder;

  constructor(
    readonly table: StringTable,
    readonly files: Map<string, KeptStackFile>,
  ) {
    this.reader = new RecordReader(table);
    this.encoder = new RecordEncoder(table);
  }

  static empty(): KeptStacks {
    return new KeptStacks(new StringTable(), new Map());
  }

  /** The cache section's JSON, or null when it is not one (then nothing is kept). */
  static decode(text: string): KeptStacks | null {
    const value = JSON.parse(text) as {
      strings?: unknown;
      files?: Record<string, { reads?: unknown; external?: unknown; units?: unknown }>;
    };
    if (!Array.isArray(value.strings) || typeof value.files !== "object" || value.files === null) return null;
    const files = new Map<string, KeptStackFile>();
    for (const [file, entry] of Object.entries(value.files)) {
      if (!Array.isArray(entry.reads) || !Array.isArray(entry.external) || !Array.isArray(entry.units)) return null;
      files.set(file, {
        reads: (entry.reads as string[]).map(recordOf),
        external: entry.external as ExternalSource[],
        units: entry.units as string[],
      });
    }
    return new KeptStacks(new StringTable(value.strings as string[]), files);
  }

  encode(): string {
    const files: Record<string, { reads: string[]; external: ExternalSource[]; units: string[] }> = {};
    for (const [file, entry] of [...this.files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      files[file] = {
        reads: entry.reads.map((record) => record.text.slice(record.start, record.end)),
        external: entry.external,
        units: entry.units,
      };
    }
    return JSON.stringify({ strings: this.table.strings, files });
  }

  /** Keeps a fresh generation of `file` (replacing the kept one); a generation with a problem is dropped. */
  keep(file: string, generation: StackFileGeneration): void {
    if (generation.problem) {
      this.files.delete(file);
      return;
    }
    // Every block of a catalog names the same checkout: each source once.
    const external = [...new Map(generation.external.map((source) => [JSON.stringify(source), source])).values()];
    this.files.set(file, {
      reads: generation.reads.map((reads) => recordOf(this.encoder.encode(reads))),
      external,
      units: generation.units,
    });
  }

  /** Whether `file`'s generation read `path` (or `path` is the file). */
  reads(file: string, path: string): boolean {
    const kept = this.files.get(file);
    return (
      path === file ||
      (kept !== undefined && kept.reads.some((record) => this.reader.chainTo(record, path) !== undefined))
    );
  }

  /** The kept stack files of `files` that still hold with `changed` the paths changed since the cached commit. */
  async stillHolding(
    files: readonly string[],
    changed: readonly string[],
    fetcher: SourceFetcher,
  ): Promise<Set<string>> {
    const holding = new Set<string>();
    for (const file of files) {
      const kept = this.files.get(file);
      if (!kept || changed.some((path) => this.reads(file, path))) continue;
      if (await sourcesHold(kept.external, fetcher)) holding.add(file);
    }
    return holding;
  }
}

async function sourcesHold(external: readonly ExternalSource[], fetcher: SourceFetcher): Promise<boolean> {
  for (const source of external) {
    if (source.kind === "git") {
      const checkout = await fetcher.checkout(source.url, source.ref);
      if ("error" in checkout || checkout.commit !== source.commit) return false;
    } else {
      const read = fetcher.directory(source.dir);
      if ("error" in read || read.copy.digest !== source.digest) return false;
    }
  }
  return true;
}
