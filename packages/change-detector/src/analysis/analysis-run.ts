/**
 * One analysis pass over one commit's tree: evaluates units' configurations with Terragrunt's functions,
 * follows `terraform.source` and local modules, and records reads. State shared by all units of the pass
 * (parsed files, memoised `read_terragrunt_config` results, module walks) lives here, so shared files are
 * parsed once and context-free results are computed once.
 */
import { posix } from "node:path";
import picomatch from "picomatch";
import { HclEvalError, type Expression, type HclFile } from "@gantry/hcl";
import type { ReadVia } from "../contract.js";
import { dirOf, joinRepo, relativeBetween, resolveRepoPath, toVirtual, VIRTUAL_ROOT } from "../paths.js";
import { ConfigEvaluation, positionOf, type CallExpression, type ConfigRole, type EvalScope, type SourceSetting } from "./config-evaluator.js";
import { widenFragments } from "./dynamic-pattern.js";
import { acceptingUnknown, evaluateExpression, isUnknown, makeUnknown, unknownFragments, type HclFunction, type HclValue } from "./hcl-adapter.js";
import { ParseCache, lineOf } from "./parse-cache.js";
import { ReadSet, extend, type ReadNode } from "./read-set.js";
import type { Snapshot } from "./snapshot.js";
import { unitContaining } from "../units.js";

const UNIT_FILE = "terragrunt.hcl";

type ReadOutcome = { text: string; blob: string; path: string } | null | undefined;

export class AnalysisRun {
  /** The configuration whose expression is being evaluated (the functions act on its behalf). */
  current: ConfigEvaluation | null = null;
  readonly functions: Record<string, HclFunction>;
  /** Blob ids needed but not loaded yet (fetched between rounds). */
  readonly misses = new Set<string>();
  private readonly readConfigMemo = new Map<string, { value: HclValue; reads: ReadSet }>();
  private readonly moduleMemo = new Map<string, ReadSet>();
  private readonly probeMemo = new Map<string, string[]>();

  private symlinksByUnit: Map<string, string[]> | undefined;

  constructor(
    readonly snapshot: Snapshot,
    readonly parseCache: ParseCache,
    /** Every unit of the snapshot (a file belongs to the deepest unit containing it). */
    private readonly allUnits: Set<string> = new Set(),
  ) {
    this.functions = this.createFunctions();
  }

  /** Symlinks inside a unit's directory whose target leaves the repository are problems of the unit. */
  private checkUnitSymlinks(unitDir: string, reads: ReadSet, chain: ReadNode): void {
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
    const source = config?.effectiveSource();
    if (source) this.followSource(source, unitDir, reads);
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
      const fake = { fileName: path, source: outcome.text, body: { attributes: [], blocks: [], range: { start: 0, end: 0 } } } as HclFile;
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
  private readPath(
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
  private lookup(
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

  /** Records a read of `path` by the current config and returns its content (see `readPath`). */
  private readFor(caller: ConfigEvaluation, path: string, via: ReadVia, call: { range: { start: number } }): ReadOutcome {
    const chain = extend(caller.chain, caller.link(path, via, call));
    caller.reads.addFile(path, chain);
    return this.readPath(caller.reads, path, chain, (code, message) => caller.problem(code, message, call.range.start));
  }

  /** Records a probe of `path` (existence only); true when it exists. */
  private probeFor(caller: ConfigEvaluation, path: string, via: ReadVia, call: { range: { start: number } }): boolean | undefined {
    const chain = extend(caller.chain, caller.link(path, via, call));
    caller.reads.addFile(path, chain);
    const entry = this.lookup(caller.reads, path, chain, (code, message) => caller.problem(code, message, call.range.start));
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
    baseDir: string,
    asDirectory: boolean,
  ): string | null {
    if (isUnknown(value)) {
      this.recordDynamic(caller, node, `${via}: ${value.reason}`, widenFragments(unknownFragments(value), baseDir, asDirectory));
      return null;
    }
    if (typeof value !== "string") {
      caller.problem("HCL_EVAL", `${via}: expected a path string, got ${value === null ? "null" : Array.isArray(value) ? "a list" : typeof value}`, node.range.start);
      return null;
    }
    return resolveRepoPath(baseDir, value);
  }

  recordDynamic(caller: ConfigEvaluation, node: { range: { start: number; end: number } }, reason: string, pattern: string): void {
    const from = `${caller.path}:${lineOf(caller.hcl, node.range.start)}`;
    caller.reads.addDynamic({
      from,
      expression: caller.source(node),
      reason,
      pattern,
      node: extend(caller.chain, { file: pattern, via: "dynamic", from }),
    });
  }

  // ---- terraform.source and modules -----------------------------------------------------------------------

  private followSource(source: SourceSetting, unitDir: string, reads: ReadSet): void {
    const line = lineOf(source.hclFile, source.expr.range.start);
    const from = `${source.file}:${line}`;
    const value = source.value;
    if (isUnknown(value)) {
      const pattern = widenFragments(unknownFragments(value), unitDir, true);
      reads.addDynamic({
        from,
        expression: source.hclFile.source.slice(source.expr.range.start, source.expr.range.end),
        reason: `terraform.source: ${value.reason}`,
        pattern,
        node: extend(source.chain, { file: pattern, via: "dynamic", from }),
      });
      return;
    }
    if (typeof value !== "string") return;
    const local = localSourcePath(value);
    if (local === null) return;
    // `root//subdir`: Terragrunt copies the whole root, then runs in subdir.
    const split = local.indexOf("//", 1);
    const root = split === -1 ? local : local.slice(0, split);
    const subdir = split === -1 ? "" : local.slice(split + 2);
    // A relative source is relative to the unit, even when inherited from an included file.
    const rootPath = resolveRepoPath(unitDir, root);
    if (rootPath === null) return;
    const chain = extend(source.chain, { file: rootPath, via: "terraform.source", from });
    reads.addDir(rootPath, chain);
    const resolved = this.snapshot.resolve(rootPath, this.misses);
    if (resolved.kind === "pending") {
      reads.pending = true;
      return;
    }
    if (resolved.kind === "escapes") {
      reads.addProblem({ code: "SYMLINK_ESCAPES_REPO", message: `${resolved.link} is a symlink to '${resolved.target}', outside the repository`, file: source.file, line });
      return;
    }
    if (resolved.path !== rootPath) reads.addDir(resolved.path, chain);
    const moduleDir = subdir === "" ? resolved.path : resolveRepoPath(resolved.path, subdir.replace(/^\/+/, ""));
    if (moduleDir === null) return;
    reads.mergeFrom(this.modulesOf(moduleDir), chain);
  }

  /**
   * The local modules a Terraform module directory calls (`module "x" { source = "./..." }`), followed to
   * any depth. The result is independent of the unit, so it is computed once per directory.
   */
  private modulesOf(dir: string): ReadSet {
    let result = this.moduleMemo.get(dir);
    if (!result) {
      result = new ReadSet();
      this.walkModules(dir, result, null, new Set([dir]));
      if (!result.pending) this.moduleMemo.set(dir, result);
    }
    return result;
  }

  private walkModules(dir: string, reads: ReadSet, chain: ReadNode | null, visiting: Set<string>): void {
    const tfFiles = this.snapshot.tree.filesIn(dir).filter((path) => path.endsWith(".tf"));
    for (const tfPath of tfFiles) {
      const blob = this.snapshot.tree.get(tfPath)!.blob;
      if (this.snapshot.tree.get(tfPath)!.mode === "120000") continue;
      const text = this.snapshot.text(blob);
      if (text === undefined) {
        this.misses.add(blob);
        reads.pending = true;
        continue;
      }
      const parsed = this.parseCache.parse(blob, tfPath, text);
      if (!parsed.ok) {
        const fake = { fileName: tfPath, source: text, body: { attributes: [], blocks: [], range: { start: 0, end: 0 } } } as HclFile;
        reads.addProblem({ code: "HCL_SYNTAX", message: parsed.message, file: tfPath, ...positionOf(fake, parsed.offset) });
        continue;
      }
      for (const block of parsed.hcl.body.blocks) {
        if (block.type !== "module") continue;
        const sourceAttribute = block.body.attributes.find((a) => a.name === "source");
        if (!sourceAttribute) continue;
        const from = `${tfPath}:${lineOf(parsed.hcl, sourceAttribute.range.start)}`;
        const value = literalValue(sourceAttribute.expr);
        if (typeof value !== "string") {
          const pattern = "**";
          reads.addDynamic({
            from,
            expression: text.slice(sourceAttribute.expr.range.start, sourceAttribute.expr.range.end),
            reason: "module source is not a literal string",
            pattern,
            node: extend(chain, { file: pattern, via: "dynamic", from }),
          });
          continue;
        }
        if (!value.startsWith("./") && !value.startsWith("../")) continue;
        const target = resolveRepoPath(dir, value.split("//")[0]!);
        if (target === null) continue;
        const node = extend(chain, { file: target, via: "module", from });
        reads.addDir(target, node);
        if (visiting.has(target)) continue;
        visiting.add(target);
        this.walkModules(target, reads, node, visiting);
        visiting.delete(target);
      }
    }
  }

  // ---- Terragrunt functions -------------------------------------------------------------------------------

  private caller(): ConfigEvaluation {
    if (!this.current) throw new Error("Terragrunt function called outside a configuration evaluation");
    return this.current;
  }

  private createFunctions(): Record<string, HclFunction> {
    const run = this;
    const unknown = (reason: string): HclFunction => () => makeUnknown(reason);
    const pathArg = (call: CallExpression, value: HclValue | undefined, via: ReadVia, asDirectory = false): string | null => {
      const caller = run.caller();
      return run.resolvePathArgument(caller, value ?? null, call.args[0] ?? call, via, caller.scope.terragruntDir, asDirectory);
    };
    const contentReader = (via: ReadVia, result: (text: string, call: CallExpression) => HclValue): HclFunction => (args, call) => {
      const caller = run.caller();
      const path = pathArg(call, args[0], via);
      if (path === null) return makeUnknown(`${via}: path not known`);
      const outcome = run.readFor(caller, path, via, call);
      if (outcome === undefined) return makeUnknown(`${path} not loaded yet`);
      if (outcome === null) throw new HclEvalError(`${via}: ${path} does not exist`, call.range);
      return result(outcome.text, call);
    };
    const hashed = contentReader("file", () => makeUnknown("file hashes are not computed"));
    // Terraform's pure functions come from @gantry/hcl's standard set (the evaluator's fallback).
    const functions = acceptingUnknown({
      // ---- paths of the evaluation context
      get_terragrunt_dir: () => toVirtual(run.caller().scope.terragruntDir),
      get_original_terragrunt_dir: () => {
        const caller = run.caller();
        caller.reads.usedOriginalDir = true;
        return toVirtual(caller.scope.unitDir);
      },
      get_parent_terragrunt_dir: (args) => {
        const caller = run.caller();
        return toVirtual(caller.includeDir(args[0]) ?? caller.scope.terragruntDir);
      },
      get_repo_root: () => VIRTUAL_ROOT,
      get_path_to_repo_root: () => relativeBetween(run.caller().scope.terragruntDir, ""),
      get_path_from_repo_root: () => relativeBetween("", run.caller().scope.terragruntDir),
      path_relative_to_include: (args) => {
        const caller = run.caller();
        const includeDir = caller.includeDir(args[0]);
        return includeDir === null ? "." : relativeBetween(includeDir, caller.scope.terragruntDir);
      },
      path_relative_from_include: (args) => {
        const caller = run.caller();
        const includeDir = caller.includeDir(args[0]);
        return includeDir === null ? "." : relativeBetween(caller.scope.terragruntDir, includeDir);
      },
      abspath: (args) => {
        const value = args[0];
        if (typeof value !== "string") return isUnknown(value) ? value : makeUnknown("abspath of a non-string");
        return value.startsWith("/") ? posix.normalize(value) : posix.join(toVirtual(run.caller().scope.terragruntDir), value);
      },
      dirname: (args) => {
        const value = args[0];
        if (typeof value !== "string") return isUnknown(value) ? value : makeUnknown("dirname of a non-string");
        return posix.dirname(value);
      },
      basename: (args) => {
        const value = args[0];
        if (typeof value !== "string") return isUnknown(value) ? value : makeUnknown("basename of a non-string");
        return posix.basename(value);
      },
      find_in_parent_folders: (args, call) => run.findInParentFolders(args, call),

      // ---- reads
      file: contentReader("file", (text) => text),
      filebase64: hashed,
      filemd5: hashed,
      filesha1: hashed,
      filesha256: hashed,
      filesha512: hashed,
      filebase64sha256: hashed,
      filebase64sha512: hashed,
      fileexists: (args, call) => {
        const caller = run.caller();
        const path = pathArg(call, args[0], "file");
        if (path === null) return makeUnknown("fileexists: path not known");
        return run.probeFor(caller, path, "file", call) ?? makeUnknown(`${path} not loaded yet`);
      },
      templatefile: contentReader("templatefile", (text, call) => {
        // The template can itself read files; its functions are not evaluated here, so stay conservative.
        if (/\b(file|fileset|templatefile|filebase64)\s*\(/.test(text)) {
          run.recordDynamic(run.caller(), call, "templatefile: the template calls file functions, which are not evaluated", "**");
        }
        return makeUnknown("templatefile output is not rendered");
      }),
      read_tfvars_file: contentReader("read_tfvars_file", (text, call) => run.parseTfvars(text, call)),
      sops_decrypt_file: contentReader("sops_decrypt_file", () => makeUnknown("sops_decrypt_file content is encrypted")),
      mark_as_read: (args, call) => {
        const caller = run.caller();
        const path = pathArg(call, args[0], "mark_as_read");
        if (path !== null) run.probeFor(caller, path, "mark_as_read", call);
        return args[0] ?? null;
      },
      mark_glob_as_read: (args, call) => run.fileset(toVirtual(run.caller().scope.terragruntDir), args[0], call, "mark_as_read"),
      fileset: (args, call) => run.fileset(args[0], args[1], call, "fileset"),
      read_terragrunt_config: (args, call) => run.readTerragruntConfig(args, call),

      // YAML is not parsed here (no YAML parser in this package): JSON documents are, others are unknown.
      yamldecode: (args) => {
        const text = args[0];
        if (typeof text !== "string") return makeUnknown("yamldecode of an unknown value");
        try {
          return JSON.parse(text) as HclValue;
        } catch {
          return makeUnknown("yamldecode: YAML content is not evaluated");
        }
      },

      // ---- values only known at run time
      get_env: (args) => {
        const name = typeof args[0] === "string" ? args[0] : "?";
        const hint = args.length > 1 && typeof args[1] === "string" ? ` (default "${args[1]}")` : "";
        return makeUnknown(`environment variable ${name}${hint} is only known at run time`);
      },
      run_cmd: (_args, call) => {
        run.recordDynamic(run.caller(), call, "run_cmd runs a command whose reads cannot be known", "**");
        return makeUnknown("run_cmd output is only known at run time");
      },
      get_aws_account_id: unknown("the AWS account id is only known at run time"),
      get_aws_caller_identity_arn: unknown("the AWS caller identity is only known at run time"),
      get_aws_caller_identity_user_id: unknown("the AWS caller identity is only known at run time"),
      get_terraform_command: unknown("the Terraform command is only known at run time"),
      get_terraform_cli_args: unknown("the Terraform arguments are only known at run time"),
      get_platform: unknown("the platform is only known at run time"),
      get_working_dir: unknown("the working directory is only known at run time"),
      get_terragrunt_source_cli_flag: unknown("--source is only known at run time"),
      get_default_retryable_errors: unknown("retryable errors are not evaluated"),
      get_terraform_commands_that_need_vars: unknown("not evaluated"),
      get_terraform_commands_that_need_input: unknown("not evaluated"),
      get_terraform_commands_that_need_locking: unknown("not evaluated"),
      get_terraform_commands_that_need_parallelism: unknown("not evaluated"),
      constraint_check: unknown("not evaluated"),
    });
    return functions;
  }

  private findInParentFolders(args: HclValue[], call: CallExpression): HclValue {
    const caller = this.caller();
    const name = args[0];
    const hasFallback = args.length > 1;
    if (isUnknown(name)) {
      this.recordDynamic(caller, call, `find_in_parent_folders: ${name.reason}`, "**");
      return makeUnknown(`find_in_parent_folders: ${name.reason}`);
    }
    if (name !== undefined && typeof name !== "string") throw new HclEvalError("find_in_parent_folders: the name must be a string", call.range);
    // Without a name: `root.hcl` (the current convention), falling back to `terragrunt.hcl` (older repositories).
    const candidates = name === undefined || name === "" ? ["root.hcl", UNIT_FILE] : [name];
    let pending = false;
    for (const candidate of candidates) {
      // Terragrunt starts in the parent of the configuration's directory (in an included file: the unit's).
      for (const probe of this.parentProbes(dirOf(caller.scope.terragruntDir), candidate)) {
        const found = this.probeFor(caller, probe, "find_in_parent_folders", call);
        if (found === undefined) pending = true;
        else if (found) return toVirtual(probe);
      }
    }
    if (pending) return makeUnknown("find_in_parent_folders: not loaded yet");
    if (hasFallback) return args[1] ?? null;
    throw new HclEvalError(
      `find_in_parent_folders: no ${candidates.join(" or ")} in any parent folder of ${caller.scope.terragruntDir}`,
      call.range,
      undefined,
      "add the file to a parent folder, or pass a fallback value as the second argument",
    );
  }

  /** `dir/name`, `parent(dir)/name`, ... up to the root: the paths find_in_parent_folders probes (memoised). */
  private parentProbes(startDir: string, name: string): string[] {
    const key = `${startDir}\0${name}`;
    let probes = this.probeMemo.get(key);
    if (!probes) {
      probes = [];
      let dir = startDir;
      for (;;) {
        const probe = resolveRepoPath(dir, name);
        if (probe !== null) probes.push(probe);
        if (dir === "") break;
        dir = dirOf(dir);
      }
      this.probeMemo.set(key, probes);
    }
    return probes;
  }

  private fileset(dirValue: HclValue | undefined, patternValue: HclValue | undefined, call: CallExpression, via: ReadVia): HclValue {
    const caller = this.caller();
    const dir = this.resolvePathArgument(caller, dirValue ?? null, call.args[0] ?? call, via, caller.scope.terragruntDir, true);
    if (dir === null) return makeUnknown(`${via}: directory not known`);
    if (isUnknown(patternValue)) {
      this.recordDynamic(caller, call, `${via}: ${patternValue.reason}`, dir === "" ? "**" : `${dir}/**`);
      return makeUnknown(`${via}: pattern not known`);
    }
    if (typeof patternValue !== "string") throw new HclEvalError(`${via}: the pattern must be a string`, call.range);
    const glob = dir === "" ? patternValue : `${dir}/${patternValue}`;
    caller.reads.addGlob(glob, extend(caller.chain, caller.link(glob, via, call)));
    const isMatch = picomatch(patternValue, { dot: true });
    const prefix = dir === "" ? 0 : dir.length + 1;
    const matches = this.snapshot.tree
      .filesUnder(dir)
      .map((path) => path.slice(prefix))
      .filter((relative) => isMatch(relative));
    return matches;
  }

  private readTerragruntConfig(args: HclValue[], call: CallExpression): HclValue {
    const caller = this.caller();
    const target = this.resolvePathArgument(caller, args[0] ?? null, call.args[0] ?? call, "read_terragrunt_config", caller.scope.terragruntDir, false);
    if (target === null) return makeUnknown("read_terragrunt_config: path not known");
    const prefix = extend(caller.chain, caller.link(target, "read_terragrunt_config", call));
    if (caller.scope.stack.includes(target)) {
      const cycle = [...caller.scope.stack.slice(caller.scope.stack.indexOf(target)), target].join(" -> ");
      caller.problem("INCLUDE_CYCLE", `read_terragrunt_config cycle: ${cycle}`, call.range.start);
      return makeUnknown("read_terragrunt_config cycle");
    }
    let memo = this.readConfigMemo.get(target);
    if (!memo) {
      const reads = new ReadSet();
      const exists = this.lookup(reads, target, null, (code, message) => caller.problem(code, message, call.range.start));
      let value: HclValue;
      let complete = true;
      if (exists === null && args.length > 1) {
        value = args[1] ?? null;
      } else {
        const config = this.evaluateConfigFile(
          target,
          "read",
          { unitDir: caller.scope.unitDir, terragruntDir: dirOf(target), parentDir: null, stack: [...caller.scope.stack, target] },
          null,
          reads,
          caller,
          call.range.start,
        );
        value = config ? config.exposedValue() : makeUnknown(`read_terragrunt_config: ${target} could not be evaluated`);
        complete = config !== null;
      }
      memo = { value, reads };
      // Shareable between units only when the file did not depend on which unit read it.
      if (complete && !reads.pending && !reads.usedOriginalDir && reads.problems.length === 0) this.readConfigMemo.set(target, memo);
    }
    caller.reads.addFile(target, prefix);
    caller.reads.mergeFrom(memo.reads, prefix);
    return memo.value;
  }

  private parseTfvars(text: string, call: CallExpression): HclValue {
    const caller = this.caller();
    const path = typeof call.args[0] === "object" ? caller.source(call.args[0]!) : "tfvars";
    if (text.trimStart().startsWith("{")) {
      try {
        return JSON.parse(text) as HclValue;
      } catch {
        // not JSON: parse as HCL below
      }
    }
    const parsed = this.parseCache.parse(`tfvars:${text.length}:${hashText(text)}`, path, text);
    if (!parsed.ok) throw new HclEvalError(`read_tfvars_file: ${parsed.message}`, call.range);
    const result: Record<string, HclValue> = {};
    for (const attribute of parsed.hcl.body.attributes) {
      try {
        result[attribute.name] = evaluateExpression(attribute.expr, { variable: () => undefined, functions: {} });
      } catch {
        result[attribute.name] = makeUnknown(`tfvars attribute ${attribute.name} is not a literal`);
      }
    }
    return result;
  }
}

/** The local path of a Terraform/Terragrunt source, or null for remote sources (git, registry, http, s3...). */
export function localSourcePath(source: string): string | null {
  const withoutQuery = source.split("?")[0] ?? source;
  if (withoutQuery.startsWith("file://")) return withoutQuery.slice("file://".length);
  if (withoutQuery.startsWith("/") || withoutQuery.startsWith("./") || withoutQuery.startsWith("../") || withoutQuery === "." || withoutQuery === "..") {
    return withoutQuery;
  }
  return null;
}

function literalValue(expr: Expression): HclValue | undefined {
  try {
    const value = evaluateExpression(expr, { variable: () => undefined, functions: {} });
    return isUnknown(value) ? undefined : value;
  } catch {
    return undefined;
  }
}

function hashText(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (Math.imul(hash, 31) + text.charCodeAt(i)) | 0;
  return hash;
}
