/**
 * The pull-request comment (and GitHub step summary): a heading with the commit, a status line per job
 * and unit, the plan counts with resource lists, each unit's output in a collapsible block, and the job
 * graph in Mermaid. It always fits GitHub's comment limit: output is truncated first, then resource
 * lists are shortened, the graph dropped, and as a last resort the text is cut at a line; rendering
 * never fails because of size. Everything is masked.
 */
import type { JobAction } from "@gantry/classifier";
import type { SecretMasker } from "../masking.js";
import { formatPlanCounts } from "../plan-summary.js";
import type { UnitResult } from "../result.js";
import { renderJobGraph } from "./mermaid.js";
import { countStatuses, reportSucceeded, shortSha, statusIcon, type ReportJob, type RunReport } from "./model.js";
import { fenceFor, readUnitLog, truncateMiddle } from "./output.js";

/** GitHub's limit for an issue or pull-request comment body. */
export const GITHUB_COMMENT_LIMIT = 65_536;

export interface MarkdownOptions {
  masker?: SecretMasker;
  /** Default GITHUB_COMMENT_LIMIT. */
  limit?: number;
  /** Reads a unit's output; default: its log file. */
  readOutput?: (unit: UnitResult) => string;
}

interface Budget {
  /** Characters of output per unit; Infinity = whole logs; 0 = no output blocks. */
  output: number;
  /** Resource addresses listed per action. */
  addresses: number;
  graph: boolean;
}

const actionTitle: Record<JobAction, string> = { plan: "Plan", apply: "Apply", "plan-destroy": "Plan (destroy)", destroy: "Destroy" };

function headline(report: RunReport): string {
  const verb = report.event === "pull_request" ? "plan" : "apply";
  return `## Gantry ${verb} for \`${shortSha(report.head)}\``;
}

function statusLine(report: RunReport): string {
  if (report.error) return `❌ **The pipeline failed before running any job**: \`${report.error.code}\` ${report.error.message}${report.error.hint ? ` (${report.error.hint})` : ""}`;
  if (report.jobs.length === 0) return `ℹ️ **No infrastructure changes.** ${report.notice ?? ""}`.trim();
  const counts = countStatuses(report.jobs);
  const parts = [`${counts.succeeded} succeeded`, counts.failed ? `${counts.failed} failed` : "", counts.skipped ? `${counts.skipped} skipped` : "", counts["not-started"] ? `${counts["not-started"]} not started` : ""].filter(Boolean);
  const icon = report.interrupted ? "⚠️ **Interrupted**" : reportSucceeded(report) ? "✅ **All jobs succeeded**" : "❌ **Some jobs did not succeed**";
  return `${icon}: ${report.jobs.length} job${report.jobs.length === 1 ? "" : "s"}, ${parts.join(", ")}. Event \`${report.event}\`, base \`${shortSha(report.base)}\` → head \`${shortSha(report.head)}\`${report.branch ? ` on \`${report.branch}\`` : ""}.`;
}

function addressList(title: string, addresses: string[], limit: number): string[] {
  if (addresses.length === 0) return [];
  const shown = addresses.slice(0, limit).map((address) => `\`${address}\``);
  const more = addresses.length > limit ? ` and ${addresses.length - limit} more` : "";
  return [`  - ${title}: ${shown.join(", ")}${more}`];
}

function unitSection(unit: UnitResult, budget: Budget, readOutput: (unit: UnitResult) => string): string[] {
  const detail = unit.plan ? formatPlanCounts(unit.plan) : (unit.reason ?? "");
  const extra = unit.plan && unit.reason ? ` (${unit.reason})` : "";
  const duration = unit.status === "succeeded" || unit.status === "failed" ? ` · ${(unit.durationMs / 1000).toFixed(1)}s` : "";
  const exit = unit.status === "failed" && unit.exitCode !== null ? ` · exit ${unit.exitCode}` : "";
  const lines = [`- ${statusIcon[unit.status]} \`${unit.unit}\`: ${detail}${extra}${duration}${exit}`];
  if (unit.plan) {
    lines.push(
      ...addressList("to add", unit.plan.addresses.create, budget.addresses),
      ...addressList("to change", unit.plan.addresses.update, budget.addresses),
      ...addressList("to replace", unit.plan.addresses.replace, budget.addresses),
      ...addressList("to destroy", unit.plan.addresses.delete, budget.addresses),
      ...addressList("to import", unit.plan.addresses.import, budget.addresses),
    );
  }
  if (budget.output > 0 && unit.logPath !== null) {
    const output = truncateMiddle(readOutput(unit), budget.output);
    if (output !== "") {
      const fence = fenceFor(output);
      lines.push("", `  <details><summary>Output of <code>${unit.unit}</code></summary>`, "", `${fence}text`, output.replace(/\n$/, ""), fence, "", "  </details>", "");
    }
  }
  return lines;
}

function jobSection(entry: ReportJob, budget: Budget, readOutput: (unit: UnitResult) => string): string[] {
  const { job } = entry;
  const lines = [
    `### ${statusIcon[entry.status]} ${actionTitle[job.action]} \`${job.id}\` · environment \`${job.environment}\` · ${job.changes.join(", ") || "no change type"} · at \`${shortSha(job.ref)}\``,
    "",
  ];
  if (entry.result?.error) lines.push(`**${entry.result.error.code}**: ${entry.result.error.message}${entry.result.error.hint ? `\n\n_hint_: ${entry.result.error.hint}` : ""}`, "");
  if (entry.result) {
    for (const unit of entry.result.units) lines.push(...unitSection(unit, budget, readOutput));
  } else {
    const why = entry.reason ?? (entry.status === "skipped" ? "a job it needs did not succeed" : "never started");
    for (const unit of job.units) lines.push(`- ${statusIcon[entry.status]} \`${unit}\`: ${why}`);
  }
  lines.push("");
  return lines;
}

function renderWith(report: RunReport, budget: Budget, readOutput: (unit: UnitResult) => string): string {
  const lines = [headline(report), "", statusLine(report), ""];
  for (const entry of report.jobs) lines.push(...jobSection(entry, budget, readOutput));
  if (budget.graph && report.jobs.length > 0) lines.push("<details><summary>Job graph</summary>", "", "```mermaid", renderJobGraph(report.jobs), "```", "", "</details>", "");
  if (report.logs) lines.push(`Full logs: \`${report.logs}\``, "");
  return lines.join("\n");
}

export function renderMarkdownReport(report: RunReport, options: MarkdownOptions = {}): string {
  const limit = options.limit ?? GITHUB_COMMENT_LIMIT;
  const mask = (text: string) => options.masker?.mask(text) ?? text;
  const cache = new Map<string, string>();
  const readOutput = (unit: UnitResult) => {
    const key = unit.logPath ?? unit.unit;
    if (!cache.has(key)) cache.set(key, mask(options.readOutput?.(unit) ?? readUnitLog(unit.logPath)));
    return cache.get(key)!;
  };
  const render = (budget: Budget) => mask(renderWith(report, budget, readOutput));

  const whole = render({ output: Infinity, addresses: Infinity, graph: true });
  if (whole.length <= limit) return whole;

  // Share what the fixed parts leave among the outputs, and shrink until it fits.
  const withoutOutput = render({ output: 0, addresses: Infinity, graph: true });
  const outputs = report.jobs.reduce((n, entry) => n + (entry.result?.units.filter((u) => u.logPath !== null).length ?? 0), 0);
  if (withoutOutput.length < limit && outputs > 0) {
    let share = Math.floor((limit - withoutOutput.length) / outputs) - 200;
    while (share > 200) {
      const text = render({ output: share, addresses: Infinity, graph: true });
      if (text.length <= limit) return text;
      share = Math.floor(share * 0.8);
    }
  }
  for (const addresses of [20, 5, 0]) {
    for (const graph of [true, false]) {
      const text = render({ output: 0, addresses, graph });
      if (text.length <= limit) return text;
    }
  }
  // Too many units even for one line each: cut at a line and say so.
  const text = render({ output: 0, addresses: 0, graph: false });
  const note = (omitted: number) => `\n\n_… report truncated (${omitted} characters left out to fit GitHub's limit)${report.logs ? `; full logs: \`${report.logs}\`` : ""}._\n`;
  let cut = text.lastIndexOf("\n", limit - note(text.length).length - 1);
  if (cut <= 0) cut = limit - note(text.length).length;
  return text.slice(0, cut) + note(text.length - cut);
}
