/**
 * Stack generation as Terragrunt does it, in memory. Each `terragrunt.stack.hcl` is evaluated (`locals`,
 * `unit` and `stack` blocks: `source`, `path`, `values`, `no_dot_terragrunt_stack`); each block's source
 * directory is copied to `<stack dir>/.terragrunt-stack/<path>` (`<stack dir>/<path>` with
 * `no_dot_terragrunt_stack`) by adding its files to an overlay of the commit's tree; the stack files that
 * `stack` blocks bring are evaluated in turn, where they were generated, with the block's `values`.
 * Nothing is written to disk; remote sources are fetched (see `fetch.ts`).
 *
 * A generated unit is then analysed like any unit, in the overlay. What reaches it from its stack block
 * (source, path, values) is summed up in its fingerprint: a change to a stack file affects the units whose
 * fingerprint it changes, not every unit of the stack.
 */
import { createHash } from "node:crypto";
import { posix } from "node:path";
import type { Block, HclFile } from "@gantry/hcl";
import { AnalysisRun } from "../analysis/analysis-run.js";
import type { ConfigEvaluation } from "../analysis/config-evaluator.js";
import { isUnknown, type HclValue } from "../analysis/hcl-adapter.js";
import { lineOf, type ParseCache } from "../analysis/parse-cache.js";
import { ReadSet, extend, type ReadNode } from "../analysis/read-set.js";
import type { UnitProblem } from "../contract.js";
import { Tree, type BlobReader, type TreeEntry } from "../git.js";
import { dirOf, joinRepo } from "../paths.js";
import { STACK_FILE } from "../units.js";
import type { SourceFetcher } from "./fetch.js";
import { describeSource, parseStackSource, type StackSource } from "./source.js";
import { StackSnapshot } from "./values.js";

/** Where a stack file's components are generated, beside it. */
export const STACK_DIR = ".terragrunt-stack";
/** Nested stacks deeper than this are a cycle (a stack that generates itself). */
const MAX_DEPTH = 32;
const MAX_ROUNDS = 8;

export interface GeneratedUnit {
  /** Its directory, `<stack dir>/.terragrunt-stack/<path>`: it exists only once generated. */
  path: string;
  /** The committed stack file it descends from. */
  stackFile: string;
  /** Where its block is, `file:line` (a nested stack file is named by where it was generated). */
  from: string;
  source: StackSource;
  /** The sources of the stack blocks it descends from, outermost first, then its own. */
  sources: StackSource[];
  /** The repository directory it is a copy of; null when its source is outside the repository. */
  origin: string | null;
  /** What the stack files it descends from read, outermost first (each shared by the units of that file). */
  stackReads: ReadSet[];
  /** Changes exactly when its stack block gives it other content: source, path, values (and its parents'). */
  fingerprint: string;
  /** Why it could not be generated (then its reads are unknown). */
  problem?: UnitProblem;
}

export interface GeneratedStacks {
  /** By generated directory. */
  units: Map<string, GeneratedUnit>;
  /** The commit's tree with every generated unit and stack added, and each one's values. */
  snapshot: StackSnapshot;
  /** What each stack file's evaluation read (committed and generated ones). */
  stackReads: ReadSet[];
  /** By committed stack file: what its generation depended on and gave (what a later run may reuse). */
  byStackFile: Map<string, StackFileGeneration>;
}

/**
 * One committed stack file's generation. It depends only on what its evaluations read (its own, and the stack
 * files its `stack` blocks generate: `reads`, which hold the source directories of the repository it copies)
 * and on the sources outside the repository it copied (`external`, at the revision copied).
 */
export interface StackFileGeneration {
  reads: ReadSet[];
  external: ExternalSource[];
  /** The generated units (or, for a block that could not be generated, where it would have been). */
  units: string[];
  /** A block could not be generated: what it gives is unknown until it can (a fetch may succeed next time). */
  problem: boolean;
}

/** A source outside the repository, as copied: a git checkout's commit, a disk directory's digest. */
export type ExternalSource =
  { kind: "git"; url: string; ref: string; commit: string } | { kind: "disk"; dir: string; digest: string };

interface Frame {
  /** The stack file, where it is (generated ones are in the overlay). */
  file: string;
  stackFile: string;
  chain: ReadNode;
  parentReads: ReadSet[];
  parentSources: StackSource[];
  parentFingerprint: string;
  depth: number;
}

interface Component {
  kind: "unit" | "stack";
  frame: Frame;
  reads: ReadSet;
  path: string;
  from: string;
  source: StackSource;
  values: HclValue | undefined;
  fingerprint: string;
  problem?: UnitProblem;
}

export async function generateStacks(options: {
  tree: Tree;
  label: "head" | "base";
  /** The committed stack files. */
  stackFiles: readonly string[];
  reader: BlobReader;
  parseCache: ParseCache;
  fetcher: SourceFetcher;
}): Promise<GeneratedStacks> {
  const entries = new Map(options.tree.entries);
  let snapshot = new StackSnapshot(options.tree, options.label);
  const units = new Map<string, GeneratedUnit>();
  const stackReads: ReadSet[] = [];
  const byStackFile = new Map<string, StackFileGeneration>(
    options.stackFiles.map((file) => [file, { reads: [], external: [], units: [], problem: false }]),
  );
  let frames: Frame[] = options.stackFiles.map((file) => ({
    file,
    stackFile: file,
    chain: extend(null, { file, via: "stack" }),
    parentReads: [],
    parentSources: [],
    parentFingerprint: "",
    depth: 0,
  }));
  while (frames.length > 0) {
    // Every stack file of this level in one round trip to git (one by one, each waited for its own).
    const missing = frames
      .map((frame) => snapshot.tree.get(frame.file)?.blob)
      .filter((blob): blob is string => blob !== undefined && !snapshot.contents.has(blob));
    for (const [blob, content] of await options.reader.readMany(missing))
      snapshot.contents.set(blob, content === null ? "" : content.toString("utf8"));
    const components: Component[] = [];
    for (const frame of frames) {
      const evaluated = await evaluateStackFile(snapshot, frame, options.reader, options.parseCache);
      stackReads.push(evaluated.reads);
      byStackFile.get(frame.stackFile)!.reads.push(evaluated.reads);
      components.push(...evaluated.components);
    }
    const next: Frame[] = [];
    const values = new Map(snapshot.values);
    const contents = new Map(snapshot.contents);
    for (const component of components) {
      const generation = byStackFile.get(component.frame.stackFile)!;
      const copied = component.problem ? undefined : await copySource(component, snapshot.tree, options.fetcher);
      if (copied && "error" in copied)
        component.problem = { code: "UNREADABLE_CONFIG", message: copied.error, file: component.frame.file };
      else if (copied) {
        for (const [path, entry] of copied.entries) entries.set(joinRepo(component.path, path), entry);
        for (const [blob, text] of copied.contents) contents.set(blob, text);
        component.fingerprint = hash(component.fingerprint, copied.revision);
        if (copied.external) generation.external.push(copied.external);
      }
      if (component.values !== undefined) values.set(component.path, component.values);
      const stackReadsOfUnit = [...component.frame.parentReads, component.reads];
      if (component.kind === "stack" && !component.problem) {
        if (component.frame.depth + 1 >= MAX_DEPTH)
          component.problem = {
            code: "HCL_EVAL",
            message: `stacks nested deeper than ${MAX_DEPTH} levels (a stack that generates itself?)`,
            file: component.frame.file,
          };
        else {
          const file = joinRepo(component.path, STACK_FILE);
          const origin = component.source.kind === "repo" ? joinRepo(component.source.dir, STACK_FILE) : file;
          next.push({
            file,
            stackFile: component.frame.stackFile,
            chain: extend(component.frame.chain, { file: origin, via: "stack", from: component.from }),
            parentReads: stackReadsOfUnit,
            parentSources: [...component.frame.parentSources, component.source],
            parentFingerprint: component.fingerprint,
            depth: component.frame.depth + 1,
          });
          continue;
        }
      }
      // A unit, or a stack that could not be generated: its units are unknown, reported as one unit.
      generation.units.push(component.path);
      if (component.problem) generation.problem = true;
      units.set(component.path, {
        path: component.path,
        stackFile: component.frame.stackFile,
        from: component.from,
        source: component.source,
        sources: [...component.frame.parentSources, component.source],
        origin: component.source.kind === "repo" && !component.problem ? component.source.dir : null,
        stackReads: stackReadsOfUnit,
        fingerprint: component.fingerprint,
        ...(component.problem ? { problem: component.problem } : {}),
      });
    }
    snapshot = new StackSnapshot(new Tree(entries), options.label, contents);
    for (const [dir, value] of values) snapshot.values.set(dir, value);
    frames = next;
  }
  return { units, snapshot, stackReads, byStackFile };
}

/** Evaluates one stack file (in rounds: blobs it needs are fetched between them) and describes its blocks. */
async function evaluateStackFile(
  snapshot: StackSnapshot,
  frame: Frame,
  reader: BlobReader,
  parseCache: ParseCache,
): Promise<{ reads: ReadSet; components: Component[] }> {
  const dir = dirOf(frame.file);
  for (let round = 0; ; round++) {
    const run = new AnalysisRun(snapshot, parseCache);
    const reads = new ReadSet();
    const scope = { unitDir: dir, terragruntDir: dir, parentDir: null, stack: [frame.file] };
    const config = run.evaluateConfigFile(frame.file, "read", scope, frame.chain, reads, null, 0);
    if (reads.pending && round < MAX_ROUNDS) {
      const contents = await reader.readMany([...run.misses]);
      for (const [blob, content] of contents)
        snapshot.contents.set(blob, content === null ? "" : content.toString("utf8"));
      continue;
    }
    if (!config) {
      const problem = reads.problems[0] ?? {
        code: "UNREADABLE_CONFIG",
        message: `${frame.file} could not be read`,
        file: frame.file,
      };
      // The stack file itself is broken: what it generates is unknown, reported as one unit where it would go.
      const component: Component = {
        kind: "unit",
        frame,
        reads,
        path: joinRepo(dir, STACK_DIR),
        from: frame.file,
        source: { kind: "unsupported", reason: problem.message },
        values: undefined,
        fingerprint: hash(frame.parentFingerprint, "broken", problem.message),
        problem,
      };
      return { reads, components: [component] };
    }
    const own = { hcl: config.hcl, path: frame.file };
    const blocks = config.hcl.body.blocks
      .filter((block) => block.type === "unit" || block.type === "stack")
      .map((block) => ({ block, origin: own }));
    // Terragrunt appends an included stack file's unit and stack blocks, evaluated in this file's context.
    let broken: { message: string; line: number } | undefined;
    for (const block of config.hcl.body.blocks.filter((candidate) => candidate.type === "include")) {
      const line = lineOf(config.hcl, block.range.start);
      const name = block.labels[0] ?? "";
      const included = config.includedFiles().find((include) => include.name === name);
      const body = included?.config?.hcl.body;
      if (!included?.path || !body) broken ??= { message: `include "${name}" could not be read`, line };
      else if (body.blocks.some((inner) => inner.type === "locals"))
        broken ??= { message: `included stack file "${name}" must not define locals`, line };
      else if (body.blocks.some((inner) => inner.type === "include"))
        broken ??= { message: `included stack file "${name}" must not define nested includes`, line };
      else
        for (const inner of body.blocks)
          if (inner.type === "unit" || inner.type === "stack")
            blocks.push({ block: inner, origin: { hcl: included.config!.hcl, path: included.path } });
    }
    for (const kind of ["unit", "stack"]) {
      const names = blocks.filter(({ block }) => block.type === kind).map(({ block }) => block.labels[0] ?? "");
      const duplicate = names.find((name, index) => names.indexOf(name) !== index);
      if (duplicate !== undefined)
        broken ??= { message: `duplicate ${kind} name "${duplicate}" (with the included stack files)`, line: 1 };
    }
    // What Gantry does not evaluate (Terragrunt's stack-dependencies experiment: autoinclude, and a sibling
    // terragrunt.autoinclude.stack.hcl) makes the stack's units unknown: reported where they would be generated.
    const autoinclude = config.hcl.body.blocks.find((block) => block.type === "autoinclude");
    if (autoinclude)
      broken ??= {
        message: "autoinclude blocks in stack files are not evaluated by Gantry: what they add is unknown",
        line: lineOf(config.hcl, autoinclude.range.start),
      };
    if (snapshot.tree.get(joinRepo(dir, "terragrunt.autoinclude.stack.hcl"))) {
      broken ??= {
        message:
          "terragrunt.autoinclude.stack.hcl (Terragrunt's stack-dependencies experiment) is not evaluated by Gantry: what it adds is unknown",
        line: 1,
      };
    }
    if (broken) {
      const problem = { code: "HCL_EVAL", message: broken.message, file: frame.file, line: broken.line };
      const component: Component = {
        kind: "unit",
        frame,
        reads,
        path: joinRepo(dir, STACK_DIR),
        from: `${frame.file}:${broken.line}`,
        source: { kind: "unsupported", reason: problem.message },
        values: undefined,
        fingerprint: hash("unsupported", config.hcl.source),
        problem,
      };
      return { reads, components: [component] };
    }
    const components = blocks.map(({ block, origin }) =>
      describeBlock(config, block, frame, reads, snapshot.tree, origin),
    );
    return { reads, components };
  }
}

/** One `unit` or `stack` block (of `origin`: the stack file, or a file it includes), evaluated in `config`. */
function describeBlock(
  config: ConfigEvaluation,
  block: Block,
  frame: Frame,
  reads: ReadSet,
  tree: Tree,
  origin: { hcl: HclFile; path: string },
): Component {
  const kind = block.type as "unit" | "stack";
  const name = block.labels[0] ?? "";
  const line = lineOf(origin.hcl, block.range.start);
  const from = `${origin.path}:${line}`;
  const stackDir = dirOf(frame.file);
  const foreign = origin.path === frame.file ? undefined : origin;
  const attribute = (key: string): HclValue | undefined => {
    const found = block.body.attributes.find((a) => a.name === key);
    return found ? config.evaluate(found.expr, foreign) : undefined;
  };
  const problem = (message: string): UnitProblem => ({
    code: "HCL_EVAL",
    message: `${kind} "${name}": ${message}`,
    file: origin.path,
    line,
  });
  // Terragrunt's experiments inside a block (stack-dependencies' autoinclude, block-iteration's expansion) change
  // what it generates: not evaluated by Gantry, so the component's content is unknown.
  const experimental = block.body.blocks.find((inner) => inner.type === "autoinclude" || inner.type === "expansion");
  const rawPath = attribute("path");
  const rawSource = attribute("source");
  const values = attribute("values");
  const noStack = attribute("no_dot_terragrunt_stack") === true;
  const base = noStack ? stackDir : joinRepo(stackDir, STACK_DIR);
  let path = joinRepo(joinRepo(stackDir, STACK_DIR), name);
  let failure: UnitProblem | undefined;
  if (typeof rawPath !== "string")
    failure = problem(
      isUnknown(rawPath) ? `path is not known statically (${rawPath.reason})` : "path must be a string",
    );
  else {
    const joined = posix.normalize(posix.join(base === "" ? "." : base, rawPath));
    if (rawPath.startsWith("/") || (base !== "" && !joined.startsWith(`${base}/`)) || joined.startsWith(".."))
      failure = problem(`path '${rawPath}' leaves the stack directory`);
    else path = joined;
  }
  let source: StackSource;
  if (typeof rawSource !== "string") {
    source = {
      kind: "unsupported",
      reason: isUnknown(rawSource) ? `source is not known statically (${rawSource.reason})` : "source must be a string",
    };
    failure ??= problem(source.reason);
  } else {
    source = parseStackSource(rawSource, stackDir, (dir) => tree.hasDirectory(dir));
    if (source.kind === "unsupported") failure ??= problem(source.reason);
    // Its files are the block's content: a change under the source directory is a change to the stacks.
    if (source.kind === "repo") reads.addDir(source.dir, extend(frame.chain, { file: source.dir, via: "stack", from }));
  }
  // What reaches the component from its parent stacks is in its evaluated values. An unknown part (a run-time
  // value) cannot be compared: then any edit of its stack file, or of its parents', counts as a change.
  if (experimental)
    failure ??= problem(
      `${experimental.type} blocks (a Terragrunt experiment) are not evaluated by Gantry: what this ${kind} generates is unknown`,
    );
  const unknown =
    experimental !== undefined ||
    [rawPath, rawSource, values].some((value) => value !== undefined && containsUnknown(value));
  const fingerprint = hash(
    kind,
    path,
    describeSource(source),
    canonical(values),
    String(noStack),
    unknown ? `${frame.parentFingerprint}\0${origin.hcl.source}` : "",
  );
  return { kind, frame, reads, path, from, source, values, fingerprint, ...(failure ? { problem: failure } : {}) };
}

/** The files a component's source gives it, as tree entries relative to its directory. */
async function copySource(
  component: Component,
  tree: Tree,
  fetcher: SourceFetcher,
): Promise<
  | { entries: Map<string, TreeEntry>; contents: Map<string, string>; revision: string; external?: ExternalSource }
  | { error: string }
> {
  const source = component.source;
  if (source.kind === "repo") {
    const files = tree.filesUnder(source.dir);
    if (files.length === 0) return { error: `${component.kind} source ${source.dir} does not exist in the repository` };
    const entries = new Map<string, TreeEntry>();
    for (const file of files) entries.set(file.slice(source.dir === "" ? 0 : source.dir.length + 1), tree.get(file)!);
    return { entries, contents: new Map(), revision: "" };
  }
  if (source.kind === "unsupported") return { error: source.reason };
  let root: string;
  let subdir = "";
  let revision: string;
  if (source.kind === "git") {
    const checkout = await fetcher.checkout(source.url, source.ref);
    if ("error" in checkout) return { error: `${component.kind} source could not be fetched: ${checkout.error}` };
    root = checkout.dir;
    subdir = source.subdir;
    revision = checkout.commit;
  } else {
    root = source.dir;
    revision = "";
  }
  const read = fetcher.directory(root, subdir);
  if ("error" in read) return { error: `${component.kind} source: ${read.error}` };
  const external: ExternalSource =
    source.kind === "git"
      ? { kind: "git", url: source.url, ref: source.ref, commit: revision }
      : { kind: "disk", dir: root, digest: read.copy.digest };
  return { ...read.copy, revision: source.kind === "disk" ? read.copy.digest : revision, external };
}

function containsUnknown(value: HclValue): boolean {
  if (isUnknown(value)) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value !== null && typeof value === "object") return Object.values(value).some(containsUnknown);
  return false;
}

/** JSON with sorted keys; an unknown part as its reason. */
function canonical(value: HclValue | undefined): string {
  if (value === undefined) return "-";
  if (isUnknown(value)) return JSON.stringify({ unknown: value.reason, fragments: value.fragments ?? null });
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

function hash(...parts: string[]): string {
  return createHash("sha1").update(parts.join("\0")).digest("hex");
}
