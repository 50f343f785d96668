/**
 * `gantry doctor --pipelines-dir`: infrastructure-pipelines' plan and apply workflows, read with their line
 * numbers, checked against the rules in @gantry/guards (the ones the generated example is held to).
 */
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import {
  APPLY_WORKFLOW,
  checkPipelinesWorkflow,
  PIPELINES_WORKFLOW_FINDINGS,
  PLAN_WORKFLOW,
  type PipelinesWorkflowFinding,
  type PipelinesWorkflowRole,
} from "@gantry/guards";
import { LineCounter, parseDocument } from "yaml";

export interface WorkflowFinding extends Omit<PipelinesWorkflowFinding, "path"> {
  file: string;
  line: number | null;
}

export interface WorkflowsDiagnosis {
  dir: string;
  files: string[];
  findings: WorkflowFinding[];
}

export function diagnoseWorkflows(dir: string, cwd: string): WorkflowsDiagnosis {
  const files: string[] = [];
  const findings: WorkflowFinding[] = [];
  for (const [role, name] of [
    ["plan", PLAN_WORKFLOW],
    ["apply", APPLY_WORKFLOW],
  ] as [PipelinesWorkflowRole, string][]) {
    const path = join(dir, ".github", "workflows", name);
    const file = relative(cwd, path) || path;
    files.push(file);
    const unreadable = (line: number | null, message: string, hint: string) =>
      findings.push({ code: PIPELINES_WORKFLOW_FINDINGS.unreadable, file, line, step: null, message, hint });
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch {
      unreadable(
        null,
        "not found",
        `write it with \`gantry init\`, or point --pipelines-dir at the pipelines checkout`,
      );
      continue;
    }
    const lineCounter = new LineCounter();
    const document = parseDocument(text, { lineCounter });
    if (document.errors.length > 0) {
      const error = document.errors[0]!;
      unreadable(error.linePos?.[0].line ?? null, error.message.split("\n")[0]!, "fix the YAML");
      continue;
    }
    for (const { path: at, ...finding } of checkPipelinesWorkflow(document.toJS(), role)) {
      const node = at.length > 0 ? document.getIn(at, true) : undefined;
      const offset = node && typeof node === "object" && "range" in node ? (node.range as number[] | undefined) : null;
      findings.push({ ...finding, file, line: offset ? lineCounter.linePos(offset[0]!).line : null });
    }
  }
  return { dir, files, findings };
}
