/**
 * Output formats of `gantry plan`, kept here (not in the CLI) so they are tested with the planner:
 * a readable text summary, a Mermaid job graph, and a GitHub Actions matrix.
 */
import type { Job, PlanDocument } from "./job.js";

export type PlanFormat = "json" | "text" | "mermaid" | "github-matrix";
export const planFormats: readonly PlanFormat[] = ["json", "text", "mermaid", "github-matrix"];

export function renderPlan(plan: PlanDocument, format: PlanFormat): string {
  switch (format) {
    case "json":
      return `${JSON.stringify(plan, null, 2)}\n`;
    case "text":
      return renderPlanText(plan);
    case "mermaid":
      return renderPlanMermaid(plan);
    case "github-matrix":
      return `${JSON.stringify(githubMatrix(plan))}\n`;
  }
}

/** `{"include": [job, ...]}`: one matrix entry per job, each usable as `gantry execute --job`. */
export function githubMatrix(plan: PlanDocument): { include: Job[] } {
  return { include: plan.jobs };
}

/** The `matrix=<json>` line appended to `$GITHUB_OUTPUT` (single line: JSON never holds a raw newline). */
export function githubOutputLine(plan: PlanDocument): string {
  return `matrix=${JSON.stringify(githubMatrix(plan))}\n`;
}

export function renderPlanText(plan: PlanDocument): string {
  const lines: string[] = [];
  lines.push(
    `${plan.event} ${short(plan.base)}..${short(plan.head)} on ${plan.branch} (deploy branch ${plan.deployBranch})`,
  );
  const changes = plan.changes ?? [];
  lines.push("", `Changes (${changes.length}):`);
  if (changes.length === 0) lines.push("  none");
  const byType = new Map<string, typeof changes>();
  for (const change of changes) byType.set(change.type, [...(byType.get(change.type) ?? []), change]);
  for (const [type, group] of byType) {
    lines.push(`  ${type}`);
    for (const change of group) {
      const units = change.units.length > 0 ? ` → ${change.units.join(", ")}` : "";
      const action = change.jobs.length > 0 ? ` [${change.jobs.join(", ")}]` : change.note ? ` (${change.note})` : "";
      lines.push(`    ${change.files.join(", ") || "(no file)"}${units}${action}`);
    }
  }
  if ((plan.ignoredFiles ?? []).length > 0)
    lines.push("", `Ignored (${plan.ignoredFiles!.length}): ${plan.ignoredFiles!.join(", ")}`);
  lines.push("", `Jobs (${plan.jobs.length}):`);
  if (plan.notice) lines.push(`  ${plan.notice}`);
  for (const job of plan.jobs) {
    lines.push(
      `  ${job.id}: ${job.action} ${job.units.length} unit${job.units.length === 1 ? "" : "s"} in ${job.environment} at ${short(job.ref)}`,
    );
    if (job.needs.length > 0) lines.push(`    needs: ${job.needs.join(", ")}`);
    for (const unit of job.units) lines.push(`    - ${unit}`);
  }
  return `${lines.join("\n")}\n`;
}

export function renderPlanMermaid(plan: PlanDocument): string {
  const lines = ["flowchart TD"];
  const node = (job: Job) =>
    `  ${mermaidId(job.id)}["${job.id}<br/>${job.action}: ${job.units.map(escapeMermaid).join("<br/>")}"]`;
  if (plan.jobs.length === 0) lines.push(`  empty["${escapeMermaid(plan.notice ?? "no jobs")}"]`);
  for (const job of plan.jobs) lines.push(node(job));
  for (const job of plan.jobs)
    for (const need of job.needs) lines.push(`  ${mermaidId(need)} --> ${mermaidId(job.id)}`);
  return `${lines.join("\n")}\n`;
}

function mermaidId(id: string): string {
  // Injective: `_` is doubled, so `-` → `_h` and `.` → `_d` cannot collide with a literal underscore.
  return `job_${id.replace(/_/g, "__").replace(/-/g, "_h").replace(/\./g, "_d")}`;
}

function escapeMermaid(text: string): string {
  return text.replace(/"/g, "#quot;");
}

function short(sha: string): string {
  return sha.slice(0, 7);
}
