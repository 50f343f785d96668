/**
 * Finds terragrunt and the binary it runs, OpenTofu or Terraform (never forced: a user's choice wins).
 *
 * - terragrunt: `GANTRY_TERRAGRUNT`, else `terragrunt` on PATH;
 * - the binary: `GANTRY_TOFU`, else Terragrunt's own `TG_TF_PATH`, else `tofu` on PATH, else `terraform` on
 *   PATH (Terragrunt's own order). Each variable takes a path or a name looked up on PATH.
 *
 * Absent tools are an error that says how to get them.
 */
import { accessSync, constants } from "node:fs";
import { basename, delimiter, isAbsolute, join, resolve } from "node:path";
import { GantryError } from "@gantry/errors";

export interface IacTools {
  terragrunt: string;
  /** The OpenTofu or Terraform binary terragrunt runs (`--tf-path`). */
  tf: string;
  /** Which one `tf` is, from its file name: Terraform when the name says so, else OpenTofu. */
  tfKind: "tofu" | "terraform";
}

const toolHint =
  "run `bash scripts/ensure-iac-tools.sh` (it prints the directory holding terragrunt and tofu; add it to PATH), or set GANTRY_TERRAGRUNT and GANTRY_TOFU (or Terragrunt's TG_TF_PATH, e.g. to terraform) to existing binaries";

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

/** The value of the first of `variables` that is set, as an executable path; undefined when none is set. */
function fromVariables(variables: readonly string[], env: NodeJS.ProcessEnv): string | undefined {
  for (const variable of variables) {
    const configured = env[variable];
    if (configured === undefined || configured === "") continue;
    const path = isAbsolute(configured) ? configured : (findOnPath(configured, env) ?? resolve(configured));
    if (!isExecutable(path)) {
      throw new GantryError("EXEC_TOOL_NOT_FOUND", `${variable}=${configured} is not an executable file`, {
        hint: toolHint,
      });
    }
    return path;
  }
  return undefined;
}

function find(variables: readonly string[], names: readonly string[], env: NodeJS.ProcessEnv): string {
  const configured = fromVariables(variables, env);
  if (configured !== undefined) return configured;
  for (const name of names) {
    const found = findOnPath(name, env);
    if (found !== undefined) return found;
  }
  throw new GantryError(
    "EXEC_TOOL_NOT_FOUND",
    `${names.map((name) => `\`${name}\``).join(" or ")} was not found on PATH and ${variables.join(" / ")} ${variables.length > 1 ? "are" : "is"} not set`,
    {
      hint: toolHint,
    },
  );
}

export function findIacTools(env: NodeJS.ProcessEnv = process.env): IacTools {
  const terragrunt = find(["GANTRY_TERRAGRUNT"], ["terragrunt"], env);
  const tf = find(["GANTRY_TOFU", "TG_TF_PATH"], ["tofu", "terraform"], env);
  return { terragrunt, tf, tfKind: /terraform/i.test(basename(tf)) ? "terraform" : "tofu" };
}
