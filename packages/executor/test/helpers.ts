/** Shared by the executor's tests: the real tools, the example repository as real git history, jobs. */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Job, JobAction } from "@gantry/classifier";

const root = resolve(import.meta.dirname, "../../..");

let toolsDir: string | undefined;
/** GANTRY_TERRAGRUNT / GANTRY_TOFU pointing at the pinned builds (built once, cached). */
export function iacToolsEnv(): Record<string, string> {
  toolsDir ??= execFileSync("bash", [join(root, "scripts/ensure-iac-tools.sh")], { encoding: "utf8" }).trim();
  return { GANTRY_TERRAGRUNT: join(toolsDir, "terragrunt"), GANTRY_TOFU: join(toolsDir, "tofu") };
}

export interface DemoRepo extends AsyncDisposable {
  dir: string;
  /** The empty first commit. */
  root: string;
  base: string;
  head: string;
  stateDir: string;
  runsDir: string;
  git(...args: string[]): string;
}

/** A real repository built by examples/infrastructure-live/make-demo-repo.sh, plus state and run dirs. */
export function createDemoRepo(): DemoRepo {
  const parent = mkdtempSync(join(tmpdir(), "gantry-exec-test-"));
  const dir = join(parent, "repo");
  const out = execFileSync("bash", [join(root, "examples/infrastructure-live/make-demo-repo.sh"), dir], {
    encoding: "utf8",
  });
  const match = /root=([0-9a-f]{40}) base=([0-9a-f]{40}) head=([0-9a-f]{40})/.exec(out);
  if (!match) throw new Error(`unexpected output from make-demo-repo.sh: ${out}`);
  return {
    dir,
    root: match[1]!,
    base: match[2]!,
    head: match[3]!,
    stateDir: join(parent, "state"),
    runsDir: join(parent, "runs"),
    git: (...args) => execFileSync("git", args, { cwd: dir, encoding: "utf8" }).trim(),
    async [Symbol.asyncDispose]() {
      rmSync(parent, { recursive: true, force: true });
    },
  };
}

export function makeJob(fields: {
  id?: string;
  action: JobAction;
  units: string[];
  ref: string;
  base?: string;
  head?: string;
  env?: Record<string, string>;
  parallelism?: number;
}): Job {
  const event = fields.action === "plan" || fields.action === "plan-destroy" ? "pull_request" : "push";
  return {
    apiVersion: "gantry/v1",
    kind: "Job",
    id: fields.id ?? `${fields.action}-dev`,
    action: fields.action,
    units: fields.units,
    ref: fields.ref,
    needs: [],
    environment: "dev",
    changes: ["UnitChanged"],
    source: {
      event,
      base: fields.base ?? fields.ref,
      head: fields.head ?? fields.ref,
      branch: "main",
      deployBranch: "main",
    },
    authentication: null,
    terragrunt: { flags: [], env: fields.env ?? {}, parallelism: fields.parallelism ?? 4 },
  };
}

/** The resources a unit's local state holds (address -> attribute values), or null without state. */
export function stateResources(stateDir: string, unit: string): Map<string, Record<string, unknown>> | null {
  const file = join(stateDir, unit, "terraform.tfstate");
  if (!existsSync(file)) return null;
  const state = JSON.parse(readFileSync(file, "utf8")) as {
    resources: {
      type: string;
      name: string;
      instances: { index_key?: number | string; attributes: Record<string, unknown> }[];
    }[];
  };
  const map = new Map<string, Record<string, unknown>>();
  for (const resource of state.resources) {
    for (const instance of resource.instances) {
      const key = instance.index_key === undefined ? "" : `[${JSON.stringify(instance.index_key)}]`;
      // Dynamic attributes (terraform_data's input) are stored as { value, type }.
      const attributes = Object.fromEntries(
        Object.entries(instance.attributes).map(([name, value]) => [
          name,
          value !== null && typeof value === "object" && "type" in value && "value" in value ? value.value : value,
        ]),
      );
      map.set(`${resource.type}.${resource.name}${key}`, attributes);
    }
  }
  return map;
}

export function worktreeList(repoDir: string): string[] {
  return execFileSync("git", ["worktree", "list", "--porcelain"], { cwd: repoDir, encoding: "utf8" })
    .split("\n")
    .filter((line) => line.startsWith("worktree "));
}

/** Spawns the `gantry` CLI from its TypeScript sources (see support/source-loader.mjs). */
export function gantryArgs(...args: string[]): string[] {
  return [
    "--experimental-transform-types",
    "--no-warnings",
    "--import",
    join(root, "packages/executor/test/support/source-loader.mjs"),
    join(root, "packages/cli/src/bin.ts"),
    ...args,
  ];
}

/** Runs `gantry ARGS --repo DIR` from its sources, outside GitHub Actions, with the pinned tools and a state directory. */
export function runGantryCli(
  repoDir: string,
  stateDir: string,
  ...args: string[]
): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, gantryArgs(...args, "--repo", repoDir), {
    cwd: repoDir,
    env: { ...process.env, ...iacToolsEnv(), GANTRY_STATE_DIR: stateDir, GITHUB_ACTIONS: "", GITHUB_STEP_SUMMARY: "" },
    encoding: "utf8",
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
