/**
 * Units generated from `terragrunt.stack.hcl` files: found, analysed where they would be generated, and
 * reached by a change through their stack block (only the units whose source, path or values it changes)
 * or through what they read once generated (their catalog source, root.hcl, modules).
 */
import { existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { listUnits, readsOfUnits } from "../src/index.js";
import { createTempGitRepo, detect, statuses, unit } from "./helpers.js";
import { prodStack, stackRepoFiles } from "@gantry/testkit";

const PROD_VPC = "live/prod/.terragrunt-stack/vpc";
const PROD_APP = "live/prod/.terragrunt-stack/app";
const DEV_VPC = "live/dev/.terragrunt-stack/env/.terragrunt-stack/vpc";
const DEV_APP = "live/dev/.terragrunt-stack/env/.terragrunt-stack/app";
/** The catalog's stack file is a stack too, generated in place (Terragrunt does the same). */
const CATALOG_VPC = "catalog/stacks/env/.terragrunt-stack/vpc";
const CATALOG_APP = "catalog/stacks/env/.terragrunt-stack/app";
const GENERATED = [CATALOG_APP, CATALOG_VPC, DEV_APP, DEV_VPC, PROD_APP, PROD_VPC];

describe("stacks", () => {
  test("generated units, nested stacks included, are units with their dependencies", async () => {
    await using repo = createTempGitRepo(stackRepoFiles());
    const base = repo.sha();
    const head = repo.commit({ "root.hcl": `${stackRepoFiles()["root.hcl"]}# edit\n` });
    const result = await detect(repo.dir, base, head);
    for (const path of GENERATED) {
      expect(unit(result, path)).toMatchObject({ status: "affected", inStack: true, problems: [], dynamic: [] });
    }
    expect(result.graph.dependencies[PROD_APP]).toEqual([PROD_VPC]);
    expect(result.graph.dependencies[DEV_APP]).toEqual([DEV_VPC]);
    expect(result.graph.dependencies[PROD_VPC]).toEqual([]);
    // The catalog's units are units too (Terragrunt's discovery lists them): they read root.hcl as well.
    expect(Object.keys(statuses(result)).sort()).toEqual(
      ["catalog/units/app", "catalog/units/vpc", ...GENERATED].sort(),
    );
    expect(unit(result, PROD_VPC)!.reasons[0]!.chain).toEqual([
      { file: `${PROD_VPC}/terragrunt.hcl`, via: "unit" },
      { file: "root.hcl", via: "include", from: `${PROD_VPC}/terragrunt.hcl:2` },
    ]);
  });

  test("a changed values entry changes only the unit it feeds", async () => {
    await using repo = createTempGitRepo(stackRepoFiles());
    const base = repo.sha();
    const head = repo.commit({ "live/prod/terragrunt.stack.hcl": prodStack({ appVersion: "v2" }) });
    const result = await detect(repo.dir, base, head);
    // The catalog's app unit depends on values.vpc_path, unknown outside a stack: it is affected by any change.
    expect(statuses(result)).toEqual({ "catalog/units/app": "affected", [PROD_APP]: "changed" });
    expect(unit(result, PROD_APP)!.reasons).toEqual([
      {
        file: "live/prod/terragrunt.stack.hcl",
        chain: [
          { file: `${PROD_APP}/terragrunt.hcl`, via: "unit" },
          { file: "live/prod/terragrunt.stack.hcl", via: "stack" },
        ],
      },
    ]);
    expect(result.changes).toEqual([
      {
        type: "modified",
        files: ["live/prod/terragrunt.stack.hcl"],
        insideUnit: null,
        units: ["catalog/units/app", PROD_APP],
      },
    ]);
    expect(result.stacks).toEqual(["live/prod/terragrunt.stack.hcl"]);
  });

  test("a nested stack's values reach only the units of that stack that use them", async () => {
    await using repo = createTempGitRepo(stackRepoFiles());
    const base = repo.sha();
    const head = repo.commit({
      "live/dev/terragrunt.stack.hcl": stackRepoFiles()
        ["live/dev/terragrunt.stack.hcl"]!.toString()
        .replace("10.1.0.0/16", "10.2.0.0/16"),
    });
    const result = await detect(repo.dir, base, head);
    expect(statuses(result)).toEqual({ "catalog/units/app": "affected", [DEV_VPC]: "changed" });
  });

  test("a unit block added, and a whole stack deleted: added and deleted units, deleted ones with their base graph", async () => {
    await using repo = createTempGitRepo(stackRepoFiles());
    const base = repo.sha();
    const added = repo.commit({ "live/prod/terragrunt.stack.hcl": prodStack({ appVersion: "v1", extraUnit: true }) });
    const addition = await detect(repo.dir, base, added);
    expect(statuses(addition)).toEqual({
      "catalog/units/app": "affected",
      "live/prod/.terragrunt-stack/worker": "added",
    });
    expect(addition.graph.dependencies["live/prod/.terragrunt-stack/worker"]).toEqual([PROD_VPC]);

    const deleted = repo.commit({ "live/prod/terragrunt.stack.hcl": null });
    const deletion = await detect(repo.dir, added, deleted);
    expect(statuses(deletion)).toEqual({
      "catalog/units/app": "affected",
      [PROD_APP]: "deleted",
      [PROD_VPC]: "deleted",
      "live/prod/.terragrunt-stack/worker": "deleted",
    });
    // Destroyed from the base commit in reverse dependency order: the graph keeps their edges.
    expect(deletion.graph.dependencies[PROD_APP]).toEqual([PROD_VPC]);
    expect(deletion.graph.dependencies["live/prod/.terragrunt-stack/worker"]).toEqual([PROD_VPC]);
    expect(unit(deletion, PROD_VPC)!.inStack).toBe(true);
  });

  test("the catalog and the modules a generated unit uses reach it through the copy", async () => {
    await using repo = createTempGitRepo(stackRepoFiles());
    const base = repo.sha();
    const template = repo.commit({
      "catalog/units/vpc/terragrunt.hcl": `${stackRepoFiles()["catalog/units/vpc/terragrunt.hcl"]}# edit\n`,
    });
    const viaTemplate = await detect(repo.dir, base, template);
    expect(statuses(viaTemplate)).toEqual({
      "catalog/units/app": "affected",
      "catalog/units/vpc": "changed",
      [CATALOG_VPC]: "affected",
      [DEV_VPC]: "affected",
      [PROD_VPC]: "affected",
    });
    expect(unit(viaTemplate, PROD_VPC)!.reasons[0]!.chain).toEqual([
      { file: `${PROD_VPC}/terragrunt.hcl`, via: "unit" },
      { file: "catalog/units/vpc/terragrunt.hcl", via: "stack", from: "live/prod/terragrunt.stack.hcl:5" },
    ]);
    const module = repo.commit({ "modules/app/main.tf": `${stackRepoFiles()["modules/app/main.tf"]}# edit\n` });
    const viaModule = await detect(repo.dir, template, module);
    expect(statuses(viaModule)).toEqual({
      "catalog/units/app": "affected",
      [CATALOG_APP]: "affected",
      [DEV_APP]: "affected",
      [PROD_APP]: "affected",
    });
    const added = repo.commit({ "catalog/units/vpc/policy.json": "{}\n" });
    expect(statuses(await detect(repo.dir, module, added))).toEqual({
      "catalog/units/app": "affected",
      "catalog/units/vpc": "changed",
      [CATALOG_VPC]: "affected",
      [DEV_VPC]: "affected",
      [PROD_VPC]: "affected",
    });
  });

  test("no_dot_terragrunt_stack generates beside the stack file; bad paths and sources are problems, never dropped", async () => {
    await using repo = createTempGitRepo({
      ...stackRepoFiles(),
      "live/flat/terragrunt.stack.hcl": `unit "vpc" {\n  source = "../../catalog/units/vpc"\n  path   = "vpc"\n  no_dot_terragrunt_stack = true\n  values = { cidr = "10.9.0.0/16" }\n}\n`,
      "live/included/terragrunt.stack.hcl": `locals {\n  cidr = "10.7.0.0/16"\n}\ninclude "common" {\n  path = "\${get_repo_root()}/common.stack.hcl"\n}\nunit "vpc" {\n  source = "../../catalog/units/vpc"\n  path   = "vpc"\n  values = { cidr = "10.8.0.0/16" }\n}\n`,
      "common.stack.hcl": `unit "extra" {\n  source = "\${get_repo_root()}/catalog/units/vpc"\n  path   = "extra"\n  values = { cidr = local.cidr }\n}\n`,
      "live/bad/terragrunt.stack.hcl": `unit "escape" {\n  source = "../../catalog/units/vpc"\n  path   = "../../elsewhere"\n}\nunit "missing" {\n  source = "../../catalog/units/nothing"\n  path   = "missing"\n}\nunit "unknown" {\n  source = get_env("CATALOG")\n  path   = "unknown"\n}\n`,
    });
    const base = repo.sha();
    const head = repo.commit({ "root.hcl": `${stackRepoFiles()["root.hcl"]}# edit\n` });
    const result = await detect(repo.dir, base, head);
    expect(unit(result, "live/flat/vpc")).toMatchObject({ status: "affected", inStack: true, problems: [] });
    // An included stack file's blocks are the including file's, evaluated with its locals (as Terragrunt does).
    expect(unit(result, "live/included/.terragrunt-stack/vpc")).toMatchObject({ status: "affected", problems: [] });
    expect(unit(result, "live/included/.terragrunt-stack/extra")).toMatchObject({ status: "affected", problems: [] });
    expect(unit(result, "live/included/.terragrunt-stack")).toBeUndefined();
    for (const name of ["escape", "missing", "unknown"]) {
      const broken = unit(result, `live/bad/.terragrunt-stack/${name}`)!;
      expect(broken.status).toBe("changed");
      expect(broken.problems[0]).toMatchObject({ file: "live/bad/terragrunt.stack.hcl" });
      expect(broken.dynamic[0]!.pattern).toBe("**");
    }
  });

  test("listUnits and readsOfUnits know generated units (what the guards and the executor ask)", async () => {
    await using repo = createTempGitRepo(stackRepoFiles());
    const units = await listUnits({ repo: repo.dir, commit: "HEAD" });
    expect(units.map((listed) => listed.path)).toEqual(["catalog/units/app", "catalog/units/vpc", ...GENERATED].sort());
    expect(units.find((listed) => listed.path === PROD_APP)!.generatedBy).toEqual({
      stackFile: "live/prod/terragrunt.stack.hcl",
      from: "live/prod/terragrunt.stack.hcl:11",
    });
    expect(units.find((listed) => listed.path === DEV_VPC)!.generatedBy!.stackFile).toBe(
      "live/dev/terragrunt.stack.hcl",
    );
    const [app, gone] = await readsOfUnits({
      repo: repo.dir,
      commit: "HEAD",
      units: [PROD_APP, "live/prod/.terragrunt-stack/gone"],
    });
    expect(app).toMatchObject({ exists: true, problems: [] });
    expect(app!.files).toEqual(
      expect.arrayContaining([
        `${PROD_APP}/terragrunt.hcl`,
        "catalog/units/app/terragrunt.hcl",
        "root.hcl",
        "account.hcl",
      ]),
    );
    expect(gone).toEqual({
      unit: "live/prod/.terragrunt-stack/gone",
      exists: false,
      files: [],
      dirs: [],
      dynamic: [],
      dependencies: [],
      problems: [],
    });
    expect(app!.dependencies).toEqual([PROD_VPC]);
  });

  test("warm runs give the cold documents; a values change invalidates only the unit it feeds", async () => {
    await using repo = createTempGitRepo(stackRepoFiles());
    const base = repo.sha();
    const first = repo.commit({ "root.hcl": `${stackRepoFiles()["root.hcl"]}# edit\n` });
    const cold = await detect(repo.dir, base, first, { cache: true });
    const warm = await detect(repo.dir, base, first, { cache: true });
    expect({ ...warm, stats: null }).toEqual({ ...cold, stats: null });
    expect(warm.stats.cacheHits).toBe(8);
    const second = repo.commit({ "live/prod/terragrunt.stack.hcl": prodStack({ appVersion: "v2" }) });
    const incremental = await detect(repo.dir, first, second, { cache: true });
    expect(incremental.stats.cacheHits).toBe(7);
    expect({ ...incremental, stats: null }).toEqual({ ...(await detect(repo.dir, first, second)), stats: null });
  });
});

describe("remote stack sources", () => {
  /** A catalog repository served by a local bare repository (`git::file://…`, as Terragrunt accepts). */
  function catalogRemote() {
    const catalog = createTempGitRepo({
      "units/vpc/terragrunt.hcl": `include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\ninputs = {\n  cidr = values.cidr\n}\n`,
      "units/vpc/main.tf": `variable "cidr" {}\n`,
    });
    catalog.git("tag", "v1");
    catalog.commit({ "units/vpc/main.tf": `variable "cidr" {}\n# v2\n` });
    catalog.git("tag", "v2");
    const bare = `${catalog.dir}.git`;
    catalog.git("clone", "-q", "--bare", catalog.dir, bare);
    return { catalog, url: `file://${bare}`, bare };
  }

  const remoteStack = (url: string, ref: string) =>
    `unit "vpc" {\n  source = "git::${url}//units/vpc?ref=${ref}"\n  path   = "vpc"\n  values = { cidr = "10.0.0.0/16" }\n}\n`;

  test("fetched at the ref, kept by ref; a new ref changes the unit; an unreachable source is reported with its reason", async () => {
    const { catalog, url, bare } = catalogRemote();
    try {
      await using repo = createTempGitRepo({
        "root.hcl": `locals {}\n`,
        "live/terragrunt.stack.hcl": remoteStack(url, "v1"),
      });
      const base = repo.sha();
      const rootEdit = repo.commit({ "root.hcl": `locals {}\n# edit\n` });
      const viaRoot = await detect(repo.dir, base, rootEdit, { cache: true });
      expect(unit(viaRoot, "live/.terragrunt-stack/vpc")).toMatchObject({ status: "affected", problems: [] });
      expect(existsSync(join(repo.dir, ".git", "gantry", "stack-sources"))).toBe(true);

      const bumped = repo.commit({ "live/terragrunt.stack.hcl": remoteStack(url, "v2") });
      const viaRef = await detect(repo.dir, rootEdit, bumped, { cache: true });
      expect(statuses(viaRef)).toEqual({ "live/.terragrunt-stack/vpc": "changed" });

      // Kept by ref: the remote can be gone once fetched.
      rmSync(bare, { recursive: true, force: true });
      const again = await detect(repo.dir, rootEdit, bumped, { cache: false });
      expect({ ...again, stats: null }).toEqual({ ...viaRef, stats: null });

      const unreachable = repo.commit({ "live/terragrunt.stack.hcl": remoteStack(url, "v3") });
      const broken = await detect(repo.dir, bumped, unreachable);
      const vpc = unit(broken, "live/.terragrunt-stack/vpc")!;
      expect(vpc.status).toBe("changed");
      expect(vpc.problems[0]).toMatchObject({ code: "UNREADABLE_CONFIG", file: "live/terragrunt.stack.hcl" });
      expect(vpc.problems[0]!.message).toMatch(/could not be fetched/);
      expect(vpc.dynamic[0]!.pattern).toBe("**");
    } finally {
      catalog.remove();
      rmSync(bare, { recursive: true, force: true });
    }
  });

  test("attack: a source directory outside the repository is read from disk, /proc included, without a crash or a hang", async () => {
    await using catalog = createTempGitRepo({ "units/vpc/terragrunt.hcl": `inputs = {\n  cidr = values.cidr\n}\n` });
    await using repo = createTempGitRepo({
      "root.hcl": `locals {}\n`,
      "live/terragrunt.stack.hcl": `unit "vpc" {\n  source = "${catalog.dir}/units/vpc"\n  path   = "vpc"\n  values = { cidr = "10.0.0.0/16" }\n}\nunit "proc" {\n  source = "/proc/1"\n  path   = "proc"\n}\n`,
    });
    const base = repo.sha();
    const head = repo.commit({
      "live/terragrunt.stack.hcl": `${repo.git("show", "HEAD:live/terragrunt.stack.hcl")}\n# edit\n`,
    });
    const result = await detect(repo.dir, base, head);
    // Whole stack file text changed but no block did: nothing is reported for the disk unit.
    expect(unit(result, "live/.terragrunt-stack/vpc")).toBeUndefined();
    const listed = await listUnits({ repo: repo.dir, commit: head });
    expect(listed.map((entry) => entry.path)).toEqual(["live/.terragrunt-stack/proc", "live/.terragrunt-stack/vpc"]);
  });

  test("attack: a stack source cannot make git run a command (ext:: transport)", async () => {
    const marker = join(tmpdir(), `gantry-ext-${process.pid}-${Date.now()}`);
    await using repo = createTempGitRepo({
      "root.hcl": `locals {}\n`,
      "live/terragrunt.stack.hcl": `unit "x" {\n  source = "git::ext::sh -c touch% ${marker}//units/x"\n  path   = "x"\n}\nunit "y" {\n  source = "git::ext::sh -c 'touch ${marker}'"\n  path   = "y"\n}\n`,
    });
    const base = repo.sha();
    const head = repo.commit({ "root.hcl": `locals {}\n# edit\n` });
    const result = await detect(repo.dir, base, head);
    expect(existsSync(marker)).toBe(false);
    for (const name of ["x", "y"])
      expect(unit(result, `live/.terragrunt-stack/${name}`)!.problems[0]!.code).toMatch(/HCL_EVAL|UNREADABLE_CONFIG/);
  });
});
