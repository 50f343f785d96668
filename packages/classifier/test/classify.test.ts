import { describe, expect, it } from "vitest";
import { GantryError } from "@gantry/errors";
import { classifyChanges, changeTypeName, type Change, type ChangeClassifier } from "../src/index.js";
import { buildDetection } from "./detection-builder.js";

const summary = (changes: Change[]) =>
  changes.map((change) => ({ type: changeTypeName(change), files: change.files, units: change.units }));

describe("classifyChanges: the built-in chain", () => {
  it("gives every built-in change type its files and units", async () => {
    const detection = buildDetection({
      changes: [
        { type: "added", files: "dev/new/terragrunt.hcl", insideUnit: "dev/new" },
        { files: "dev/app/main.tf", insideUnit: "dev/app" },
        { type: "deleted", files: "dev/old/terragrunt.hcl", insideUnit: "dev/old" },
        { files: "_envcommon/app.hcl", units: ["dev/app", "prod/app"] },
        { files: "prod/region.hcl", units: ["prod/app"] },
        { files: "modules/app/main.tf", units: ["prod/db"] },
        { files: "prod/db/../config/settings.json".replace("db/../", ""), units: ["prod/queue"] },
        { files: "scripts/tool.sh" },
        { type: "added", files: "_new-account-requests/sandbox.yml" },
        { files: "_new-account-requests/staging.yml" },
        { type: "deleted", files: "_new-account-requests/old.yml" },
        { files: "prod/cache/.gantry-drift", insideUnit: "prod/cache" },
      ],
      units: {
        "dev/new": { status: "added", reasons: ["dev/new/terragrunt.hcl"] },
        "dev/app": { status: "changed", reasons: ["dev/app/main.tf", "_envcommon/app.hcl"] },
        "dev/old": { status: "deleted", reasons: ["dev/old/terragrunt.hcl"] },
        "prod/app": { status: "affected", reasons: ["_envcommon/app.hcl", "prod/region.hcl"] },
        "prod/db": { status: "affected", reasons: [{ file: "modules/app/main.tf", via: "terraform.source" }] },
        "prod/queue": { status: "affected", reasons: [{ file: "prod/config/settings.json", via: "file" }] },
        "prod/cache": { status: "changed", reasons: ["prod/cache/.gantry-drift"] },
      },
    });
    const { changes, ignoredFiles } = await classifyChanges(detection);
    expect(ignoredFiles).toEqual([]);
    expect(summary(changes)).toEqual([
      { type: "UnitAdded", files: ["dev/new/terragrunt.hcl"], units: ["dev/new"] },
      { type: "UnitChanged", files: ["dev/app/main.tf"], units: ["dev/app"] },
      { type: "UnitDeleted", files: ["dev/old/terragrunt.hcl"], units: ["dev/old"] },
      { type: "EnvCommonChanged", files: ["_envcommon/app.hcl"], units: ["dev/app", "prod/app"] },
      { type: "HCLChanged", files: ["prod/region.hcl"], units: ["prod/app"] },
      { type: "LocalModuleChanged", files: ["modules/app/main.tf"], units: ["prod/db"] },
      { type: "FileChanged", files: ["prod/config/settings.json"], units: ["prod/queue"] },
      { type: "FileChanged", files: ["scripts/tool.sh"], units: [] },
      { type: "AccountsRequested", files: ["_new-account-requests/sandbox.yml"], units: [] },
      { type: "AccountsChanged", files: ["_new-account-requests/staging.yml"], units: [] },
      { type: "AccountsDeleted", files: ["_new-account-requests/old.yml"], units: [] },
      { type: "DriftDetected", files: ["prod/cache/.gantry-drift"], units: ["prod/cache"] },
    ]);
  });

  it("treats Gantry/Pipelines configuration and workflows as ConfigChanged, never HCLChanged", async () => {
    const detection = buildDetection({
      changes: [
        { files: ".gruntwork/environments.hcl" },
        { files: ".gantry/config.yml" },
        { files: ".github/workflows/pipelines.yml" },
        { files: ".terraform.lock.hcl" },
        { files: "dev/app/.terraform.lock.hcl", insideUnit: "dev/app" },
        { files: "root.hcl", units: ["dev/app"] },
      ],
      units: { "dev/app": { status: "changed", reasons: ["dev/app/.terraform.lock.hcl", "root.hcl"] } },
    });
    const { changes } = await classifyChanges(detection);
    expect(summary(changes)).toEqual([
      { type: "UnitChanged", files: ["dev/app/.terraform.lock.hcl"], units: ["dev/app"] },
      { type: "HCLChanged", files: ["root.hcl"], units: ["dev/app"] },
      { type: "FileChanged", files: [".terraform.lock.hcl"], units: [] },
      {
        type: "ConfigChanged",
        files: [".gantry/config.yml", ".github/workflows/pipelines.yml", ".gruntwork/environments.hcl"],
        units: [],
      },
    ]);
  });

  it("applies the ignore list first: `*` stays in a segment, `**` crosses `/`, ignored reads plan nothing", async () => {
    const detection = buildDetection({
      changes: [
        { files: "README.md" },
        { files: "docs/guide/setup.md" },
        { files: "dev/app/README.md", insideUnit: "dev/app" },
        { files: "_envcommon/notes.txt", units: ["dev/db"] },
      ],
      units: {
        "dev/app": { status: "changed", reasons: ["dev/app/README.md"] },
        "dev/db": { status: "affected", reasons: ["_envcommon/notes.txt"] },
      },
    });
    const { changes, ignoredFiles } = await classifyChanges(detection, {
      ignore: ["*.md", "docs/**", "_envcommon/*.txt"],
    });
    expect(ignoredFiles).toEqual(["README.md", "_envcommon/notes.txt", "docs/guide/setup.md"]);
    // `*.md` does not reach into dev/app: the unit's README still counts as a unit change.
    expect(summary(changes)).toEqual([{ type: "UnitChanged", files: ["dev/app/README.md"], units: ["dev/app"] }]);
  });

  it("classifies a new top-level account directory as AccountsAdded with all of its units", async () => {
    const detection = buildDetection({
      changes: [
        { type: "added", files: "sandbox/account.hcl", units: [] },
        { type: "added", files: "sandbox/us-east-1/vpc/terragrunt.hcl", insideUnit: "sandbox/us-east-1/vpc" },
        { type: "added", files: "sandbox/us-east-1/region.hcl", units: ["sandbox/us-east-1/vpc"] },
      ],
      units: { "sandbox/us-east-1/vpc": { status: "added", reasons: ["sandbox/us-east-1/vpc/terragrunt.hcl"] } },
      graph: { "prod/app": [] },
    });
    const { changes } = await classifyChanges(detection);
    expect(changes).toEqual([
      {
        type: "AccountsAdded",
        account: "sandbox",
        files: ["sandbox/account.hcl", "sandbox/us-east-1/region.hcl", "sandbox/us-east-1/vpc/terragrunt.hcl"],
        units: ["sandbox/us-east-1/vpc"],
      },
    ]);
  });

  it("splits a unit moved to another directory into UnitDeleted (old path) and UnitAdded (new path)", async () => {
    const detection = buildDetection({
      changes: [
        {
          type: "renamed",
          files: ["prod/a/terragrunt.hcl", "prod/c/terragrunt.hcl"],
          insideUnit: "prod/c",
          units: ["prod/a", "prod/c"],
        },
      ],
      units: { "prod/a": { status: "deleted" }, "prod/c": { status: "added" } },
    });
    const { changes } = await classifyChanges(detection);
    expect(summary(changes)).toEqual([
      { type: "UnitAdded", files: ["prod/a/terragrunt.hcl", "prod/c/terragrunt.hcl"], units: ["prod/c"] },
      { type: "UnitDeleted", files: ["prod/a/terragrunt.hcl", "prod/c/terragrunt.hcl"], units: ["prod/a"] },
    ]);
  });

  it("still reports units detection found that no classified file accounts for", async () => {
    const detection = buildDetection({
      changes: [{ files: "live/stack/terragrunt.stack.hcl", units: [] }],
      units: { "live/stack/.terragrunt-stack/app": { status: "added", reasons: [] } },
    });
    const { changes } = await classifyChanges(detection);
    expect(summary(changes)).toEqual([
      { type: "UnitAdded", files: [], units: ["live/stack/.terragrunt-stack/app"] },
      { type: "HCLChanged", files: ["live/stack/terragrunt.stack.hcl"], units: [] },
    ]);
  });
});

describe("classifyChanges: plugins", () => {
  const docs: ChangeClassifier = {
    specificationVersion: "v1",
    name: "docs",
    classify: (file) => (file.path.endsWith(".md") ? { type: "DocsChanged", units: "none" } : undefined),
  };
  const policies: ChangeClassifier = {
    specificationVersion: "v1",
    name: "policies",
    classify: async (file) => (file.path.startsWith("policies/") ? { type: "PolicyChanged", units: "all" } : null),
  };

  it("claims files before the built-ins and adds change types of their own", async () => {
    const detection = buildDetection({
      changes: [
        { files: "dev/app/README.md", insideUnit: "dev/app" },
        { files: "policies/tags.rego" },
        { files: "dev/app/main.tf", insideUnit: "dev/app" },
        { files: "docs/intro.md" },
      ],
      units: { "dev/app": { status: "changed", reasons: ["dev/app/README.md", "dev/app/main.tf"] } },
      graph: { "dev/app": [], "dev/db": [], "prod/app": [] },
    });
    const { changes } = await classifyChanges(detection, { plugins: [docs, policies] });
    expect(summary(changes)).toEqual([
      { type: "UnitChanged", files: ["dev/app/main.tf"], units: ["dev/app"] },
      { type: "DocsChanged", files: ["dev/app/README.md", "docs/intro.md"], units: [] },
      { type: "PolicyChanged", files: ["policies/tags.rego"], units: ["dev/app", "dev/db", "prod/app"] },
    ]);
    expect(changes[1]).toMatchObject({ type: "Plugin", classifier: "docs" });
  });

  it("does not let plugins see ignored files", async () => {
    const seen: string[] = [];
    const spy: ChangeClassifier = {
      specificationVersion: "v1",
      name: "spy",
      classify: (file) => void seen.push(file.path),
    };
    await classifyChanges(buildDetection({ changes: [{ files: "a.md" }, { files: "b.txt" }] }), {
      ignore: ["*.md"],
      plugins: [spy],
    });
    expect(seen).toEqual(["b.txt"]);
  });

  it.each([
    [{ type: "UnitChanged" }, /not a built-in change type/],
    [{ type: "lowercase" }, /PascalCase/],
    [{ type: "Thing", units: ["no/such/unit"] }, /do not exist: no\/such\/unit/],
  ])("refuses an invalid claim %j", async (claim, message) => {
    const bad: ChangeClassifier = { specificationVersion: "v1", name: "bad", classify: () => claim as never };
    const promise = classifyChanges(buildDetection({ changes: [{ files: "x.txt" }] }), { plugins: [bad] });
    await expect(promise).rejects.toSatisfy(
      (error: unknown) => GantryError.isInstance(error) && error.code === "PLAN_CLASSIFIER_FAILED",
    );
    await expect(promise).rejects.toThrow(message);
  });

  it("reports a plugin that throws, naming it and the file", async () => {
    const broken: ChangeClassifier = {
      specificationVersion: "v1",
      name: "broken",
      classify: () => {
        throw new Error("boom");
      },
    };
    await expect(
      classifyChanges(buildDetection({ changes: [{ files: "x.txt" }] }), { plugins: [broken] }),
    ).rejects.toThrow("classifier plugin 'broken' threw on x.txt: boom");
  });
});
