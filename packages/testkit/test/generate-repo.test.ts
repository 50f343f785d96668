import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { generateInfrastructureRepo, type GeneratedInfrastructureRepo } from "../src/generate-repo.js";
import { findTerragruntBinary, realToolOrSkip } from "../src/real-tools.js";

const scratch = mkdtempSync(join(tmpdir(), "gantry-generate-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let counter = 0;
const newDir = () => join(scratch, `repo-${++counter}`);
const git = (dir: string, ...args: string[]) => execFileSync("git", args, { cwd: dir, encoding: "utf8" }).trimEnd();
const read = (repo: GeneratedInfrastructureRepo, path: string) => readFileSync(join(repo.dir, path), "utf8");

describe("generateInfrastructureRepo", () => {
  it("lays out a Gruntwork-style repository in a single commit with a clean work tree", async () => {
    const repo = await generateInfrastructureRepo({ dir: newDir(), units: 130, seed: 7, unitsPerEnv: 20 });

    expect(repo.unitPaths).toHaveLength(130);
    expect(new Set(repo.unitPaths).size).toBe(130);
    expect(git(repo.dir, "rev-list", "--count", "HEAD")).toBe("1");
    expect(git(repo.dir, "rev-parse", "HEAD")).toBe(repo.head);
    expect(git(repo.dir, "status", "--porcelain")).toBe("");
    expect(git(repo.dir, "ls-files").split("\n").sort()).toEqual(repo.files);

    // 130 units at 20 per environment: 7 environment directories, the last one partly filled.
    const envDirs = new Set(repo.unitPaths.map((unit) => unit.split("/").slice(0, 3).join("/")));
    expect(envDirs.size).toBe(7);
    for (const unit of repo.unitPaths) {
      const [account, region, env, name] = unit.split("/") as [string, string, string, string];
      expect(name).toMatch(/^[a-z0-9-]+-\d+$/);
      expect(existsSync(join(repo.dir, account, "account.hcl"))).toBe(true);
      expect(existsSync(join(repo.dir, account, region, "region.hcl"))).toBe(true);
      expect(read(repo, `${account}/${region}/${env}/env.hcl`)).toContain(`environment = "${env}"`);
      const config = read(repo, `${unit}/terragrunt.hcl`);
      expect(config).toContain(`include "root" {\n  path = find_in_parent_folders("root.hcl")\n}`);
      expect(config).toMatch(
        /include "envcommon" \{\n  path   = "\$\{dirname\(find_in_parent_folders\("root.hcl"\)\)\}\/_envcommon\/[a-z0-9-]+\.hcl"\n  expose = true\n\}/,
      );
      expect(config).toContain(`name          = "${name}"`);
    }
    // One Gantry environment per account, each owning that account's units.
    const accounts = [...new Set(repo.unitPaths.map((unit) => unit.split("/")[0]))];
    const config = read(repo, ".gantry/config.yml");
    expect([...config.matchAll(/^ {2}- name: (\S+)\n {4}paths: \["([^"]+)"\]/gm)].map((m) => [m[1], m[2]])).toEqual(
      accounts.map((account) => [account, `${account}/**`]),
    );
    const root = read(repo, "root.hcl");
    expect(root).toContain('read_terragrunt_config(find_in_parent_folders("account.hcl"))');
    expect(root).toContain("remote_state {");
    expect(root).toContain('generate "provider" {');
  });

  it("writes a dependency DAG: every edge points to an earlier unit of the same environment, named in the unit's config", async () => {
    const repo = await generateInfrastructureRepo({ dir: newDir(), units: 100, seed: 3, unitsPerEnv: 25 });
    const order = new Map(repo.unitPaths.map((unit) => [unit, Number(unit.slice(unit.lastIndexOf("-") + 1))]));
    let edges = 0;
    for (const [unit, deps] of Object.entries(repo.dependencies)) {
      const config = read(repo, `${unit}/terragrunt.hcl`);
      const written = [...config.matchAll(/config_path = "\.\.\/([^"]+)"/g)].map((m) => m[1]);
      expect(written.sort()).toEqual(deps.map((dep) => dep.slice(dep.lastIndexOf("/") + 1)).sort());
      for (const dep of deps) {
        edges++;
        expect(dep.slice(0, dep.lastIndexOf("/"))).toBe(unit.slice(0, unit.lastIndexOf("/")));
        expect(order.get(dep)).toBeLessThan(order.get(unit) as number);
      }
      if (deps.length > 0) expect(config).toContain("mock_outputs = {");
    }
    expect(edges).toBeGreaterThan(50);
  });

  it("reads data files through file() and templatefile(), and local modules that call modules/shared", async () => {
    const repo = await generateInfrastructureRepo({ dir: newDir(), units: 200, seed: 11 });
    const dataFiles = Object.keys(repo.dataFileReaders);
    const envcommonData = dataFiles.filter((file) => file.startsWith("_envcommon/data/"));
    expect(envcommonData.length).toBeGreaterThanOrEqual(4);
    const functionsUsed = new Set<string>();
    for (const file of dataFiles) {
      expect(existsSync(join(repo.dir, file)), file).toBe(true);
      const readers = repo.dataFileReaders[file] ?? [];
      expect(readers.length).toBeGreaterThan(0);
      for (const unit of readers) {
        const name = file.slice(file.lastIndexOf("/") + 1);
        // The read is in the unit's own config, in the envcommon file it includes, or in its module's code.
        const envcommon = read(repo, `${unit}/terragrunt.hcl`).match(/_envcommon\/([a-z0-9-]+)\.hcl/)?.[1] as string;
        const text = file.startsWith(`${unit}/`)
          ? read(repo, `${unit}/terragrunt.hcl`)
          : file.startsWith("modules/")
            ? read(repo, `modules/${envcommon}/main.tf`)
            : read(repo, `_envcommon/${envcommon}.hcl`);
        const call = text.match(new RegExp(`\\b(file|templatefile)\\(".*/${name.replace(/\./g, "\\.")}"`));
        expect(call, `${unit} reads ${file}`).not.toBeNull();
        functionsUsed.add(call?.[1] as string);
      }
    }
    expect([...functionsUsed].sort()).toEqual(["file", "templatefile"]);
    // Unit-local files read through get_terragrunt_dir() exist too.
    expect(dataFiles.some((file) => file.endsWith("/policy.json"))).toBe(true);

    // Module users are the units whose Terraform code the module is: the unit's own module, and ../shared
    // when that module calls it (whatever else of the tree Terragrunt copies for a `//` source).
    const moduleDirs = Object.keys(repo.moduleUsers).sort();
    expect(moduleDirs).toContain("modules/shared");
    const usersOf = (dir: string) => new Set(repo.moduleUsers[dir]);
    for (const unit of repo.unitPaths) {
      const envcommon = read(repo, `${unit}/terragrunt.hcl`).match(/_envcommon\/([a-z0-9-]+)\.hcl/)?.[1] as string;
      const own = `modules/${envcommon}`;
      const callsShared = read(repo, `${own}/main.tf`).includes('source = "../shared"');
      expect(
        moduleDirs.filter((dir) => usersOf(dir).has(unit)),
        unit,
      ).toEqual([own, ...(callsShared ? ["modules/shared"] : [])].sort());
    }
    for (const dir of moduleDirs) expect(existsSync(join(repo.dir, dir, "main.tf"))).toBe(true);
    // The three ways of pointing at a local module are used.
    const envcommons = Object.keys(repo.envcommonUsers).map((file) => read(repo, file));
    expect(envcommons.some((text) => text.includes('source = "${get_repo_root()}/modules/'))).toBe(true);
    expect(envcommons.some((text) => text.includes('source = "${get_repo_root()}//modules/'))).toBe(true);
    expect(
      envcommons.some((text) =>
        /source = "\$\{dirname\(find_in_parent_folders\("root.hcl"\)\)\}\/modules\/\//.test(text),
      ),
    ).toBe(true);
    // A module reads a data file outside its directory through path.module.
    expect(dataFiles).toContain("modules/data/node-sizes.json");
  });

  it("is deterministic for a seed: same tree and commit SHA, whichever way the commit is built", async () => {
    const a = await generateInfrastructureRepo({ dir: newDir(), units: 150, seed: 42 });
    const b = await generateInfrastructureRepo({ dir: newDir(), units: 150, seed: 42, commitWith: "add" });
    const c = await generateInfrastructureRepo({ dir: newDir(), units: 150, seed: 43 });
    expect(b.head).toBe(a.head);
    expect(b.dependencies).toEqual(a.dependencies);
    expect(git(b.dir, "status", "--porcelain")).toBe("");
    expect(c.head).not.toBe(a.head);
    expect(c.dependencies).not.toEqual(a.dependencies);
  });

  it("refuses a non-empty directory and a unit count that is not a positive integer", async () => {
    const dir = newDir();
    await generateInfrastructureRepo({ dir, units: 1 });
    await expect(generateInfrastructureRepo({ dir, units: 1 })).rejects.toThrow(/not empty/);
    await expect(generateInfrastructureRepo({ dir: newDir(), units: 0 })).rejects.toThrow(/positive integer/);
    const occupied = newDir();
    await generateInfrastructureRepo({ dir: occupied, units: 2 });
    writeFileSync(join(occupied, "extra.txt"), "x");
    await expect(generateInfrastructureRepo({ dir: occupied, units: 2 })).rejects.toThrow(/not empty/);
  });

  const terragrunt = realToolOrSkip(
    findTerragruntBinary(),
    "the real terragrunt (GANTRY_TERRAGRUNT or PATH)",
    "source scripts/tools-env.sh, which sets GANTRY_TERRAGRUNT",
  );
  it.skipIf(!terragrunt)(
    "parses with the real terragrunt: same dependency graph, includes and modules read",
    async () => {
      const repo = await generateInfrastructureRepo({ dir: newDir(), units: 60, seed: 5, unitsPerEnv: 30 });
      const out = execFileSync(terragrunt as string, ["find", "--json", "--dependencies", "--reading", "--no-color"], {
        cwd: repo.dir,
        encoding: "utf8",
        env: { ...process.env, TG_LOG_LEVEL: "error", TG_NON_INTERACTIVE: "true" },
        maxBuffer: 64 * 1024 * 1024,
      });
      const found = JSON.parse(out) as { path: string; dependencies?: string[]; reading?: string[] }[];
      expect(found.map((unit) => unit.path).sort()).toEqual(repo.unitPaths);
      for (const unit of found) {
        expect((unit.dependencies ?? []).slice().sort(), unit.path).toEqual(
          [...(repo.dependencies[unit.path] ?? [])].sort(),
        );
        const envcommon = Object.entries(repo.envcommonUsers).find(([, users]) => users.includes(unit.path))?.[0];
        expect(unit.reading).toEqual(
          expect.arrayContaining(["root.hcl", envcommon, `${unit.path.split("/")[0]}/account.hcl`]),
        );
      }
    },
  );
});
