import { describe, expect, it } from "vitest";
import { createTempGitRepo } from "@gantry/testkit";
import { classifyChanges, changeTypeName, loadClassifierPlugins } from "../src/index.js";
import { buildDetection } from "./detection-builder.js";
import { installExamplePlugin } from "./support.js";

describe("loadClassifierPlugins", () => {
  it("loads the example plugin by package name from the repository's node_modules", async () => {
    await using repo = createTempGitRepo({ "README.md": "x" });
    installExamplePlugin(repo);
    const [plugin, ...rest] = await loadClassifierPlugins(["@gantry/example-classifier-plugin"], { repo: repo.dir });
    expect(rest).toEqual([]);
    expect(plugin).toMatchObject({ specificationVersion: "v1", name: "example-docs-and-policies" });

    const detection = buildDetection({
      changes: [{ files: "docs/guide.md" }, { files: "policies/tags.rego" }, { files: "policies/nested/x.rego" }],
      graph: { "dev/app": [], "prod/app": [] },
    });
    const { changes } = await classifyChanges(detection, { plugins: [plugin!] });
    expect(changes.map((change) => [changeTypeName(change), change.files, change.units])).toEqual([
      ["FileChanged", ["policies/nested/x.rego"], []],
      ["DocsChanged", ["docs/guide.md"], []],
      ["PolicyChanged", ["policies/tags.rego"], ["dev/app", "prod/app"]],
    ]);
  });

  it("loads a plugin file named relative to the repository, and factory exports", async () => {
    await using repo = createTempGitRepo({
      "classifiers/runbooks.mjs":
        'export default () => ({ specificationVersion: "v1", name: "runbooks", classify: (file) => file.path.startsWith("runbooks/") ? { type: "RunbookChanged", units: "none" } : undefined });\n',
    });
    const plugins = await loadClassifierPlugins(["./classifiers/runbooks.mjs"], { repo: repo.dir });
    expect(plugins.map((plugin) => plugin.name)).toEqual(["runbooks"]);
  });

  it("names the module and what to do when a plugin is missing or is not a ChangeClassifier", async () => {
    await using repo = createTempGitRepo({
      "classifiers/wrong.mjs": 'export default { specificationVersion: "v0", name: "old", classify() {} };\n',
    });
    await expect(
      loadClassifierPlugins(["@acme/not-installed"], { repo: repo.dir, configFile: ".gantry/config.yml" }),
    ).rejects.toMatchObject({
      code: "CONFIG_PLUGIN_INVALID",
      exitCode: 21,
      message: `classifier plugin '@acme/not-installed' cannot be found from ${repo.dir}`,
      location: { file: ".gantry/config.yml" },
    });
    await expect(loadClassifierPlugins(["./classifiers/wrong.mjs"], { repo: repo.dir })).rejects.toMatchObject({
      code: "CONFIG_PLUGIN_INVALID",
      message: `classifier plugin './classifiers/wrong.mjs' does not export a ChangeClassifier (needs specificationVersion "v1", a name and classify())`,
    });
  });
});
