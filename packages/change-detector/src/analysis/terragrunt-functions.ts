/**
 * Terragrunt's functions, as the analysis needs them: the path functions of the evaluation context, the
 * functions that read or probe files (each read is recorded on the calling configuration, with its chain),
 * and the run-time-only ones, which return unknown values. Terraform's pure functions come from
 * `@gantry/hcl`'s standard set (the evaluator's fallback).
 */
import { createRequire } from "node:module";
import { posix } from "node:path";
import picomatch from "picomatch";
import { HclEvalError, standardFunctions, walkExpression, type Expression } from "@gantry/hcl";
import type { ReadVia } from "../contract.js";
import { VIRTUAL_ROOT, dirOf, relativeBetween, resolveRepoPath, toVirtual } from "../paths.js";
import type { AnalysisRun, ParentProbes } from "./analysis-run.js";
import type { CallExpression, ConfigEvaluation } from "./config-evaluator.js";
import {
  acceptingUnknown,
  evaluateExpression,
  isUnknown,
  makeUnknown,
  type HclFunction,
  type HclValue,
} from "./hcl-adapter.js";
import { ReadSet, extend } from "./read-set.js";

// Loaded on first use: most repositories never call yamldecode, and detection start-up time matters.
const requireFromHere = createRequire(import.meta.url);
let yamlModule: typeof import("yaml") | undefined;
function loadYaml(): typeof import("yaml") {
  yamlModule ??= requireFromHere("yaml") as typeof import("yaml");
  return yamlModule;
}

const UNIT_FILE = "terragrunt.hcl";

function callerOf(run: AnalysisRun): ConfigEvaluation {
  if (!run.current) throw new Error("Terragrunt function called outside a configuration evaluation");
  return run.current;
}

export function createTerragruntFunctions(run: AnalysisRun): Record<string, HclFunction> {
  const unknown =
    (reason: string): HclFunction =>
    () =>
      makeUnknown(reason);
  const pathArg = (
    call: CallExpression,
    value: HclValue | undefined,
    via: ReadVia,
    asDirectory = false,
  ): string | null => {
    const caller = callerOf(run);
    return run.resolvePathArgument(
      caller,
      value ?? null,
      call.args[0] ?? call,
      via,
      () => caller.terragruntDir(),
      asDirectory,
    );
  };
  /**
   * Terragrunt's docs say file functions are relative to "the terragrunt.hcl they are used in", which is
   * ambiguous in an included file: there the path relative to the included file is recorded too, and read
   * when the unit-relative one does not exist.
   */
  const includedAlternative = (value: HclValue | undefined): string | null => {
    const caller = callerOf(run);
    if (
      caller.role !== "include" ||
      typeof value !== "string" ||
      value.startsWith("/") ||
      caller.dir === caller.scope.terragruntDir
    )
      return null;
    return resolveRepoPath(caller.dir, value);
  };
  const contentReader =
    (via: ReadVia, result: (text: string, call: CallExpression, path: string) => HclValue): HclFunction =>
    (args, call) => {
      const caller = callerOf(run);
      const path = pathArg(call, args[0], via);
      if (path === null) return makeUnknown(`${via}: path not known`);
      let outcome = run.readFor(caller, path, via, call);
      const alternative = includedAlternative(args[0]);
      if (alternative !== null) {
        if (outcome === null) outcome = run.readFor(caller, alternative, via, call);
        else run.probeFor(caller, alternative, via, call);
      }
      if (outcome === undefined) return makeUnknown(`${path} not loaded yet`);
      if (outcome === null) throw new HclEvalError(`${via}: ${path} does not exist`, call.range);
      return result(outcome.text, call, outcome.path);
    };
  const hashed = contentReader("file", () => makeUnknown("file hashes are not computed"));
  // Terraform's pure functions come from @gantry/hcl's standard set (the evaluator's fallback).
  const functions = acceptingUnknown({
    // ---- paths of the evaluation context
    get_terragrunt_dir: () => toVirtual(callerOf(run).terragruntDir()),
    get_original_terragrunt_dir: () => {
      const caller = callerOf(run);
      caller.reads.usedOriginalDir = true;
      return toVirtual(caller.scope.unitDir);
    },
    get_parent_terragrunt_dir: (args) => {
      const caller = callerOf(run);
      return toVirtual(caller.includeDir(args[0]) ?? caller.terragruntDir());
    },
    get_repo_root: () => VIRTUAL_ROOT,
    get_path_to_repo_root: () => relativeBetween(callerOf(run).terragruntDir(), ""),
    get_path_from_repo_root: () => relativeBetween("", callerOf(run).terragruntDir()),
    path_relative_to_include: (args) => {
      const caller = callerOf(run);
      const includeDir = caller.includeDir(args[0]);
      return includeDir === null ? "." : relativeBetween(includeDir, caller.terragruntDir());
    },
    path_relative_from_include: (args) => {
      const caller = callerOf(run);
      const includeDir = caller.includeDir(args[0]);
      return includeDir === null ? "." : relativeBetween(caller.terragruntDir(), includeDir);
    },
    abspath: (args) => {
      const value = args[0];
      if (typeof value !== "string") return isUnknown(value) ? value : makeUnknown("abspath of a non-string");
      return value.startsWith("/")
        ? posix.normalize(value)
        : posix.join(toVirtual(callerOf(run).terragruntDir()), value);
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
    find_in_parent_folders: (args, call) => findInParentFolders(run, args, call),

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
      const caller = callerOf(run);
      const path = pathArg(call, args[0], "file");
      if (path === null) return makeUnknown("fileexists: path not known");
      return run.probeFor(caller, path, "file", call) ?? makeUnknown(`${path} not loaded yet`);
    },
    templatefile: contentReader("templatefile", (text, call) => {
      // The template can itself read files; its functions are not evaluated here, so stay conservative.
      if (/\b(file|fileset|templatefile|filebase64)\s*\(/.test(text)) {
        run.recordDynamic(
          callerOf(run),
          call,
          "templatefile: the template calls file functions, which are not evaluated",
          "**",
        );
      }
      return makeUnknown("templatefile output is not rendered");
    }),
    read_tfvars_file: contentReader("read_tfvars_file", (text, call, path) => readTfvars(run, text, call, path)),
    sops_decrypt_file: contentReader("sops_decrypt_file", () => makeUnknown("sops_decrypt_file content is encrypted")),
    mark_as_read: (args, call) => {
      const caller = callerOf(run);
      const path = pathArg(call, args[0], "mark_as_read");
      if (path !== null) run.probeFor(caller, path, "mark_as_read", call);
      return args[0] ?? null;
    },
    mark_glob_as_read: (args, call) =>
      fileset(run, toVirtual(callerOf(run).terragruntDir()), args[0], call, "mark_as_read"),
    fileset: (args, call) => fileset(run, args[0], args[1], call, "fileset"),
    read_terragrunt_config: (args, call) => readTerragruntConfig(run, args, call),

    // `yamldecode(file("account.yaml"))` is a common way to feed locals, which may end up in paths.
    yamldecode: (args) => {
      const text = args[0];
      if (typeof text !== "string") return makeUnknown("yamldecode of an unknown value");
      try {
        return loadYaml().parse(text) as HclValue;
      } catch (error) {
        return makeUnknown(`yamldecode: not valid YAML (${(error as Error).message.split("\n")[0]})`);
      }
    },

    // ---- values only known at run time
    get_env: (args) => {
      const name = typeof args[0] === "string" ? args[0] : "?";
      const hint = args.length > 1 && typeof args[1] === "string" ? ` (default "${args[1]}")` : "";
      return makeUnknown(`environment variable ${name}${hint} is only known at run time`);
    },
    run_cmd: (_args, call) => {
      run.recordDynamic(callerOf(run), call, "run_cmd runs a command whose reads cannot be known", "**");
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

/**
 * A function neither Terragrunt's (above) nor Terraform's (the standard set) is not evaluated: it returns an
 * unknown value (a path built from it becomes a dynamic read) instead of breaking the unit's analysis —
 * the repository may use functions newer than this evaluator knows. Registered per evaluated expression
 * (only those are evaluated; walking every expression of every file cost more), as own properties (the
 * evaluator only looks at own properties).
 */
export function registerUnknownFunctions(functions: Record<string, HclFunction>, expr: Expression): void {
  walkExpression(expr, (node) => {
    if (node.type !== "Call" || node.name === "try" || node.name === "can") return;
    if (Object.hasOwn(functions, node.name) || Object.hasOwn(standardFunctions, node.name)) return;
    const name = node.name;
    functions[name] = () => makeUnknown(`function ${name}() is not evaluated by Gantry`);
  });
}

function findInParentFolders(run: AnalysisRun, args: HclValue[], call: CallExpression): HclValue {
  const caller = callerOf(run);
  const name = args[0];
  const hasFallback = args.length > 1;
  if (isUnknown(name)) {
    run.recordDynamic(caller, call, `find_in_parent_folders: ${name.reason}`, "**");
    return makeUnknown(`find_in_parent_folders: ${name.reason}`);
  }
  if (name !== undefined && typeof name !== "string")
    throw new HclEvalError("find_in_parent_folders: the name must be a string", call.range);
  // Without a name: `root.hcl` (the current convention), falling back to `terragrunt.hcl` (older repositories).
  // As in Terragrunt, a directory of that name is found too.
  const candidates = name === undefined || name === "" ? ["root.hcl", UNIT_FILE] : [name];
  let pending = false;
  // Without symlinks, a probe is a plain tree lookup, memoised with the probe list; the read is recorded
  // unless the unit already recorded that path (a repeated probe never replaces the first record).
  const plain = run.snapshot.tree.symlinks.size === 0;
  for (const candidate of candidates) {
    // Terragrunt starts in the parent of the configuration's directory (in an included file: the unit's).
    const probes = parentProbes(run, dirOf(caller.scope.terragruntDir), candidate);
    for (let i = 0; i < probes.paths.length; i++) {
      const probe = probes.paths[i]!;
      let found: boolean | undefined;
      if (plain) {
        if (!caller.reads.files.has(probe))
          caller.reads.addFile(probe, extend(caller.chain, caller.link(probe, "find_in_parent_folders", call)));
        found = probes.exists[i] ??=
          run.snapshot.tree.get(probe) !== undefined || run.snapshot.tree.hasDirectory(probe);
      } else {
        found = run.probeFor(caller, probe, "find_in_parent_folders", call);
        if (found === false) found = run.snapshot.tree.hasDirectory(probe);
      }
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
function parentProbes(run: AnalysisRun, startDir: string, name: string): ParentProbes {
  const key = `${startDir}\0${name}`;
  let probes = run.probeMemo.get(key);
  if (!probes) {
    const paths: string[] = [];
    let dir = startDir;
    for (;;) {
      const probe = resolveRepoPath(dir, name);
      if (probe !== null) paths.push(probe);
      if (dir === "") break;
      dir = dirOf(dir);
    }
    probes = { paths, exists: [] };
    run.probeMemo.set(key, probes);
  }
  return probes;
}

function fileset(
  run: AnalysisRun,
  dirValue: HclValue | undefined,
  patternValue: HclValue | undefined,
  call: CallExpression,
  via: ReadVia,
): HclValue {
  const caller = callerOf(run);
  const dir = run.resolvePathArgument(
    caller,
    dirValue ?? null,
    call.args[0] ?? call,
    via,
    () => caller.terragruntDir(),
    true,
  );
  if (dir === null) return makeUnknown(`${via}: directory not known`);
  if (isUnknown(patternValue)) {
    run.recordDynamic(caller, call, `${via}: ${patternValue.reason}`, dir === "" ? "**" : `${dir}/**`);
    return makeUnknown(`${via}: pattern not known`);
  }
  if (typeof patternValue !== "string") throw new HclEvalError(`${via}: the pattern must be a string`, call.range);
  const glob = dir === "" ? patternValue : `${dir}/${patternValue}`;
  caller.reads.addGlob(glob, extend(caller.chain, caller.link(glob, via, call)));
  const isMatch = picomatch(patternValue, { dot: true });
  const prefix = dir === "" ? 0 : dir.length + 1;
  const matches = run.snapshot.tree
    .filesUnder(dir)
    .map((path) => path.slice(prefix))
    .filter((relative) => isMatch(relative));
  return matches;
}

function readTerragruntConfig(run: AnalysisRun, args: HclValue[], call: CallExpression): HclValue {
  const caller = callerOf(run);
  const target = run.resolvePathArgument(
    caller,
    args[0] ?? null,
    call.args[0] ?? call,
    "read_terragrunt_config",
    () => caller.terragruntDir(),
    false,
  );
  if (target === null) return makeUnknown("read_terragrunt_config: path not known");
  const prefix = extend(caller.chain, caller.link(target, "read_terragrunt_config", call));
  if (caller.scope.stack.includes(target)) {
    const cycle = [...caller.scope.stack.slice(caller.scope.stack.indexOf(target)), target].join(" -> ");
    caller.problem("INCLUDE_CYCLE", `read_terragrunt_config cycle: ${cycle}`, call.range.start);
    return makeUnknown("read_terragrunt_config cycle");
  }
  // Looked up for every caller: the symlinks on the path and the target are recorded under its chain.
  const exists = run.recordConfigPath(caller, target, prefix, call.range.start);
  let memo = run.readConfigMemo.get(target);
  if (!memo) {
    const reads = new ReadSet();
    let value: HclValue;
    let complete = true;
    if (exists === false && args.length > 1) {
      value = args[1] ?? null;
    } else {
      const config = run.evaluateConfigFile(
        target,
        "read",
        {
          unitDir: caller.scope.unitDir,
          terragruntDir: dirOf(target),
          parentDir: null,
          stack: [...caller.scope.stack, target],
        },
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
    if (complete && !reads.pending && !reads.usedOriginalDir && reads.problems.length === 0)
      run.readConfigMemo.set(target, memo);
  }
  // The read file's get_terragrunt_dir() is its own directory: that use says nothing about the unit.
  caller.reads.mergeFrom(memo.reads, prefix, false);
  return memo.value;
}

/**
 * `read_tfvars_file`: as Terragrunt's, a JSON string (`jsondecode(read_tfvars_file(...))` is the documented
 * use). A file whose name ends in `json` is returned as it is once it parses; any other is HCL whose
 * attributes are literals, encoded as Go's `json.Marshal` does (keys sorted, `<`, `>`, `&` escaped).
 */
function readTfvars(run: AnalysisRun, text: string, call: CallExpression, path: string): HclValue {
  if (path.endsWith("json")) {
    try {
      JSON.parse(text);
    } catch (error) {
      throw new HclEvalError(`read_tfvars_file: ${path} is not valid JSON (${(error as Error).message})`, call.range);
    }
    return text;
  }
  const parsed = run.parseCache.parse(`tfvars:${text.length}:${hashText(text)}`, path, text);
  if (!parsed.ok) throw new HclEvalError(`read_tfvars_file: ${parsed.message}`, call.range);
  const result: Record<string, HclValue> = {};
  for (const attribute of parsed.hcl.body.attributes) {
    let value: HclValue;
    try {
      value = evaluateExpression(attribute.expr, { variable: () => undefined, functions: {} });
    } catch {
      return makeUnknown(`read_tfvars_file: ${path} attribute ${attribute.name} is not a literal`);
    }
    if (isUnknown(value)) return value;
    result[attribute.name] = value;
  }
  return goJson(result);
}

/** `JSON.stringify` as Go's `json.Marshal` writes it: object keys sorted, HTML-significant characters escaped. */
function goJson(value: HclValue): string {
  const sorted = (v: HclValue): HclValue => {
    if (Array.isArray(v)) return v.map(sorted);
    if (v === null || typeof v !== "object") return v;
    const out: Record<string, HclValue> = {};
    for (const key of Object.keys(v).sort()) out[key] = sorted((v as Record<string, HclValue>)[key]!);
    return out;
  };
  return JSON.stringify(sorted(value)).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

function hashText(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (Math.imul(hash, 31) + text.charCodeAt(i)) | 0;
  return hash;
}
