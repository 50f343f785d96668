/** The job graph in Mermaid (`flowchart`), each node labelled with its action, environment and status. */
import type { ReportJob } from "./model.js";

const statusClass = {
  succeeded: "ok",
  failed: "failed",
  skipped: "skipped",
  "not-started": "waiting",
  superseded: "skipped",
} as const;

function nodeId(index: number): string {
  return `j${index}`;
}

function label(text: string): string {
  // Mermaid labels are quoted; quotes and angle brackets become entities.
  return text.replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;");
}

export function renderJobGraph(jobs: readonly ReportJob[]): string {
  const ids = new Map(jobs.map((entry, index) => [entry.job.id, nodeId(index)]));
  const lines = ["flowchart LR"];
  jobs.forEach((entry, index) => {
    const units = entry.job.units.length === 1 ? entry.job.units[0]! : `${entry.job.units.length} units`;
    lines.push(
      `  ${nodeId(index)}["${label(entry.job.id)}<br/>${label(`${entry.job.action} · ${units}`)}"]:::${statusClass[entry.status]}`,
    );
  });
  for (const entry of jobs) {
    for (const need of entry.job.needs) {
      const from = ids.get(need);
      if (from) lines.push(`  ${from} --> ${ids.get(entry.job.id)}`);
    }
  }
  lines.push(
    "  classDef ok fill:#dafbe1,stroke:#1a7f37",
    "  classDef failed fill:#ffebe9,stroke:#cf222e",
    "  classDef skipped fill:#f6f8fa,stroke:#8c959f,stroke-dasharray: 4 2",
    "  classDef waiting fill:#fff8c5,stroke:#9a6700",
  );
  return lines.join("\n");
}
