/** Extra units written into a demo repository by tests: failing, slow and secret-handling ones. */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { DemoRepo } from "./helpers.js";

export const DEV = "dev/us-east-1/dev";

const include = `include "root" {
  path = find_in_parent_folders("root.hcl")
}
`;

function unit(module: string, extra = ""): string {
  return `${include}
terraform {
  source = "\${dirname(find_in_parent_folders("root.hcl"))}/modules//${module}"
}
${extra}`;
}

function dependsOn(name: string, output: string, input: string): string {
  return `
dependency "${name}" {
  config_path = "../${name}"
  mock_outputs = { ${output} = "mock" }
  mock_outputs_allowed_terraform_commands = ["validate", "plan", "show"]
}

inputs = {
  ${input} = dependency.${name}.outputs.${output}
}
`;
}

export const extraUnits: Record<string, Record<string, string>> = {
  /** `broken` fails its precondition on plan; `broken-consumer` depends on it; `hcl-broken` has a configuration error. */
  failure: {
    "modules/broken/main.tf": `variable "healthy" {
  type    = bool
  default = false
}
resource "terraform_data" "broken" {
  input = "never"
  lifecycle {
    precondition {
      condition     = var.healthy
      error_message = "This unit is broken on purpose."
    }
  }
}
output "value" { value = "unreachable" }
`,
    "modules/consumer/main.tf": `variable "upstream" { type = string }
resource "terraform_data" "consumer" { input = var.upstream }
`,
    [`${DEV}/broken/terragrunt.hcl`]: unit("broken"),
    // A configuration error Terragrunt reports itself (at line 10, `upstream = local.missing`).
    [`${DEV}/hcl-broken/terragrunt.hcl`]: unit(
      "consumer",
      `
inputs = {
  upstream = local.missing
}
`,
    ),
    [`${DEV}/broken-consumer/terragrunt.hcl`]: unit("consumer", dependsOn("broken", "value", "upstream")),
  },
  /** `slow` sleeps while it is created (a local-exec provisioner); `after-slow` depends on it. */
  slow: {
    "modules/slow/main.tf": `resource "terraform_data" "slow" {
  input = "slow"
  provisioner "local-exec" {
    command = "sleep 60"
  }
}
output "value" { value = "slow-done" }
`,
    "modules/consumer/main.tf": `variable "upstream" { type = string }
resource "terraform_data" "consumer" { input = var.upstream }
`,
    [`${DEV}/slow/terragrunt.hcl`]: unit("slow"),
    [`${DEV}/after-slow/terragrunt.hcl`]: unit("consumer", dependsOn("slow", "value", "upstream")),
  },
  /** `huge` plans 1,500 resources: far more output than a pull-request comment can hold. */
  huge: {
    "modules/huge/main.tf": `resource "terraform_data" "item" {
  count = 1500
  input = { index = count.index, padding = "a line of plan output that makes the comment long" }
}
`,
    [`${DEV}/huge/terragrunt.hcl`]: unit("huge"),
  },
  /**
   * `vault` has a sensitive output; `reader` receives it as a plain input (so OpenTofu prints it) and
   * also prints an API token from the job's environment and a credential from the environment.
   */
  secrets: {
    "modules/vault/main.tf": `resource "terraform_data" "vault" { input = "vault" }
output "password" {
  value     = "hunter2-\${terraform_data.vault.input}-sensitive"
  sensitive = true
}
`,
    "modules/reader/main.tf": `variable "password" { type = string }
variable "api_token" { type = string }
variable "aws_secret" { type = string }
resource "terraform_data" "reader" {
  input = {
    password   = var.password
    api_token  = var.api_token
    aws_secret = var.aws_secret
  }
}
`,
    [`${DEV}/vault/terragrunt.hcl`]: unit("vault"),
    [`${DEV}/reader/terragrunt.hcl`]: unit(
      "reader",
      `
dependency "vault" {
  config_path = "../vault"
  mock_outputs = { password = "mock" }
  mock_outputs_allowed_terraform_commands = ["validate", "show"]
}

inputs = {
  password   = dependency.vault.outputs.password
  aws_secret = get_env("AWS_SECRET_ACCESS_KEY", "none")
}
`,
    ),
  },
};

/** Writes the files and commits them on the current branch; returns the new commit. */
export function commitFiles(repo: DemoRepo, files: Record<string, string>, message: string): string {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(repo.dir, path)), { recursive: true });
    writeFileSync(join(repo.dir, path), content);
  }
  repo.git("add", "-A");
  repo.git("-c", "user.name=Gantry Test", "-c", "user.email=test@gantry.invalid", "commit", "-q", "-m", message);
  return repo.git("rev-parse", "HEAD");
}
