/**
 * The human-readable form of a Detection document (what `gantry detect` prints without `--json`), and the
 * exit code a document maps to.
 */
import type { DetectionResult, ReadLink } from "./contract.js";
import { exitCodeOf, isErrorCode } from "@gantry/errors";

const STATUS_ORDER = ["added", "changed", "deleted", "affected"] as const;

function formatLink(link: ReadLink): string {
  return link.from ? `${link.via} ${link.file} (${link.from})` : `${link.via} ${link.file}`;
}

export function formatDetectionSummary(result: DetectionResult): string {
  const lines: string[] = [];
  const range =
    result.base === result.requestedBase
      ? `${short(result.base)}..${short(result.head)}`
      : `merge-base ${short(result.base)} (of ${short(result.requestedBase)})..${short(result.head)}`;
  lines.push(`${result.event}: ${range}, ${result.changes.length} changed file(s), ${result.units.length} unit(s)`);
  for (const status of STATUS_ORDER) {
    const units = result.units.filter((unit) => unit.status === status);
    if (units.length === 0) continue;
    lines.push("", `${status} (${units.length}):`);
    for (const unit of units) {
      lines.push(`  ${unit.path}${unit.inStack ? "  [in a stack]" : ""}`);
      for (const reason of unit.reasons) {
        const links = reason.chain.filter((link) => link.via !== "unit");
        lines.push(
          links.length === 0
            ? `    ${reason.file} (in the unit)`
            : `    ${reason.file}: ${links.map(formatLink).join(" -> ")}`,
        );
      }
      for (const dynamic of unit.dynamic) {
        lines.push(
          `    dynamic read at ${dynamic.from}: ${dynamic.expression || "(whole unit)"} -> ${dynamic.pattern} (${dynamic.reason})`,
        );
      }
      for (const dependency of result.graph.dependencies[unit.path] ?? []) {
        if (isOutsideRepository(dependency))
          lines.push(`    depends on ${dependency}: outside the repository, not planned or ordered by Gantry`);
      }
      for (const problem of unit.problems) {
        const where = problem.file
          ? `${problem.file}${problem.line ? `:${problem.line}` : ""}${problem.column ? `:${problem.column}` : ""}: `
          : "";
        lines.push(`    problem [${problem.code}] ${where}${problem.message}`);
      }
    }
  }
  if (result.stacks.length > 0)
    lines.push("", `stack files changed (not generated, see README): ${result.stacks.join(", ")}`);
  const { stats } = result;
  lines.push(
    "",
    `${stats.unitsInHead} unit(s) in head, ${stats.trackedFiles} tracked file(s), ${stats.filesParsed} file(s) parsed, ${stats.cacheHits} cache hit(s), ${stats.elapsedMs} ms`,
  );
  return `${lines.join("\n")}\n`;
}

/** A graph entry outside the repository (`../other/vpc`, or an absolute path). */
function isOutsideRepository(path: string): boolean {
  return path.startsWith("../") || path.startsWith("/");
}

function short(sha: string): string {
  return sha.slice(0, 12);
}

/**
 * 0 when every reported unit could be analysed; otherwise the exit code of the most serious problem
 * (the document is complete either way; the broken units are in it, reported as changed).
 */
export function exitCodeForResult(result: DetectionResult): number {
  let code = 0;
  for (const unit of result.units) {
    for (const problem of unit.problems) {
      const mapped = exitCodeOf(isErrorCode(problem.code) ? problem.code : "UNREADABLE_CONFIG");
      if (code === 0 || mapped < code) code = mapped;
    }
  }
  return code;
}
