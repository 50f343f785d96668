/** The terminal report: one line per job and unit, the end of a failed unit's log, and where logs are. */
import type { SecretMasker } from "../masking.js";
import { formatPlanCounts } from "../plan-summary.js";
import { countStatuses, reportSucceeded, shortSha, unitsOf, type RunReport } from "./model.js";
import { lastLines, readUnitLog } from "./output.js";

const textIcon = { succeeded: "✔", failed: "✘", skipped: "⏭", "not-started": "·" } as const;

export function renderTextReport(report: RunReport, options: { masker?: SecretMasker; failedLogLines?: number } = {}): string {
  const lines = [`Gantry ${report.event} run for ${shortSha(report.head)} (base ${shortSha(report.base)}${report.branch ? `, branch ${report.branch}` : ""})`];
  if (report.error) lines.push(`✘ pipeline failed: [${report.error.code}] ${report.error.message}${report.error.hint ? `\n  hint: ${report.error.hint}` : ""}`);
  if (!report.error && report.jobs.length === 0) lines.push(`No infrastructure changes. ${report.notice ?? ""}`.trimEnd());
  for (const entry of report.jobs) {
    lines.push(`${textIcon[entry.status]} job ${entry.job.id} (${entry.job.action}, ${entry.job.environment}): ${entry.status}${entry.reason ? ` (${entry.reason})` : ""}`);
    if (entry.result?.dryRun && entry.result.command) lines.push(`    $ ${entry.result.command}`);
    if (entry.result?.error) lines.push(`    [${entry.result.error.code}] ${entry.result.error.message}${entry.result.error.hint ? `\n    hint: ${entry.result.error.hint}` : ""}`);
    const units = entry.result?.units ?? entry.job.units.map((unit) => ({ unit, status: entry.status, plan: null, reason: null, durationMs: 0, logPath: null, commands: [] as string[] }));
    for (const unit of units) {
      const detail = unit.plan ? formatPlanCounts(unit.plan) : (unit.reason ?? unit.status);
      const timing = unit.durationMs > 0 ? ` (${(unit.durationMs / 1000).toFixed(1)}s)` : "";
      lines.push(`    ${textIcon[unit.status]} ${unit.unit}  ${detail}${timing}`);
      if (unit.status === "failed" && unit.logPath) {
        for (const line of lastLines(readUnitLog(unit.logPath), options.failedLogLines ?? 12)) lines.push(`        | ${line}`);
        lines.push(`        log: ${unit.logPath}`);
      }
    }
  }
  const counts = countStatuses(unitsOf(report));
  if (report.jobs.length > 0) {
    lines.push(
      `${report.interrupted ? "Interrupted" : reportSucceeded(report) ? "Succeeded" : "Failed"}: units ${counts.succeeded} succeeded, ${counts.failed} failed, ${counts.skipped} skipped, ${counts["not-started"]} not started.`,
    );
  }
  if (report.logs) lines.push(`Logs: ${report.logs}`);
  const text = `${lines.join("\n")}\n`;
  return options.masker ? options.masker.mask(text) : text;
}
