/**
 * Finds the terragrunt and OpenTofu binaries: `GANTRY_TERRAGRUNT` / `GANTRY_TOFU` first (a user's own
 * installs are respected), then PATH. Absent tools are an error that says how to get them.
 */
import { accessSync, constants } from "node:fs";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import { GantryError } from "@gantry/errors";

export interface IacTools {
  terragrunt: string;
  tofu: string;
}

const toolHint = "run `bash scripts/ensure-iac-tools.sh` (it prints the directory holding both binaries; add it to PATH), or set GANTRY_TERRAGRUNT and GANTRY_TOFU to existing binaries";

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findOnPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function findTool(name: string, variable: string, env: NodeJS.ProcessEnv): string {
  const configured = env[variable];
  if (configured !== undefined && configured !== "") {
    const path = isAbsolute(configured) ? configured : (findOnPath(configured, env) ?? resolve(configured));
    if (!isExecutable(path)) {
      throw new GantryError("EXEC_TOOL_NOT_FOUND", `${variable}=${configured} is not an executable file`, { hint: toolHint, exitCode: 31 });
    }
    return path;
  }
  const found = findOnPath(name, env);
  if (!found) {
    throw new GantryError("EXEC_TOOL_NOT_FOUND", `\`${name}\` was not found on PATH and ${variable} is not set`, { hint: toolHint, exitCode: 31 });
  }
  return found;
}

export function findIacTools(env: NodeJS.ProcessEnv = process.env): IacTools {
  return { terragrunt: findTool("terragrunt", "GANTRY_TERRAGRUNT", env), tofu: findTool("tofu", "GANTRY_TOFU", env) };
}
