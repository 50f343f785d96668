/**
 * The pull-request comment (and GitHub step summary), from the report model:
 *
 * 1. the commit, one status line, the units that destroy or replace resources, and a table with a row per
 *    unit (action, add / change / destroy / import, status, time);
 * 2. per job, per unit: the counts, why the unit runs (the changed file and the chain that links it), the
 *    resources per action, the tool's error, and the rendered plan (or the apply's output) in a `diff` block
 *    inside `<details>`, so `+`/`-`/`~` are coloured and the block collapses;
 * 3. the job graph, and where the full logs are (a link in GitHub Actions).
 *
 * It always fits GitHub's 65,536 characters: the plan blocks and errors share what the rest leaves (each
 * gets at least an equal share; what short ones leave goes to long ones), then resource lists shrink, the
 * graph and the per-unit sections go, and as a last resort the text is cut at a line. Whatever is cut says
 * where the full output is. Every name is escaped (`escape.ts`) and every value masked before it is escaped.
 */
import type { JobAction } from "@gantry/classifier";
import type { UnitReason } from "@gantry/change-detector";
import type { SecretMasker } from "../masking.js";
import { formatPlanCounts } from "../plan-summary.js";
import { formatAppliedCounts } from "../rendered-output.js";
import type { UnitResult } from "../result.js";
import { code, fenced, linkOrPath, planAsDiff, text } from "./escape.js";
import { renderJobGraph } from "./mermaid.js";
import {
  countStatuses,
  reportSucceeded,
  reportUnits,
  shortSha,
  statusIcon,
  type ReportJob,
  type ReportUnit,
  type ReportStatus,
  type RunReport,
  type UnitNotRun,
} from "./model.js";
import { truncateMiddle } from "./output.js";

/** GitHub's limit for an issue or pull-request comment body. */
export const GITHUB_COMMENT_LIMIT = 65_536;

export interface MarkdownOptions {
  masker?: SecretMasker;
  /** Default GITHUB_COMMENT_LIMIT. */
  limit?: number;
}

interface Budget {
  /** Characters of each unit's output and error block (by key); absent = whole. */
  texts: Map<string, number> | null;
  /** Resource addresses listed per action. */
  addresses: number;
  graph: boolean;
  /** The per-job, per-unit sections (without them: the table only). */
  sections: boolean;
  /** Units not run listed by name (the rest counted). */
  notRun: number;
}

/** At most this many units not run are named: the list is a reminder, the RunReport document has them all. */
const NOT_RUN_LISTED = 30;

const notRunLabel: Record<UnitNotRun["reason"], string> = {
  "up-to-date": "up to date",
  superseded: "superseded",
  excluded: "excluded",
};

const actionTitle: Record<JobAction, string> = {
  plan: "Plan",
  apply: "Apply",
  "plan-destroy": "Plan (destroy)",
  destroy: "Destroy",
};

function seconds(ms: number): string {
  return ms >= 60_000
    ? `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`
    : `${(ms / 1000).toFixed(1)} s`;
}

export function renderMarkdownReport(report: RunReport, options: MarkdownOptions = {}): string {
  const limit = options.limit ?? GITHUB_COMMENT_LIMIT;
  const mask = (value: string) => options.masker?.mask(value) ?? value;
  const units = reportUnits(report);
  const blocks = textBlocks(units, mask);
  const render = (budget: Budget) => mask(new Renderer(report, units, budget, mask).render());

  const whole = render({ texts: null, addresses: Infinity, graph: true, sections: true, notRun: NOT_RUN_LISTED });
  if (whole.length <= limit) return whole;

  // Shorter resource lists first (the plan blocks list the resources too), then no graph; at each step what
  // the fixed parts leave is shared among the text blocks, as long as each block can still show something.
  const steps = [
    { addresses: Infinity, graph: true, notRun: NOT_RUN_LISTED },
    { addresses: 20, graph: true, notRun: NOT_RUN_LISTED },
    { addresses: 5, graph: true, notRun: NOT_RUN_LISTED },
    { addresses: 5, graph: false, notRun: 5 },
    { addresses: 0, graph: false, notRun: 0 },
  ];
  for (const step of steps) {
    const fixed = render({ texts: new Map(), ...step, sections: true }).length;
    let available = limit - fixed - 200 * blocks.size;
    if (available < 400 * blocks.size) continue;
    for (let attempt = 0; attempt < 6 && available > 0; attempt++) {
      const text = render({ texts: fairShares(blocks, available), ...step, sections: true });
      if (text.length <= limit) return text;
      available -= text.length - limit + 500;
    }
  }
  for (const step of steps) {
    const text = render({ texts: new Map(), ...step, sections: true });
    if (text.length <= limit) return text;
  }
  const tableOnly = render({ texts: new Map(), addresses: 0, graph: false, sections: false, notRun: 0 });
  if (tableOnly.length <= limit) return tableOnly;
  // Too many units even for a row each: cut at a line and say so.
  const note = (omitted: number) =>
    `\n\n_… report cut (${omitted} characters left out to fit GitHub's limit)${report.logs ? `; full logs: ${linkOrPath(report.logs, "the run")}` : ""}._\n`;
  let cut = tableOnly.lastIndexOf("\n", limit - note(tableOnly.length).length - 1);
  if (cut <= 0) cut = limit - note(tableOnly.length).length;
  return tableOnly.slice(0, cut) + note(tableOnly.length - cut);
}

/** The unit texts that can be shortened (output and error of each unit), masked, by key. */
function textBlocks(units: readonly ReportUnit[], mask: (value: string) => string): Map<string, number> {
  const blocks = new Map<string, number>();
  units.forEach((row, index) => {
    if (row.result?.output) blocks.set(`${index}:output`, mask(row.result.output).length);
    if (row.result?.error) blocks.set(`${index}:error`, mask(row.result.error).length);
  });
  return blocks;
}

/** Water-filling: every block gets up to an equal share; what short blocks leave is shared by the longer ones. */
export function fairShares(lengths: ReadonlyMap<string, number>, available: number): Map<string, number> {
  const shares = new Map<string, number>();
  const pending = [...lengths].sort((a, b) => a[1] - b[1]);
  let left = Math.max(0, available);
  while (pending.length > 0) {
    const share = Math.floor(left / pending.length);
    const [key, length] = pending.shift()!;
    const given = Math.min(length, share);
    shares.set(key, given);
    left -= given;
  }
  return shares;
}

class Renderer {
  readonly #lines: string[] = [];

  constructor(
    private readonly report: RunReport,
    private readonly units: readonly ReportUnit[],
    private readonly budget: Budget,
    private readonly mask: (value: string) => string,
  ) {}

  /** Masked, then escaped: a secret is found before escaping could change how it is written. */
  #t(value: string): string {
    return text(this.mask(value));
  }

  #c(value: string): string {
    return code(this.mask(value));
  }

  render(): string {
    const { report } = this;
    const verb = report.event === "pull_request" ? "plan" : "apply";
    this.#lines.push(`## Gantry ${verb} for ${this.#c(shortSha(report.head))}`, "", this.#statusLine(), "");
    if (report.jobs.length === 0) this.#notRun();
    if (report.jobs.length > 0) {
      this.#destructive();
      this.#table();
      this.#notRun();
      if (this.budget.sections) for (const entry of report.jobs) this.#job(entry);
      if (this.budget.graph)
        this.#lines.push(
          "<details><summary>Job graph</summary>",
          "",
          "```mermaid",
          renderJobGraph(report.jobs),
          "```",
          "",
          "</details>",
          "",
        );
    }
    if (report.logs) this.#lines.push(`Full logs: ${linkOrPath(report.logs, "the run")}`, "");
    return this.#lines.join("\n");
  }

  #statusLine(): string {
    const { report } = this;
    if (report.error) {
      const where = report.error.location
        ? ` (${this.#c(`${report.error.location.file}${report.error.location.line ? `:${report.error.location.line}` : ""}`)})`
        : "";
      return `❌ **The pipeline failed before running any job**: ${this.#c(report.error.code)}${where} ${this.#t(report.error.message)}${report.error.hint ? `\n\n_Hint_: ${this.#t(report.error.hint)}` : ""}`;
    }
    if (report.jobs.length === 0 && (report.unitsNotRun ?? []).length > 0)
      return `ℹ️ **Nothing to run**: every unit the change affects is already deployed or excluded (below). ${this.#t(report.notice ?? "")}`.trim();
    if (report.jobs.length === 0) return `ℹ️ **No infrastructure changes.** ${this.#t(report.notice ?? "")}`.trim();
    const tally = (items: readonly { status: ReportStatus }[], noun: string) => {
      const counts = countStatuses(items);
      const parts = (["succeeded", "failed", "superseded", "skipped", "not-started"] as const)
        .filter((status) => counts[status] > 0)
        .map((status) => `${counts[status]} ${status.replace("-", " ")}`);
      return `${items.length} ${noun}${items.length === 1 ? "" : "s"} (${parts.join(", ") || "none"})`;
    };
    const superseded = report.jobs.some((entry) => entry.status === "superseded");
    const icon = report.interrupted
      ? "⚠️ **Interrupted**"
      : reportSucceeded(report)
        ? superseded
          ? "✅ **Every job succeeded or was superseded**"
          : "✅ **All jobs succeeded**"
        : "❌ **Some jobs did not succeed**";
    const branch = report.branch ? ` on ${this.#c(report.branch)}` : "";
    return `${icon}: ${tally(report.jobs, "job")}, ${tally(this.units, "unit")}. Event ${this.#c(report.event)}, base ${this.#c(shortSha(report.base))} → head ${this.#c(shortSha(report.head))}${branch}.`;
  }

  /** Destroys, replacements and maybe-partial applies stand out above the table. */
  #destructive(): void {
    const lines: string[] = [];
    for (const row of this.units) {
      const plan = row.result?.plan;
      const destroy = row.result?.applied?.destroy ?? plan?.destroy ?? 0;
      const replace = plan?.addresses.replace.length ?? 0;
      if (destroy > 0)
        lines.push(
          `- ${this.#c(row.unit)}: ${destroy} to destroy${replace > 0 ? `, of which ${replace} replaced` : ""}`,
        );
      if (row.result?.mayBePartiallyApplied)
        lines.push(`- ${this.#c(row.unit)}: **may be partially applied**: ${this.#t(row.result.reason ?? "")}`);
    }
    if (lines.length === 0) return;
    this.#lines.push(
      `> [!WARNING]`,
      `> **Destroys, replacements or partial applies** in ${lines.length} unit${lines.length === 1 ? "" : "s"}:`,
      ...lines.map((line) => `> ${line}`),
      "",
    );
  }

  /** Units the plan gave no job: a short collapsed list with the reason and the commit each is deployed as of. */
  #notRun(): void {
    const units = this.report.unitsNotRun ?? [];
    if (units.length === 0) return;
    const counts = new Map<string, number>();
    for (const entry of units) counts.set(entry.reason, (counts.get(entry.reason) ?? 0) + 1);
    const tally = [...counts]
      .map(([reason, count]) => `${count} ${notRunLabel[reason as UnitNotRun["reason"]]}`)
      .join(", ");
    this.#lines.push(
      `<details><summary>${units.length} unit${units.length === 1 ? "" : "s"} not run: ${tally}</summary>`,
      "",
    );
    for (const entry of units.slice(0, this.budget.notRun)) {
      this.#lines.push(`- ${this.#c(entry.unit)}: ${this.#whyNotRun(entry)}`);
    }
    const more = units.length - Math.min(units.length, this.budget.notRun);
    if (more > 0)
      this.#lines.push(
        `- … and ${more} more (all of them in the RunReport document: \`gantry run --json\`, \`gantry report --format json\`)`,
      );
    this.#lines.push("", "</details>", "");
  }

  #whyNotRun(entry: UnitNotRun): string {
    const deployed = entry.deployedAt ? `deployed as of ${this.#c(shortSha(entry.deployedAt))}` : "";
    switch (entry.reason) {
      case "up-to-date":
        return `up to date, ${deployed} (nothing it reads changed since)`;
      case "superseded":
        return `superseded, ${deployed}: newer than this run's head, so running it here would roll it back`;
      case "excluded": {
        const block = entry.from ? ` at ${this.#c(entry.from)}` : "";
        return entry.dependencyOf
          ? `excluded as a dependency of ${this.#c(entry.dependencyOf)} (\`exclude_dependencies\` in its \`exclude\` block${block})`
          : `excluded by its \`exclude\` block${block}`;
      }
    }
  }

  #table(): void {
    this.#lines.push(
      "| | Unit | Action | Add | Change | Destroy | Import | Status | Time |",
      "|:-:|:--|:--|--:|--:|--:|--:|:--|--:|",
    );
    for (const row of this.units) {
      const result = row.result;
      const applied = result?.applied;
      const plan = result?.plan;
      const counts = applied ?? plan;
      const cell = (value: number | undefined) => (value === undefined ? "–" : String(value));
      const replace = plan?.addresses.replace.length ?? 0;
      const destroy =
        counts === undefined || counts === null
          ? "–"
          : counts.destroy > 0
            ? `**${counts.destroy}** ⚠️${replace > 0 ? ` (${replace} replace)` : ""}`
            : "0";
      const status = result?.mayBePartiallyApplied
        ? "failed: **may be partially applied**"
        : row.status === "not-started"
          ? "not started"
          : row.status;
      const time = result && result.durationMs > 0 ? seconds(result.durationMs) : "";
      this.#lines.push(
        `| ${statusIcon[row.status]} | ${this.#c(row.unit)} | ${row.entry.job.action} | ${cell(counts?.add)} | ${cell(counts?.change)} | ${destroy} | ${cell(counts?.import)} | ${status} | ${time} |`,
      );
    }
    this.#lines.push("");
  }

  #job(entry: ReportJob): void {
    const { job } = entry;
    const logs =
      entry.result?.logsUrl ?? (this.report.logs && /^https?:/.test(this.report.logs) ? this.report.logs : null);
    this.#lines.push(
      `### ${statusIcon[entry.status]} ${actionTitle[job.action]} ${this.#c(job.id)} · environment ${this.#c(job.environment)} · at ${this.#c(shortSha(job.ref))}${logs ? ` · ${linkOrPath(logs, "logs")}` : ""}`,
      "",
    );
    if (entry.status === "superseded") {
      this.#lines.push(
        `_Superseded: ${this.#t(entry.reason ?? "")}_${entry.result?.error ? ` (${this.#t(entry.result.error.message)})` : ""}`,
        "",
      );
    } else if (entry.result?.error) {
      this.#lines.push(
        `**${this.#t(entry.result.error.code)}**: ${this.#t(entry.result.error.message)}${entry.result.error.hint ? ` _Hint_: ${this.#t(entry.result.error.hint)}` : ""}`,
        "",
      );
    }
    if (entry.result === null && entry.status !== "superseded")
      this.#lines.push(
        `_${this.#t(entry.reason ?? (entry.status === "skipped" ? "a job it needs did not succeed" : "never started"))}_`,
        "",
      );
    this.units.forEach((row, index) => {
      if (row.entry === entry) this.#unit(row, index, logs);
    });
  }

  #unit(row: ReportUnit, index: number, logs: string | null): void {
    const result = row.result;
    const action = row.entry.job.action;
    const detail = result?.applied
      ? formatAppliedCounts(result.applied, action === "destroy" ? "destroy" : "apply")
      : result?.plan
        ? formatPlanCounts(result.plan)
        : "";
    const time = result && result.durationMs > 0 ? ` · ${seconds(result.durationMs)}` : "";
    this.#lines.push(`#### ${statusIcon[row.status]} ${this.#c(row.unit)}`, "");
    const items: string[] = [];
    if (detail) items.push(`${this.#t(detail)}${time}`);
    const why = this.#why(row.unit);
    if (why) items.push(`Why: ${why}`);
    if (result?.reason && row.status !== "succeeded")
      items.push(
        `${row.status === "failed" ? "**Failed**" : row.status === "skipped" ? "Skipped" : "Not started"}: ${this.#t(result.reason)}${result.exitCode ? ` (exit ${result.exitCode})` : ""}`,
      );
    if (result === null && row.entry.reason && row.status !== "superseded")
      items.push(`_${this.#t(row.entry.reason)}_`);
    if (result?.plan) items.push(...this.#resources(result));
    for (const warning of result?.warnings ?? []) items.push(`⚠️ ${this.#t(warning)}`);
    for (const check of result?.plan?.checks ?? [])
      items.push(
        `⚠️ check ${this.#c(check.address)} ${this.#t(check.status)}${check.messages.length > 0 ? `: ${this.#t(check.messages.join("; "))}` : ""}`,
      );
    this.#lines.push(...items.map((item) => `- ${item}`), "");
    const where = logs ?? (result?.logPath ? result.logPath : null);
    if (result?.error) this.#block(`${index}:error`, result.error, "text", null, where);
    if (result?.output) {
      const title = action === "apply" || action === "destroy" ? `Output of the ${action}` : "Plan";
      this.#block(`${index}:output`, result.output, "diff", `${title} of ${this.#c(row.unit)}`, where);
    }
  }

  /** A unit's text, shortened to its share; collapsed in `<details>` when a summary is given. */
  #block(key: string, body: string, language: "diff" | "text", summary: string | null, where: string | null): void {
    const masked = this.mask(body);
    const share = this.budget.texts === null ? masked.length : (this.budget.texts.get(key) ?? 0);
    if (share <= 0) {
      this.#lines.push(
        `_${language === "diff" ? "The output" : "The error"} is left out to fit GitHub's limit${where ? `; see ${linkOrPath(where, "the logs")}` : ""}._`,
        "",
      );
      return;
    }
    const shown = truncateMiddle(masked, share);
    const content = language === "diff" ? planAsDiff(shown) : shown;
    if (summary !== null) this.#lines.push(`<details><summary>${summary}</summary>`, "");
    this.#lines.push(...fenced(content, language), "");
    if (shown.length < masked.length)
      this.#lines.push(
        `_Cut to fit GitHub's limit${where ? `; the full text is in ${linkOrPath(where, "the logs")}` : ""}._`,
        "",
      );
    if (summary !== null) this.#lines.push("</details>", "");
  }

  /** `_envcommon/app.hcl` → include → `dev/app`: from the changed file to the unit. */
  #why(unit: string): string | null {
    const reasons: UnitReason[] = this.report.reasons?.[unit] ?? [];
    const types = this.report.changeTypes?.[unit] ?? [];
    const chains = reasons.map((reason) => {
      const links = [...reason.chain].reverse();
      if (links.length <= 1) return this.#c(reason.file);
      const parts = [this.#c(links[0]!.file)];
      for (let i = 0; i < links.length - 1; i++)
        parts.push(this.#t(links[i]!.via), i + 1 === links.length - 1 ? this.#c(unit) : this.#c(links[i + 1]!.file));
      return parts.join(" → ");
    });
    if (chains.length === 0 && types.length === 0) return null;
    return [types.length > 0 ? types.map((type) => this.#t(type)).join(", ") : "", chains.join("; ")]
      .filter(Boolean)
      .join(": ");
  }

  #resources(result: UnitResult): string[] {
    const plan = result.plan!;
    const list = (title: string, addresses: readonly string[] | undefined) => {
      if (!addresses || addresses.length === 0 || this.budget.addresses === 0) return [];
      const shown = addresses.slice(0, this.budget.addresses).map((address) => this.#c(address));
      const more =
        addresses.length > this.budget.addresses ? ` and ${addresses.length - this.budget.addresses} more` : "";
      return [`${title}: ${shown.join(", ")}${more}`];
    };
    return [
      ...list("to add", plan.addresses.create),
      ...list("to change", plan.addresses.update),
      ...list("**to replace**", plan.addresses.replace),
      ...list("**to destroy**", plan.addresses.delete),
      ...list("to import", plan.addresses.import),
      ...list("to forget (kept, no longer managed)", plan.addresses.forget),
      ...list(
        "moved",
        plan.moves?.map((move) => `${move.from} → ${move.to}`),
      ),
      ...list("read during apply", plan.addresses.read),
      ...list("deferred", plan.addresses.deferred),
      ...list("outputs changing", plan.outputs),
    ];
  }
}
