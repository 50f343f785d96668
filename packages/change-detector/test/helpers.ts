import { readFileSync, writeFileSync } from "node:fs";
import { createTempGitRepo, type FileMap } from "@gantry/testkit";
import { detectChanges, detectionResultSchema, type AffectedUnit, type DetectionResult } from "../src/index.js";

export { createTempGitRepo };

/** A small Gruntwork-style live repository: root.hcl, account/region files, _envcommon, local modules. */
export function liveRepoFiles(): FileMap {
  return {
    "root.hcl": `
locals {
  account_vars = read_terragrunt_config(find_in_parent_folders("account.hcl"))
  region_vars  = read_terragrunt_config(find_in_parent_folders("region.hcl"))
  account_id   = local.account_vars.locals.account_id
  region       = local.region_vars.locals.region
}
remote_state {
  backend = "local"
  config = { path = "\${get_parent_terragrunt_dir()}/state/\${path_relative_to_include()}/tf.tfstate" }
}
inputs = merge(local.account_vars.locals, local.region_vars.locals)
`,
    "live/prod/account.hcl": `locals {\n  account_id = "111111111111"\n}\n`,
    "live/prod/us-east-1/region.hcl": `locals {\n  region = "us-east-1"\n}\n`,
    "live/dev/account.hcl": `locals {\n  account_id = "222222222222"\n}\n`,
    "live/dev/us-east-1/region.hcl": `locals {\n  region = "us-east-1"\n}\n`,
    "_envcommon/vpc.hcl": `
locals {
  env_vars = read_terragrunt_config(find_in_parent_folders("account.hcl"))
}
terraform {
  source = "\${get_repo_root()}/modules//vpc"
}
inputs = { cidr = "10.0.0.0/16" }
`,
    "modules/vpc/main.tf": `module "subnets" {\n  source = "../subnets"\n}\n`,
    "modules/subnets/main.tf": `resource "terraform_data" "s" {}\n`,
    "modules/app/main.tf": `resource "terraform_data" "a" {}\n`,
    "live/prod/us-east-1/vpc/terragrunt.hcl": `
include "root" {
  path = find_in_parent_folders("root.hcl")
}
include "envcommon" {
  path   = "\${dirname(find_in_parent_folders("root.hcl"))}/_envcommon/vpc.hcl"
  expose = true
}
`,
    "live/prod/us-east-1/app/terragrunt.hcl": `
include "root" {
  path = find_in_parent_folders("root.hcl")
}
terraform {
  source = "../../../../modules/app"
}
dependency "vpc" {
  config_path = "../vpc"
}
inputs = { vpc_id = dependency.vpc.outputs.vpc_id }
`,
    "live/dev/us-east-1/vpc/terragrunt.hcl": `
include "root" {
  path = find_in_parent_folders("root.hcl")
}
include "envcommon" {
  path   = "\${dirname(find_in_parent_folders("root.hcl"))}/_envcommon/vpc.hcl"
  expose = true
}
`,
  };
}

export async function detect(
  dir: string,
  base: string,
  head: string,
  options: { event?: "pull_request" | "push"; cache?: boolean } = {},
): Promise<DetectionResult> {
  const result = await detectChanges({
    repo: dir,
    base,
    head,
    event: options.event ?? "push",
    cache: options.cache ?? false,
  });
  // Every document must satisfy the published contract.
  detectionResultSchema.parse(result);
  return result;
}

export function unit(result: DetectionResult, path: string): AffectedUnit | undefined {
  return result.units.find((u) => u.path === path);
}

export function statuses(result: DetectionResult): Record<string, string> {
  return Object.fromEntries(result.units.map((u) => [u.path, u.status]));
}

/** Rewrites the JSON header line of a cache file (the sections after it are kept byte for byte). */
export function rewriteCacheHeader(
  cacheFile: string,
  change: (header: Record<string, unknown>) => Record<string, unknown>,
): void {
  const bytes = readFileSync(cacheFile);
  const newline = bytes.indexOf(10);
  const header = JSON.parse(bytes.toString("utf8", 0, newline)) as Record<string, unknown>;
  writeFileSync(
    cacheFile,
    Buffer.concat([Buffer.from(`${JSON.stringify(change(header))}\n`), bytes.subarray(newline + 1)]),
  );
}

/** The JSON header line of a cache file. */
export function cacheHeader(cacheFile: string): Record<string, unknown> {
  const bytes = readFileSync(cacheFile);
  return JSON.parse(bytes.toString("utf8", 0, bytes.indexOf(10))) as Record<string, unknown>;
}
