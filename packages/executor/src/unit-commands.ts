/**
 * The terragrunt invocations for one unit and action. Every action plans into a saved plan file first
 * and summarises it with `show -json`; apply and destroy then apply exactly that saved plan, so what is
 * reported is what was applied.
 *
 * | action       | steps                                                   |
 * |--------------|---------------------------------------------------------|
 * | plan         | plan -out, show -json                                   |
 * | plan-destroy | plan -destroy -out, show -json                          |
 * | apply        | plan -out, show -json, apply PLANFILE (when it changes) |
 * | destroy      | plan -destroy -out, show -json, apply PLANFILE (idem)   |
 */
import type { JobAction } from "@gantry/classifier";
import type { IacTools } from "./tools.js";

export type StepPurpose = "plan" | "show" | "apply";

export interface UnitStep {
  purpose: StepPurpose;
  command: string;
  args: string[];
}

export interface UnitCommandInput {
  action: JobAction;
  unitDir: string;
  planFile: string;
  tools: IacTools;
  /** Extra terragrunt flags from the job (`terragrunt.flags`), placed before `--`. */
  flags: readonly string[];
  /**
   * Terragrunt's download directory for this unit alone. Units running in parallel each fetch their
   * dependencies' outputs by initialising those dependencies; with a shared `.terragrunt-cache` two
   * dependents of one unit would initialise the same directory at once.
   */
  downloadDir: string;
}

function terragrunt(input: UnitCommandInput, purpose: StepPurpose, tofuArgs: string[]): UnitStep {
  const args = [
    "run",
    "--working-dir",
    input.unitDir,
    "--non-interactive",
    "--no-color",
    "--tf-forward-stdout",
    "--tf-path",
    input.tools.tofu,
    "--download-dir",
    input.downloadDir,
    ...input.flags,
    "--",
    ...tofuArgs,
  ];
  return { purpose, command: input.tools.terragrunt, args };
}

export function unitSteps(input: UnitCommandInput): UnitStep[] {
  const destroying = input.action === "plan-destroy" || input.action === "destroy";
  const steps = [
    terragrunt(input, "plan", ["plan", "-input=false", "-no-color", "-lock-timeout=60s", ...(destroying ? ["-destroy"] : []), `-out=${input.planFile}`]),
    terragrunt(input, "show", ["show", "-json", "-no-color", input.planFile]),
  ];
  if (input.action === "apply" || input.action === "destroy") {
    steps.push(terragrunt(input, "apply", ["apply", "-input=false", "-no-color", "-lock-timeout=60s", "-auto-approve", input.planFile]));
  }
  return steps;
}

/**
 * A command as a shell line, for logs and dry runs (arguments with spaces or quotes are quoted;
 * `$WORKTREE` / `$RUN_DIR` placeholders are left for the shell to expand).
 */
export function formatCommand(command: string, args: readonly string[]): string {
  const quote = (word: string) => (/^[\w@%+=:,./$-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`);
  return [command, ...args].map(quote).join(" ");
}
