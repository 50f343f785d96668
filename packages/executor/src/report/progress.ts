/**
 * Live progress for long runs: a line when a job or unit starts and finishes, and every `heartbeatMs`
 * a line naming what is still running, so a quiet terragrunt never looks like a hang.
 */
import type { ExecutionEvent } from "../execute-job.js";
import type { SecretMasker } from "../masking.js";
import { formatPlanCounts } from "../plan-summary.js";

export interface ProgressPrinter {
  onEvent(event: ExecutionEvent): void;
  stop(): void;
}

export function createProgressPrinter(out: NodeJS.WritableStream, options: { masker?: SecretMasker; heartbeatMs?: number } = {}): ProgressPrinter {
  const started = Date.now();
  const running = new Map<string, number>();
  const clock = () => {
    const seconds = Math.floor((Date.now() - started) / 1000);
    return `[${String(Math.floor(seconds / 60)).padStart(2, "0")}:${String(seconds % 60).padStart(2, "0")}]`;
  };
  const print = (line: string) => out.write(`${clock()} ${options.masker ? options.masker.mask(line) : line}\n`);
  const timer = setInterval(() => {
    if (running.size > 0) print(`… still running: ${[...running.keys()].join(", ")}`);
  }, options.heartbeatMs ?? 30_000);
  timer.unref();
  return {
    onEvent(event) {
      switch (event.type) {
        case "job-started":
          print(`▶ job ${event.job.id}: ${event.job.action} ${event.job.units.length} unit(s) at ${event.job.ref.slice(0, 7)}`);
          break;
        case "unit-started":
          running.set(`${event.job.id}:${event.unit}`, Date.now());
          print(`  ▶ ${event.unit}`);
          break;
        case "unit-finished": {
          running.delete(`${event.job.id}:${event.result.unit}`);
          const detail = event.result.plan ? formatPlanCounts(event.result.plan) : (event.result.reason ?? "");
          print(`  ${event.result.status === "succeeded" ? "✔" : event.result.status === "failed" ? "✘" : "⏭"} ${event.result.unit}: ${event.result.status} ${detail}`.trimEnd());
          break;
        }
        case "job-finished":
          print(`${event.result.status === "succeeded" ? "✔" : "✘"} job ${event.result.job.id}: ${event.result.status}${event.result.error ? ` [${event.result.error.code}] ${event.result.error.message}` : ""}`);
          break;
      }
    },
    stop() {
      clearInterval(timer);
    },
  };
}
