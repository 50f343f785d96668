/**
 * Evaluates one Terragrunt configuration file (a unit's `terragrunt.hcl`, an included file, or a file read
 * with `read_terragrunt_config`) with Terragrunt's semantics, recording every path it reads or probes.
 *
 * Order, as in Terragrunt: `include` blocks first (included files are evaluated in the including unit's
 * context), then `locals` (lazily, cycles detected), then every other expression that can read a file,
 * `terraform.source`, and `dependency`/`dependencies` paths. Expressions that cannot read anything (no
 * reading function call, directly or through the locals they use) are not evaluated: they cannot change
 * what the unit reads (so an evaluation error in one of them is left to Terragrunt to report).
 */
import { posix } from "node:path";
import type { Attribute, Block, Body, Expression, ExpressionOf, HclFile } from "@gantry/hcl";
import { HclEvalError, expressionSource, walkExpression } from "@gantry/hcl";
import type { ExcludeSetting, ReadLink, ReadVia } from "../contract.js";
import { VIRTUAL_ROOT, dirOf, resolveRepoPath, toVirtual } from "../paths.js";
import { evaluateExpression, isUnknown, makeUnknown, type HclValue } from "./hcl-adapter.js";
import { LazyLink, ReadSet, extend, rerootChain, type ReadNode } from "./read-set.js";
import type { AnalysisRun } from "./analysis-run.js";
import { lineOf } from "./parse-cache.js";
import { valuesOf } from "../stacks/values.js";

/** Where an evaluation happens: which unit, which Terragrunt directory, which parent. */
export interface EvalScope {
  /** `get_original_terragrunt_dir()`: the unit being analysed. */
  unitDir: string;
  /** `get_terragrunt_dir()`: the unit, or the read file's directory inside `read_terragrunt_config`. */
  terragruntDir: string;
  /** Directory of the included file while evaluating it (`get_parent_terragrunt_dir()`), else null. */
  parentDir: string | null;
  /** Config files currently being evaluated, outermost first (include / read cycles). */
  stack: string[];
}

export type ConfigRole = "unit" | "include" | "read";

/** Functions that read or probe files: an expression without any of them cannot change what a unit reads. */
export const READING_FUNCTIONS = new Set([
  "file",
  "fileexists",
  "filebase64",
  "filemd5",
  "filesha1",
  "filesha256",
  "filesha512",
  "filebase64sha256",
  "filebase64sha512",
  "templatefile",
  "fileset",
  "read_tfvars_file",
  "sops_decrypt_file",
  "mark_as_read",
  "mark_glob_as_read",
  "read_terragrunt_config",
  "find_in_parent_folders",
  "run_cmd",
]);

const readingCallCache = new WeakMap<Expression, boolean>();

export function containsReadingCall(expr: Expression, source?: string): boolean {
  // No `(` in its text, no call: most attributes of a unit (inputs, mock outputs) are answered without a
  // walk or a cache entry (weak-map entries for thousands of short-lived syntax trees cost the GC).
  if (source !== undefined && !hasParenthesis(source, expr.range.start, expr.range.end)) return false;
  let cached = readingCallCache.get(expr);
  if (cached === undefined) {
    cached = false;
    walkExpression(expr, (node) => {
      if (node.type === "Call" && READING_FUNCTIONS.has(node.name)) cached = true;
    });
    readingCallCache.set(expr, cached);
  }
  return cached;
}

function hasParenthesis(source: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (source.charCodeAt(i) === 40) return true;
  return false;
}

const localRefsCache = new WeakMap<Expression, string[] | "all">();

/** The `local.NAME` names an expression references ("all" when `local` is used as a whole). */
function localReferences(expr: Expression): string[] | "all" {
  let cached = localRefsCache.get(expr);
  if (cached === undefined) {
    const names = new Set<string>();
    const viaGetAttr = new Set<Expression>();
    let all = false;
    walkExpression(expr, (node) => {
      if (node.type === "GetAttr" && node.object.type === "Variable" && node.object.name === "local") {
        names.add(node.name);
        viaGetAttr.add(node.object);
      } else if (node.type === "Variable" && node.name === "local" && !viaGetAttr.has(node)) {
        all = true;
      }
    });
    cached = all ? "all" : [...names];
    localRefsCache.set(expr, cached);
  }
  return cached;
}

/** One `dependency` block: its resolved path (null: none, or unknown) and its `enabled` setting (undefined: not set). */
interface DependencyBlock {
  path: string | null;
  /** `config_path = ""`: a deep merge keeps the included path. */
  placeholder: boolean;
  enabled: boolean | undefined;
}

interface IncludeInfo {
  name: string;
  path: string | null;
  dir: string | null;
  expose: boolean;
  mergeStrategy: "no_merge" | "shallow" | "deep";
  /** Evaluated with chains relative to the included file (it may be shared by many units). */
  config: ConfigEvaluation | null;
  /** The chain from the unit to the included file. */
  prefix: ReadNode | null;
}

/** The result of `terraform.source` for the effective configuration (own, else inherited from an include). */
export interface SourceSetting {
  value: HclValue;
  file: string;
  hclFile: HclFile;
  expr: Expression;
  chain: ReadNode | null;
}

export class ConfigEvaluation {
  private readonly locals = new Map<string, Attribute>();
  private readonly localValues = new Map<string, HclValue>();
  private readonly localsInProgress = new Set<string>();
  private readonly attributeValues = new Map<Attribute, HclValue>();
  private readonly includes: IncludeInfo[] = [];
  private readonly dependencyBlocks = new Map<string, DependencyBlock>();
  private readonly dependencyPaths: string[] = [];
  private exposed: HclValue | undefined;
  private featureValues: Record<string, HclValue> | undefined;
  private featuresInProgress = false;
  private exclude: ExcludeSetting | null | undefined;
  private ownSource: SourceSetting | undefined;
  private lastLinkNode: object | undefined;
  private lastLinkLine = 0;
  /** The file of the expression being evaluated, when it is not this one (see `evaluate`). */
  private origin: { hcl: HclFile; path: string } | undefined;
  readonly dir: string;

  constructor(
    readonly run: AnalysisRun,
    readonly hcl: HclFile,
    readonly path: string,
    readonly role: ConfigRole,
    readonly scope: EvalScope,
    /** Links from the unit to this file (null for memoised `read_terragrunt_config` evaluations). */
    readonly chain: ReadNode | null,
    readonly reads: ReadSet,
  ) {
    this.dir = dirOf(path);
    for (const block of hcl.body.blocks) {
      if (block.type === "locals")
        for (const attribute of block.body.attributes) this.locals.set(attribute.name, attribute);
    }
  }

  /** Evaluates everything that can read files, in Terragrunt's order. */
  evaluateAll(): void {
    for (const block of this.hcl.body.blocks) if (block.type === "include") this.evaluateInclude(block);
    // Locals without a reading call are evaluated only when an evaluated expression refers to them.
    for (const [name, attribute] of this.locals)
      if (containsReadingCall(attribute.expr, this.hcl.source)) this.local(name);
    for (const attribute of this.hcl.body.attributes) {
      if (containsReadingCall(attribute.expr, this.hcl.source)) this.attribute(attribute);
    }
    for (const block of this.hcl.body.blocks) {
      switch (block.type) {
        case "include":
        case "locals":
          break;
        case "terraform":
          this.evaluateTerraformBlock(block);
          break;
        case "dependency":
          this.evaluateDependency(block);
          break;
        case "dependencies":
          this.evaluateDependencies(block);
          break;
        default:
          this.evaluateReadingAttributes(block.body);
      }
    }
  }

  /** `terraform.source` of this file, else the first one inherited from its includes. */
  effectiveSource(): SourceSetting | undefined {
    if (this.ownSource) return this.ownSource;
    for (const include of this.includes) {
      const inherited = include.config?.effectiveSource();
      if (inherited) return { ...inherited, chain: rerootChain(inherited.chain, include.prefix) };
    }
    return undefined;
  }

  /** What other configs see of this one: `include.NAME.*` (expose) and `read_terragrunt_config(...)`. */
  exposedValue(): HclValue {
    if (this.exposed !== undefined) return this.exposed;
    const value: Record<string, HclValue> = {};
    const locals: Record<string, HclValue> = {};
    for (const include of this.includes) {
      if (!include.expose) continue;
      const inherited = include.config?.exposedValue();
      if (inherited && typeof inherited === "object" && !Array.isArray(inherited) && !isUnknown(inherited)) {
        Object.assign(value, inherited);
        const inheritedLocals = (inherited as Record<string, HclValue>)["locals"];
        if (inheritedLocals && typeof inheritedLocals === "object" && !isUnknown(inheritedLocals))
          Object.assign(locals, inheritedLocals);
      }
    }
    for (const name of this.locals.keys()) locals[name] = this.local(name);
    value["locals"] = locals;
    for (const attribute of this.hcl.body.attributes) value[attribute.name] = this.attribute(attribute);
    for (const block of this.hcl.body.blocks) {
      if (block.type === "dependency" && block.labels[0]) {
        const dependencies = (value["dependency"] ??= {}) as Record<string, HclValue>;
        dependencies[block.labels[0]] = this.exposedDependency(block);
      } else if (block.type === "terraform") {
        const source = block.body.attributes.find((a) => a.name === "source");
        value["terraform"] = source ? { source: this.attribute(source) } : {};
      }
    }
    this.exposed = value;
    return value;
  }

  /**
   * A `dependency` block as an including config sees it (`include.NAME.dependency.NAME`): its attributes
   * (`config_path`, `mock_outputs`, ...) are configuration, evaluated now (in this file's context, see
   * `exposedValue`); only `outputs` waits for the dependency's apply.
   */
  private exposedDependency(block: Block): HclValue {
    const name = block.labels[0]!;
    const exposed: Record<string, HclValue> = {
      name,
      outputs: makeUnknown(`dependency.${name} outputs are only known after its apply`),
    };
    for (const attribute of block.body.attributes) exposed[attribute.name] = this.attribute(attribute);
    return exposed;
  }

  // ---- locals and variables -------------------------------------------------------------------------------

  local(name: string): HclValue {
    const known = this.localValues.get(name);
    if (known !== undefined) return known;
    const attribute = this.locals.get(name);
    if (!attribute) return makeUnknown(`local.${name} is not defined in ${this.path}`);
    if (this.localsInProgress.has(name)) {
      this.problem("HCL_EVAL", `local.${name} refers to itself (a cycle through locals)`, attribute.range.start);
      return makeUnknown(`local.${name} is part of a cycle`);
    }
    this.localsInProgress.add(name);
    const value = this.evaluate(attribute.expr);
    this.localsInProgress.delete(name);
    this.localValues.set(name, value);
    return value;
  }

  private attribute(attribute: Attribute): HclValue {
    let value = this.attributeValues.get(attribute);
    if (value === undefined) {
      value = this.evaluate(attribute.expr);
      this.attributeValues.set(attribute, value);
    }
    return value;
  }

  private variable(name: string, expr: Expression): HclValue | undefined {
    switch (name) {
      case "local": {
        const refs = localReferences(expr);
        const names = refs === "all" ? [...this.locals.keys()] : refs;
        const object: Record<string, HclValue> = {};
        for (const local of names) if (this.locals.has(local)) object[local] = this.local(local);
        return object;
      }
      case "include": {
        const object: Record<string, HclValue> = {};
        // As in Terragrunt, only includes with `expose = true` are visible as include.NAME.
        for (const include of this.includes) {
          if (!include.expose) continue;
          if (include.config) object[include.name] = include.config.exposedValue();
          else object[include.name] = makeUnknown(`include "${include.name}" could not be evaluated`);
        }
        return object;
      }
      case "dependency": {
        const object: Record<string, HclValue> = {};
        for (const block of this.hcl.body.blocks) {
          if (block.type === "dependency" && block.labels[0]) {
            object[block.labels[0]] = makeUnknown(
              `dependency.${block.labels[0]} outputs are only known after its apply`,
            );
          }
        }
        return object;
      }
      case "feature":
        return this.features();
      case "dependencies":
        return makeUnknown(`${name}.* is only known at run time`);
      case "values":
        return valuesOf(this);
      default:
        return undefined;
    }
  }

  /**
   * `feature.NAME`: `{ name, value }` with `value` the block's `default`, as Terragrunt evaluates it without
   * `--feature` flags (Gantry's runs pass none: the executor withholds `TG_*` variables). Blocks merge by name,
   * this file's over its includes'; an included file sees its own blocks only (it is shared between units).
   */
  private features(): Record<string, HclValue> {
    if (this.featureValues) return this.featureValues;
    if (this.featuresInProgress) return {}; // a default that refers to the features: unknown names below
    this.featuresInProgress = true;
    const values: Record<string, HclValue> = {};
    for (const include of this.includes) {
      if (include.config && include.mergeStrategy !== "no_merge") Object.assign(values, include.config.features());
    }
    for (const block of this.hcl.body.blocks) {
      if (block.type !== "feature" || !block.labels[0]) continue;
      const name = block.labels[0];
      const fallback = block.body.attributes.find((attribute) => attribute.name === "default");
      values[name] = { name, value: fallback ? this.evaluate(fallback.expr) : null };
    }
    this.featuresInProgress = false;
    this.featureValues = values;
    return values;
  }

  /**
   * The `exclude` block in effect: this file's own, else the last include's that has one (Terragrunt merges
   * includes bottom up, the unit's block over theirs). Evaluated once, in the context of the unit that first
   * evaluated this file (an included file's is computed when it is included, see `evaluateInclude`).
   */
  excludeSetting(): ExcludeSetting | undefined {
    if (this.exclude !== undefined) return this.exclude ?? undefined;
    const block = this.hcl.body.blocks.find((candidate) => candidate.type === "exclude");
    let setting: ExcludeSetting | undefined;
    if (block) {
      const value = (name: string) => {
        const attribute = block.body.attributes.find((candidate) => candidate.name === name);
        return attribute ? this.evaluate(attribute.expr) : undefined;
      };
      const actions = value("actions");
      setting = {
        if: terragruntBool(value("if")),
        actions:
          actions === undefined
            ? []
            : Array.isArray(actions) && actions.every((action) => typeof action === "string")
              ? (actions as string[])
              : null,
        excludeDependencies: terragruntBool(value("exclude_dependencies")),
        from: `${this.path}:${lineOf(this.hcl, block.range.start)}`,
      };
    } else {
      for (const include of this.includes) setting = include.config?.excludeSetting() ?? setting;
    }
    this.exclude = setting ?? null;
    return setting;
  }

  /**
   * Evaluates an expression; evaluation errors become problems (file:line:column) and unknown values. `from`: the
   * file holding the expression when it is not this one (a stack file's block included from another file is
   * evaluated in the including file's context, as Terragrunt does).
   */
  evaluate(expr: Expression, from?: { hcl: HclFile; path: string }): HclValue {
    this.run.registerCallsOf(expr);
    const previous = this.run.current;
    const previousOrigin = this.origin;
    this.run.current = this;
    this.origin = from;
    try {
      return evaluateExpression(expr, {
        variable: (name) => this.variable(name, expr),
        functions: this.run.functions,
        file: from?.hcl ?? this.hcl,
      });
    } catch (error) {
      if (error instanceof HclEvalError) {
        this.problem("HCL_EVAL", error.message, error.range?.start ?? expr.range.start);
        return makeUnknown(error.message);
      }
      throw error;
    } finally {
      this.run.current = previous;
      this.origin = previousOrigin;
    }
  }

  // ---- blocks ---------------------------------------------------------------------------------------------

  private evaluateInclude(block: Block): void {
    const name = block.labels[0] ?? "";
    const pathAttribute = block.body.attributes.find((a) => a.name === "path");
    const exposeAttribute = block.body.attributes.find((a) => a.name === "expose");
    const strategyAttribute = block.body.attributes.find((a) => a.name === "merge_strategy");
    const info: IncludeInfo = {
      name,
      path: null,
      dir: null,
      expose: false,
      mergeStrategy: "shallow",
      config: null,
      prefix: null,
    };
    this.includes.push(info);
    if (strategyAttribute) {
      const strategy = this.evaluate(strategyAttribute.expr);
      if (strategy === "no_merge" || strategy === "deep") info.mergeStrategy = strategy;
    }
    if (!pathAttribute) {
      this.problem("HCL_EVAL", `include "${name}" has no path attribute`, block.range.start);
      return;
    }
    if (exposeAttribute) info.expose = this.evaluate(exposeAttribute.expr) === true;
    const value = this.evaluate(pathAttribute.expr);
    if (this.role === "include") {
      // As in Terragrunt, an included file cannot include: the unit fails with Terragrunt's message.
      const second =
        typeof value === "string" ? (resolveRepoPath(this.dir, value) ?? value) : this.source(pathAttribute.expr);
      const includer = this.scope.stack.at(-2) ?? this.scope.unitDir;
      this.problem(
        "HCL_EVAL",
        `${includer} includes ${this.path}, which itself includes ${second}. Only one level of includes is allowed.`,
        pathAttribute.range.start,
        "include both files from the unit, or read this one with read_terragrunt_config",
      );
      return;
    }
    // Include paths are relative to the file holding the include block.
    const target = this.run.resolvePathArgument(this, value, pathAttribute.expr, "include", this.dir, false);
    if (target === null) return;
    info.path = target;
    info.dir = dirOf(target);
    const link = this.link(target, "include", pathAttribute.expr);
    if (this.scope.stack.includes(target)) {
      const cycle = [...this.scope.stack.slice(this.scope.stack.indexOf(target)), target].join(" -> ");
      this.problem(
        "INCLUDE_CYCLE",
        `include cycle: ${cycle}`,
        pathAttribute.range.start,
        "remove one of the includes so the chain ends",
      );
      return;
    }
    const prefix = extend(this.chain, link);
    info.prefix = prefix;
    this.run.recordConfigPath(this, target, prefix, pathAttribute.range.start);
    // Included files are evaluated in the unit's context, which mostly matters through its parents only.
    const memoKey = `${target}\0${dirOf(this.scope.terragruntDir)}\0${this.scope.unitDir === this.scope.terragruntDir ? "" : this.scope.unitDir}`;
    let memo = this.run.includeMemo.get(memoKey);
    if (!memo) {
      const reads = new ReadSet();
      const scope: EvalScope = {
        unitDir: this.scope.unitDir,
        terragruntDir: this.scope.terragruntDir,
        parentDir: info.dir,
        stack: [...this.scope.stack, target],
      };
      const config = this.run.evaluateConfigFile(
        target,
        "include",
        scope,
        null,
        reads,
        this,
        pathAttribute.range.start,
      );
      if (!config) {
        this.reads.mergeFrom(reads, prefix);
        return;
      }
      // What other files see of it must be computed now, while the context is the one it was evaluated in.
      if (info.expose) config.exposedValue();
      config.excludeSetting();
      memo = { config, reads };
      if (!reads.pending && !reads.usedTerragruntDir && !reads.usedOriginalDir && reads.problems.length === 0) {
        this.run.includeMemo.set(memoKey, memo);
      }
    }
    info.config = memo.config;
    this.reads.mergeFrom(memo.reads, prefix);
  }

  private evaluateTerraformBlock(block: Block): void {
    const source = block.body.attributes.find((a) => a.name === "source");
    if (source) {
      this.ownSource = {
        value: this.attribute(source),
        file: this.path,
        hclFile: this.hcl,
        expr: source.expr,
        chain: this.chain,
      };
    }
    for (const attribute of block.body.attributes) {
      if (attribute !== source && containsReadingCall(attribute.expr, this.hcl.source)) this.attribute(attribute);
    }
    for (const inner of block.body.blocks) {
      if (inner.type === "extra_arguments") this.evaluateExtraArguments(inner);
      else this.evaluateReadingAttributes(inner.body);
    }
  }

  /** Var files passed to Terraform (`required_var_files`, `optional_var_files`, `-var-file=`) are reads. */
  private evaluateExtraArguments(block: Block): void {
    for (const attribute of block.body.attributes) {
      const kind = attribute.name;
      if (kind !== "required_var_files" && kind !== "optional_var_files" && kind !== "arguments") {
        if (containsReadingCall(attribute.expr, this.hcl.source)) this.attribute(attribute);
        continue;
      }
      const value = this.attribute(attribute);
      const items = Array.isArray(value) ? value : [value];
      for (const item of items) {
        let path: HclValue = item;
        if (kind === "arguments") {
          if (typeof item !== "string" || !item.startsWith("-var-file=")) continue;
          path = item.slice("-var-file=".length);
        }
        // Relative var files are resolved against the unit (Terraform runs in a copy of the unit's source).
        const target = this.run.resolvePathArgument(
          this,
          path,
          attribute.expr,
          `terraform.extra_arguments.${kind}`,
          () => this.terragruntDir(),
          false,
        );
        if (target !== null) this.run.probeFor(this, target, "file", attribute.expr);
      }
    }
  }

  private evaluateDependency(block: Block): void {
    const configPath = block.body.attributes.find((a) => a.name === "config_path");
    const enabled = block.body.attributes.find((a) => a.name === "enabled");
    const value = configPath ? this.evaluate(configPath.expr) : "";
    const dependency: DependencyBlock = {
      // An empty config_path is a placeholder (a deep merge keeps the included path): never an edge to the unit itself.
      placeholder: value === "",
      path: value === "" ? null : this.dependencyPath(value, configPath!.expr),
      enabled: enabled ? this.evaluate(enabled.expr) !== false : undefined,
    };
    this.dependencyBlocks.set(block.labels[0] ?? "", dependency);
    for (const attribute of block.body.attributes) {
      if (attribute !== configPath && attribute !== enabled && containsReadingCall(attribute.expr, this.hcl.source))
        this.attribute(attribute);
    }
  }

  private evaluateDependencies(block: Block): void {
    const paths = block.body.attributes.find((a) => a.name === "paths");
    if (!paths) return;
    const value = this.evaluate(paths.expr);
    for (const item of Array.isArray(value) ? value : [value]) {
      const path = this.dependencyPath(item, paths.expr);
      if (path !== null) this.dependencyPaths.push(path);
    }
  }

  /**
   * A dependency path as a repository path. Dependency paths are relative to the unit (Terragrunt resolves
   * them from the including unit). An unknown path leaves the graph incomplete: it is recorded as a dynamic
   * read (conservative).
   */
  private dependencyPath(value: HclValue, expr: Expression): string | null {
    if (this.role === "read") return null;
    if (typeof value === "string") {
      const base = value.startsWith("/") ? "" : this.terragruntDir();
      const inside = resolveRepoPath(base, value);
      if (inside !== null) return inside;
      // Outside the repository: kept as Terragrunt prints it, relative to the repository root (`../other/vpc`).
      const absolute = posix.resolve(toVirtual(base), value);
      return value.startsWith("/") && !value.startsWith(`${VIRTUAL_ROOT}/`)
        ? absolute
        : posix.relative(VIRTUAL_ROOT, absolute);
    }
    return this.run.resolvePathArgument(this, value, expr, "dependency config_path", () => this.terragruntDir(), true);
  }

  /**
   * The units this configuration depends on, after Terragrunt's include merge: `dependency` blocks are
   * merged by name (the including file's block replaces an included one; with `merge_strategy = "deep"`
   * only a non-empty `config_path` replaces the included path; `"no_merge"` ignores the included blocks),
   * the first include wins over later ones, disabled blocks and empty paths are no edge, and the paths of
   * `dependencies` blocks are added from every merged file.
   */
  dependencyEdges(): Set<string> {
    const edges = new Set<string>();
    for (const block of this.mergedDependencyBlocks().values())
      if (block.enabled !== false && block.path !== null) edges.add(block.path);
    for (const path of this.mergedDependencyPaths()) edges.add(path);
    return edges;
  }

  private mergedDependencyBlocks(): Map<string, DependencyBlock> {
    const merged = new Map(this.dependencyBlocks);
    for (const include of this.includes) {
      if (!include.config || include.mergeStrategy === "no_merge") continue;
      for (const [name, included] of include.config.mergedDependencyBlocks()) {
        const own = merged.get(name);
        if (!own) merged.set(name, included);
        else if (include.mergeStrategy === "deep") {
          merged.set(name, {
            placeholder: own.placeholder && included.placeholder,
            path: own.placeholder ? included.path : own.path,
            enabled: own.enabled ?? included.enabled,
          });
        }
      }
    }
    return merged;
  }

  private mergedDependencyPaths(): string[] {
    const paths = [...this.dependencyPaths];
    for (const include of this.includes)
      if (include.config && include.mergeStrategy !== "no_merge") paths.push(...include.config.mergedDependencyPaths());
    return paths;
  }

  private evaluateReadingAttributes(body: Body): void {
    for (const attribute of body.attributes)
      if (containsReadingCall(attribute.expr, this.hcl.source)) this.attribute(attribute);
    for (const inner of body.blocks) this.evaluateReadingAttributes(inner.body);
  }

  // ---- recording ------------------------------------------------------------------------------------------

  /** A link from this file to `file`, located at `node`. */
  link(file: string, via: ReadVia, node: { range: { start: number } }): ReadLink {
    // One call often records several links (every probe of find_in_parent_folders): one line lookup.
    if (node !== this.lastLinkNode) {
      this.lastLinkNode = node;
      this.lastLinkLine = lineOf(this.origin?.hcl ?? this.hcl, node.range.start);
    }
    return new LazyLink(file, via, this.origin?.path ?? this.path, this.lastLinkLine);
  }

  source(node: { range: { start: number; end: number } }): string {
    return expressionSource(this.hcl, node);
  }

  problem(code: string, message: string, offset: number, hint?: string): void {
    const { line, column } = positionOf(this.origin?.hcl ?? this.hcl, offset);
    this.reads.addProblem({
      code,
      message: hint ? `${message} (${hint})` : message,
      file: this.origin?.path ?? this.path,
      line,
      column,
    });
  }

  /** This file's `include` blocks: each one's path and evaluation (null when it could not be read). */
  includedFiles(): ReadonlyArray<{ name: string; path: string | null; config: ConfigEvaluation | null }> {
    return this.includes;
  }

  /** `get_terragrunt_dir()` for this evaluation, noting that the result now depends on it. */
  terragruntDir(): string {
    this.reads.usedTerragruntDir = true;
    return this.scope.terragruntDir;
  }

  /** Path relative between the include directory named `name` (or the first one) and this config. */
  includeDir(name: HclValue | undefined): string | null {
    if (this.scope.parentDir !== null && this.role === "include") return this.scope.parentDir;
    const include =
      typeof name === "string" ? this.includes.find((i) => i.name === name) : this.includes.find((i) => i.dir !== null);
    return include?.dir ?? null;
  }
}

/** A boolean as Terragrunt reads `exclude`'s flags (Go's `strconv.ParseBool` for strings); absent is false, unknown null. */
function terragruntBool(value: HclValue | undefined): boolean | null {
  if (value === undefined) return false;
  if (typeof value === "boolean") return value;
  if (typeof value === "string") {
    if (["1", "t", "T", "TRUE", "true", "True"].includes(value)) return true;
    if (["0", "f", "F", "FALSE", "false", "False"].includes(value)) return false;
  }
  return null;
}

export function positionOf(hcl: HclFile, offset: number): { line: number; column: number } {
  const line = lineOf(hcl, offset);
  const lineStart = hcl.source.lastIndexOf("\n", offset - 1) + 1;
  return { line, column: offset - lineStart + 1 };
}

export type CallExpression = ExpressionOf<"Call">;
