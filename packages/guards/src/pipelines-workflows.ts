/**
 * What must hold in infrastructure-pipelines' plan and apply workflows, hand-edited or as `gantry init` writes
 * them: `gantry doctor --pipelines-dir` reports each violation, and the example's test holds the generated files
 * to the same rules. Works on the parsed workflow (any YAML parser), so this package needs none.
 */
import { TOKEN_SETTINGS } from "./tokens.js";
import { DEPLOY_BRANCH_FETCHED_VARIABLE } from "./deploy-branch.js";

export type PipelinesWorkflowRole = "plan" | "apply";

export const PIPELINES_WORKFLOW_FINDINGS = {
  /** actions/cache (restore or save) in a pipelines workflow. */
  cache: "WORKFLOW_USES_CACHE",
  /** A token, key or secret in the environment or inputs of the step that runs terragrunt and tofu. */
  token: "WORKFLOW_TOKEN_IN_TOOLS_STEP",
  /** GANTRY_WORKFLOW_ROLE (or --workflow-role) missing or not this workflow's role where the tools run. */
  role: "WORKFLOW_ROLE_NOT_SET",
  /** No step runs `gantry execute` / `gantry run`, so nothing here could be checked. */
  noTools: "WORKFLOW_NO_TOOLS_STEP",
  /** The file is missing or is not YAML (reported by whoever reads it). */
  unreadable: "WORKFLOW_UNREADABLE",
} as const;

export interface PipelinesWorkflowFinding {
  code: (typeof PIPELINES_WORKFLOW_FINDINGS)[keyof typeof PIPELINES_WORKFLOW_FINDINGS];
  /** Where in the workflow, as YAML keys: `["jobs", "plan", "steps", 2]`, or `[]` for the whole file. */
  path: (string | number)[];
  /** The step's name (or id, or uses), when the finding is about one step. */
  step: string | null;
  message: string;
  hint: string;
}

interface Step {
  id?: unknown;
  name?: unknown;
  uses?: unknown;
  run?: unknown;
  env?: unknown;
  with?: unknown;
}

const record = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

/**
 * Variables the apply workflow's tools step may hold: the record's ref (its own `github.token`) and the report on
 * merged pull requests, which `gantry run` uses after the tools. The plan workflow runs a pull request's code:
 * nothing at all.
 */
const ALLOWED_IN_TOOLS_STEP: Record<PipelinesWorkflowRole, string[]> = {
  plan: [],
  apply: ["GANTRY_RECORD_TOKEN", TOKEN_SETTINGS["infra-live-write"].variable],
};
const CREDENTIAL_NAME = /TOKEN|KEY|SECRET|PASSWORD/i;
const CREDENTIAL_VALUE = /\$\{\{[^}]*\b(secrets\.|steps\.|github\.token)/;

/** The step that runs the tools: Gantry's `execute` or `run`, as the Action or a script, or the fetched marker. */
function runsTools(step: Step): boolean {
  if (DEPLOY_BRANCH_FETCHED_VARIABLE in record(step.env)) return true;
  if (typeof step.uses === "string" && /(^|\/)gantry@/.test(step.uses))
    return ["execute", "run"].includes(String(record(step.with).command ?? "plan"));
  return typeof step.run === "string" && /(^|[\s;&|(])gantry\s+(execute|run)\b/.test(step.run);
}

function stepLabel(step: Step, index: number): string {
  for (const value of [step.name, step.id, step.uses]) if (typeof value === "string" && value) return value;
  return `step ${index + 1}`;
}

/** The role the step's guards see: `--workflow-role` in its arguments, else the nearest GANTRY_WORKFLOW_ROLE. */
function workflowRoleOf(step: Step, env: Record<string, unknown>): string | undefined {
  const argument = /--workflow-role[= ]([a-z]+)/.exec(
    `${String(record(step.with).args ?? "")} ${String(step.run ?? "")}`,
  );
  if (argument) return argument[1];
  const value = env.GANTRY_WORKFLOW_ROLE;
  return value === undefined ? undefined : String(value);
}

/** Every violation of the pipelines workflows' rules in one parsed workflow (`plan.yml` or `apply.yml`). */
export function checkPipelinesWorkflow(workflow: unknown, role: PipelinesWorkflowRole): PipelinesWorkflowFinding[] {
  const findings: PipelinesWorkflowFinding[] = [];
  const top = record(workflow);
  let toolsSteps = 0;
  for (const [jobName, jobValue] of Object.entries(record(top.jobs))) {
    const job = record(jobValue);
    const steps: unknown[] = Array.isArray(job.steps) ? job.steps : [];
    steps.forEach((stepValue, index) => {
      const step = record(stepValue) as Step;
      const path = ["jobs", jobName, "steps", index];
      const label = stepLabel(step, index);
      if (typeof step.uses === "string" && /^actions\/cache(\/|@)/.test(step.uses))
        findings.push({
          code: PIPELINES_WORKFLOW_FINDINGS.cache,
          path,
          step: label,
          message: `job ${jobName} uses a cache (${step.uses})`,
          hint: "remove the step: code a plan runs can write cache entries (the runner's ACTIONS_RUNTIME_TOKEN is within its reach) that this workflow would restore, anywhere the runner can write; the Gantry Action downloads and verifies the pinned tools itself",
        });
      if (!runsTools(step)) return;
      toolsSteps++;
      const env = { ...record(top.env), ...record(job.env), ...record(step.env) };
      const allowed = ALLOWED_IN_TOOLS_STEP[role];
      const held = [
        ...Object.entries(env).filter(
          ([name, value]) =>
            !allowed.includes(name) && (CREDENTIAL_NAME.test(name) || CREDENTIAL_VALUE.test(String(value))),
        ),
        ...Object.entries(record(step.with))
          .filter(([, value]) => CREDENTIAL_VALUE.test(String(value)))
          .map(([name, value]) => [`with.${name}`, value] as const),
      ].map(([name]) => name);
      if (held.length > 0)
        findings.push({
          code: PIPELINES_WORKFLOW_FINDINGS.token,
          path,
          step: label,
          message: `the step that runs terragrunt and tofu holds ${held.join(", ")}`,
          hint: `${role === "plan" ? "it runs a pull request's code, whose hooks can read their ancestors' /proc/<pid>/environ: give it no token" : `give it only ${allowed.join(" and ")}`}; fetch the deploy branch in a step of its own (\`gantry fetch-deploy-branch\`, holding ${TOKEN_SETTINGS["code-read"].variable}) and set ${DEPLOY_BRANCH_FETCHED_VARIABLE}: "true" here, as \`gantry init\` writes it (tokens set in the workflow's or job's env reach this step too)`,
        });
      const seen = workflowRoleOf(step, env);
      if (seen !== role)
        findings.push({
          code: PIPELINES_WORKFLOW_FINDINGS.role,
          path,
          step: label,
          message:
            seen === undefined
              ? "GANTRY_WORKFLOW_ROLE is not set where the tools run"
              : `GANTRY_WORKFLOW_ROLE is '${seen}' in the ${role} workflow`,
          hint: `set env GANTRY_WORKFLOW_ROLE: ${role} at the top of the workflow, as \`gantry init\` writes it: the guards then accept ${role === "plan" ? "only plans here" : "applies here"}`,
        });
    });
  }
  if (toolsSteps === 0)
    findings.push({
      code: PIPELINES_WORKFLOW_FINDINGS.noTools,
      path: [],
      step: null,
      message: `no step runs gantry ${role === "plan" ? "execute" : "run"}`,
      hint: "is this the workflow gantry dispatch starts? `gantry init` writes it; the checks look for the Gantry Action's execute or run command",
    });
  return findings;
}
