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
import { baseName, joinRepo } from "../paths.js";
import type { SourceFetcher } from "./fetch.js";
import { STACK_FILE } from "../units.js";
import { generateStacks, type GeneratedStacks, type GeneratedUnit } from "./generate.js";
import { KeptStacks } from "./kept-generation.js";
import type { StackSnapshot } from "./values.js";

/** A generated unit reached by a changed path through its stack block. */
export interface StackChange {
  unit: string;
  /** From the unit to the changed path, unit first. */
  chain: ReadLink[];
}

/**
 * The generated units of head and base. Generation is per committed stack file, and a stack file is generated
 * only when needed: at head when its kept generation (`kept-generation.ts`) no longer holds, when the change
 * touches it (the file, or anything its generation read: its units are then compared with base's), or when a
 * unit it generates is analysed (its generated files are read); at base only when the change touches it
 * (otherwise base generates what head does). Every other stack file's units and fingerprints are the kept ones.
 */
export class StackUnits {
  private readonly table = new StringTable();
  private readonly encoder = new RecordEncoder(this.table);
  private readonly reader = new RecordReader(this.table);
  private readonly records = new Map<ReadSet, RecordText>();

  /** Stack files the change touches (the file, or anything its generation read). */
  private touched = new Set<string>();
  /** Their generation at base; null when the change touches none. */
  private base: GeneratedStacks | null = null;

  private constructor(
    private readonly options: StackUnitsOptions,
    /** Head's stack files. */
    private readonly headFiles: string[],
    /** The stack files generated at head in this run (the others are kept), and their generation. */
    private headGeneration: { files: Set<string>; stacks: GeneratedStacks },
    private readonly kept: KeptStacks,
  ) {}

  /**
   * Head's generated units (generating what cannot be reused), and base's when the change touches stack files.
   * `options.kept` is the cache's generation with the paths changed since its commit.
   */
  static async find(options: StackUnitsOptions): Promise<StackUnits> {
    const headFiles = [...options.headStackDirs].sort().map((dir) => joinRepo(dir, STACK_FILE));
    const kept = options.kept?.stacks ?? KeptStacks.empty();
    const holding =
      options.kept && options.kept.changed !== null
        ? await kept.stillHolding(headFiles, options.kept.changed, options.fetcher)
        : new Set<string>();
    const diffPaths = [...new Set(options.diff.flatMap((entry) => [entry.oldPath, entry.newPath]))];
    // A kept generation the change touches is generated again: its units are compared with base's.
    const generated = new Set(
      headFiles.filter((file) => !holding.has(file) || diffPaths.some((path) => kept.reads(file, path))),
    );
    const units = new StackUnits(
      options,
      headFiles,
      { files: generated, stacks: await generateStacksOf(options, options.headTree, "head", [...generated]) },
      kept,
    );
    for (const file of generated) {
      const reads = units.head.byStackFile.get(file)!.reads;
      if (diffPaths.some((path) => path === file || units.stackReadsOf(reads, path) !== undefined))
        units.touched.add(file);
    }
    for (const path of diffPaths) if (baseName(path) === STACK_FILE) units.touched.add(path);
    if (units.touched.size > 0) {
      const baseTree = await options.baseTree();
      const baseFiles = [...options.baseStackDirs(baseTree)]
        .map((dir) => joinRepo(dir, STACK_FILE))
        .filter((file) => units.touched.has(file));
      units.base = await generateStacksOf(options, baseTree, "base", baseFiles);
    }
    return units;
  }

  /** Head's generated units freshly generated in this run, by directory. */
  get head(): GeneratedStacks {
    return this.headGeneration.stacks;
  }

  /** Every generated unit of head with its stack file and fingerprint: generated in this run, or kept. */
  headUnits(): Map<string, { stackFile: string; fingerprint: string }> {
    if (this.headUnitsOf?.stacks !== this.head) {
      const units = new Map<string, { stackFile: string; fingerprint: string }>();
      for (const stackFile of this.headFiles) {
        if (this.headGeneration.files.has(stackFile)) {
          for (const unit of this.head.byStackFile.get(stackFile)!.units)
            units.set(unit, { stackFile, fingerprint: this.head.units.get(unit)!.fingerprint });
        } else {
          for (const unit of this.kept.files.get(stackFile)!.units)
            units.set(unit, { stackFile, fingerprint: this.options.kept!.fingerprints[unit] ?? "" });
        }
      }
      this.headUnitsOf = { stacks: this.head, units };
    }
    return this.headUnitsOf.units;
  }

  private headUnitsOf:
    { stacks: GeneratedStacks; units: Map<string, { stackFile: string; fingerprint: string }> } | undefined;

  /** The generated units of the base commit: head's, but for the stack files the change touches. */
  baseUnitPaths(): string[] {
    const untouched = [...this.headUnits()]
      .filter(([, unit]) => !this.touched.has(unit.stackFile))
      .map(([path]) => path);
    return [...untouched, ...(this.base?.units.keys() ?? [])];
  }

  /** Base's generated units of the touched stack files (the only ones that may differ from head's). */
  get baseUnits(): Map<string, GeneratedUnit> {
    return this.base?.units ?? new Map();
  }

  get baseSnapshot(): StackSnapshot | null {
    return this.base?.snapshot ?? null;
  }

  /**
   * The head generation in which `units` can be analysed: their stack files generated (all of them when one of
   * `units` is not generated from a stack file: what it reads may be anywhere).
   */
  async headFor(units: readonly string[]): Promise<GeneratedStacks> {
    const needed = new Set(this.headGeneration.files);
    const generated = this.headUnits();
    for (const unit of units) {
      const stackFile = generated.get(unit)?.stackFile;
      if (stackFile === undefined) {
        for (const file of this.headFiles) needed.add(file);
        break;
      }
      needed.add(stackFile);
    }
    if (needed.size > this.headGeneration.files.size) {
      this.headGeneration = {
        files: needed,
        stacks: await generateStacksOf(this.options, this.options.headTree, "head", [...needed]),
      };
    }
    return this.head;
  }

  /** The cache's generation for head: kept stack files still holding, the ones generated in this run anew. */
  keptForHead(): KeptStacks {
    for (const file of [...this.kept.files.keys()]) if (!this.headFiles.includes(file)) this.kept.files.delete(file);
    for (const file of this.headGeneration.files) this.kept.keep(file, this.head.byStackFile.get(file)!);
    return this.kept;
  }

  /**
   * Generated units that a changed path reaches through their stack block (only those whose block gives them
   * other content than at base, or that appear or disappear), by changed path.
   */
  changesByPath(diff: readonly DiffEntry[]): Map<string, StackChange[]> {
    const changes = new Map<string, StackChange[]>();
    if (!this.base) return changes;
    const paths = [...new Set(diff.flatMap((entry) => [entry.oldPath, entry.newPath]))];
    const touchedHead = [...this.head.units.values()].filter((unit) => this.touched.has(unit.stackFile));
    const units = new Set([...touchedHead.map((unit) => unit.path), ...this.base.units.keys()]);
    for (const unit of [...units].sort()) {
      const head = this.head.units.get(unit);
      const base = this.base.units.get(unit);
      if (head && base && head.fingerprint === base.fingerprint) continue;
      const generated = (head ?? base)!;
      for (const path of paths) {
        const chain =
          this.stackReadsOf(generated.stackReads, path) ??
          (head && base ? this.stackReadsOf(base.stackReads, path) : undefined);
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

export interface StackUnitsOptions {
  headTree: Tree;
  headStackDirs: ReadonlySet<string>;
  diff: readonly DiffEntry[];
  baseTree: () => Promise<Tree>;
  baseStackDirs: (tree: Tree) => ReadonlySet<string>;
  reader: BlobReader;
  parseCache: ParseCache;
  fetcher: SourceFetcher;
  /** The cache's generation, with its units' fingerprints and the paths changed since its commit (null: unknown). */
  kept: { stacks: KeptStacks; fingerprints: Record<string, string>; changed: readonly string[] | null } | null;
}

function generateStacksOf(
  options: StackUnitsOptions,
  tree: Tree,
  label: "head" | "base",
  stackFiles: string[],
): Promise<GeneratedStacks> {
  return generateStacks({
    tree,
    label,
    stackFiles: stackFiles.sort(),
    reader: options.reader,
    parseCache: options.parseCache,
    fetcher: options.fetcher,
  });
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
    reads.addDynamic({
      from,
      expression: "",
      reason: `the unit could not be generated (${generated.problem.message})`,
      pattern: "**",
      node: extend(unitLink, { file: "**", via: "dynamic", from }),
    });
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
