import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { configJsonSchema, parseConfigFiles } from "@gantry/classifier";
import { evaluate, parseHcl, type Expression, type HclValue } from "@gantry/hcl";
import { checkPipelinesWorkflow, GITHUB_APP_PERMISSIONS, TOKEN_SETTINGS } from "@gantry/guards";
import { validateGitHubRequest } from "@gantry/testkit";
import {
  applyInit,
  githubSetupRequests,
  MANIFEST_FILE,
  planInit,
  renderInit,
  resolveActionRef,
  resolveInitSettings,
  type GeneratedFile,
  type InitSettings,
} from "../src/index.js";
import { ACTION_SHA, acmeSettings, actionlint, repositoryRoot, tofu } from "./support.js";

const scratch: string[] = [];
afterEach(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "gantry-init-"));
  scratch.push(dir);
  return dir;
}

/** Both repositories written into a scratch directory: `<dir>/live`, `<dir>/pipelines`. */
function writeBoth(settings: InitSettings, options: { force?: boolean; dir?: string } = {}) {
  const dir = options.dir ?? scratchDir();
  const dirs = { liveDir: join(dir, "live"), pipelinesDir: join(dir, "pipelines") };
  const plan = planInit(settings, { ...dirs, force: options.force ?? false });
  applyInit(plan, settings.gantryVersion);
  return {
    dir,
    ...dirs,
    plan,
    actions: Object.fromEntries(
      plan.flatMap((repository) => repository.files.map((file) => [`${repository.role}:${file.path}`, file.action])),
    ),
  };
}

const variants: Record<string, InitSettings> = {
  tokens: acmeSettings(),
  "GitHub App, workflow in the OIDC sub, another deploy branch": acmeSettings({
    githubApp: true,
    subIncludesWorkflow: true,
    deployBranch: "release/prod",
  }),
  "one account, no name": acmeSettings({ awsAccountIds: ["333333333333"] }),
  "no account": acmeSettings({ awsAccountIds: [] }),
};

const workflows = (files: readonly GeneratedFile[]) =>
  files.filter((file) => file.path.startsWith(".github/workflows/"));

describe("gantry init's files", () => {
  it("pass actionlint, in every variant", { timeout: 300_000 }, () => {
    for (const [name, settings] of Object.entries(variants)) {
      const { liveDir, pipelinesDir } = writeBoth(settings);
      const rendered = renderInit(settings);
      const files = [
        ...workflows(rendered.live).map((file) => join(liveDir, file.path)),
        ...workflows(rendered.pipelines).map((file) => join(pipelinesDir, file.path)),
      ];
      expect(files.length, name).toBe(4);
      const run = spawnSync(actionlint(), ["-no-color", ...files], { encoding: "utf8" });
      expect(run.stdout + run.stderr, name).toBe("");
      expect(run.status, name).toBe(0);
    }
  });

  it("pin every action by full commit SHA with its version in a comment, the Gantry Action at the commit given", () => {
    for (const [name, settings] of Object.entries(variants)) {
      const rendered = renderInit(settings);
      for (const file of [...workflows(rendered.live), ...workflows(rendered.pipelines)]) {
        const uses = [...file.content.matchAll(/^\s*(?:- )?uses: (.*)$/gm)].map((match) => match[1]!);
        expect(uses.length, `${name} ${file.path}`).toBeGreaterThan(0);
        for (const line of uses)
          expect(line, `${name} ${file.path}`).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
        expect(
          uses
            .filter((line) => line.startsWith("gantry-iac/gantry@"))
            .every((line) => line === `gantry-iac/gantry@${ACTION_SHA} # v0.1.0`),
        ).toBe(true);
      }
    }
  });

  it("grant least permissions, time every job out, and keep no credentials in a checkout", () => {
    for (const [name, settings] of Object.entries(variants)) {
      const rendered = renderInit(settings);
      for (const file of [...workflows(rendered.live), ...workflows(rendered.pipelines)]) {
        const workflow = parse(file.content) as {
          permissions: Record<string, string>;
          jobs: Record<
            string,
            {
              permissions?: unknown;
              "timeout-minutes"?: number;
              steps: { uses?: string; with?: Record<string, unknown> }[];
            }
          >;
        };
        expect(workflow.permissions, `${name} ${file.path}`).toBeDefined();
        for (const job of Object.values(workflow.jobs)) {
          expect(job.permissions, `${name} ${file.path}`).toBeUndefined();
          expect(job["timeout-minutes"], `${name} ${file.path}`).toBeGreaterThan(0);
          for (const step of job.steps.filter((candidate) => candidate.uses?.startsWith("actions/checkout@")))
            expect(step.with?.["persist-credentials"]).toBe(false);
        }
      }
      const permissions = (file: GeneratedFile) =>
        (parse(file.content) as { permissions: Record<string, string> }).permissions;
      const [plan, deploy] = workflows(rendered.live);
      expect(permissions(plan!)).toEqual({ contents: "read" });
      expect(permissions(deploy!)).toEqual({});
      const [planYml, applyYml] = workflows(rendered.pipelines);
      expect(permissions(planYml!)).toEqual({ "id-token": "write", contents: "read" });
      expect(permissions(applyYml!)).toEqual({ "id-token": "write", contents: "write" });
    }
  });

  it("keep the pipelines workflows' rules (gantry doctor --pipelines-dir), in every variant", () => {
    for (const [name, settings] of Object.entries(variants)) {
      const [plan, apply] = workflows(renderInit(settings).pipelines);
      expect([plan!.path, apply!.path], name).toEqual([".github/workflows/plan.yml", ".github/workflows/apply.yml"]);
      expect(checkPipelinesWorkflow(parse(plan!.content), "plan"), name).toEqual([]);
      expect(checkPipelinesWorkflow(parse(apply!.content), "apply"), name).toEqual([]);
    }
  });

  it("give a GitHub App's private key only to steps that run no infrastructure code", () => {
    // A plan runs the pull request's code, which can read its process's environment: the key must never be
    // there, or a pull request could mint tokens with every permission of the App.
    for (const [name, settings] of Object.entries(variants)) {
      const rendered = renderInit(settings);
      for (const file of [...workflows(rendered.live), ...workflows(rendered.pipelines)]) {
        const workflow = parse(file.content) as {
          env?: Record<string, string>;
          jobs: Record<
            string,
            { steps: { uses?: string; env?: Record<string, string>; with?: Record<string, string> }[] }
          >;
        };
        expect(JSON.stringify(workflow.env ?? {})).not.toContain("GANTRY_GITHUB_APP");
        for (const step of Object.values(workflow.jobs).flatMap((job) => job.steps)) {
          if (!JSON.stringify(step).includes("secrets.GANTRY_GITHUB_APP_PRIVATE_KEY")) continue;
          expect(settings.githubApp, `${name} ${file.path}`).toBe(true);
          if (step.uses?.startsWith("actions/create-github-app-token@")) continue;
          expect(step.uses, `${name} ${file.path}`).toMatch(/^gantry-iac\/gantry@/);
          expect(["dispatch", "report"], `${name} ${file.path}`).toContain(step.with?.command);
        }
      }
    }
  });

  it("have apply.yml report each deployment on infrastructure-live's merged pull requests, with a token for that alone", () => {
    const variable = TOKEN_SETTINGS["infra-live-write"].variable;
    for (const [name, settings] of Object.entries(variants)) {
      const rendered = renderInit(settings);
      const apply = parse(rendered.pipelines.find((file) => file.path === ".github/workflows/apply.yml")!.content) as {
        jobs: Record<
          string,
          { steps: { id?: string; uses?: string; env?: Record<string, string>; with?: Record<string, string> }[] }
        >;
      };
      const steps = Object.values(apply.jobs).flatMap((job) => job.steps);
      const deploy = steps.find((step) => step.with?.command === "run")!;
      expect(deploy.with?.args?.split("\n").filter(Boolean), name).toEqual([
        "--publish-merged-prs",
        "--open-issue-on-failure",
        "--repository=acme/infrastructure-live",
      ]);
      if (!settings.githubApp) {
        expect(deploy.env?.[variable], name).toBe(`\${{ secrets.${variable} }}`);
      } else {
        // The App's key mints a token for infrastructure-live alone, with the two permissions the reports need.
        const mint = steps.find((step) => step.id === "infra-live-write")!;
        expect(mint.with, name).toMatchObject({
          owner: "acme",
          repositories: "infrastructure-live",
          "permission-pull-requests": "write",
          "permission-issues": "write",
        });
        expect(
          Object.keys(mint.with!).filter((key) => key.startsWith("permission-")),
          name,
        ).toEqual(["permission-pull-requests", "permission-issues"]);
        expect(deploy.env?.[variable], name).toBe("${{ steps.infra-live-write.outputs.token }}");
        expect(GITHUB_APP_PERMISSIONS, name).toMatchObject({ pull_requests: "write", issues: "write" });
      }
      // The checklist names that token, where it goes and what it may do.
      const checklist = rendered.pipelines.find((file) => file.path === "GANTRY_SETUP.md")!.content;
      if (!settings.githubApp) {
        expect(checklist, name).toContain(
          `| \`${variable}\` | acme/infrastructure-pipelines | apply.yml: the apply report on each merged pull request, an issue when a deployment failed | Pull requests: read and write, Issues: read and write (for --open-issue-on-failure) | acme/infrastructure-live only |`,
        );
        expect(checklist, name).toContain(`gh secret set ${variable} --repo acme/infrastructure-pipelines`);
      } else {
        expect(checklist, name).toContain("issues: write");
      }
    }
  });

  it("write a configuration Gantry reads, with its JSON Schema, and roles in each account", () => {
    for (const [name, settings] of Object.entries(variants)) {
      const file = renderInit(settings).live.find((candidate) => candidate.path === ".gantry/config.yml")!;
      const loaded = parseConfigFiles([{ path: file.path, text: file.content }]);
      expect(loaded.config.deployBranch, name).toBe(settings.deployBranch);
      expect(loaded.config.pipelinesRepository, name).toBe("acme/infrastructure-pipelines");
      expect(
        loaded.config.environments.map((environment) => environment.aws?.accountId ?? null),
        name,
      ).toEqual(settings.accounts.length === 0 ? [null] : settings.accounts.map((account) => account.accountId));
      expect((parse(file.content) as { $schema: string }).$schema).toBe(
        `https://raw.githubusercontent.com/gantry-iac/gantry/${ACTION_SHA}/packages/classifier/config.schema.json`,
      );
    }
    // The schema the URL names is this repository's, which is the classifier's own.
    expect(JSON.parse(readFileSync(join(repositoryRoot, "packages/classifier/config.schema.json"), "utf8"))).toEqual(
      configJsonSchema(),
    );
  });

  it("write an OpenTofu file that tofu fmt accepts and that holds the JSON files' policies", () => {
    for (const [name, settings] of Object.entries(variants)) {
      const { pipelinesDir } = writeBoth(settings);
      const { TF_CLI_CONFIG_FILE: _unused, ...env } = process.env; // a missing file named there only adds a warning
      const run = spawnSync(tofu(), ["fmt", "-check", "-diff", join(pipelinesDir, "iam/main.tf")], {
        encoding: "utf8",
        env,
      });
      expect(run.stdout, name).toBe("");
      expect(run.status, name).toBe(0);

      // Evaluate each jsonencode() of the file with our HCL evaluator, the provider's ARN standing for itself.
      const file = parseHcl(readFileSync(join(pipelinesDir, "iam/main.tf"), "utf8"), "main.tf");
      const provider = "arn:aws:iam::ACCOUNT:oidc-provider/token.actions.githubusercontent.com";
      const policyOf = (resource: string, attribute: string): HclValue => {
        const block = file.body.blocks.find(
          (candidate) => candidate.type === "resource" && candidate.labels[1] === resource,
        )!;
        const expr = block.body.attributes.find((candidate) => candidate.name === attribute)!.expr as Expression & {
          args?: Expression[];
        };
        const argument = (expr as unknown as { args: Expression[] }).args[0]!;
        const variables: Record<string, HclValue> = { aws_iam_openid_connect_provider: { github: { arn: provider } } };
        return evaluate(argument, { variable: (variable) => variables[variable], functions: {} });
      };
      const json = (path: string, account: string) =>
        JSON.parse(
          readFileSync(join(pipelinesDir, path), "utf8").replaceAll(
            `arn:aws:iam::${account}:oidc-provider/token.actions.githubusercontent.com`,
            provider,
          ),
        );
      for (const account of settings.accounts) {
        expect(policyOf("plan", "assume_role_policy"), name).toEqual(
          json(`iam/${account.accountId}/plan-role-trust-policy.json`, account.accountId),
        );
        expect(policyOf("apply", "assume_role_policy"), name).toEqual(
          json(`iam/${account.accountId}/apply-role-trust-policy.json`, account.accountId),
        );
      }
      expect(policyOf("plan_state_locks", "policy")).toEqual(
        JSON.parse(readFileSync(join(pipelinesDir, "iam/plan-role-policy.json"), "utf8")),
      );
    }
  });

  it("tell people to send only GitHub API requests that GitHub's description accepts", () => {
    for (const [name, settings] of Object.entries(variants)) {
      const requests = githubSetupRequests(settings);
      expect(
        requests.some((request) => request.path.endsWith("/oidc/customization/sub")),
        name,
      ).toBe(settings.subIncludesWorkflow);
      for (const request of requests)
        expect(
          validateGitHubRequest(request.method, request.path, request.body),
          `${name}: ${request.purpose}`,
        ).toEqual([]);
      const checklist = renderInit(settings).pipelines.find((file) => file.path === "GANTRY_SETUP.md")!.content;
      for (const request of requests)
        expect(checklist).toContain(`gh api --method ${request.method} ${request.path.slice(1)} --input -`);
    }
  });
});

describe("writing the files", () => {
  it("keeps a file the user changed, updates what it wrote, and replaces the user's only with force", () => {
    const first = writeBoth(acmeSettings());
    expect(Object.values(first.actions).every((action) => action === "create")).toBe(true);
    const config = join(first.liveDir, ".gantry/config.yml");
    const edited = `${readFileSync(config, "utf8")}parallelism: 4\n`;
    writeFileSync(config, edited);

    // Same settings: nothing to do but keep the edit.
    const again = writeBoth(acmeSettings(), { dir: first.dir });
    expect(again.actions["live:.gantry/config.yml"]).toBe("keep");
    expect(again.plan[0]!.files.find((file) => file.path === ".gantry/config.yml")!.reason).toBe(
      "changed since gantry init wrote it",
    );
    expect(
      Object.entries(again.actions)
        .filter(([, action]) => action !== "unchanged")
        .map(([path]) => path),
    ).toEqual(["live:.gantry/config.yml"]);

    // A newer Gantry: what init wrote and nobody touched is updated; the edit survives, recorded as the user's.
    const newer = writeBoth(
      acmeSettings({
        gantryVersion: "0.2.0",
        action: { repository: "gantry-iac/gantry", sha: "f".repeat(40), version: "v0.2.0" },
      }),
      { dir: first.dir },
    );
    expect(newer.actions["live:.github/workflows/gantry-plan.yml"]).toBe("update");
    expect(newer.actions["live:.gantry/config.yml"]).toBe("keep");
    expect(readFileSync(config, "utf8")).toBe(edited);
    expect(readFileSync(join(first.liveDir, ".github/workflows/gantry-plan.yml"), "utf8")).toContain(
      `gantry-iac/gantry@${"f".repeat(40)} # v0.2.0`,
    );
    const manifest = JSON.parse(readFileSync(join(first.liveDir, MANIFEST_FILE), "utf8")) as {
      gantryVersion: string;
      files: Record<string, unknown>;
    };
    expect(manifest.gantryVersion).toBe("0.2.0");

    // Force replaces it, and from then on it is init's again.
    const forced = writeBoth(acmeSettings(), { dir: first.dir, force: true });
    expect(forced.actions["live:.gantry/config.yml"]).toBe("overwrite");
    expect(readFileSync(config, "utf8")).not.toContain("parallelism: 4");
    expect(
      writeBoth(acmeSettings({ gantryVersion: "0.3.0" }), { dir: first.dir }).actions["live:.gantry/config.yml"],
    ).toBe("update");
  });

  it("counts a file it never wrote as the user's, and never writes through a symbolic link", () => {
    const dir = scratchDir();
    mkdirSync(join(dir, "live/.github"), { recursive: true });
    writeFileSync(join(dir, "live/.github/CODEOWNERS"), "* @acme/everyone\n");
    writeFileSync(join(dir, "outside.yml"), "mine\n");
    mkdirSync(join(dir, "pipelines/.github/workflows"), { recursive: true });
    symlinkSync(join(dir, "outside.yml"), join(dir, "pipelines/.github/workflows/plan.yml"));
    const { actions, plan } = writeBoth(acmeSettings(), { dir, force: true });
    expect(actions["live:.github/CODEOWNERS"]).toBe("overwrite");
    expect(plan[0]!.files.find((file) => file.path === ".github/CODEOWNERS")!.reason).toBe(
      "not written by gantry init",
    );
    expect(actions["pipelines:.github/workflows/plan.yml"]).toBe("keep");
    expect(readFileSync(join(dir, "outside.yml"), "utf8")).toBe("mine\n");
  });

  it("refuses a manifest it cannot trust, naming it, and writes nothing", () => {
    const first = writeBoth(acmeSettings());
    writeFileSync(
      join(first.liveDir, MANIFEST_FILE),
      JSON.stringify({
        apiVersion: "gantry/v1",
        kind: "InitManifest",
        gantryVersion: "0.1.0",
        files: { x: { sha256: "nope" } },
      }),
    );
    expect(() => planInit(acmeSettings(), { liveDir: first.liveDir, pipelinesDir: first.pipelinesDir })).toThrow(
      expect.objectContaining({
        code: "INIT_MANIFEST_INVALID",
        message: expect.stringMatching(/field "files\.x\.sha256"/),
        location: { file: join(first.liveDir, MANIFEST_FILE) },
      }),
    );
  });
});

describe("settings", () => {
  it("refuse what would be written wrong, naming the option", () => {
    const refused = (overrides: Parameters<typeof acmeSettings>[0]) => {
      try {
        acmeSettings(overrides);
      } catch (error) {
        return (error as Error).message;
      }
      return "accepted";
    };
    expect(refused({ liveRepository: "acme" })).toContain("--live-repository: must be OWNER/REPO");
    expect(refused({ pipelinesRepository: "other/infrastructure-pipelines" })).toContain("is not owned by 'acme'");
    expect(refused({ pipelinesRepository: "acme/infrastructure-live" })).toContain("must be another repository");
    expect(refused({ awsAccountIds: ["12345"] })).toContain("an AWS account id is 12 digits");
    expect(refused({ awsAccountIds: ["111111111111", "222222222222"] })).toContain("name the environment of each");
    expect(refused({ awsAccountIds: ["dev=111111111111", "dev=222222222222"] })).toContain("'dev' is named twice");
    expect(refused({ deployBranch: "main; rm -rf /" })).toContain("--deploy-branch");
    expect(refused({ action: { repository: "gantry-iac/gantry", sha: "v0.1.0", version: "v0.1.0" } })).toContain(
      "not a full commit SHA",
    );
  });
});

describe("resolveActionRef", () => {
  it("takes a SHA as it is, resolves a tag (annotated: its commit) with git ls-remote, and says what to do when it cannot", async () => {
    const server = scratchDir();
    const work = join(server, "work");
    mkdirSync(work);
    const git = (...args: string[]) =>
      execFileSync("git", args, {
        cwd: work,
        encoding: "utf8",
        env: {
          ...process.env,
          GIT_CONFIG_GLOBAL: "/dev/null",
          GIT_CONFIG_NOSYSTEM: "1",
          GIT_AUTHOR_NAME: "t",
          GIT_AUTHOR_EMAIL: "t@t",
          GIT_COMMITTER_NAME: "t",
          GIT_COMMITTER_EMAIL: "t@t",
        },
      }).trim();
    git("init", "-q", "-b", "main");
    git("commit", "-q", "--allow-empty", "-m", "release");
    git("tag", "-a", "v0.1.0", "-m", "v0.1.0");
    const commit = git("rev-parse", "HEAD");
    mkdirSync(join(server, "gantry-iac"));
    git("clone", "-q", "--bare", work, join(server, "gantry-iac/gantry.git"));

    expect(await resolveActionRef({ gantryVersion: "0.1.0", serverUrl: server })).toEqual({
      repository: "gantry-iac/gantry",
      sha: commit,
      version: "v0.1.0",
    });
    expect(
      await resolveActionRef({
        action: `acme/gantry-fork@${"a".repeat(40)}`,
        gantryVersion: "0.1.0",
        serverUrl: server,
      }),
    ).toEqual({ repository: "acme/gantry-fork", sha: "a".repeat(40), version: "v0.1.0" });
    await expect(
      resolveActionRef({ action: "gantry-iac/gantry@v9.9.9", gantryVersion: "0.1.0", serverUrl: server }),
    ).rejects.toThrow(/has no tag or branch 'v9.9.9'/);
    await expect(
      resolveActionRef({ action: "gantry-iac/missing@v0.1.0", gantryVersion: "0.1.0", serverUrl: server }),
    ).rejects.toMatchObject({
      code: "INIT_ACTION_UNRESOLVED",
      hint: expect.stringContaining("--action gantry-iac/missing@<40-hex commit SHA>"),
    });
    await expect(
      resolveActionRef({ action: "gantry-iac/gantry@--upload-pack=x", gantryVersion: "0.1.0", serverUrl: server }),
    ).rejects.toThrow(/is not a tag, branch or commit SHA/);
  });
});

it("settings are the one place values are checked: a valid input renders", () => {
  expect(() =>
    resolveInitSettings({
      liveRepository: "a/b",
      pipelinesRepository: "a/c",
      action: { repository: "x/y", sha: "0".repeat(40), version: "v1.0.0" },
      gantryVersion: "1.0.0",
    }),
  ).not.toThrow();
});
