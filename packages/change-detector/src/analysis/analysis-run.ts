/**
 * One analysis pass over one commit's tree: evaluates units' configurations with Terragrunt's functions,
 * follows `terraform.source` and local modules, and records reads. State shared by all units of the pass
 * (parsed files, memoised `read_terragrunt_config` results, module walks) lives here, so shared files are
 * parsed once and context-free results are computed once.
 */
import type { Expression, HclFile } from "@gantry/hcl";
import type { ReadVia } from "../contract.js";
import { joinRepo, resolveRepoPath } from "../paths.js";
import { unitContaining } from "../units.js";
import { ConfigEvaluation, positionOf, type ConfigRole, type EvalScope } from "./config-evaluator.js";
import { widenFragments } from "./dynamic-pattern.js";
import { isUnknown, unknownFragments, type HclFunction, type HclValue } from "./hcl-adapter.js";
import { ParseCache, lineOf } from "./parse-cache.js";
import { ReadSet, extend, type ReadNode } from "./read-set.js";
import type { Snapshot } from "./snapshot.js";
import { followSource } from "./terraform-source.js";
import { createTerragruntFunctions, registerUnknownFunctions } from "./terragrunt-functions.js";

const UNIT_FILE = "terragrunt.hcl";

/** The paths `find_in_parent_folders` probes from one directory, and (filled as probed) whether each exists. */
export interface ParentProbes {
  paths: string[];
  exists: Array<boolean | undefined>;
}

type ReadOutcome = { text: string; blob: string; path: string } | null | undefined;

export class AnalysisRun {
  /** The configuration whose expression is being evaluated (the functions act on its behalf). */
  current: ConfigEvaluation | null = null;
  readonly functions: Record<string, HclFunction>;
  /** Blob ids needed but not loaded yet (fetched between rounds). */
  readonly misses = new Set<string>();
  readonly readConfigMemo = new Map<string, { value: HclValue; reads: ReadSet }>();
  readonly moduleMemo = new Map<string, ReadSet>();
  readonly probeMemo = new Map<string, ParentProbes>();
  /**
   * Included files evaluated once per parent directory of the including unit, when their evaluation used
   * nothing of the unit but its parents (find_in_parent_folders): `root.hcl` is evaluated once per
   * environment directory instead of once per unit.
   */
  readonly includeMemo = new Map<string, { config: ConfigEvaluation; reads: ReadSet }>();

  private symlinksByUnit: Map<string, string[]> | undefined;

  constructor(
    readonly snapshot: Snapshot,
    readonly parseCache: ParseCache,
    /** Every unit of the snapshot (a file belongs to the deepest unit containing it). */
    private readonly allUnits: Set<string> = new Set(),
  ) {
    this.functions = createTerragruntFunctions(this);
  }

  /** Makes calls to functions this evaluator does not know evaluable (as unknown) before `expr` is evaluated. */
  registerCallsOf(expr: Expression): void {
    // A walk of the (small) expression is cheaper than remembering which ones were walked.
    registerUnknownFunctions(this.functions, expr);
  }

  /** Symlinks inside a unit's directory whose target leaves the repository are problems of the unit. */
  checkUnitSymlinks(unitDir: string, reads: ReadSet, chain: ReadNode): void {
    if (this.snapshot.tree.symlinks.size === 0) return;
    if (!this.symlinksByUnit) {
      this.symlinksByUnit = new Map();
      for (const link of this.snapshot.tree.symlinks) {
        const owner = unitContaining(link, this.allUnits);
        if (owner !== null) this.symlinksByUnit.set(owner, [...(this.symlinksByUnit.get(owner) ?? []), link]);
      }
    }
    for (const link of this.symlinksByUnit.get(unitDir) ?? []) {
      this.lookup(reads, link, chain, (code, message) => reads.addProblem({ code, message, file: link }));
    }
  }

  /** Everything one unit reads. Incomplete (`pending`) when blob contents were missing. */
  analyseUnit(unitDir: string): ReadSet {
    const reads = new ReadSet();
    const path = joinRepo(unitDir, UNIT_FILE);
    const chain = extend(null, { file: path, via: "unit" });
    const scope: EvalScope = { unitDir, terragruntDir: unitDir, parentDir: null, stack: [path] };
    const config = this.evaluateConfigFile(path, "unit", scope, chain, reads, null, 0);
    if (config) for (const dependency of config.dependencyEdges()) reads.dependencies.add(dependency);
    reads.exclude = config?.excludeSetting();
    const source = config?.effectiveSource();
    if (source) followSource(this, source, unitDir, reads);
    this.checkUnitSymlinks(unitDir, reads, chain);
    if (reads.problems.length > 0 && !reads.dynamic.some((d) => d.pattern === "**")) {
      // Nothing certain is known about a broken unit: any change may affect it (see README).
      const first = reads.problems[0]!;
      const from = first.file ? `${first.file}:${first.line ?? 1}` : path;
      reads.addDynamic({
        from,
        expression: "",
        reason: `the unit could not be fully analysed (${first.code}: ${first.message})`,
        pattern: "**",
        node: extend(chain, { file: "**", via: "dynamic", from }),
      });
    }
    return reads;
  }

  /** Reads, parses and evaluates a configuration file; null when it is absent, broken or pending. */
  evaluateConfigFile(
    path: string,
    role: ConfigRole,
    scope: EvalScope,
    chain: ReadNode | null,
    reads: ReadSet,
    caller: ConfigEvaluation | null,
    offset: number,
  ): ConfigEvaluation | null {
    if (chain) reads.addFile(path, chain);
    const outcome = this.readPath(reads, path, chain, (code, message) => {
      if (caller) caller.problem(code, message, offset);
      else reads.addProblem({ code, message, file: path });
    });
    if (outcome === undefined) return null;
    if (outcome === null) {
      const message = `${path} does not exist`;
      if (caller) caller.problem("UNREADABLE_CONFIG", message, offset, "fix the path or add the file");
      else reads.addProblem({ code: "UNREADABLE_CONFIG", message, file: path });
      return null;
    }
    const parsed = this.parseCache.parse(outcome.blob, outcome.path, outcome.text);
    if (!parsed.ok) {
      const fake = {
        fileName: path,
        source: outcome.text,
        body: { attributes: [], blocks: [], range: { start: 0, end: 0 } },
      } as HclFile;
      const { line, column } = positionOf(fake, parsed.offset);
      reads.addProblem({ code: "HCL_SYNTAX", message: parsed.message, file: path, line, column });
      return null;
    }
    const hcl: HclFile = parsed.hcl.fileName === path ? parsed.hcl : { ...parsed.hcl, fileName: path };
    const config = new ConfigEvaluation(this, hcl, path, role, scope, chain, reads);
    config.evaluateAll();
    return config;
  }

  // ---- file access --------------------------------------------------------------------------------------

  /**
   * Content of a repository path, following symlinks and recording cache inputs. null: absent;
   * undefined: pending (blob not loaded yet) or the path escapes the repository (a problem is reported).
   */
  readPath(
    reads: ReadSet,
    path: string,
    chain: ReadNode | null,
    onProblem: (code: string, message: string) => void,
  ): ReadOutcome {
    const entry = this.lookup(reads, path, chain, onProblem);
    if (entry === undefined) return undefined;
    if (entry === null) return null;
    const text = this.snapshot.text(entry.blob);
    if (text === undefined) {
      this.misses.add(entry.blob);
      reads.pending = true;
      return undefined;
    }
    return { text, blob: entry.blob, path: entry.path };
  }

  /** Resolves a path to its tree entry (null: absent; undefined: pending or escaping), recording inputs. */
  lookup(
    reads: ReadSet,
    path: string,
    chain: ReadNode | null,
    onProblem: (code: string, message: string) => void,
  ): { path: string; blob: string } | null | undefined {
    const resolved = this.snapshot.resolve(path, this.misses);
    if (chain) for (const link of resolved.links) reads.addFile(link.path, chain);
    if (resolved.kind === "pending") {
      reads.pending = true;
      return undefined;
    }
    if (resolved.kind === "escapes") {
      onProblem(
        "SYMLINK_ESCAPES_REPO",
        `${resolved.link} is a symlink to '${resolved.target}', outside the repository`,
      );
      return undefined;
    }
    if (chain && resolved.path !== path) reads.addFile(resolved.path, chain);
    return resolved.entry ? { path: resolved.path, blob: resolved.entry.blob } : null;
  }

  /** Records the read of a configuration file (and the symlinks on its path) under `chain`. */
  recordConfigPath(caller: ConfigEvaluation, path: string, chain: ReadNode, offset: number): boolean | undefined {
    caller.reads.addFile(path, chain);
    const entry = this.lookup(caller.reads, path, chain, (code, message) => caller.problem(code, message, offset));
    return entry === undefined ? undefined : entry !== null;
  }

  /** Records a read of `path` by the current config and returns its content (see `readPath`). */
  readFor(caller: ConfigEvaluation, path: string, via: ReadVia, call: { range: { start: number } }): ReadOutcome {
    const chain = extend(caller.chain, caller.link(path, via, call));
    caller.reads.addFile(path, chain);
    return this.readPath(caller.reads, path, chain, (code, message) => caller.problem(code, message, call.range.start));
  }

  /** Records a probe of `path` (existence only); true when it exists. */
  probeFor(
    caller: ConfigEvaluation,
    path: string,
    via: ReadVia,
    call: { range: { start: number } },
  ): boolean | undefined {
    const chain = extend(caller.chain, caller.link(path, via, call));
    caller.reads.addFile(path, chain);
    const entry = this.lookup(caller.reads, path, chain, (code, message) =>
      caller.problem(code, message, call.range.start),
    );
    return entry === undefined ? undefined : entry !== null;
  }

  /**
   * Turns a path argument into a repository path. Unknown values become dynamic reads (never dropped);
   * paths outside the repository are not tracked (git cannot change them).
   */
  resolvePathArgument(
    caller: ConfigEvaluation,
    value: HclValue,
    node: { range: { start: number; end: number } },
    via: ReadVia | string,
    /** The directory relative paths start from; a function, so that only relative paths depend on it. */
    baseDir: string | (() => string),
    asDirectory: boolean,
  ): string | null {
    const base = () => (typeof baseDir === "string" ? baseDir : baseDir());
    if (isUnknown(value)) {
      const fragments = unknownFragments(value);
      const first = fragments?.[0];
      const relative = typeof first !== "string" || !first.startsWith("/");
      this.recordDynamic(
        caller,
        node,
        `${via}: ${value.reason}`,
        widenFragments(fragments, relative ? base() : "", asDirectory),
      );
      return null;
    }
    if (typeof value !== "string") {
      caller.problem(
        "HCL_EVAL",
        `${via}: expected a path string, got ${value === null ? "null" : Array.isArray(value) ? "a list" : typeof value}`,
        node.range.start,
      );
      return null;
    }
    return resolveRepoPath(value.startsWith("/") ? "" : base(), value);
  }

  recordDynamic(
    caller: ConfigEvaluation,
    node: { range: { start: number; end: number } },
    reason: string,
    pattern: string,
  ): void {
    const from = `${caller.path}:${lineOf(caller.hcl, node.range.start)}`;
    caller.reads.addDynamic({
      from,
      expression: caller.source(node),
      reason,
      pattern,
      node: extend(caller.chain, { file: pattern, via: "dynamic", from }),
    });
  }
}
