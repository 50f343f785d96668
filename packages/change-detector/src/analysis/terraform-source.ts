/**
 * `terraform.source`: a local source reads the module Terraform runs in (the directory right of `//`, or
 * the whole source without one) and what that module's code reads (`module-reads.ts`), not the rest of the
 * tree Terragrunt copies. A remote source reads nothing in the repository.
 */
import { resolveRepoPath } from "../paths.js";
import type { AnalysisRun } from "./analysis-run.js";
import type { SourceSetting } from "./config-evaluator.js";
import { widenFragments } from "./dynamic-pattern.js";
import { isUnknown, unknownFragments, type Unknown } from "./hcl-adapter.js";
import { copiedTreePattern, moduleReads } from "./module-reads.js";
import { lineOf } from "./parse-cache.js";
import { extend, type ReadSet } from "./read-set.js";

export function followSource(run: AnalysisRun, source: SourceSetting, unitDir: string, reads: ReadSet): void {
  const line = lineOf(source.hclFile, source.expr.range.start);
  const from = `${source.file}:${line}`;
  const value = source.value;
  if (isUnknown(value)) {
    followUnknownSource(source, value, unitDir, reads, from);
    return;
  }
  if (typeof value !== "string") return;
  const local = localSourcePath(value);
  if (local === null) return;
  // `root//subdir`: Terragrunt copies the whole root, then runs Terraform in subdir.
  const split = local.indexOf("//", 1);
  const root = split === -1 ? local : local.slice(0, split);
  const subdir = split === -1 ? "" : local.slice(split + 2).replace(/^\/+/, "");
  // A relative source is relative to the unit, even when inherited from an included file.
  const rootPath = resolveRepoPath(unitDir, root);
  if (rootPath === null) return;
  const resolved = run.snapshot.resolve(rootPath, run.misses);
  const linkChain = extend(source.chain, { file: rootPath, via: "terraform.source", from });
  for (const link of resolved.links) reads.addFile(link.path, linkChain);
  if (resolved.kind === "pending") {
    reads.pending = true;
    return;
  }
  if (resolved.kind === "escapes") {
    reads.addProblem({
      code: "SYMLINK_ESCAPES_REPO",
      message: `${resolved.link} is a symlink to '${resolved.target}', outside the repository`,
      file: source.file,
      line,
    });
    return;
  }
  const moduleDir = subdir === "" ? resolved.path : resolveRepoPath(resolved.path, subdir);
  if (moduleDir === null) return;
  const chain = extend(source.chain, { file: moduleDir, via: "terraform.source", from });
  reads.addDir(moduleDir, chain);
  reads.mergeFrom(moduleReads(run, { copiedRoot: resolved.path, rootModule: moduleDir }, moduleDir), chain);
}

/**
 * A source with parts only known at run time. A known start that is not a local path is a remote source
 * (nothing in the repository). Otherwise the unit reads whatever the source may be: the copied tree when
 * the `//` is in the known part, else everything the known text allows.
 */
function followUnknownSource(
  source: SourceSetting,
  value: Unknown,
  unitDir: string,
  reads: ReadSet,
  from: string,
): void {
  const fragments = unknownFragments(value);
  const first = fragments?.[0];
  if (typeof first === "string" && isRemoteSourceStart(first)) return;
  let pattern = widenFragments(fragments, unitDir, true);
  const local = typeof first === "string" ? localSourcePath(first) : null;
  const split = local === null ? -1 : local.indexOf("//", 1);
  if (local !== null && split !== -1) {
    const root = resolveRepoPath(unitDir, local.slice(0, split));
    if (root !== null) pattern = copiedTreePattern(root);
  }
  reads.addDynamic({
    from,
    expression: source.hclFile.source.slice(source.expr.range.start, source.expr.range.end),
    reason: `terraform.source: ${value.reason}`,
    pattern,
    node: extend(source.chain, { file: pattern, via: "dynamic", from }),
  });
}

/** True when the known start of a source already rules out a local path (`git::`, `tfr://`, `github.com/...`). */
function isRemoteSourceStart(start: string): boolean {
  // Every prefix of the local forms ("", ".", "..", "file:/") could still become one.
  return (
    !start.startsWith("/") && !["./", "../", "file://"].some((form) => start.startsWith(form) || form.startsWith(start))
  );
}

/** The local path of a Terraform/Terragrunt source, or null for remote sources (git, registry, http, s3...). */
export function localSourcePath(source: string): string | null {
  const withoutQuery = source.split("?")[0] ?? source;
  if (withoutQuery.startsWith("file://")) return withoutQuery.slice("file://".length);
  if (
    withoutQuery.startsWith("/") ||
    withoutQuery.startsWith("./") ||
    withoutQuery.startsWith("../") ||
    withoutQuery === "." ||
    withoutQuery === ".."
  ) {
    return withoutQuery;
  }
  return null;
}
