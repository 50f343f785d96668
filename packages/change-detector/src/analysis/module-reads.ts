/**
 * What the Terraform code of a local module reads when Terragrunt runs it. Terragrunt copies the source's
 * root (left of `//`, or the whole source without one) and runs Terraform in the module directory (right
 * of `//`). The module then reads its own directory, the local modules it calls (any depth, cycles safe),
 * and the files its `.tf` code reads with Terraform's file functions (`file`, `templatefile`, `fileset`,
 * `filebase64`, `filesha256`, ...) relative to `path.module`, `path.root` or the working directory.
 * A path that cannot be resolved statically widens the reads to the copied tree (or to the part of it the
 * known text of the path pins down), as a dynamic read that says so. Nothing else of the copied tree is read.
 *
 * Results do not depend on the unit: they are computed once per (copied tree, root module, directory).
 */
import { posix } from "node:path";
import type { Attribute, Body, Expression, HclFile } from "@gantry/hcl";
import { HclEvalError, walkExpression } from "@gantry/hcl";
import type { ReadVia } from "../contract.js";
import { fromVirtual, isInside, resolveRepoPath, toVirtual } from "../paths.js";
import type { AnalysisRun } from "./analysis-run.js";
import { positionOf } from "./config-evaluator.js";
import { widenFragments } from "./dynamic-pattern.js";
import {
  evaluateExpression,
  isUnknown,
  makeUnknown,
  unknownFragments,
  type HclFunction,
  type HclValue,
} from "./hcl-adapter.js";
import { lineOf } from "./parse-cache.js";
import { ReadSet, extend, type ReadNode } from "./read-set.js";
import { registerUnknownFunctions } from "./terragrunt-functions.js";

/** Where a module runs: the tree Terragrunt copied, and the root module Terraform runs in (its working directory). */
export interface ModuleScope {
  copiedRoot: string;
  rootModule: string;
}

/** Terraform's functions that read a file (the path is their first argument; `fileset` also takes a pattern). */
const FILE_FUNCTIONS = new Map<string, ReadVia>([
  ["file", "file"],
  ["fileexists", "file"],
  ["filebase64", "file"],
  ["filemd5", "file"],
  ["filesha1", "file"],
  ["filesha256", "file"],
  ["filesha512", "file"],
  ["filebase64sha256", "file"],
  ["filebase64sha512", "file"],
  ["templatefile", "templatefile"],
  ["fileset", "fileset"],
]);
/** Cheap test of a file's text before its syntax tree is walked for file function calls. */
const MAY_CALL_FILE_FUNCTION = /\b(?:file[a-z0-9]*|templatefile)\s*\(/;

/** Everything the module in `dir` reads beyond `dir` itself (which the caller reads as a whole). */
export function moduleReads(run: AnalysisRun, scope: ModuleScope, dir: string): ReadSet {
  const key = `${scope.copiedRoot}\0${scope.rootModule}\0${dir}`;
  let result = run.moduleMemo.get(key);
  if (!result) {
    result = new ReadSet();
    walkModule(run, scope, dir, result, null, new Set([dir]));
    if (!result.pending) run.moduleMemo.set(key, result);
  }
  return result;
}

/** The dynamic read's pattern for a path that could be anywhere in the copied tree. */
export function copiedTreePattern(copiedRoot: string): string {
  return copiedRoot === "" ? "**" : `${copiedRoot}/**`;
}

interface ModuleFile {
  path: string;
  hcl: HclFile;
}

function walkModule(
  run: AnalysisRun,
  scope: ModuleScope,
  dir: string,
  reads: ReadSet,
  chain: ReadNode | null,
  visiting: Set<string>,
): void {
  const files = parseModuleFiles(run, dir, reads);
  if (files.length === 0) return;
  const code = new ModuleCode(scope, dir, files, reads, chain);
  for (const file of files) {
    for (const block of file.hcl.body.blocks) {
      if (block.type !== "module") continue;
      const source = block.body.attributes.find((a) => a.name === "source");
      if (!source) continue;
      const target = code.moduleSource(file, source);
      if (target === null) continue;
      const node = extend(chain, {
        file: target,
        via: "module",
        from: `${file.path}:${lineOf(file.hcl, source.range.start)}`,
      });
      reads.addDir(target, node);
      if (visiting.has(target)) continue;
      visiting.add(target);
      walkModule(run, scope, target, reads, node, visiting);
      visiting.delete(target);
    }
    if (MAY_CALL_FILE_FUNCTION.test(file.hcl.source)) code.recordFileCalls(file, file.hcl.body);
  }
}

/** Terraform's file names: `*.tf`, OpenTofu's `*.tofu`, and both in JSON syntax. */
const TERRAFORM_FILE = /\.(?:tf|tofu)(?:\.json)?$/;

/** The module's Terraform files, parsed; unparsable ones are problems. */
function parseModuleFiles(run: AnalysisRun, dir: string, reads: ReadSet): ModuleFile[] {
  const files: ModuleFile[] = [];
  for (const path of run.snapshot.tree.filesIn(dir)) {
    if (!TERRAFORM_FILE.test(path)) continue;
    const entry = run.snapshot.tree.get(path)!;
    if (entry.mode === "120000") continue;
    const text = run.snapshot.text(entry.blob);
    if (text === undefined) {
      run.misses.add(entry.blob);
      reads.pending = true;
      continue;
    }
    const parsed = run.parseCache.parse(entry.blob, path, text);
    if (!parsed.ok) {
      const fake = {
        fileName: path,
        source: text,
        body: { attributes: [], blocks: [], range: { start: 0, end: 0 } },
      } as HclFile;
      reads.addProblem({ code: "HCL_SYNTAX", message: parsed.message, file: path, ...positionOf(fake, parsed.offset) });
      continue;
    }
    files.push({ path, hcl: parsed.hcl });
  }
  return files;
}

/** One module's code, evaluated just enough to resolve the paths its file function calls and module sources use. */
class ModuleCode {
  private readonly locals = new Map<string, { attribute: Attribute; file: ModuleFile }>();
  private readonly localValues = new Map<string, HclValue>();
  private readonly localsInProgress = new Set<string>();
  private readonly functions: Record<string, HclFunction>;

  constructor(
    private readonly scope: ModuleScope,
    private readonly dir: string,
    files: ModuleFile[],
    private readonly reads: ReadSet,
    private readonly chain: ReadNode | null,
  ) {
    for (const file of files) {
      for (const block of file.hcl.body.blocks) {
        if (block.type === "locals")
          for (const attribute of block.body.attributes) this.locals.set(attribute.name, { attribute, file });
      }
    }
    const cwd = toVirtual(scope.rootModule);
    const contents =
      (name: string): HclFunction =>
      () =>
        makeUnknown(`${name}: file contents are not read`);
    this.functions = {
      abspath: (args) =>
        typeof args[0] === "string" ? posix.resolve(cwd, args[0]) : makeUnknown("abspath of a non-string"),
      pathexpand: () => makeUnknown("pathexpand depends on the home directory"),
      ...Object.fromEntries([...FILE_FUNCTIONS.keys()].map((name) => [name, contents(name)])),
    };
  }

  /** The local directory a `module` block calls, or null (remote, outside the repository, or widened). */
  moduleSource(file: ModuleFile, source: Attribute): string | null {
    const value = this.evaluate(file, source.expr);
    if (typeof value === "string") {
      if (!value.startsWith("./") && !value.startsWith("../")) return null;
      // Terraform uses a local path as it is (a `//` in it is just a separator).
      return resolveRepoPath(this.dir, value);
    }
    // Terraform only accepts a literal module source; whatever this is, keep it conservative.
    this.widen(
      file,
      source.expr,
      "module source is not a literal string",
      copiedTreePattern(this.scope.copiedRoot),
      "module",
    );
    return null;
  }

  /** Records the reads of every file function call in a body (blocks at any depth). */
  recordFileCalls(file: ModuleFile, body: Body): void {
    for (const attribute of body.attributes) {
      walkExpression(attribute.expr, (node) => {
        if (node.type !== "Call") return;
        const via = FILE_FUNCTIONS.get(node.name);
        if (via !== undefined && node.args.length > 0) this.recordCall(file, node, via);
      });
    }
    for (const block of body.blocks) this.recordFileCalls(file, block.body);
  }

  private recordCall(file: ModuleFile, call: Extract<Expression, { type: "Call" }>, via: ReadVia): void {
    const pathValue = this.evaluate(file, call.args[0]!);
    const patternValue = via === "fileset" ? this.evaluate(file, call.args[1] ?? call.args[0]!) : undefined;
    const path = typeof pathValue === "string" ? this.repoPath(pathValue) : undefined;
    // Outside the repository: git cannot change it.
    if (path === null) return;
    if (path !== undefined && (patternValue === undefined || typeof patternValue === "string")) {
      // Below the module's own directory: already read as a whole.
      if (path === this.dir || isInside(path, this.dir)) return;
      const from = `${file.path}:${lineOf(file.hcl, call.range.start)}`;
      if (patternValue === undefined) {
        this.reads.addFile(path, extend(this.chain, { file: path, via, from }));
      } else {
        const glob = path === "" ? patternValue : `${path}/${patternValue}`;
        this.reads.addGlob(glob, extend(this.chain, { file: glob, via, from }));
      }
      return;
    }
    const unknown = isUnknown(pathValue) ? pathValue : isUnknown(patternValue) ? patternValue : undefined;
    let widened = "**";
    if (path !== undefined) {
      // A known directory with an unknown fileset pattern: anything below the directory.
      widened = path === "" ? "**" : `${path}/**`;
    } else if (unknown !== undefined) {
      const fragments = unknownFragments(unknown);
      const first = fragments?.[0];
      // Relative paths start at Terraform's working directory (the root module).
      widened = widenFragments(
        fragments,
        typeof first === "string" && first.startsWith("/") ? "" : this.scope.rootModule,
        via === "fileset",
      );
    }
    const { copiedRoot } = this.scope;
    if (widened === "**" || (copiedRoot !== "" && !widened.startsWith(`${copiedRoot}/`)))
      widened = copiedTreePattern(copiedRoot);
    if (this.dir !== "" && widened.startsWith(`${this.dir}/`)) return;
    this.widen(file, call, `${call.name}: ${unknown?.reason ?? "the path is not a string"}`, widened, via);
  }

  private widen(
    file: ModuleFile,
    node: { range: { start: number; end: number } },
    reason: string,
    pattern: string,
    via: ReadVia,
  ): void {
    const from = `${file.path}:${lineOf(file.hcl, node.range.start)}`;
    const scopeNote =
      pattern === copiedTreePattern(this.scope.copiedRoot)
        ? `the copied tree ${this.scope.copiedRoot === "" ? "(the whole repository)" : this.scope.copiedRoot}`
        : pattern;
    this.reads.addDynamic({
      from,
      expression: file.hcl.source.slice(node.range.start, node.range.end),
      reason: `${reason} (${via} in Terraform code; reads widened to ${scopeNote})`,
      pattern,
      node: extend(this.chain, { file: pattern, via: "dynamic", from }),
    });
  }

  /** A path as Terraform sees it (relative to the root module, the working directory) as a repository path. */
  private repoPath(value: string): string | null {
    return value.startsWith("/") ? fromVirtual(value) : resolveRepoPath(this.scope.rootModule, value);
  }

  private evaluate(file: ModuleFile, expr: Expression): HclValue {
    registerUnknownFunctions(this.functions, expr);
    try {
      return evaluateExpression(expr, {
        variable: (name) => this.variable(name),
        functions: this.functions,
        file: file.hcl,
      });
    } catch (error) {
      if (error instanceof HclEvalError) return makeUnknown(error.message);
      throw error;
    }
  }

  private variable(name: string): HclValue {
    if (name === "path") {
      return {
        module: toVirtual(this.dir),
        root: toVirtual(this.scope.rootModule),
        cwd: toVirtual(this.scope.rootModule),
      };
    }
    if (name === "local") {
      // Only the locals an expression asks for are evaluated (getters, evaluated on first use).
      const object: Record<string, HclValue> = {};
      for (const local of this.locals.keys()) {
        Object.defineProperty(object, local, { enumerable: true, get: () => this.local(local) });
      }
      return object;
    }
    // var.*, each.*, count.*, module.*, data.*, resources, for-expression names: only known when Terraform runs.
    return makeUnknown(`${name} is only known when Terraform runs`);
  }

  private local(name: string): HclValue {
    const known = this.localValues.get(name);
    if (known !== undefined) return known;
    const local = this.locals.get(name)!;
    if (this.localsInProgress.has(name)) return makeUnknown(`local.${name} refers to itself`);
    this.localsInProgress.add(name);
    const value = this.evaluate(local.file, local.attribute.expr);
    this.localsInProgress.delete(name);
    this.localValues.set(name, value);
    return value;
  }
}
