/** The real terragrunt for tests that take its behaviour as the reference (built once by ensure-iac-tools.sh). */
import { execFileSync, spawnSync } from "node:child_process";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "../../..");
let binary: string | undefined;

export function terragruntBinary(): string {
  binary ??=
    process.env.GANTRY_TERRAGRUNT ||
    join(execFileSync("bash", [join(root, "scripts/ensure-iac-tools.sh")], { encoding: "utf8" }).trim(), "terragrunt");
  return binary;
}

const QUIET = { TG_LOG_LEVEL: "error", TG_NON_INTERACTIVE: "true", TG_NO_TIPS: "true", TG_NO_COLOR: "true" };

/** Runs terragrunt in `cwd`; its exit code, stdout and stderr (never throws on a non-zero exit). */
export function runTerragrunt(cwd: string, args: string[]): { code: number; stdout: string; stderr: string } {
  const out = spawnSync(terragruntBinary(), args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, ...QUIET },
    maxBuffer: 256 * 1024 * 1024,
  });
  return { code: out.status ?? -1, stdout: out.stdout, stderr: out.stderr };
}

export interface FoundComponent {
  type: "unit" | "stack";
  path: string;
  dependencies?: string[];
  reading?: string[];
}

/** `terragrunt find --json [args]` in `cwd`, parsed; throws with terragrunt's stderr when it fails. */
export function terragruntFind(cwd: string, args: string[] = []): FoundComponent[] {
  const out = runTerragrunt(cwd, ["find", "--json", ...args]);
  if (out.code !== 0)
    throw new Error(`terragrunt find ${args.join(" ")} failed (exit ${out.code}): ${out.stderr.trim()}`);
  return JSON.parse(out.stdout || "[]") as FoundComponent[];
}

/**
 * `terragrunt render --json` of the unit `unit` of the repository `repo`: its evaluated configuration
 * (locals, inputs, ...). What terragrunt leaves in the work tree (`.terragrunt-cache` of dependencies) is
 * removed, so the next commit holds only what the test wrote.
 */
export function terragruntRender(repo: string, unit: string): Record<string, unknown> {
  const out = runTerragrunt(join(repo, unit), ["render", "--json"]);
  execFileSync("git", ["clean", "-fdxq"], { cwd: repo });
  if (out.code !== 0) throw new Error(`terragrunt render failed (exit ${out.code}): ${out.stderr.trim()}`);
  return JSON.parse(out.stdout) as Record<string, unknown>;
}
