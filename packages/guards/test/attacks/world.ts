/**
 * The world of the end-to-end attack suite: infrastructure-live (`origin`, real git) with units that plan
 * and apply offline with the real terragrunt and OpenTofu; the pipelines side's two workflows played by
 * `gantry execute` spawned from its sources with the environment a GitHub runner gives (OIDC request token,
 * GITHUB_TOKEN, Gantry's tokens); the OIDC issuer and the STS emulator loaded with the trust policies
 * `gantry iam trust-policy` prints. The tools are wrapped by shims that log every invocation, so a test can
 * say that nothing ran.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Job } from "@gantry/classifier";
import {
  createTempGitRepo,
  startOidcIssuer,
  startStsEmulator,
  type GithubWorkflowContext,
  type OidcIssuer,
  type StsEmulator,
  type TempGitRepo,
} from "@gantry/testkit";
import { buildTrustPolicies } from "../../src/index.js";
import { ACCOUNT, APPLY_ROLE, checkout, gantryConfig, PLAN_ROLE } from "./support.js";

const root = resolve(import.meta.dirname, "../../../..");
export const PIPELINES = "acme/infrastructure-pipelines";
const workflowRef = (file: string) => `${PIPELINES}/.github/workflows/${file}@refs/heads/main`;

/** The OIDC contexts of the pipelines repository's two workflows on main (see examples/github-workflows). */
export const planWorkflow: GithubWorkflowContext = {
  repository: PIPELINES,
  ref: "refs/heads/main",
  workflowRef: workflowRef("plan.yml"),
  actor: "mallory",
};
export const applyWorkflow: GithubWorkflowContext = {
  ...planWorkflow,
  workflowRef: workflowRef("apply.yml"),
  environment: "gantry-apply",
  actor: "alice",
};

/** Secrets a runner's environment holds, that no tool may see. */
export const RUNNER_SECRETS = {
  GITHUB_TOKEN: "ghs_workflowtoken0123456789abcdef",
  GANTRY_CODE_READ_TOKEN: "github_pat_coderead0123456789abcdef",
  GANTRY_DISPATCH_TOKEN: "github_pat_dispatch0123456789abcd",
};

export const rootHcl = `remote_state {
  backend = "local"
  generate = {
    path      = "backend.tf"
    if_exists = "overwrite_terragrunt"
  }
  config = {
    path = "\${get_env("GANTRY_STATE_DIR")}/\${path_relative_to_include()}/terraform.tfstate"
  }
}
`;
export const moduleTf = 'variable "v" {\n  default = "1"\n}\nresource "terraform_data" "x" {\n  input = var.v\n}\n';
export const unitHcl = (value: string, extra = "") =>
  `include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\nterraform {\n  source = "../../modules/data"\n${extra}}\ninputs = {\n  v = "${value}"\n}\n`;

export interface Execution {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** Tool invocations (terragrunt and tofu) during this execution. */
  toolRuns: string[];
  /** Credentials STS issued during this execution, by role. */
  issued: string[];
  /** Whether the state directory changed. */
  stateChanged: boolean;
  /** The typed result, when one was written. */
  result: {
    status: string;
    error: { code: string; exitCode: number } | null;
    units: Array<{ unit: string; status: string; logPath: string | null }>;
  } | null;
}

export interface ExecuteOptions {
  args?: string[];
  /** Changes the fresh checkout before gantry runs in it. */
  configure?: (checkoutDir: string) => void;
  env?: Record<string, string>;
  /** The secrets the step's environment holds (default `RUNNER_SECRETS`, all of them). */
  secrets?: Record<string, string>;
  onSpawn?: (child: ChildProcess) => void;
}

export interface World extends AsyncDisposable {
  origin: TempGitRepo;
  issuer: OidcIssuer;
  sts: StsEmulator;
  dir: string;
  /** Runs `gantry execute` for the job in a fresh checkout of its ref, as the given workflow. */
  execute(job: Job, workflow: GithubWorkflowContext, options?: ExecuteOptions): Promise<Execution>;
}

/** The tools, wrapped: each invocation is logged, then the real binary runs. */
function toolShims(dir: string): { env: Record<string, string>; log: string } {
  const real = execFileSync("bash", [join(root, "scripts/ensure-iac-tools.sh")], { encoding: "utf8" }).trim();
  const log = join(dir, "tool-runs.log");
  writeFileSync(log, "");
  const env: Record<string, string> = {};
  for (const [tool, variable] of [
    ["terragrunt", "GANTRY_TERRAGRUNT"],
    ["tofu", "GANTRY_TOFU"],
  ] as const) {
    const shim = join(dir, "shims", tool);
    mkdirSync(join(dir, "shims"), { recursive: true });
    writeFileSync(shim, `#!/bin/sh\necho "${tool} $*" >> '${log}'\nexec '${join(real, tool)}' "$@"\n`);
    chmodSync(shim, 0o755);
    env[variable] = shim;
  }
  return { env, log };
}

function snapshot(dir: string): string {
  if (!existsSync(dir)) return "";
  const walk = (path: string): string[] =>
    statSync(path).isDirectory()
      ? readdirSync(path)
          .sort()
          .flatMap((name) => walk(join(path, name)))
      : [`${path}:${readFileSync(path, "utf8")}`];
  return walk(dir).join("\n");
}

/** Runs a `gantry` command from its sources, as a workflow step before `gantry execute` would. */
export function gantrySync(
  args: string[],
  env: Record<string, string>,
): { exitCode: number; stdout: string; stderr: string } {
  const run = spawnSync(
    process.execPath,
    [
      "--experimental-transform-types",
      "--no-warnings",
      "--import",
      join(root, "packages/executor/test/support/source-loader.mjs"),
      join(root, "packages/cli/src/bin.ts"),
      ...args,
    ],
    {
      env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "", ...env },
      encoding: "utf8",
    },
  );
  return { exitCode: run.status ?? -1, stdout: run.stdout, stderr: run.stderr };
}

export async function createWorld(): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), "gantry-attacks-"));
  const stateDir = join(dir, "state");
  const origin = createTempGitRepo({
    ".gantry/config.yml": gantryConfig(),
    "root.hcl": rootHcl,
    "modules/data/main.tf": moduleTf,
    "prod/app/terragrunt.hcl": unitHcl("1"),
    "prod/db/terragrunt.hcl": unitHcl("1"),
  });
  const issuer = await startOidcIssuer();
  const policies = buildTrustPolicies({
    repoOwner: "acme",
    repo: "infrastructure-live",
    pipelinesRepo: "infrastructure-pipelines",
    accountId: ACCOUNT,
    issuerHost: issuer.host,
  });
  const sts = await startStsEmulator({ roles: { [PLAN_ROLE]: policies.plan, [APPLY_ROLE]: policies.apply } });
  const shims = toolShims(dir);
  let count = 0;

  const execute: World["execute"] = async (job, workflow, options = {}) => {
    const name = `run-${++count}`;
    const checkoutRepo = checkout(origin, job.ref);
    options.configure?.(checkoutRepo.dir);
    const jobFile = join(dir, `${name}.job.json`);
    const resultFile = join(dir, `${name}.result.json`);
    writeFileSync(jobFile, JSON.stringify(job));
    const toolsBefore = readFileSync(shims.log, "utf8").split("\n").filter(Boolean).length;
    const issuedBefore = sts.assumed.length;
    const stateBefore = snapshot(stateDir);
    const env = {
      PATH: process.env["PATH"] ?? "",
      HOME: process.env["HOME"] ?? dir,
      ...issuer.startRun(workflow).env,
      ...(options.secrets ?? RUNNER_SECRETS),
      ...shims.env,
      AWS_ENDPOINT_URL_STS: sts.url,
      GANTRY_PIPELINES_REPOSITORY: PIPELINES,
      GANTRY_DEPLOY_BRANCH: "main",
      GANTRY_STATE_DIR: stateDir,
      GANTRY_KEEP_RUNS: "0",
      ...options.env,
    };
    const args = [
      "--experimental-transform-types",
      "--no-warnings",
      "--import",
      join(root, "packages/executor/test/support/source-loader.mjs"),
      join(root, "packages/cli/src/bin.ts"),
      "execute",
      "--repo",
      checkoutRepo.dir,
      "--job",
      jobFile,
      "--result",
      resultFile,
      "--run-dir",
      join(dir, name),
      ...(options.args ?? []),
    ];
    const { exitCode, stdout, stderr } = await new Promise<{ exitCode: number | null; stdout: string; stderr: string }>(
      (done) => {
        const child = spawn(process.execPath, args, { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
        options.onSpawn?.(child);
        let out = "";
        let err = "";
        child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
        child.on("close", (code) => done({ exitCode: code, stdout: out, stderr: err }));
      },
    );
    checkoutRepo.remove();
    return {
      exitCode,
      stdout,
      stderr,
      toolRuns: readFileSync(shims.log, "utf8").split("\n").filter(Boolean).slice(toolsBefore),
      issued: sts.assumed.slice(issuedBefore).map((record) => record.roleArn),
      stateChanged: snapshot(stateDir) !== stateBefore,
      result: existsSync(resultFile) ? JSON.parse(readFileSync(resultFile, "utf8")) : null,
    };
  };

  return {
    origin,
    issuer,
    sts,
    dir,
    execute,
    async [Symbol.asyncDispose]() {
      await sts.close();
      await issuer.close();
      origin.remove();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
