/**
 * The units stack files generate, at head and (when the change touches what the stacks read) at base, and how
 * a change reaches them: through their stack block (a generated unit appears, disappears, or gets another
 * source, path or values) or through what they read once generated (their source directory, `root.hcl`, ...).
 */
import { analyseUnits } from "../analysis/analyse-units.js";
import { ReadSet, extend } from "../analysis/read-set.js";
import type { Snapshot } from "../analysis/snapshot.js";
import type { ParseCache } from "../analysis/parse-cache.js";
import { RecordEncoder, RecordReader, StringTable, recordOf, type RecordText } from "../cache/record.js";
import type { ReadLink } from "../contract.js";
import type { BlobReader, DiffEntry, Tree } from "../git.js";
import { joinRepo } from "../paths.js";
import type { SourceFetcher } from "./fetch.js";
import { STACK_FILE } from "../units.js";
import { generateStacks, type GeneratedStacks, type GeneratedUnit } from "./generate.js";
import type { StackSnapshot } from "./values.js";

/** A generated unit reached by a changed path through its stack block. */
export interface StackChange {
  unit: string;
  /** From the unit to the changed path, unit first. */
  chain: ReadLink[];
}

export class StackUnits {
  private readonly table = new StringTable();
  private readonly encoder = new RecordEncoder(this.table);
  private readonly reader = new RecordReader(this.table);
  private readonly records = new Map<ReadSet, RecordText>();

  private constructor(
    readonly head: GeneratedStacks,
    /** Null when the change touches nothing the stacks read: base generates what head does. */
    readonly base: GeneratedStacks | null,
  ) {}

  /**
   * Generates the head's stacks, and the base's when the diff touches a stack file or anything the head's
   * stack files read (`baseTree` is then listed).
   */
  static async find(options: {
    headTree: Tree;
    headStackDirs: ReadonlySet<string>;
    diff: readonly DiffEntry[];
    baseTree: () => Promise<Tree>;
    baseStackDirs: (tree: Tree) => ReadonlySet<string>;
    reader: BlobReader;
    parseCache: ParseCache;
    fetcher: SourceFetcher;
  }): Promise<StackUnits> {
    const generate = (tree: Tree, label: "head" | "base", dirs: ReadonlySet<string>) =>
      generateStacks({ tree, label, stackFiles: [...dirs].sort().map((dir) => joinRepo(dir, STACK_FILE)), reader: options.reader, parseCache: options.parseCache, fetcher: options.fetcher });
    const head = new StackUnits(await generate(options.headTree, "head", options.headStackDirs), null);
    const touched = options.diff.some((entry) => [entry.oldPath, entry.newPath].some((path) => path.endsWith(STACK_FILE) || head.stackReadsOf(head.head.stackReads, path) !== undefined));
    if (!touched) return head;
    const baseTree = await options.baseTree();
    return new StackUnits(head.head, await generate(baseTree, "base", options.baseStackDirs(baseTree)));
  }

  /** The generated units of the base commit. */
  get baseUnits(): Map<string, GeneratedUnit> {
    return (this.base ?? this.head).units;
  }

  get baseSnapshot(): StackSnapshot | null {
    return this.base?.snapshot ?? null;
  }

  /**
   * Generated units that a changed path reaches through their stack block (only those whose block gives them
   * other content than at base, or that appear or disappear), by changed path.
   */
  changesByPath(diff: readonly DiffEntry[]): Map<string, StackChange[]> {
    const changes = new Map<string, StackChange[]>();
    if (!this.base) return changes;
    const paths = [...new Set(diff.flatMap((entry) => [entry.oldPath, entry.newPath]))];
    const units = new Set([...this.head.units.keys(), ...this.base.units.keys()]);
    for (const unit of [...units].sort()) {
      const head = this.head.units.get(unit);
      const base = this.base.units.get(unit);
      if (head && base && head.fingerprint === base.fingerprint) continue;
      const generated = (head ?? base)!;
      for (const path of paths) {
        const chain = this.stackReadsOf(generated.stackReads, path) ?? (head && base ? this.stackReadsOf(base.stackReads, path) : undefined);
        if (!chain) continue;
        let list = changes.get(path);
        if (!list) changes.set(path, (list = []));
        list.push({ unit, chain: [{ file: joinRepo(unit, "terragrunt.hcl"), via: "unit" }, ...chain] });
      }
    }
    return changes;
  }

  /** The chain (from the outermost stack file) by which one of these stack evaluations read `path`. */
  private stackReadsOf(reads: readonly ReadSet[], path: string): ReadLink[] | undefined {
    for (const read of reads) {
      let record = this.records.get(read);
      if (!record) this.records.set(read, (record = recordOf(this.encoder.encode(read))));
      const chain = this.reader.chainTo(record, path);
      if (chain) return chain;
    }
    return undefined;
  }
}

/**
 * Completes a generated unit's fresh reads: the repository files its generated files are copies of (a change
 * to its source directory is a change to it), and why it could not be generated.
 */
export function completeGeneratedReads(generated: GeneratedUnit, reads: ReadSet): ReadSet {
  const unitLink = extend(null, { file: joinRepo(generated.path, "terragrunt.hcl"), via: "unit" });
  for (const stackRead of generated.stackReads) for (const problem of stackRead.problems) reads.addProblem(problem);
  if (generated.problem) {
    reads.addProblem(generated.problem);
    const from = generated.from;
    reads.addDynamic({ from, expression: "", reason: `the unit could not be generated (${generated.problem.message})`, pattern: "**", node: extend(unitLink, { file: "**", via: "dynamic", from }) });
    return reads;
  }
  if (generated.origin === null) return reads;
  const origin = generated.origin;
  const prefix = `${generated.path}/`;
  reads.addDir(origin, extend(unitLink, { file: origin, via: "stack", from: generated.from }));
  for (const [path, node] of [...reads.files]) {
    if (!path.startsWith(prefix)) continue;
    const copied = joinRepo(origin, path.slice(prefix.length));
    reads.addFile(copied, extend(node, { file: copied, via: "stack", from: generated.from }));
  }
  return reads;
}

/** Analyses units of one commit; a generated unit's reads are completed with what it is a copy of. */
export async function analyseCommitUnits(
  snapshot: Snapshot,
  toAnalyse: string[],
  allUnits: Set<string>,
  generated: Map<string, GeneratedUnit> | undefined,
  reader: BlobReader,
  parseCache: ParseCache,
  onAnalysed: (unit: string, reads: ReadSet) => void,
): Promise<void> {
  // A unit that could not be generated has nothing to analyse: its reads are unknown.
  const ungenerated = generated ? toAnalyse.filter((unit) => generated.get(unit)?.problem) : [];
  for (const unit of ungenerated) onAnalysed(unit, completeGeneratedReads(generated!.get(unit)!, new ReadSet()));
  const analysable = ungenerated.length > 0 ? toAnalyse.filter((unit) => !generated!.get(unit)?.problem) : toAnalyse;
  await analyseUnits(snapshot, analysable, allUnits, reader, parseCache, (unit, reads) => {
    const from = generated?.get(unit);
    onAnalysed(unit, from ? completeGeneratedReads(from, reads) : reads);
  });
}
