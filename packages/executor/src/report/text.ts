/** The terminal report: one line per job and unit, a failed unit's error, and where logs are. */
import type { SecretMasker } from "../masking.js";
import { formatPlanCounts } from "../plan-summary.js";
import { formatAppliedCounts } from "../rendered-output.js";
import { countStatuses, reportSucceeded, reportUnits, shortSha, type RunReport, type UnitNotRun } from "./model.js";
import { lastLines, readUnitLog } from "./output.js";

const textIcon = { succeeded: "✔", failed: "✘", skipped: "⏭", "not-started": "·", superseded: "⏩" } as const;

export function renderTextReport(
  report: RunReport,
  options: { masker?: SecretMasker; failedLogLines?: number } = {},
): string {
  const lines = [
    `Gantry ${report.event} run for ${shortSha(report.head)} (base ${shortSha(report.base)}${report.branch ? `, branch ${report.branch}` : ""})`,
  ];
  if (report.error)
    lines.push(
      `✘ pipeline failed: [${report.error.code}] ${report.error.message}${report.error.hint ? `\n  hint: ${report.error.hint}` : ""}`,
    );
  const notRun = report.unitsNotRun ?? [];
  if (!report.error && report.jobs.length === 0)
    lines.push(notRun.length > 0 ? "Nothing to run." : `No infrastructure changes. ${report.notice ?? ""}`.trimEnd());
  const rows = reportUnits(report);
  for (const entry of report.jobs) {
    lines.push(
      `${textIcon[entry.status]} job ${entry.job.id} (${entry.job.action}, ${entry.job.environment}): ${entry.status}${entry.reason ? ` (${entry.reason})` : ""}`,
    );
    if (entry.result?.dryRun && entry.result.command) lines.push(`    $ ${entry.result.command}`);
    if (entry.result?.error && entry.status !== "superseded")
      lines.push(
        `    [${entry.result.error.code}] ${entry.result.error.message}${entry.result.error.hint ? `\n    hint: ${entry.result.error.hint}` : ""}`,
      );
    for (const { unit, status, result } of rows.filter((row) => row.entry === entry)) {
      const applied = result?.applied
        ? formatAppliedCounts(result.applied, entry.job.action === "destroy" ? "destroy" : "apply")
        : null;
      const detail = applied ?? (result?.plan ? formatPlanCounts(result.plan) : (result?.reason ?? status));
      const timing = result && result.durationMs > 0 ? ` (${(result.durationMs / 1000).toFixed(1)}s)` : "";
      lines.push(`    ${textIcon[status]} ${unit}  ${detail}${timing}`);
      if (result?.mayBePartiallyApplied) lines.push(`        ! may be partially applied: ${result.reason ?? ""}`);
      if (status === "failed" && result) {
        const text = result.error ?? readUnitLog(result.logPath);
        for (const line of lastLines(text, options.failedLogLines ?? 12)) lines.push(`        | ${line}`);
        if (result.logPath) lines.push(`        log: ${result.logPath}`);
      }
    }
  }
  if (notRun.length > 0) {
    const why = (entry: UnitNotRun) =>
      entry.reason === "excluded"
        ? `excluded${entry.dependencyOf ? ` as a dependency of ${entry.dependencyOf}` : ""}${entry.from ? `, ${entry.from}` : ""}`
        : `${entry.reason}, deployed as of ${shortSha(entry.deployedAt ?? "")}`;
    const listed = notRun.slice(0, 50).map((entry) => `${entry.unit} (${why(entry)})`);
    lines.push(
      `Not run (${notRun.length}): ${listed.join(", ")}${notRun.length > listed.length ? `, and ${notRun.length - listed.length} more (--json lists them all)` : ""}`,
    );
  }
  const counts = countStatuses(rows);
  if (report.jobs.length > 0) {
    lines.push(
      `${report.interrupted ? "Interrupted" : reportSucceeded(report) ? "Succeeded" : "Failed"}: units ${counts.succeeded} succeeded, ${counts.failed} failed, ${counts.skipped} skipped, ${counts["not-started"]} not started${counts.superseded > 0 ? `, ${counts.superseded} superseded` : ""}.`,
    );
  }
  if (report.logs) lines.push(`Logs: ${report.logs}`);
  const text = `${lines.join("\n")}\n`;
  return options.masker ? options.masker.mask(text) : text;
}
