/** The terminal report: one line per job and unit, a failed unit's error, and where logs are. */
import type { SecretMasker } from "../masking.js";
import { formatPlanCounts } from "../plan-summary.js";
import { formatAppliedCounts } from "../rendered-output.js";
import { countStatuses, reportSucceeded, reportUnits, shortSha, type RunReport } from "./model.js";
import { lastLines, readUnitLog } from "./output.js";

const textIcon = { succeeded: "✔", failed: "✘", skipped: "⏭", "not-started": "·" } as const;

export function renderTextReport(report: RunReport, options: { masker?: SecretMasker; failedLogLines?: number } = {}): string {
  const lines = [`Gantry ${report.event} run for ${shortSha(report.head)} (base ${shortSha(report.base)}${report.branch ? `, branch ${report.branch}` : ""})`];
  if (report.error) lines.push(`✘ pipeline failed: [${report.error.code}] ${report.error.message}${report.error.hint ? `\n  hint: ${report.error.hint}` : ""}`);
  if (!report.error && report.jobs.length === 0) lines.push(`No infrastructure changes. ${report.notice ?? ""}`.trimEnd());
  const rows = reportUnits(report);
  for (const entry of report.jobs) {
    lines.push(`${textIcon[entry.status]} job ${entry.job.id} (${entry.job.action}, ${entry.job.environment}): ${entry.status}${entry.reason ? ` (${entry.reason})` : ""}`);
    if (entry.result?.dryRun && entry.result.command) lines.push(`    $ ${entry.result.command}`);
    if (entry.result?.error) lines.push(`    [${entry.result.error.code}] ${entry.result.error.message}${entry.result.error.hint ? `\n    hint: ${entry.result.error.hint}` : ""}`);
    for (const { unit, status, result } of rows.filter((row) => row.entry === entry)) {
      const applied = result?.applied ? formatAppliedCounts(result.applied, entry.job.action === "destroy" ? "destroy" : "apply") : null;
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
  const counts = countStatuses(rows);
  if (report.jobs.length > 0) {
    lines.push(
      `${report.interrupted ? "Interrupted" : reportSucceeded(report) ? "Succeeded" : "Failed"}: units ${counts.succeeded} succeeded, ${counts.failed} failed, ${counts.skipped} skipped, ${counts["not-started"]} not started.`,
    );
  }
  if (report.logs) lines.push(`Logs: ${report.logs}`);
  const text = `${lines.join("\n")}\n`;
  return options.masker ? options.masker.mask(text) : text;
}
