/**
 * `terraform.source` and local modules: a local source reads its whole directory (for `root//subdir` the
 * whole root, which Terragrunt copies), and every `module "x" { source = "./..." }` found in that module's
 * `.tf` files is followed to any depth, cycles safe. Module walks do not depend on the unit: they are
 * computed once per directory and run.
 */
import type { Expression, HclFile } from "@gantry/hcl";
import { resolveRepoPath } from "../paths.js";
import type { AnalysisRun } from "./analysis-run.js";
import { positionOf, type SourceSetting } from "./config-evaluator.js";
import { widenFragments } from "./dynamic-pattern.js";
import { evaluateExpression, isUnknown, unknownFragments, type HclValue } from "./hcl-adapter.js";
import { lineOf } from "./parse-cache.js";
import { ReadSet, extend, type ReadNode } from "./read-set.js";

export function followSource(run: AnalysisRun, source: SourceSetting, unitDir: string, reads: ReadSet): void {
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
  const resolved = run.snapshot.resolve(rootPath, run.misses);
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
  reads.mergeFrom(modulesOf(run, moduleDir), chain);
}

/**
 * The local modules a Terraform module directory calls (`module "x" { source = "./..." }`), followed to
 * any depth. The result is independent of the unit, so it is computed once per directory.
 */
function modulesOf(run: AnalysisRun, dir: string): ReadSet {
  let result = run.moduleMemo.get(dir);
  if (!result) {
    result = new ReadSet();
    walkModules(run, dir, result, null, new Set([dir]));
    if (!result.pending) run.moduleMemo.set(dir, result);
  }
  return result;
}

function walkModules(run: AnalysisRun, dir: string, reads: ReadSet, chain: ReadNode | null, visiting: Set<string>): void {
  const tfFiles = run.snapshot.tree.filesIn(dir).filter((path) => path.endsWith(".tf"));
  for (const tfPath of tfFiles) {
    const blob = run.snapshot.tree.get(tfPath)!.blob;
    if (run.snapshot.tree.get(tfPath)!.mode === "120000") continue;
    const text = run.snapshot.text(blob);
    if (text === undefined) {
      run.misses.add(blob);
      reads.pending = true;
      continue;
    }
    const parsed = run.parseCache.parse(blob, tfPath, text);
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
      walkModules(run, target, reads, node, visiting);
      visiting.delete(target);
    }
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
