/**
 * Real modules for tests and the benchmark: OpenTofu root modules and Terragrunt repositories whose plans
 * look like users' plans (outputs known only after apply, sensitive values, `moved`, `import`, `removed`,
 * `check`, `replace_triggered_by`, `count`/`for_each`, nested modules, data sources, dependencies with mock
 * outputs). They use only OpenTofu's built-in provider (`terraform_data`, `terraform_remote_state`), so
 * everything plans and applies offline. Files are returned as `FileMap`s for `createTempGitRepo`.
 */
import type { FileMap, TempGitRepo } from "./git-repo.js";

/** A value the corpus marks sensitive; it must never appear in Gantry's logs, results or reports. */
export const CORPUS_SECRET = "corpus-secret-7f3a91c2";
/** The sensitive value after the change (a sensitive update). */
export const CORPUS_SECRET_CHANGED = "corpus-secret-changed-5be0d4";

const nestedModule = `variable "size" { type = number }

resource "terraform_data" "member" {
  count = var.size
  input = "member-\${count.index}"
}

output "ids" { value = terraform_data.member[*].id }
`;

/** A stored state with one output, read by `terraform_remote_state` (a data source read while planning). */
const networkState = `${JSON.stringify({
  version: 4,
  terraform_version: "1.12.6",
  serial: 1,
  lineage: "00000000-0000-4000-8000-000000000001",
  outputs: { region: { value: "eu-west-1", type: "string" } },
  resources: [],
  check_results: null,
})}\n`;

function corpusModule(stage: "initial" | "change", secret: string): string {
  const generation = stage === "initial" ? 1 : 2;
  const renamed =
    stage === "initial"
      ? `resource "terraform_data" "renamed_from" { input = "moved" }`
      : `resource "terraform_data" "renamed_to" { input = "moved" }

moved {
  from = terraform_data.renamed_from
  to   = terraform_data.renamed_to
}`;
  const deleted = stage === "initial" ? `resource "terraform_data" "deleted" { input = "deleted" }` : "";
  const forgotten =
    stage === "initial"
      ? `resource "terraform_data" "forgotten" { input = "forgotten" }`
      : `removed {
  from = terraform_data.forgotten
  lifecycle {
    destroy = false
  }
}`;
  const changeOnly =
    stage === "initial"
      ? ""
      : `
resource "terraform_data" "imported" { input = "imported" }

import {
  to = terraform_data.imported
  id = "imported-id-1"
}

resource "terraform_data" "created" { input = "network" }

# Read during apply: its configuration depends on a value known only after apply (the path of network.tfstate).
data "terraform_remote_state" "late" {
  backend = "local"
  config = {
    path = "\${path.module}/\${terraform_data.created.output}.tfstate"
  }
}

check "region" {
  assert {
    condition     = data.terraform_remote_state.network.outputs.region == "us-east-1"
    error_message = "The network is not in us-east-1."
  }
}

output "created_id" { value = terraform_data.created.id }
`;
  return `variable "secret" {
  type      = string
  sensitive = true
  default   = "${secret}"
}

locals {
  generation = ${generation}
}

resource "terraform_data" "kept" { input = "kept" }

${renamed}

${deleted}

${forgotten}

resource "terraform_data" "trigger" { input = "trigger-\${local.generation}" }

resource "terraform_data" "replaced" {
  input = "replaced"
  lifecycle {
    replace_triggered_by = [terraform_data.trigger]
  }
}

resource "terraform_data" "recreated" {
  input            = "recreated"
  triggers_replace = [local.generation]
  lifecycle {
    create_before_destroy = true
  }
}

resource "terraform_data" "updated" { input = "updated-\${local.generation}" }

resource "terraform_data" "counted" {
  count = local.generation + 1
  input = "counted-\${count.index}"
}

resource "terraform_data" "each" {
  for_each = toset(local.generation == 1 ? ["a", "b"] : ["a", "c"])
  input    = each.key
}

resource "terraform_data" "sensitive" { input = var.secret }

module "nested" {
  source = "./nested"
  size   = local.generation
}

data "terraform_remote_state" "network" {
  backend = "local"
  config = {
    path = "\${path.module}/network.tfstate"
  }
}
${changeOnly}
output "kept_id" { value = terraform_data.kept.id }

output "generation" { value = local.generation }

output "token" {
  value     = "token-\${var.secret}"
  sensitive = true
}

output "nested_ids" { value = module.nested.ids }
`;
}

/**
 * One OpenTofu root module in stages: apply `initial`, then write `change` over it and plan. The change has
 * every kind of planned action: create, update, replace (by `replace_triggered_by`, and
 * `create_before_destroy` by `triggers_replace`), delete, import, forget (`removed`), move (`moved`), a data
 * source read during apply, a failing `check`, `count`/`for_each` instances added and removed, a nested
 * module growing, a sensitive update, outputs created, changed and known only after apply. `errored` adds a
 * data source that cannot be read: the plan fails, and OpenTofu still saves the partial plan.
 */
export function planCorpus(): { initial: FileMap; change: FileMap; errored: FileMap } {
  const shared = { "nested/main.tf": nestedModule, "network.tfstate": networkState };
  return {
    initial: { ...shared, "main.tf": corpusModule("initial", CORPUS_SECRET) },
    change: { ...shared, "main.tf": corpusModule("change", CORPUS_SECRET_CHANGED) },
    errored: {
      "broken.tf": `data "terraform_remote_state" "missing" {
  backend = "local"
  config = {
    path = "\${path.module}/no-such-state.tfstate"
  }
}
`,
    },
  };
}

export interface RealModuleRepoOptions {
  /** Top-level environment directories; default `["dev", "prod"]`. */
  environments?: readonly string[];
  /** Units per environment, each depending on the one before it; default 10. */
  chainLength?: number;
  /** Add `<first environment>/features`, a unit of the plan corpus (default true). */
  features?: boolean;
}

export interface RealModuleRepo {
  /** The first commit's files: root configuration, modules, every unit. */
  initial: FileMap;
  /**
   * The change (a pull request): the second unit of the first environment's chain grows its nested module, the
   * features unit moves to the corpus' `change` stage, and the last unit of the last environment's chain
   * is deleted.
   */
  change: FileMap;
  /** Every unit of `initial`, in dependency order per environment. */
  units: string[];
  /** The units `change` changes, adds and deletes. */
  changed: string[];
  deleted: string[];
}

const rootHcl = `# Every unit's state lives under GANTRY_STATE_DIR (Gantry runs each job in a throw-away worktree).
locals {
  state_dir = get_env("GANTRY_STATE_DIR", "\${get_repo_root()}/.gantry-state")
}

remote_state {
  backend = "local"
  generate = {
    path      = "backend.tf"
    if_exists = "overwrite_terragrunt"
  }
  config = {
    path = "\${local.state_dir}/\${path_relative_to_include()}/terraform.tfstate"
  }
}
`;

/** A service module: its id is known only after apply, its token is sensitive, nested module inside. */
const serviceModule = `variable "name" { type = string }
variable "upstream_id" { type = string }
variable "upstream_token" {
  type    = string
  default = ""
}
variable "size" {
  type    = number
  default = 1
}

resource "terraform_data" "this" {
  input = {
    name     = var.name
    upstream = var.upstream_id
  }
}

# Receives the upstream's sensitive token as a plain input: OpenTofu prints it, Gantry must mask it.
resource "terraform_data" "link" { input = "link:\${var.upstream_token}" }

module "nested" {
  source = "./nested"
  size   = var.size
}

output "id" { value = terraform_data.this.id }

output "token" {
  value     = "tok-\${var.name}-\${terraform_data.this.id}"
  sensitive = true
}
`;

function chainUnit(name: string, upstream: string | null, extraInputs = ""): string {
  const dependency =
    upstream === null
      ? `inputs = {
  name        = "${name}"
  upstream_id = "none"${extraInputs}
}`
      : `dependency "upstream" {
  config_path = "../${upstream}"
  mock_outputs = {
    id    = "mock-id"
    token = "mock-token"
  }
  mock_outputs_allowed_terraform_commands = ["init", "validate", "plan", "show"]
}

inputs = {
  name           = "${name}"
  upstream_id    = dependency.upstream.outputs.id
  upstream_token = dependency.upstream.outputs.token${extraInputs}
}`;
  return `include "root" {
  path = find_in_parent_folders("root.hcl")
}

terraform {
  source = "\${get_repo_root()}/modules/service"
}

${dependency}
`;
}

const featuresUnit = `include "root" {
  path = find_in_parent_folders("root.hcl")
}

terraform {
  source = "\${get_repo_root()}/modules/features"
}
`;

/**
 * A Terragrunt repository of real modules: per environment a chain of units with `dependency` blocks (mock
 * outputs for plans, since the outputs are known only after apply), and optionally a unit of the plan corpus.
 * `.gantry/config.yml` maps each environment to its directory.
 */
export function realModuleRepo(options: RealModuleRepoOptions = {}): RealModuleRepo {
  const environments = options.environments ?? ["dev", "prod"];
  const length = options.chainLength ?? 10;
  const features = options.features ?? true;
  const corpus = planCorpus();
  const initial: FileMap = {
    "root.hcl": rootHcl,
    ".gitignore": ".terragrunt-cache/\n.gantry-state/\n",
    ".gantry/config.yml": `environments:\n${environments.map((name) => `  - name: ${name}\n    paths: ["${name}/**"]\n`).join("")}`,
    "modules/service/main.tf": serviceModule,
    "modules/service/nested/main.tf": nestedModule,
  };
  const units: string[] = [];
  const unitName = (index: number) => `svc-${String(index + 1).padStart(2, "0")}`;
  for (const environment of environments) {
    for (let index = 0; index < length; index++) {
      const unit = `${environment}/${unitName(index)}`;
      initial[`${unit}/terragrunt.hcl`] = chainUnit(unitName(index), index === 0 ? null : unitName(index - 1));
      units.push(unit);
    }
  }
  const change: FileMap = {};
  const changed: string[] = [];
  const deleted: string[] = [];
  if (length >= 2) {
    const unit = `${environments[0]}/${unitName(1)}`;
    change[`${unit}/terragrunt.hcl`] = chainUnit(unitName(1), unitName(0), `\n  size           = 2`);
    changed.push(unit);
  }
  if (features) {
    const unit = `${environments[0]}/features`;
    initial[`${unit}/terragrunt.hcl`] = featuresUnit;
    for (const [path, content] of Object.entries(corpus.initial)) initial[`modules/features/${path}`] = content;
    for (const [path, content] of Object.entries(corpus.change)) change[`modules/features/${path}`] = content;
    units.push(unit);
    changed.push(unit);
  }
  if (length >= 3) {
    const unit = `${environments[environments.length - 1]}/${unitName(length - 1)}`;
    change[`${unit}/terragrunt.hcl`] = null;
    deleted.push(unit);
  }
  return { initial, change, units, changed, deleted };
}

/** The commits `commitRealModulePullRequest` makes: an empty root, the initial infrastructure, the change. */
export interface RealModulePullRequest {
  root: string;
  initial: string;
  change: string;
}

/**
 * Commits a `realModuleRepo` as a pull request: an empty root and `initial` on main, `change` on branch
 * `change`; leaves main checked out. `realModulePullRequestArgs` names that pull request to `gantry run`/`plan`.
 */
export function commitRealModulePullRequest(repo: TempGitRepo, fixture: RealModuleRepo): RealModulePullRequest {
  const root = repo.commit({}, "empty");
  const initial = repo.commit(fixture.initial, "initial infrastructure");
  repo.checkout("change", { create: true });
  const change = repo.commit(fixture.change, "a change: moved, import, removed, replace, a deleted unit");
  repo.checkout("main");
  return { root, initial, change };
}

/** `gantry run`/`plan` arguments for the pull request from branch `change` into main of the repository at `dir`. */
export function realModulePullRequestArgs(dir: string): string[] {
  return ["--repo", dir, "--base", "main", "--head", "change", "--event", "pull_request", "--branch", "change"];
}
