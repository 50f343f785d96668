/**
 * Generates a Gruntwork-style `infrastructure-live` git repository of N Terragrunt units, for the
 * benchmark (`pnpm bench`) and for tests that need a realistic repository.
 *
 * Layout: `root.hcl`, `<account>/account.hcl`, `<account>/<region>/region.hcl`,
 * `<account>/<region>/<env>/env.hcl`, `_envcommon/<svc>.hcl` (+ data files under `_envcommon/data/`
 * read with `file()` / `templatefile()`), local modules `modules/<svc>/main.tf` (some calling
 * `modules/shared`, one reading `modules/data/node-sizes.json` through `path.module`), and units `<account>/<region>/<env>/<svc>-<i>/terragrunt.hcl` that include root
 * and their envcommon file and depend on earlier units of the same environment (a DAG).
 *
 * Speed matters (50,000 units): file contents are built in memory and committed with one
 * `git fast-import` stream (one pack instead of 50,000 loose objects), then checked out with a single
 * `git reset --hard`. The alternative (`fs` writes + `git add -A`) is kept as `commitWith: "add"`:
 * measured on 2 cores it is several times slower at 50,000 units (see bench/README.md).
 * Commit dates are fixed, so the same seed gives the same commit SHA.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

export interface GenerateInfrastructureRepoOptions {
  /** Directory to create the repository in; created when absent, must be empty otherwise. */
  dir: string;
  /** Number of units (directories holding `terragrunt.hcl`). */
  units: number;
  /** Same seed, same repository (byte for byte, same commit SHA). Default 1. */
  seed?: number;
  /** Units per `<account>/<region>/<env>` directory. Default 50. */
  unitsPerEnv?: number;
  /** How the initial commit is built. Default `fast-import`. */
  commitWith?: "fast-import" | "add";
  /** Branch name. Default `main`. */
  branch?: string;
  /** Write `.gantry/config.yml` with one environment per account. Default true. */
  gantryConfig?: boolean;
}

export interface GeneratedInfrastructureRepo {
  dir: string;
  branch: string;
  /** SHA of the single commit holding the generated tree. */
  head: string;
  /** Every unit directory, repository-relative, sorted. */
  unitPaths: string[];
  /** Every generated file, repository-relative, sorted. */
  files: string[];
  /** Unit → units it depends on through `dependency` blocks (repository-relative paths). */
  dependencies: Record<string, string[]>;
  /** `_envcommon/<svc>.hcl` → units that include it. */
  envcommonUsers: Record<string, string[]>;
  /**
   * Data file read with `file()` / `templatefile()` → units that read it (through their envcommon file,
   * from their own directory, or through their module's `.tf` code). Terragrunt does not track these
   * reads; a change detector should.
   */
  dataFileReaders: Record<string, string[]>;
  /**
   * Local module directory (`modules/<svc>`, `modules/shared`) → units whose Terraform code it is: their
   * service's module and `modules/shared` when that module calls it. A source written `modules//<svc>` or
   * `${get_repo_root()}//modules/<svc>` makes Terragrunt copy more than that, but nothing else of the copy
   * is read, so a change there cannot change the unit's plan.
   */
  moduleUsers: Record<string, string[]>;
}

/**
 * How a service's envcommon file points at its local module: `${get_repo_root()}/modules/<svc>`,
 * `${dirname(find_in_parent_folders("root.hcl"))}/modules//<svc>` (Terragrunt copies `modules/`), or
 * `${get_repo_root()}//modules/<svc>` (Terragrunt copies the whole repository).
 */
type SourceStyle = "repo-root" | "root-dirname" | "repo-root-split";

interface ServiceSpec {
  name: string;
  source: SourceStyle;
  /** A data file the envcommon file reads, and with which function. */
  data?: { fn: "file" | "templatefile"; file: string };
  /** Whether `modules/<svc>` calls `module { source = "../shared" }`. */
  usesShared: boolean;
  /** A file under `modules/data/` the module's code reads with `file("${path.module}/../data/...")`. */
  moduleData?: string;
}

const SERVICES: readonly ServiceSpec[] = [
  { name: "vpc", source: "repo-root", usesShared: false },
  { name: "eks", source: "root-dirname", data: { fn: "templatefile", file: "eks-userdata.sh.tpl" }, usesShared: true, moduleData: "node-sizes.json" },
  { name: "rds", source: "repo-root", data: { fn: "file", file: "rds-parameters.json" }, usesShared: true },
  { name: "redis", source: "root-dirname", usesShared: false },
  { name: "s3-bucket", source: "repo-root", data: { fn: "file", file: "s3-bucket-policy.json" }, usesShared: true },
  { name: "sqs", source: "root-dirname", usesShared: true },
  { name: "lambda", source: "repo-root", data: { fn: "templatefile", file: "lambda-env.json.tpl" }, usesShared: false },
  { name: "alb", source: "root-dirname", usesShared: true },
  { name: "ecs-service", source: "repo-root", data: { fn: "file", file: "ecs-task-definition.json" }, usesShared: true },
  { name: "dynamodb", source: "repo-root-split", usesShared: false },
  { name: "iam-role", source: "repo-root-split", data: { fn: "file", file: "iam-trust-policy.json" }, usesShared: false },
  { name: "cloudwatch-alarms", source: "root-dirname", usesShared: true },
];

const ACCOUNT_KINDS = ["non-prod", "prod", "shared", "sandbox"] as const;
const REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2"] as const;
const ENVS = ["dev", "qa", "stage", "prod"] as const;

/** Fixed identity and dates: the commit SHA depends only on the generated tree. */
const COMMIT_ENV = {
  GIT_AUTHOR_NAME: "Gantry Bench",
  GIT_AUTHOR_EMAIL: "bench@gantry.invalid",
  GIT_COMMITTER_NAME: "Gantry Bench",
  GIT_COMMITTER_EMAIL: "bench@gantry.invalid",
  GIT_AUTHOR_DATE: "2026-01-01T00:00:00Z",
  GIT_COMMITTER_DATE: "2026-01-01T00:00:00Z",
};
const COMMIT_EPOCH = 1767225600; // 2026-01-01T00:00:00Z

/** mulberry32: small, fast, deterministic; quality is plenty for picking services and edges. */
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function generateInfrastructureRepo(
  options: GenerateInfrastructureRepoOptions,
): Promise<GeneratedInfrastructureRepo> {
  const { dir, units, seed = 1, unitsPerEnv = 50, commitWith = "fast-import", branch = "main", gantryConfig = true } = options;
  if (!Number.isInteger(units) || units < 1) throw new RangeError(`units must be a positive integer, got ${units}`);
  if (!Number.isInteger(unitsPerEnv) || unitsPerEnv < 1) {
    throw new RangeError(`unitsPerEnv must be a positive integer, got ${unitsPerEnv}`);
  }
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new Error(`${dir} is not empty; give an empty or new directory`);
  mkdirSync(dir, { recursive: true });

  const model = buildRepositoryModel(units, unitsPerEnv, seed, gantryConfig);

  runGitWithIdentity(dir, ["init", "-q", "-b", branch]);
  runGitWithIdentity(dir, ["config", "commit.gpgsign", "false"]);
  runGitWithIdentity(dir, ["config", "core.quotepath", "false"]);
  if (commitWith === "add") {
    for (const [path, content] of model.files) {
      const full = join(dir, path);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, content);
    }
    runGitWithIdentity(dir, ["add", "-A"]);
    runGitWithIdentity(dir, ["commit", "-q", "-m", commitMessage(units, seed)]);
  } else {
    await fastImport(dir, branch, model.files, commitMessage(units, seed));
    // Writes the work tree and a fully stat'ed index in one pass, so `git status` stays cheap.
    runGitWithIdentity(dir, ["reset", "-q", "--hard", branch]);
  }
  const head = runGitWithIdentity(dir, ["rev-parse", "HEAD"]).trim();

  return {
    dir,
    branch,
    head,
    unitPaths: [...model.unitPaths].sort(),
    files: [...model.files.keys()].sort(),
    dependencies: model.dependencies,
    envcommonUsers: model.envcommonUsers,
    dataFileReaders: model.dataFileReaders,
    moduleUsers: model.moduleUsers,
  };
}

function commitMessage(units: number, seed: number): string {
  return `Generated infrastructure-live: ${units} units (seed ${seed})`;
}

/** Like `runGit`, with this generator's fixed identity and dates (so the commit SHA is reproducible). */
function runGitWithIdentity(dir: string, args: string[]): string {
  return execFileSync("git", args, {
    cwd: dir,
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null", ...COMMIT_ENV },
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    stdio: ["ignore", "pipe", "pipe"],
  });
}

interface RepositoryModel {
  files: Map<string, string>;
  unitPaths: string[];
  dependencies: Record<string, string[]>;
  envcommonUsers: Record<string, string[]>;
  dataFileReaders: Record<string, string[]>;
  moduleUsers: Record<string, string[]>;
}

function buildRepositoryModel(unitCount: number, unitsPerEnv: number, seed: number, withGantryConfig: boolean): RepositoryModel {
  const random = createRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const files = new Map<string, string>();
  const unitPaths: string[] = [];
  const dependencies: Record<string, string[]> = {};
  const envcommonUsers: Record<string, string[]> = {};
  const dataFileReaders: Record<string, string[]> = {};
  const moduleUsers: Record<string, string[]> = {};
  const addUser = (map: Record<string, string[]>, key: string, unit: string) => (map[key] ??= []).push(unit);

  files.set(".gitignore", ".terragrunt-cache/\n.terraform/\n.gantry-cache/\n.gantry-state/\n");
  files.set("README.md", `# infrastructure-live\n\nGenerated for benchmarks: ${unitCount} units, seed ${seed}.\n`);
  files.set("root.hcl", rootHcl());
  files.set("modules/shared/main.tf", sharedModuleTf());
  for (const service of SERVICES) {
    files.set(`_envcommon/${service.name}.hcl`, envcommonHcl(service));
    files.set(`modules/${service.name}/main.tf`, serviceModuleTf(service));
    if (service.data) files.set(`_envcommon/data/${service.data.file}`, dataFile(service.data.file));
    if (service.moduleData) files.set(`modules/data/${service.moduleData}`, dataFile(service.moduleData));
  }

  const envCount = Math.ceil(unitCount / unitsPerEnv);
  const envsPerAccount = REGIONS.length * ENVS.length;
  const accounts: { name: string; index: number }[] = [];
  let unitIndex = 0;
  for (let envIndex = 0; envIndex < envCount; envIndex++) {
    const accountIndex = Math.floor(envIndex / envsPerAccount);
    const accountKind = ACCOUNT_KINDS[accountIndex % ACCOUNT_KINDS.length] as string;
    const account = `${accountKind}-${String(Math.floor(accountIndex / ACCOUNT_KINDS.length) + 1).padStart(2, "0")}`;
    const region = REGIONS[Math.floor(envIndex / ENVS.length) % REGIONS.length] as string;
    const env = ENVS[envIndex % ENVS.length] as string;
    const envDir = `${account}/${region}/${env}`;
    if (!files.has(`${account}/account.hcl`)) {
      files.set(`${account}/account.hcl`, accountHcl(account, accountIndex));
      accounts.push({ name: account, index: accountIndex });
    }
    if (!files.has(`${account}/${region}/region.hcl`)) files.set(`${account}/${region}/region.hcl`, regionHcl(region));
    files.set(`${envDir}/env.hcl`, envHcl(env));

    const envUnits: string[] = [];
    const inThisEnv = Math.min(unitsPerEnv, unitCount - unitIndex);
    for (let k = 0; k < inThisEnv; k++, unitIndex++) {
      // The first unit of every environment is its network; most others depend on it.
      const service = k === 0 ? (SERVICES[0] as ServiceSpec) : pick(SERVICES);
      const name = `${service.name}-${unitIndex}`;
      const path = `${envDir}/${name}`;
      const deps = pickDependencies(envUnits, random);
      const ownPolicy = k > 0 && random() < 0.1;
      files.set(`${path}/terragrunt.hcl`, unitHcl({ name, service, deps, ownPolicy, size: 1 + Math.floor(random() * 8) }));
      if (ownPolicy) files.set(`${path}/policy.json`, unitPolicyJson(name));

      unitPaths.push(path);
      envUnits.push(path);
      dependencies[path] = deps;
      addUser(envcommonUsers, `_envcommon/${service.name}.hcl`, path);
      for (const moduleDir of moduleDirsInSource(service)) addUser(moduleUsers, moduleDir, path);
      if (service.data) addUser(dataFileReaders, `_envcommon/data/${service.data.file}`, path);
      if (service.moduleData) addUser(dataFileReaders, `modules/data/${service.moduleData}`, path);
      if (ownPolicy) addUser(dataFileReaders, `${path}/policy.json`, path);
    }
  }
  if (withGantryConfig) files.set(".gantry/config.yml", gantryConfigYaml(accounts));
  return { files, unitPaths, dependencies, envcommonUsers, dataFileReaders, moduleUsers };
}

/** The local module directories whose code a service's units run: its own module, and `modules/shared` when that module calls it. */
function moduleDirsInSource(service: ServiceSpec): string[] {
  return service.usesShared ? [`modules/${service.name}`, "modules/shared"] : [`modules/${service.name}`];
}

/** Up to two earlier units of the same environment; the environment's network most of the time. */
function pickDependencies(earlier: readonly string[], random: () => number): string[] {
  if (earlier.length === 0) return [];
  const chosen = new Set<string>();
  if (random() < 0.7) chosen.add(earlier[0] as string);
  if (earlier.length > 1 && random() < 0.5) chosen.add(earlier[1 + Math.floor(random() * (earlier.length - 1))] as string);
  return [...chosen];
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

function identifier(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, "_");
}

function rootHcl(): string {
  return `# Root configuration: every unit includes this file.
# Layout: <account>/<region>/<env>/<unit>/terragrunt.hcl
locals {
  account_vars = read_terragrunt_config(find_in_parent_folders("account.hcl"))
  region_vars  = read_terragrunt_config(find_in_parent_folders("region.hcl"))
  env_vars     = read_terragrunt_config(find_in_parent_folders("env.hcl"))

  account_name = local.account_vars.locals.account_name
  account_id   = local.account_vars.locals.aws_account_id
  aws_region   = local.region_vars.locals.aws_region
}

generate "provider" {
  path      = "provider.tf"
  if_exists = "overwrite_terragrunt"
  contents  = <<EOF
provider "aws" {
  region              = "\${local.aws_region}"
  allowed_account_ids = ["\${local.account_id}"]
}
EOF
}

remote_state {
  backend = "s3"
  generate = {
    path      = "backend.tf"
    if_exists = "overwrite_terragrunt"
  }
  config = {
    bucket         = "terragrunt-state-\${local.account_name}-\${local.aws_region}"
    key            = "\${path_relative_to_include()}/terraform.tfstate"
    region         = local.aws_region
    encrypt        = true
    dynamodb_table = "terraform-locks"
  }
}

inputs = merge(
  local.account_vars.locals,
  local.region_vars.locals,
  local.env_vars.locals,
)
`;
}

function accountId(index: number): string {
  return String(100000000000 + index * 7919).padStart(12, "0");
}

/** `.gantry/config.yml`: one environment per AWS account, as a Gantry user of this layout would write. */
function gantryConfigYaml(accounts: readonly { name: string; index: number }[]): string {
  const environments = accounts.map(({ name, index }) => {
    const id = accountId(index);
    return `  - name: ${name}
    paths: ["${name}/**"]
    aws:
      accountId: "${id}"
      planRoleArn: arn:aws:iam::${id}:role/gantry-plan
      applyRoleArn: arn:aws:iam::${id}:role/gantry-apply
      region: us-east-1
`;
  });
  return `# Gantry configuration: one environment per AWS account.
deployBranch: main
ignore:
  - "**/*.md"
environments:
${environments.join("")}`;
}

function accountHcl(account: string, index: number): string {
  const id = accountId(index);
  return `# Account-wide settings for ${account}.
locals {
  account_name   = "${account}"
  aws_account_id = "${id}"
}
`;
}

function regionHcl(region: string): string {
  return `locals {
  aws_region = "${region}"
}
`;
}

function envHcl(env: string): string {
  return `locals {
  environment = "${env}"
}
`;
}

function envcommonHcl(service: ServiceSpec): string {
  const source = {
    "repo-root": `"\${get_repo_root()}/modules/${service.name}"`,
    "root-dirname": `"\${dirname(find_in_parent_folders("root.hcl"))}/modules//${service.name}"`,
    "repo-root-split": `"\${get_repo_root()}//modules/${service.name}"`,
  }[service.source];
  let dataInput = "";
  if (service.data?.fn === "file") {
    dataInput = `\n  ${identifier(service.data.file.replace(/\..*$/, ""))} = jsondecode(file("\${get_repo_root()}/_envcommon/data/${service.data.file}"))`;
  } else if (service.data?.fn === "templatefile") {
    dataInput = `\n  rendered_${identifier(service.data.file.replace(/\..*$/, ""))} = templatefile("\${dirname(find_in_parent_folders("root.hcl"))}/_envcommon/data/${service.data.file}", {
    environment = local.env
    service     = "${service.name}"
  })`;
  }
  return `# Common configuration for every ${service.name} unit: included with expose = true.
locals {
  env_vars = read_terragrunt_config(find_in_parent_folders("env.hcl"))
  env      = local.env_vars.locals.environment

  common_tags = {
    service     = "${service.name}"
    environment = local.env
    managed_by  = "terragrunt"
  }
}

terraform {
  source = ${source}
}

inputs = {
  environment = local.env
  tags        = local.common_tags${dataInput}
}
`;
}

function dataFile(file: string): string {
  if (file.endsWith(".tpl")) {
    return file.endsWith(".json.tpl")
      ? `{\n  "ENVIRONMENT": "\${environment}",\n  "SERVICE": "\${service}",\n  "LOG_LEVEL": "info"\n}\n`
      : `#!/bin/bash\n# Bootstrap for \${service} nodes in \${environment}.\nset -euo pipefail\necho "joining \${service}-\${environment}"\n`;
  }
  return `{\n  "source": "${file}",\n  "version": 1,\n  "settings": { "retention_days": 30, "encrypted": true }\n}\n`;
}

function unitPolicyJson(name: string): string {
  return `{\n  "Version": "2012-10-17",\n  "Statement": [{ "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::${name}/*" }]\n}\n`;
}

function unitHcl(unit: { name: string; service: ServiceSpec; deps: string[]; ownPolicy: boolean; size: number }): string {
  const parts: string[] = [
    `# ${unit.name}: ${unit.service.name} unit.
include "root" {
  path = find_in_parent_folders("root.hcl")
}

include "envcommon" {
  path   = "\${dirname(find_in_parent_folders("root.hcl"))}/_envcommon/${unit.service.name}.hcl"
  expose = true
}
`,
  ];
  if (unit.ownPolicy) {
    parts.push(`locals {
  policy = file("\${get_terragrunt_dir()}/policy.json")
}
`);
  }
  for (const dep of unit.deps) {
    const depName = basename(dep);
    parts.push(`dependency "${identifier(depName)}" {
  config_path = "../${depName}"

  mock_outputs = {
    id = "mock-${depName}"
  }
  mock_outputs_allowed_terraform_commands = ["init", "validate", "plan"]
}
`);
  }
  const depIds = unit.deps.map((dep) => `dependency.${identifier(basename(dep))}.outputs.id`);
  parts.push(`inputs = {
  name          = "${unit.name}"
  environment   = include.envcommon.locals.env
  instance_size = ${unit.size}
  upstream_ids  = [${depIds.join(", ")}]${unit.ownPolicy ? "\n  policy        = local.policy" : ""}
  tags          = merge(include.envcommon.locals.common_tags, { unit = "${unit.name}" })
}
`);
  return parts.join("\n");
}

function serviceModuleTf(service: ServiceSpec): string {
  const shared = service.usesShared
    ? `
module "shared" {
  source = "../shared"
  name   = var.name
  tags   = var.tags
}
`
    : "";
  const moduleData = service.moduleData
    ? `
locals {
  settings = jsondecode(file("\${path.module}/../data/${service.moduleData}"))
}
`
    : "";
  return `# Local module for ${service.name}.
${moduleData}variable "name" {
  type = string
}

variable "environment" {
  type    = string
  default = "dev"
}

variable "tags" {
  type    = map(string)
  default = {}
}

resource "terraform_data" "this" {
  input = {
    name        = var.name
    environment = var.environment
    service     = "${service.name}"${service.moduleData ? "\n    settings    = local.settings" : ""}
  }
}
${shared}
output "id" {
  value = terraform_data.this.id
}
`;
}

function sharedModuleTf(): string {
  return `# Shared building block called by several service modules.
variable "name" {
  type = string
}

variable "tags" {
  type    = map(string)
  default = {}
}

resource "terraform_data" "label" {
  input = merge(var.tags, { name = var.name })
}

output "label" {
  value = terraform_data.label.output
}
`;
}

/** Streams every file as a blob and one commit into `git fast-import` (writes a single pack). */
async function fastImport(dir: string, branch: string, files: Map<string, string>, message: string): Promise<void> {
  const child = spawn("git", ["fast-import", "--quiet", "--done"], {
    cwd: dir,
    stdio: ["pipe", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve() : reject(new Error(`git fast-import failed (exit ${code}): ${stderr.trim()}`)),
    );
  });

  const chunks: Buffer[] = [];
  let buffered = 0;
  const flush = async () => {
    if (chunks.length === 0) return;
    const data = Buffer.concat(chunks);
    chunks.length = 0;
    buffered = 0;
    if (!child.stdin.write(data)) await new Promise<void>((resolve) => child.stdin.once("drain", resolve));
  };
  const push = async (text: string | Buffer) => {
    const buf = typeof text === "string" ? Buffer.from(text) : text;
    chunks.push(buf);
    buffered += buf.length;
    if (buffered > 4 * 1024 * 1024) await flush();
  };

  const paths = [...files.keys()].sort();
  let mark = 0;
  const marks: number[] = [];
  for (const path of paths) {
    const body = Buffer.from(files.get(path) as string);
    marks.push(++mark);
    await push(`blob\nmark :${mark}\ndata ${body.length}\n`);
    await push(body);
    await push("\n");
  }
  const msg = Buffer.from(`${message}\n`); // `git commit -m` ends the message with a newline too
  const ident = `${COMMIT_ENV.GIT_AUTHOR_NAME} <${COMMIT_ENV.GIT_AUTHOR_EMAIL}> ${COMMIT_EPOCH} +0000`;
  await push(`commit refs/heads/${branch}\nauthor ${ident}\ncommitter ${ident}\ndata ${msg.length}\n`);
  await push(msg);
  await push("\n");
  for (let i = 0; i < paths.length; i++) await push(`M 100644 :${marks[i]} ${quotePath(paths[i] as string)}\n`);
  await push("\ndone\n");
  await flush();
  child.stdin.end();
  await exited;
}

/** fast-import needs C-style quoting only for paths with special characters; generated paths have none. */
function quotePath(path: string): string {
  return /^[\x21-\x7e]+$/.test(path) && !path.startsWith('"') ? path : JSON.stringify(path);
}
