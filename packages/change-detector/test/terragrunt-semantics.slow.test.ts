/**
 * Behaviours where Terragrunt is the reference: each case is checked with the real terragrunt (its
 * rendered configuration, or `terragrunt find`), then Gantry must read what that behaviour implies.
 */
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { formatDetectionSummary } from "../src/index.js";
import { createTempGitRepo, detect, statuses, unit } from "./helpers.js";
import { runTerragrunt, terragruntFind, terragruntRender } from "./terragrunt.js";

describe("Terragrunt semantics", () => {
  test("read_tfvars_file returns a JSON string: jsondecode(read_tfvars_file(...)), HCL and JSON var files", async () => {
    await using repo = createTempGitRepo({
      "common.tfvars": `data_dir = "data"\nmarkup   = "<a & b>"\nsizes    = { small = 1 }\n`,
      "common.tfvars.json": `{"policy_dir": "policies"}\n`,
      "live/app/terragrunt.hcl": `locals {
  vars   = jsondecode(read_tfvars_file("\${get_repo_root()}/common.tfvars"))
  json   = jsondecode(read_tfvars_file("\${get_repo_root()}/common.tfvars.json"))
  raw    = read_tfvars_file("\${get_repo_root()}/common.tfvars")
  config = file("\${get_repo_root()}/\${local.vars.data_dir}/config.json")
  policy = file("\${get_repo_root()}/\${local.json.policy_dir}/app.json")
}
inputs = { config = local.config, policy = local.policy }
`,
      "data/config.json": "{}\n",
      "policies/app.json": "{}\n",
    });
    // Terragrunt: a JSON string (keys sorted, HTML characters escaped as Go's json.Marshal does).
    const rendered = terragruntRender(repo.dir, "live/app") as { locals: Record<string, unknown> };
    expect(rendered.locals["raw"]).toBe(`{"data_dir":"data","markup":"\\u003ca \\u0026 b\\u003e","sizes":{"small":1}}`);
    expect(rendered.locals["json"]).toEqual({ policy_dir: "policies" });

    const base = repo.sha();
    const head = repo.commit({ "data/config.json": `{"v": 2}\n`, "policies/app.json": `{"v": 2}\n` });
    const result = await detect(repo.dir, base, head);
    expect(statuses(result)).toEqual({ "live/app": "affected" });
    const app = unit(result, "live/app")!;
    expect(app.problems).toEqual([]);
    expect(app.dynamic).toEqual([]);
    expect(app.reasons.map((r) => r.file).sort()).toEqual(["data/config.json", "policies/app.json"]);
  });

  test("include.NAME.dependency.NAME.config_path is the included block's evaluated path, not a run-time output", async () => {
    await using repo = createTempGitRepo({
      "live/common.hcl": `dependency "vpc" {\n  config_path  = "\${get_terragrunt_dir()}/../vpc"\n  mock_outputs = { id = "x" }\n}\n`,
      "live/vpc/terragrunt.hcl": "",
      "live/data/vpc.json": "{}\n",
      "live/data/other.json": "{}\n",
      "live/app/terragrunt.hcl": `include "common" {
  path   = "../common.hcl"
  expose = true
}
inputs = {
  dep_dir = include.common.dependency.vpc.config_path
  cfg     = file("../data/\${basename(include.common.dependency.vpc.config_path)}.json")
}
`,
    });
    const rendered = terragruntRender(repo.dir, "live/app") as { inputs: Record<string, string> };
    expect(rendered.inputs["dep_dir"]).toBe(`${repo.dir}/live/app/../vpc`);
    expect(rendered.inputs["cfg"]).toBe("{}\n");

    const base = repo.sha();
    const head = repo.commit({ "live/data/vpc.json": `{"v": 2}\n`, "live/data/other.json": `{"v": 2}\n` });
    const result = await detect(repo.dir, base, head);
    expect(statuses(result)).toEqual({ "live/app": "affected" });
    expect(unit(result, "live/app")!.dynamic).toEqual([]);
    expect(unit(result, "live/app")!.reasons.map((r) => [r.file, r.chain.at(-1)!.via])).toEqual([
      ["live/data/vpc.json", "file"],
    ]);
    expect(result.graph.dependencies["live/app"]).toEqual(["live/vpc"]);
  });

  test("a dependency block replaces an included one of the same name, per merge_strategy; placeholders and disabled blocks are no edge", async () => {
    const unitWith = (include: string, blocks: string) =>
      `include "common" {\n  path = "../common.hcl"\n${include}}\n${blocks}`;
    await using repo = createTempGitRepo({
      "live/common.hcl": `dependency "vpc" {\n  config_path  = "\${get_terragrunt_dir()}/../vpc"\n  mock_outputs = { id = "vpc" }\n}\n`,
      "live/placeholder.hcl": `dependency "vpc" {\n  config_path = ""\n}\n`,
      "live/vpc/terragrunt.hcl": "",
      "live/vpc2/terragrunt.hcl": "",
      "live/app/terragrunt.hcl": unitWith(
        "",
        `dependency "vpc" {\n  config_path  = "../vpc2"\n  mock_outputs = { id = "vpc2" }\n}\n`,
      ),
      "live/deep/terragrunt.hcl": unitWith(
        `  merge_strategy = "deep"\n`,
        `dependency "vpc" {\n  config_path = "../vpc2"\n}\n`,
      ),
      "live/web/terragrunt.hcl": unitWith(`  merge_strategy = "no_merge"\n`, ""),
      "live/off/terragrunt.hcl": unitWith(
        "",
        `dependency "vpc" {\n  config_path  = "../vpc2"\n  enabled      = false\n  mock_outputs = { id = "vpc" }\n}\n`,
      ),
      "live/ph/terragrunt.hcl": `include "placeholder" {\n  path = "../placeholder.hcl"\n}\n`,
    });
    // Terragrunt's merged configuration, the one its run reads outputs through.
    const merged = (unit: string) => {
      const blocks = (terragruntRender(repo.dir, unit)["dependency"] ?? {}) as Record<
        string,
        { config_path: string; enabled: boolean | null }
      >;
      return Object.fromEntries(
        Object.entries(blocks).map(([name, block]) => [name, [block.config_path, block.enabled]]),
      );
    };
    expect(merged("live/app")).toEqual({ vpc: ["../vpc2", null] });
    expect(merged("live/deep")).toEqual({ vpc: ["../vpc2", null] });
    expect(merged("live/web")).toEqual({});
    expect(merged("live/off")).toEqual({ vpc: ["../vpc2", false] });

    const result = await detect(repo.dir, repo.sha(), repo.sha());
    expect(result.graph.dependencies).toEqual({
      "live/app": ["live/vpc2"],
      "live/deep": ["live/vpc2"],
      "live/off": [],
      "live/ph": [],
      "live/vpc": [],
      "live/vpc2": [],
      "live/web": [],
    });
    // Known disagreement (Gantry is right): `terragrunt find --dependencies` takes the union of the included
    // and the replacing block for a shallow merge, and keeps the included block a disabled one replaced; its
    // merged configuration (above) and the outputs its run reads do not. An empty config_path is no edge in both.
    const found = Object.fromEntries(
      terragruntFind(repo.dir, ["--dependencies"]).map((c) => [c.path, [...(c.dependencies ?? [])].sort()]),
    );
    expect(found).toEqual({
      "live/app": ["live/vpc", "live/vpc2"],
      "live/deep": ["live/vpc2"],
      "live/off": ["live/vpc"],
      "live/ph": [],
      "live/vpc": [],
      "live/vpc2": [],
      "live/web": [],
    });
  });

  test("an include inside an included file fails the unit with Terragrunt's message, not an include cycle", async () => {
    await using repo = createTempGitRepo({
      "root.hcl": `include "parent" {\n  path = find_in_parent_folders("root.hcl")\n}\n`,
      "live/app/terragrunt.hcl": `include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\n`,
    });
    const out = runTerragrunt(`${repo.dir}/live/app`, ["render", "--json"]);
    const message =
      "live/app/terragrunt.hcl includes root.hcl, which itself includes root.hcl. Only one level of includes is allowed.";
    expect(out.code).not.toBe(0);
    expect(out.stderr.replaceAll(`${repo.dir}/`, "")).toContain(message);
    const base = repo.sha();
    const head = repo.commit({
      "live/app/terragrunt.hcl": `include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\n# edit\n`,
    });
    const problems = unit(await detect(repo.dir, base, head), "live/app")!.problems;
    expect(problems.map((p) => [p.code, p.message, p.file, p.line])).toEqual([
      [
        "HCL_EVAL",
        `${message} (include both files from the unit, or read this one with read_terragrunt_config)`,
        "root.hcl",
        2,
      ],
    ]);
  });

  test("a dependency outside the repository stays in the graph as Terragrunt prints it, with a note", async () => {
    await using repo = createTempGitRepo({
      "live/app/terragrunt.hcl": `dependency "vpc" {\n  config_path  = "../../../shared-infra/vpc"\n  mock_outputs = { id = "x" }\n}\ndependency "db" {\n  config_path  = "../db"\n  mock_outputs = { id = "x" }\n}\n`,
      "live/db/terragrunt.hcl": "",
    });
    const found = terragruntFind(repo.dir, ["--dependencies"]).find((c) => c.path === "live/app")!;
    expect([...found.dependencies!].sort()).toEqual(["../shared-infra/vpc", "live/db"]);
    const base = repo.sha();
    const head = repo.commit({
      "live/app/terragrunt.hcl": `# edit\n${readFileSync(`${repo.dir}/live/app/terragrunt.hcl`, "utf8")}`,
    });
    const result = await detect(repo.dir, base, head);
    expect(result.graph.dependencies["live/app"]).toEqual(["../shared-infra/vpc", "live/db"]);
    expect(unit(result, "live/app")!.problems).toEqual([]);
    expect(formatDetectionSummary(result)).toContain(
      "    depends on ../shared-infra/vpc: outside the repository, not planned or ordered by Gantry\n",
    );
  });

  test("units in hidden directories are units; only .git, .terraform and .terragrunt-cache are skipped, as in Terragrunt", async () => {
    await using repo = createTempGitRepo({
      "live/app/terragrunt.hcl": "",
      ".cloud/terraform/app1/terragrunt.hcl": "",
      "live/.hidden/b/terragrunt.hcl": "",
      "vendor/node_modules/x/terragrunt.hcl": "",
      "live/app/.terragrunt-cache/abc/terragrunt.hcl": "",
      ".terraform/modules/m/terragrunt.hcl": "",
    });
    const found = terragruntFind(repo.dir)
      .map((c) => c.path)
      .sort();
    expect(found).toEqual([".cloud/terraform/app1", "live/.hidden/b", "live/app", "vendor/node_modules/x"]);
    const result = await detect(repo.dir, repo.sha(), repo.sha());
    expect(Object.keys(result.graph.dependencies).sort()).toEqual(found);
  });

  test("a root terragrunt.hcl that no unit includes is a unit (`.`); one that units include is their configuration", async () => {
    await using lone = createTempGitRepo({
      "terragrunt.hcl": `terraform {\n  source = "."\n}\n`,
      "main.tf": "# root\n",
      "a/terragrunt.hcl": "",
    });
    expect(
      terragruntFind(lone.dir)
        .map((c) => c.path)
        .sort(),
    ).toEqual([".", "a"]);
    const base = lone.sha();
    const head = lone.commit({ "main.tf": "# root v2\n" });
    expect(terragruntFind(lone.dir, ["--filter", `[${base}...${head}]`]).map((c) => c.path)).toEqual(["."]);
    const result = await detect(lone.dir, base, head);
    expect(statuses(result)).toEqual({ ".": "changed" });
    expect(result.changes[0]).toMatchObject({ files: ["main.tf"], insideUnit: ".", units: ["."] });
    expect(Object.keys(result.graph.dependencies).sort()).toEqual([".", "a"]);
    expect(result.stats.unitsInHead).toBe(2);
    // Deleting the other unit leaves a one-unit repository (the root's module, `.`, is the whole repository,
    // so it is affected); deleting its root then deletes that unit.
    const alone = lone.commit({ "a/terragrunt.hcl": null });
    expect(statuses(await detect(lone.dir, head, alone))).toEqual({ ".": "affected", a: "deleted" });
    const gone = lone.commit({ "terragrunt.hcl": null });
    expect(statuses(await detect(lone.dir, alone, gone))).toEqual({ ".": "deleted" });

    // The legacy layout: every unit includes the root terragrunt.hcl. Known disagreement (Gantry is right):
    // `terragrunt find` lists `.` as a unit too; Terragrunt's own test of this layout excludes it with
    // `--queue-exclude-dir=.` (running it would plan the root configuration as if it were a module).
    const include = `include "root" {\n  path = find_in_parent_folders("terragrunt.hcl")\n}\n`;
    await using legacy = createTempGitRepo({
      "terragrunt.hcl": `inputs = { region = "eu-west-1" }\n`,
      "live/a/terragrunt.hcl": include,
      "live/b/terragrunt.hcl": include,
    });
    expect(
      terragruntFind(legacy.dir)
        .map((c) => c.path)
        .sort(),
    ).toEqual([".", "live/a", "live/b"]);
    const legacyBase = legacy.sha();
    const edited = legacy.commit({ "terragrunt.hcl": `inputs = { region = "eu-west-2" }\n`, "README.md": "# live\n" });
    const legacyResult = await detect(legacy.dir, legacyBase, edited);
    expect(statuses(legacyResult)).toEqual({ "live/a": "affected", "live/b": "affected" });
    expect(legacyResult.changes.map((c) => [c.files[0], c.insideUnit, c.units])).toEqual([
      ["README.md", null, []],
      ["terragrunt.hcl", null, ["live/a", "live/b"]],
    ]);
    expect(Object.keys(legacyResult.graph.dependencies).sort()).toEqual(["live/a", "live/b"]);
    // Cold and warm runs (the root's analysis and its readers' chains from the cache) agree.
    for (let run = 0; run < 2; run++) {
      const cached = await detect(legacy.dir, legacyBase, edited, { cache: true });
      expect({ ...cached, stats: null }).toEqual({ ...legacyResult, stats: null });
    }
    // Moving to root.hcl deletes the root configuration: no unit is destroyed.
    const moved = legacy.commit({
      "terragrunt.hcl": null,
      "root.hcl": `inputs = {}\n`,
      "live/a/terragrunt.hcl": include.replace("terragrunt.hcl", "root.hcl"),
      "live/b/terragrunt.hcl": include.replace("terragrunt.hcl", "root.hcl"),
    });
    expect(statuses(await detect(legacy.dir, edited, moved))).toEqual({ "live/a": "changed", "live/b": "changed" });
  });

  test("a root unit deleted beside other units is a deleted unit; a deleted root that units included is not", async () => {
    const rootUnit = `terraform {\n  source = "."\n}\n`;
    await using repo = createTempGitRepo({
      "terragrunt.hcl": rootUnit,
      "main.tf": "# root\n",
      "root.hcl": "inputs = {}\n",
      "live/a/terragrunt.hcl": `include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\n`,
      "live/b/terragrunt.hcl": "",
    });
    expect(
      terragruntFind(repo.dir)
        .map((c) => c.path)
        .sort(),
    ).toEqual([".", "live/a", "live/b"]);
    const base = repo.sha();
    const head = repo.commit({ "terragrunt.hcl": null, "main.tf": null });
    // Terragrunt reports the deleted root unit too.
    expect(
      terragruntFind(repo.dir, ["--filter", `[${base}...${head}]`, "--filter-allow-destroy"]).map((c) => c.path),
    ).toEqual(["."]);
    const result = await detect(repo.dir, base, head);
    expect(statuses(result)).toEqual({ ".": "deleted" });
    expect(result.changes.map((c) => [c.files[0], c.insideUnit, c.units])).toEqual([
      ["main.tf", ".", ["."]],
      ["terragrunt.hcl", ".", ["."]],
    ]);
    expect(result.graph.dependencies["."]).toEqual([]);
    // Cold and warm runs agree.
    expect({ ...(await detect(repo.dir, base, head, { cache: true })), stats: null }).toEqual({
      ...result,
      stats: null,
    });

    // Deleted together with a unit that included it: configuration, not a unit, whether that unit changed
    // with it or broke (both are reached by the change, and are analysed at base to find out).
    const include = `include "root" {\n  path = find_in_parent_folders("terragrunt.hcl")\n}\n`;
    await using legacy = createTempGitRepo({
      "terragrunt.hcl": `inputs = { region = "eu-west-1" }\n`,
      "live/a/terragrunt.hcl": include,
      "live/b/terragrunt.hcl": "",
    });
    const legacyBase = legacy.sha();
    const broken = legacy.commit({ "terragrunt.hcl": null });
    const brokenResult = await detect(legacy.dir, legacyBase, broken);
    expect(statuses(brokenResult)).toEqual({ "live/a": "changed" });
    expect(brokenResult.changes.map((c) => [c.files[0], c.insideUnit])).toEqual([["terragrunt.hcl", null]]);
    expect(Object.keys(brokenResult.graph.dependencies).sort()).toEqual(["live/a", "live/b"]);
  });

  test("feature.NAME.value is the flag's default (no --feature flags), its own over an included one", async () => {
    await using repo = createTempGitRepo({
      "flags.hcl": `feature "env" {\n  default = "dev"\n}\nfeature "region" {\n  default = "eu"\n}\n`,
      "config/prod-us.json": "prod-us\n",
      "config/dev-eu.json": "dev-eu\n",
      "live/app/terragrunt.hcl": `include "flags" {
  path = find_in_parent_folders("flags.hcl")
}
feature "env" {
  default = "prod"
}
feature "region" {
  default = "us"
}
locals {
  settings = file("\${get_repo_root()}/config/\${feature.env.value}-\${feature.region.value}.json")
}
inputs = { settings = local.settings }
`,
    });
    const rendered = terragruntRender(repo.dir, "live/app") as { locals: Record<string, string> };
    // Terragrunt read the file the unit's own defaults name.
    expect(rendered.locals["settings"]).toBe("prod-us\n");
    const base = repo.sha();
    const head = repo.commit({ "config/prod-us.json": `{"v": 2}\n`, "config/dev-eu.json": `{"v": 2}\n` });
    const result = await detect(repo.dir, base, head);
    // The file the defaults name, not a dynamic read of config/**.
    expect(statuses(result)).toEqual({ "live/app": "affected" });
    expect(unit(result, "live/app")!.reasons.map((reason) => reason.file)).toEqual(["config/prod-us.json"]);
    expect(unit(result, "live/app")!.dynamic).toEqual([]);
  });

  test("find_in_parent_folders finds a directory of that name too", async () => {
    await using repo = createTempGitRepo({
      "infra/shared/settings.json": "{}\n",
      "infra/live/app/terragrunt.hcl": `locals {\n  shared   = find_in_parent_folders("shared")\n  settings = file("\${local.shared}/settings.json")\n}\ninputs = { settings = local.settings }\n`,
    });
    const rendered = terragruntRender(repo.dir, "infra/live/app") as { locals: Record<string, string> };
    expect(rendered.locals["shared"]).toBe(`${repo.dir}/infra/shared`);
    const base = repo.sha();
    const head = repo.commit({ "infra/shared/settings.json": `{"v": 2}\n` });
    const app = unit(await detect(repo.dir, base, head), "infra/live/app")!;
    expect(app.problems).toEqual([]);
    expect(app.reasons.map((r) => [r.file, r.chain.at(-1)!.via])).toEqual([["infra/shared/settings.json", "file"]]);
  });

  test("configurations and Terraform code in HCL's JSON syntax are read like the native syntax", async () => {
    await using repo = createTempGitRepo({
      "root.hcl": `inputs = { region = "eu-west-1" }\n`,
      "common/paths.hcl.json": JSON.stringify({ locals: { data_dir: "${get_repo_root()}/data" } }),
      "common/env.hcl.json": JSON.stringify({ locals: { env: "prod" } }),
      "data/prod.json": "{}\n",
      "modules/app/main.tf.json": JSON.stringify({
        module: { shared: { source: "../shared" } },
        locals: { policy: '${file("${path.module}/../../policies/app.json")}' },
      }),
      "modules/shared/main.tf": "# shared\n",
      "policies/app.json": "{}\n",
      "live/app/terragrunt.hcl": `include "root" {
  path = find_in_parent_folders("root.hcl")
}
locals {
  paths  = read_terragrunt_config("\${get_repo_root()}/common/paths.hcl.json")
  env    = read_terragrunt_config("\${get_repo_root()}/common/env.hcl.json").locals.env
  config = file("\${local.paths.locals.data_dir}/\${local.env}.json")
}
terraform {
  source = "../../modules/app"
}
inputs = { config = local.config }
`,
    });
    const rendered = terragruntRender(repo.dir, "live/app") as {
      locals: Record<string, string>;
      inputs: Record<string, string>;
    };
    expect([rendered.locals["env"], rendered.inputs["region"], rendered.inputs["config"]]).toEqual([
      "prod",
      "eu-west-1",
      "{}\n",
    ]);
    const reading = terragruntFind(repo.dir, ["--reading"]).find((c) => c.path === "live/app")!.reading!;
    expect(reading).toEqual(expect.arrayContaining(["common/paths.hcl.json", "common/env.hcl.json"]));
    const base = repo.sha();
    const head = repo.commit({
      "data/prod.json": `{"v": 2}\n`,
      "modules/shared/main.tf": "# shared v2\n",
      "policies/app.json": `{"v": 2}\n`,
      "common/env.hcl.json": JSON.stringify({ locals: { env: "prod", more: 1 } }),
    });
    const app = unit(await detect(repo.dir, base, head), "live/app")!;
    expect(app.problems).toEqual([]);
    expect(app.dynamic).toEqual([]);
    expect(app.reasons.map((r) => [r.file, r.chain.at(-1)!.via]).sort()).toEqual([
      ["common/env.hcl.json", "read_terragrunt_config"],
      ["data/prod.json", "file"],
      ["modules/shared/main.tf", "module"],
      ["policies/app.json", "file"],
    ]);
  });
});
