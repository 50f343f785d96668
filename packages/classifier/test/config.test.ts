import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { GantryError } from "@gantry/errors";
import { createTempGitRepo } from "@gantry/testkit";
import { configJsonSchema, defaultConfig, loadConfig, parseConfigFiles } from "../src/index.js";

function configError(files: Record<string, string>): GantryError {
  try {
    parseConfigFiles(Object.entries(files).map(([path, text]) => ({ path, text })));
  } catch (error) {
    if (GantryError.isInstance(error)) return error;
    throw error;
  }
  throw new Error("expected a configuration error");
}

const parse = (files: Record<string, string>) =>
  parseConfigFiles(Object.entries(files).map(([path, text]) => ({ path, text })));

const gantryYaml = `# Gantry configuration
$schema: ../packages/classifier/config.schema.json
deployBranch: trunk
pipelinesRepository: acme/infrastructure-pipelines
ignore:
  - "**/*.md"
  - "docs/**"
environments:
  - name: prod
    paths: ["prod/**"]
    aws:
      accountId: "222222222222"
      planRoleArn: arn:aws:iam::222222222222:role/gantry-plan
      applyRoleArn: arn:aws:iam::222222222222:role/gantry-apply
      region: eu-west-1
      sessionDuration: 7200
  - name: dev
    paths: ["dev/**"]
units:
  "prod/**/iam":
    planOnly: true
consolidation: unit
consolidateDeleted: true
parallelism: 4
terragrunt:
  flags: ["--log-level", "warn"]
  env:
    TG_PROVIDER_CACHE: "1"
classifiers:
  - "@gantry/example-classifier-plugin"
`;

describe(".gantry/config.yml", () => {
  it("reads every key", () => {
    const { config, source, files } = parse({ ".gantry/config.yml": gantryYaml });
    expect(source).toBe("gantry");
    expect(files).toEqual([".gantry/config.yml"]);
    expect(config).toEqual({
      $schema: "../packages/classifier/config.schema.json",
      deployBranch: "trunk",
      pipelinesRepository: "acme/infrastructure-pipelines",
      ignore: ["**/*.md", "docs/**"],
      environments: [
        {
          name: "prod",
          paths: ["prod/**"],
          aws: {
            accountId: "222222222222",
            planRoleArn: "arn:aws:iam::222222222222:role/gantry-plan",
            applyRoleArn: "arn:aws:iam::222222222222:role/gantry-apply",
            region: "eu-west-1",
            sessionDuration: 7200,
          },
        },
        { name: "dev", paths: ["dev/**"] },
      ],
      units: { "prod/**/iam": { planOnly: true, skip: false } },
      consolidation: "unit",
      consolidateDeleted: true,
      parallelism: 4,
      terragrunt: { flags: ["--log-level", "warn"], env: { TG_PROVIDER_CACHE: "1" } },
      classifiers: ["@gantry/example-classifier-plugin"],
    });
  });

  it("defaults to the main branch and one environment covering every unit, without AWS", () => {
    expect(parse({}).source).toBe("default");
    expect(defaultConfig()).toMatchObject({
      deployBranch: "main",
      environments: [{ name: "default", paths: ["**"] }],
      consolidation: "environment",
      consolidateDeleted: false,
      parallelism: 10,
    });
    expect(parse({ ".gantry/config.yml": "" }).config).toEqual(defaultConfig());
  });

  it.each([
    [
      "a wrong type, naming the line and key",
      'deployBranch: main\nenvironments:\n  - name: prod\n    paths: ["prod/**"]\n    aws:\n      accountId: 123456789012\n      planRoleArn: arn:aws:iam::123456789012:role/p\n      applyRoleArn: arn:aws:iam::123456789012:role/a\n',
      6,
      "key environments[0].aws.accountId: must be a quoted string of 12 digits (YAML reads unquoted digits as a number)",
    ],
    [
      "an unknown key",
      "deployBranch: main\ndeployBrnach: trunk\n",
      2,
      "key deployBrnach: unknown key 'deployBrnach': did you mean 'deployBranch'?",
    ],
    [
      "an unknown key inside a list",
      'environments:\n  - name: prod\n    paths: ["prod/**"]\n    awz: {}\n',
      4,
      "key environments[0].awz: unknown key 'awz': did you mean 'aws'?",
    ],
    [
      "an unknown key inside a map",
      'units:\n  "prod/*":\n    planonly: true\n',
      3,
      "key units[\"prod/*\"].planonly: unknown key 'planonly': did you mean 'planOnly'?",
    ],
    [
      "an unknown key close to none",
      "deployBranch: main\nsomethingElse: 1\n",
      2,
      "key somethingElse: unknown key 'somethingElse'",
    ],
    ["a missing key", "environments:\n  - name: prod\n", 2, "key environments[0].paths: is required"],
    [
      "a bad enum",
      "parallelism: 2\nconsolidation: account\n",
      2,
      'key consolidation: Invalid option: expected one of "environment"|"unit"',
    ],
    [
      "a duplicate environment",
      "environments:\n  - name: prod\n    paths: [a/**]\n  - name: prod\n    paths: [b/**]\n",
      4,
      "key environments[1].name: duplicate environment name 'prod' (also environments[0])",
    ],
    [
      "a glob override with a bad value",
      'units:\n  "prod/*":\n    planOnly: yes please\n',
      3,
      'key units["prod/*"].planOnly: Invalid input: expected boolean, received string',
    ],
  ])("reports %s with file:line:key", (_name, text, line, message) => {
    const error = configError({ ".gantry/config.yml": text });
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.exitCode).toBe(20);
    expect(error.location).toMatchObject({ file: ".gantry/config.yml", line });
    expect(error.message).toBe(message);
    expect(error.hint).toBeTruthy();
  });

  it("refuses a secret in terragrunt.env (by its name or by a credential's format), naming the file, line and key", () => {
    const byName = configError({
      ".gantry/config.yml":
        'deployBranch: main\nterragrunt:\n  env:\n    TG_PROVIDER_CACHE: "1"\n    DATADOG_API_KEY: "0123456789abcdef"\n',
    });
    expect(byName.code).toBe("CONFIG_INVALID");
    expect(byName.location).toMatchObject({ file: ".gantry/config.yml", line: 5 });
    expect(byName.message).toBe(
      "key terragrunt.env.DATADOG_API_KEY: 'DATADOG_API_KEY' names a secret, and terragrunt.env is copied into every job document, plan output and CI log",
    );
    expect(byName.hint).toContain("CI's secret store");
    expect(byName.message + (byName.hint ?? "")).not.toContain("0123456789abcdef");

    const byValue = configError({
      ".gantry/config.yml": `terragrunt:\n  env:\n    TG_EXTRA: "ghp_${"a".repeat(36)}"\n`,
    });
    expect(byValue.location).toMatchObject({ line: 3 });
    expect(byValue.message).toContain("key terragrunt.env.TG_EXTRA: the value looks like a credential");

    // Ids, paths and empty values are not secrets.
    const { config } = parse({
      ".gantry/config.yml":
        'terragrunt:\n  env:\n    TF_VAR_vault_token_path: "/run/token"\n    TG_PROVIDER_CACHE_TOKEN: ""\n    TG_PROVIDER_CACHE: "1"\n',
    });
    expect(Object.keys(config.terragrunt.env)).toEqual([
      "TF_VAR_vault_token_path",
      "TG_PROVIDER_CACHE_TOKEN",
      "TG_PROVIDER_CACHE",
    ]);
  });

  it.each([
    ["TG_TF_PATH", "/tmp/evil-tofu", "TG_TF_PATH decides which OpenTofu binary terragrunt runs"],
    ["TF_CLI_CONFIG_FILE", "./.terraformrc", "TF_CLI_CONFIG_FILE decides OpenTofu's CLI configuration"],
    ["GIT_SSH_COMMAND", "sh -c evil", "GIT_* variables belong to git"],
    ["AWS_PROFILE", "admin", "AWS_* variables belong to the cloud credentials Gantry obtains for the job"],
    ["ACTIONS_ID_TOKEN_REQUEST_URL", "http://evil", "ACTIONS_* variables belong to the GitHub Actions runner"],
    ["PATH", "/tmp/evil", "PATH decides which programs run"],
  ])("refuses %s in terragrunt.env: a setting of the pipelines side, not of the repository", (name, value, reason) => {
    const error = configError({
      ".gantry/config.yml": `terragrunt:\n  env:\n    TG_PROVIDER_CACHE: "1"\n    ${name}: "${value}"\n`,
    });
    expect(error).toMatchObject({
      code: "CONFIG_INVALID",
      exitCode: 20,
      location: { file: ".gantry/config.yml", line: 4 },
    });
    expect(error.message).toContain(`key terragrunt.env.${name}: ${reason}`);
  });

  it.each([
    [
      "an alias bomb",
      `a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n`,
      2,
      "more than 100 alias expansions",
    ],
    [
      "an alias with no anchor",
      "deployBranch: main\nignore: *patterns\n",
      2,
      "the alias *patterns has no anchor &patterns before it",
    ],
  ])("reports %s as a YAML syntax error with its line, never a crash", (_name, text, line, message) => {
    for (const file of [".gantry/config.yml", ".gruntwork/config.yml"]) {
      const error = configError({ [file]: text });
      expect(error).toMatchObject({ code: "CONFIG_SYNTAX", exitCode: 20, location: { file, line } });
      expect(error.message).toContain(message);
    }
  });

  it("reports YAML syntax errors with their line", () => {
    const error = configError({ ".gantry/config.yml": "deployBranch: main\nenvironments:\n  - name: [prod\n" });
    expect(error.code).toBe("CONFIG_SYNTAX");
    expect(error.location?.file).toBe(".gantry/config.yml");
    expect(error.location?.line).toBeGreaterThanOrEqual(3);
  });

  it("publishes an up-to-date JSON Schema (regenerate with `pnpm --filter @gantry/classifier generate:schema`)", () => {
    const committed = readFileSync(new URL("../config.schema.json", import.meta.url), "utf8");
    expect(committed).toBe(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    const schema = JSON.parse(committed) as { properties: Record<string, unknown>; additionalProperties: unknown };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(["deployBranch", "ignore", "environments", "units", "classifiers"]),
    );
    expect(schema.additionalProperties).toBe(false);
  });
});

const gruntworkHcl = `repository {
  deploy_branch_name           = "release"
  consolidate_added_or_changed = false
  consolidate_deleted          = true
  ignore_list                  = "README.md,docs/**"
  tf_binary                    = "opentofu"

  env {
    TG_NON_INTERACTIVE = "true"
  }
}
`;

const gruntworkEnvironments = `environment "prod" {
  filter {
    paths = ["prod/*"]
  }
  authentication {
    aws_oidc {
      account_id         = "333333333333"
      plan_iam_role_arn  = "arn:aws:iam::333333333333:role/pipelines-plan"
      apply_iam_role_arn = "arn:aws:iam::333333333333:role/pipelines-apply"
      region             = "us-west-2"
      session_duration   = 1800
    }
  }
}

environment "dev" {
  filter {
    paths = ["dev/*"]
  }
}
`;

describe("Gruntwork Pipelines configuration", () => {
  it("reads .gruntwork/*.hcl: repository and environment blocks", () => {
    const { config, source, files } = parse({
      ".gruntwork/repository.hcl": gruntworkHcl,
      ".gruntwork/environments.hcl": gruntworkEnvironments,
      ".gruntwork/config.yml": "pipelines:\n  deploy-branch-name: ignored-when-hcl-exists\n",
    });
    expect(source).toBe("gruntwork-hcl");
    expect(files).toEqual([".gruntwork/environments.hcl", ".gruntwork/repository.hcl"]);
    expect(config).toMatchObject({
      deployBranch: "release",
      consolidation: "unit",
      consolidateDeleted: true,
      ignore: ["README.md", "docs/**"],
      terragrunt: { flags: [], env: { TG_NON_INTERACTIVE: "true" } },
      environments: [
        {
          name: "prod",
          paths: ["prod/*", "prod/*/**"],
          aws: {
            accountId: "333333333333",
            planRoleArn: "arn:aws:iam::333333333333:role/pipelines-plan",
            applyRoleArn: "arn:aws:iam::333333333333:role/pipelines-apply",
            region: "us-west-2",
            sessionDuration: 1800,
          },
        },
        { name: "dev", paths: ["dev/*", "dev/*/**"] },
      ],
    });
  });

  it("accepts ignore_list as an HCL list", () => {
    const { config } = parse({
      ".gruntwork/pipelines.hcl": 'repository {\n  ignore_list = ["README.md", ".github/**"]\n}\n',
    });
    expect(config.ignore).toEqual(["README.md", ".github/**"]);
    expect(config.environments).toEqual([{ name: "default", paths: ["**"] }]);
  });

  it("names the file and line of a bad Gruntwork value", () => {
    const bad = gruntworkEnvironments.replace('"333333333333"', '"33"');
    const error = configError({ ".gruntwork/environments.hcl": bad });
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.location).toMatchObject({ file: ".gruntwork/environments.hcl", line: 7 });
    expect(error.message).toBe("key environments[0].aws.accountId: must be 12 digits");

    const wrongType = configError({ ".gruntwork/repository.hcl": 'repository {\n  consolidate_deleted = "yes"\n}\n' });
    expect(wrongType.location).toMatchObject({ file: ".gruntwork/repository.hcl", line: 2 });
    expect(wrongType.message).toBe("consolidate_deleted must be true or false");

    const syntax = configError({ ".gruntwork/repository.hcl": "repository {\n  deploy_branch_name = \n}\n" });
    expect(syntax.code).toBe("CONFIG_SYNTAX");
    expect(syntax.location?.file).toBe(".gruntwork/repository.hcl");
    expect(syntax.location?.line).toBeGreaterThanOrEqual(2);
  });

  it("reads the legacy .gruntwork/config.yml", () => {
    const { config, source } = parse({
      ".gruntwork/config.yml": `pipelines:
  deploy-branch-name: production
  tf-binary: opentofu
  ignore-list: "README.md, docs/**"
  env:
    - name: TG_PARALLELISM
      value: 4
`,
    });
    expect(source).toBe("gruntwork-yaml");
    expect(config).toMatchObject({
      deployBranch: "production",
      ignore: ["README.md", "docs/**"],
      terragrunt: { env: { TG_PARALLELISM: "4" } },
    });
    const error = configError({ ".gruntwork/config.yml": "pipelines:\n  env:\n    - value: 1\n" });
    expect(error.location).toMatchObject({ file: ".gruntwork/config.yml", line: 3 });
    expect(error.message).toBe("key pipelines.env.0: each entry needs `name` and `value`");
  });
});

describe("loadConfig", () => {
  it("reads the configuration from the given commit's tree, not the working tree", async () => {
    await using repo = createTempGitRepo({
      ".gantry/config.yml": "deployBranch: first\n",
      "dev/app/terragrunt.hcl": "",
    });
    const first = repo.sha();
    const second = repo.commit({ ".gantry/config.yml": "deployBranch: second\n" });
    repo.write({ ".gantry/config.yml": "this: [is not valid" });
    expect((await loadConfig({ repo: repo.dir, ref: second })).config.deployBranch).toBe("second");
    expect((await loadConfig({ repo: repo.dir, ref: first })).config.deployBranch).toBe("first");
    const third = repo.commit({
      ".gantry/config.yml": null,
      ".gruntwork/config.yml": "pipelines:\n  deploy-branch-name: legacy\n",
    });
    expect(await loadConfig({ repo: repo.dir, ref: third })).toMatchObject({
      source: "gruntwork-yaml",
      config: { deployBranch: "legacy" },
    });
  });

  it("fails clearly on an unknown commit", async () => {
    await using repo = createTempGitRepo({ "a.txt": "a" });
    await expect(loadConfig({ repo: repo.dir, ref: "no-such-ref" })).rejects.toMatchObject({
      code: "CONFIG_READ_FAILED",
    });
  });
});
