/**
 * A small infrastructure repository for the deployment-record tests with the real terragrunt and OpenTofu:
 * units whose only resource is `terraform_data` (offline, local state under GANTRY_STATE_DIR), each carrying a
 * version label in its state, and able to be broken (a precondition that fails) and fixed by a later commit.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createTempGitRepo, type TempGitRepo } from "@gantry/testkit";

const root = fileURLToPath(new URL("../../../../", import.meta.url));

export interface UnitVersion {
  readonly label: string;
  readonly broken?: boolean;
  readonly dependsOn?: string;
}

export function unitFile(unit: UnitVersion): string {
  const dependency = unit.dependsOn
    ? `dependency "upstream" {\n  config_path = "../${unit.dependsOn}"\n  mock_outputs = { label = "mock" }\n}\n`
    : "";
  const upstream = unit.dependsOn ? "dependency.upstream.outputs.label" : '""';
  // Every apply that changed something appends "<unit> <label>" to GANTRY_STATE_DIR/ledger: the order of applies.
  const ledger = `  after_hook "ledger" {\n    commands = ["apply"]\n    execute  = ["sh", "-c", "echo \\"\${basename(get_terragrunt_dir())} ${unit.label}\\" >> \\"$GANTRY_STATE_DIR/ledger\\""]\n  }\n`;
  return `include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\nterraform {\n  source = "\${get_repo_root()}/modules/unit"\n${ledger}}\n${dependency}inputs = {\n  label    = "${unit.label}"\n  ok       = ${unit.broken ? "false" : "true"}\n  upstream = ${upstream}\n}\n`;
}

export const baseFiles = {
  "root.hcl": `remote_state {\n  backend = "local"\n  generate = {\n    path      = "backend.tf"\n    if_exists = "overwrite_terragrunt"\n  }\n  config = {\n    path = "\${get_env("GANTRY_STATE_DIR")}/\${path_relative_to_include()}/terraform.tfstate"\n  }\n}\n`,
  "modules/unit/main.tf": `variable "label" {\n  type = string\n}\nvariable "ok" {\n  type = bool\n}\nvariable "upstream" {\n  type = string\n}\nresource "terraform_data" "this" {\n  input = var.label\n  lifecycle {\n    precondition {\n      condition     = var.ok\n      error_message = "this version of the unit is broken"\n    }\n  }\n}\noutput "label" {\n  value = var.label\n}\n`,
};

export interface RecordRepository extends AsyncDisposable {
  readonly repo: TempGitRepo;
  readonly stateDir: string;
  readonly env: NodeJS.ProcessEnv;
  /** The label in a unit's state (undefined: never applied, or destroyed). */
  deployedLabel(unit: string): string | undefined;
  /** Every apply that changed something, in order: [unit directory name, label]. */
  ledger(): [string, string][];
}

let toolsDir: string | undefined;
export function iacToolsEnv(): Record<string, string> {
  toolsDir ??= execFileSync("bash", [join(root, "scripts/ensure-iac-tools.sh")], { encoding: "utf8" })
    .trim()
    .split("\n")
    .pop()!;
  return { GANTRY_TERRAGRUNT: join(toolsDir, "terragrunt"), GANTRY_TOFU: join(toolsDir, "tofu") };
}

export function recordRepository(files: Record<string, string>): RecordRepository {
  const repo = createTempGitRepo({ ...baseFiles, ...files });
  const stateDir = mkdtempSync(join(tmpdir(), "gantry-record-state-"));
  return {
    repo,
    stateDir,
    env: {
      ...iacToolsEnv(),
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      GANTRY_STATE_DIR: stateDir,
      TF_IN_AUTOMATION: "1",
    },
    deployedLabel(unit) {
      const file = join(stateDir, unit, "terraform.tfstate");
      if (!existsSync(file)) return undefined;
      const state = JSON.parse(readFileSync(file, "utf8")) as {
        resources: { instances: { attributes: { input?: { value?: string } } }[] }[];
      };
      return state.resources[0]?.instances[0]?.attributes.input?.value;
    },
    ledger() {
      const file = join(stateDir, "ledger");
      if (!existsSync(file)) return [];
      return readFileSync(file, "utf8")
        .trim()
        .split("\n")
        .filter(Boolean)
        .map((line) => line.split(" ") as [string, string]);
    },
    async [Symbol.asyncDispose]() {
      await repo[Symbol.asyncDispose]();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** Spawns the `gantry` CLI from its TypeScript sources (no build), as a separate process that can be interrupted. */
export function gantryProcessArgs(...args: string[]): string[] {
  return [
    "--experimental-transform-types",
    "--no-warnings",
    "--import",
    join(root, "packages/executor/test/support/source-loader.mjs"),
    join(root, "packages/cli/src/bin.ts"),
    ...args,
  ];
}
