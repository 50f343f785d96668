import { existsSync } from "node:fs";

/**
 * The environment terragrunt and tofu run with: the caller's, then the job's `terragrunt.env`, then the
 * credentials (which win), then what makes every run non-interactive and finds the state.
 */
export function toolEnvironment(layers: Array<Record<string, string | undefined>>, stateDir: string): Record<string, string> {
  const toolEnv: Record<string, string> = {};
  for (const layer of layers) {
    for (const [name, value] of Object.entries(layer)) if (value !== undefined) toolEnv[name] = value;
  }
  // OpenTofu prints a warning when TF_CLI_CONFIG_FILE names a missing file, and terragrunt then fails to
  // parse `tofu version`; a missing file configures nothing, so it is dropped.
  if (toolEnv.TF_CLI_CONFIG_FILE !== undefined && !existsSync(toolEnv.TF_CLI_CONFIG_FILE)) delete toolEnv.TF_CLI_CONFIG_FILE;
  return { ...toolEnv, TF_IN_AUTOMATION: "1", TF_INPUT: "0", TG_NON_INTERACTIVE: "true", CHECKPOINT_DISABLE: "1", GANTRY_STATE_DIR: stateDir };
}
