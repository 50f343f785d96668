/**
 * Against a generated Gruntwork-style repository whose generator knows, independently, who reads what
 * (`envcommonUsers`, `dataFileReaders`, `moduleUsers`, `dependencies`): detection must agree exactly, in
 * both layouts (unit directories, and stack files whose units come from a catalog repository).
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateInfrastructureRepo, type GeneratedInfrastructureRepo } from "@gantry/testkit";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { detect } from "./helpers.js";

describe.each(["units", "stacks"] as const)("generated repository (%s layout)", (layout) => {
  let generated: GeneratedInfrastructureRepo;
  let dir: string;

  const commitAppend = (path: string, text: string): string => {
    appendFileSync(join(dir, path), text);
    const env = {
      ...process.env,
      GIT_AUTHOR_NAME: "t",
      GIT_AUTHOR_EMAIL: "t@t",
      GIT_COMMITTER_NAME: "t",
      GIT_COMMITTER_EMAIL: "t@t",
    };
    execFileSync("git", ["commit", "-qam", `edit ${path}`], { cwd: dir, env });
    return execFileSync("git", ["rev-parse", "HEAD"], { cwd: dir, encoding: "utf8" }).trim();
  };

  beforeAll(async () => {
    dir = join(mkdtempSync(join(tmpdir(), "gantry-generated-")), "repo");
    generated = await generateInfrastructureRepo({ dir, units: 150, unitsPerEnv: 25, layout });
  });
  afterAll(() => rmSync(join(dir, ".."), { recursive: true, force: true }));

  test("the dependency graph equals the generator's", async () => {
    const result = await detect(dir, generated.head, generated.head);
    expect(result.stats.unitsInHead).toBe(generated.unitPaths.length);
    const expected = Object.fromEntries(
      generated.unitPaths.map((unit) => [unit, [...(generated.dependencies[unit] ?? [])].sort()]),
    );
    expect(result.graph.dependencies).toEqual(expected);
    expect(result.units).toEqual([]);
  });

  test("data files read with file()/templatefile(), envcommon files and local modules affect exactly their readers", async () => {
    const cases: Array<[string, string[]]> = [
      ...Object.entries(generated.dataFileReaders).slice(0, 2),
      // Read by the eks module's code through path.module, outside the module's directory.
      ["modules/data/node-sizes.json", generated.dataFileReaders["modules/data/node-sizes.json"]!],
      // Inside the trees Terragrunt copies for `modules//<svc>` and `${get_repo_root()}//modules/<svc>`, read by no module.
      ["README.md", []],
      ...Object.entries(generated.envcommonUsers).slice(0, 2),
      ...Object.entries(generated.moduleUsers)
        .filter(([moduleDir]) => moduleDir === "modules/shared" || moduleDir === "modules/vpc")
        .map(([moduleDir, users]): [string, string[]] => [`${moduleDir}/main.tf`, users]),
    ];
    expect(cases.length).toBeGreaterThanOrEqual(5);
    let base = execFileSync("git", ["rev-parse", "HEAD"], { cwd: dir, encoding: "utf8" }).trim();
    for (const [file, readers] of cases) {
      const original = readFileSync(join(dir, file), "utf8");
      const head = commitAppend(file, original.endsWith("\n") ? "\n" : "\n\n");
      const result = await detect(dir, base, head);
      expect({ file, units: result.units.map((u) => u.path) }).toEqual({ file, units: [...readers].sort() });
      expect(result.units.every((u) => u.status === "affected" && u.problems.length === 0)).toBe(true);
      base = head;
    }
  });
});
