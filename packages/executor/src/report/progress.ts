/**
 * Live progress for long runs: a line when a job or unit starts and finishes, and every `heartbeatMs`
 * a line naming what is still running, so a quiet terragrunt never looks like a hang.
 *
 * Inside GitHub Actions (`actionsLogGroups`), each finished unit's log follows its line as a collapsible
 * group of the run's log, as Pipelines groups logs per unit. The log is terragrunt's and the module's output,
 * which a pull request controls. So workflow commands are switched off around it (`::stop-commands::`), and a
 * line like `::add-mask::` or `::set-output` in a plan is printed, never obeyed.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import type { ExecutionEvent } from "../execute-job.js";
import type { SecretMasker } from "../masking.js";
import { formatPlanCounts } from "../plan-summary.js";
import { formatAppliedCounts } from "../rendered-output.js";

export interface ProgressPrinter {
  onEvent(event: ExecutionEvent): void;
  stop(): void;
}

export interface ProgressOptions {
  masker?: SecretMasker;
  heartbeatMs?: number;
  /** Print each finished unit's log as a GitHub Actions log group (default: false). */
  actionsLogGroups?: boolean;
}

export function createProgressPrinter(out: NodeJS.WritableStream, options: ProgressOptions = {}): ProgressPrinter {
  const started = Date.now();
  const running = new Map<string, number>();
  const clock = () => {
    const seconds = Math.floor((Date.now() - started) / 1000);
    return `[${String(Math.floor(seconds / 60)).padStart(2, "0")}:${String(seconds % 60).padStart(2, "0")}]`;
  };
  const print = (line: string) => out.write(`${clock()} ${options.masker ? options.masker.mask(line) : line}\n`);
  const mask = (text: string) => (options.masker ? options.masker.mask(text) : text);
  const printLogGroup = (unit: string, logPath: string) => {
    let log: string;
    try {
      log = readFileSync(logPath, "utf8");
    } catch (error) {
      log = `(the log ${logPath} could not be read: ${(error as Error).message})`;
    }
    // A fresh token each time: the log cannot know it, so it cannot switch commands back on.
    const token = `gantry-${randomUUID()}`;
    const body = mask(log);
    out.write(
      `::group::${mask(unit).replace(/[\r\n]/g, " ")} log\n::stop-commands::${token}\n${body}${body.endsWith("\n") ? "" : "\n"}::${token}::\n::endgroup::\n`,
    );
  };
  const timer = setInterval(() => {
    if (running.size > 0) print(`… still running: ${[...running.keys()].join(", ")}`);
  }, options.heartbeatMs ?? 30_000);
  timer.unref();
  return {
    onEvent(event) {
      switch (event.type) {
        case "job-started":
          print(
            `▶ job ${event.job.id}: ${event.job.action} ${event.job.units.length} unit(s) at ${event.job.ref.slice(0, 7)}`,
          );
          break;
        case "unit-started":
          running.set(`${event.job.id}:${event.unit}`, Date.now());
          print(`  ▶ ${event.unit}`);
          break;
        case "unit-finished": {
          running.delete(`${event.job.id}:${event.result.unit}`);
          const { applied, plan, reason } = event.result;
          const detail = applied
            ? formatAppliedCounts(applied, event.job.action === "destroy" ? "destroy" : "apply")
            : plan
              ? formatPlanCounts(plan)
              : (reason ?? "");
          print(
            `  ${event.result.status === "succeeded" ? "✔" : event.result.status === "failed" ? "✘" : "⏭"} ${event.result.unit}: ${event.result.status} ${detail}`.trimEnd(),
          );
          break;
        }
        case "job-finished":
          // Logs are complete (and masked with every secret the job learnt) only once the job has ended.
          if (options.actionsLogGroups)
            for (const unit of event.result.units) if (unit.logPath) printLogGroup(unit.unit, unit.logPath);
          print(
            `${event.result.status === "succeeded" ? "✔" : "✘"} job ${event.result.job.id}: ${event.result.status}${event.result.error ? ` [${event.result.error.code}] ${event.result.error.message}` : ""}`,
          );
          break;
      }
    },
    stop() {
      clearInterval(timer);
    },
  };
}
