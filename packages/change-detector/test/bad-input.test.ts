import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GantryError } from "@gantry/errors";
import { describe, expect, test } from "vitest";
import { exitCodeOf } from "@gantry/errors";
import { detectChanges, exitCodeForResult } from "../src/index.js";
import { createTempGitRepo, detect, liveRepoFiles, statuses, unit } from "./helpers.js";

async function detectError(promise: Promise<unknown>): Promise<GantryError> {
  try {
    await promise;
  } catch (error) {
    if (GantryError.isInstance(error)) return error;
    throw error;
  }
  throw new Error("expected detection to fail");
}

describe("bad input: errors that stop detection", () => {
  test("not a git repository, and a directory that does not exist", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gantry-not-a-repo-"));
    try {
      const error = await detectError(detectChanges({ repo: dir, base: "main", head: "HEAD" }));
      expect(error.code).toBe("DETECT_NOT_A_REPO");
      expect(error.exitCode).toBe(10);
      expect(error.message).toContain("not inside a git repository");
      expect(error.hint).toBeTruthy();
      const missing = await detectError(detectChanges({ repo: join(dir, "nope"), base: "main", head: "HEAD" }));
      expect(missing.code).toBe("DETECT_NOT_A_REPO");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("an unknown ref names the ref and the side", async () => {
    await using repo = createTempGitRepo(liveRepoFiles());
    const error = await detectError(detectChanges({ repo: repo.dir, base: "no-such-branch", head: "HEAD" }));
    expect(error.code).toBe("DETECT_UNKNOWN_REF");
    expect(error.exitCode).toBe(11);
    expect(error.message).toContain("'no-such-branch'");
    expect(error.message).toContain("base");
    const option = await detectError(detectChanges({ repo: repo.dir, base: "HEAD", head: "--output=/tmp/x" }));
    expect(option.code).toBe("DETECT_UNKNOWN_REF");
  });

  test("a shallow clone without the base commit asks for the full history", async () => {
    await using repo = createTempGitRepo(liveRepoFiles());
    const base = repo.sha();
    repo.commit({ "live/prod/us-east-1/app/x.txt": "x\n" });
    const cloneDir = mkdtempSync(join(tmpdir(), "gantry-shallow-"));
    try {
      execFileSync("git", ["clone", "-q", "--depth", "1", `file://${repo.dir}`, cloneDir], { stdio: "ignore" });
      const error = await detectError(detectChanges({ repo: cloneDir, base, head: "HEAD", cache: false }));
      expect(error.code).toBe("DETECT_SHALLOW_CLONE");
      expect(error.exitCode).toBe(12);
      expect(error.hint).toContain("git fetch --unshallow");
    } finally {
      rmSync(cloneDir, { recursive: true, force: true });
    }
  });

  test("no merge-base: a shallow clone holding both tips asks for the full history; unrelated histories say so", async () => {
    await using repo = createTempGitRepo(liveRepoFiles());
    repo.checkout("feature", { create: true });
    const feature = repo.commit({ "live/prod/us-east-1/app/x.txt": "feature\n" });
    repo.checkout("main");
    const main = repo.commit({ "live/dev/us-east-1/vpc/x.txt": "main\n" });
    // Both tips fetched one commit deep: their merge-base is not in the clone.
    const cloneDir = mkdtempSync(join(tmpdir(), "gantry-shallow-"));
    try {
      execFileSync("git", ["clone", "-q", "--depth", "1", "--no-single-branch", `file://${repo.dir}`, cloneDir], {
        stdio: "ignore",
      });
      const error = await detectError(detectChanges({ repo: cloneDir, base: main, head: feature, cache: false }));
      expect(error.code).toBe("DETECT_SHALLOW_CLONE");
      expect(error.hint).toContain("git fetch --unshallow");
    } finally {
      rmSync(cloneDir, { recursive: true, force: true });
    }
    // Unrelated histories: no common ancestor at all.
    repo.git("checkout", "-q", "--orphan", "unrelated");
    const unrelated = repo.commit({ "live/other/terragrunt.hcl": "inputs = {}\n" });
    repo.checkout("main");
    const error = await detectError(detectChanges({ repo: repo.dir, base: main, head: unrelated }));
    expect(error.code).toBe("DETECT_NO_MERGE_BASE");
    expect(error.hint).toContain("--event push");
  });
});

describe("bad input: problems in units (the other units are still analysed)", () => {
  test("malformed HCL is reported with file:line:column and the broken unit is changed", async () => {
    await using repo = createTempGitRepo({
      ...liveRepoFiles(),
      "live/prod/us-east-1/broken/terragrunt.hcl": `include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\ninputs = {\n  a = [1, 2\n}\n`,
    });
    const base = repo.sha();
    const head = repo.commit({ "root.hcl": `${liveRepoFiles()["root.hcl"]}\n# edit\n` });
    const result = await detect(repo.dir, base, head);
    expect(statuses(result)).toEqual({
      "live/dev/us-east-1/vpc": "affected",
      "live/prod/us-east-1/app": "affected",
      "live/prod/us-east-1/broken": "changed",
      "live/prod/us-east-1/vpc": "affected",
    });
    const broken = unit(result, "live/prod/us-east-1/broken")!;
    expect(broken.problems).toHaveLength(1);
    expect(broken.problems[0]).toMatchObject({
      code: "HCL_SYNTAX",
      file: "live/prod/us-east-1/broken/terragrunt.hcl",
      line: 6,
      column: 1,
    });
    expect(broken.dynamic[0]!.pattern).toBe("**");
    expect(exitCodeForResult(result)).toBe(exitCodeOf("HCL_SYNTAX"));
    // A change elsewhere that nobody reads still lists the broken unit: what it reads is unknown.
    const docs = repo.commit({ "docs/x.md": "x\n" });
    expect(statuses(await detect(repo.dir, head, docs))).toEqual({ "live/prod/us-east-1/broken": "changed" });
  });

  test("a read_terragrunt_config cycle is a clear problem, not a hang", async () => {
    await using repo = createTempGitRepo({
      "common/a.hcl": `locals {\n  b = read_terragrunt_config("\${get_parent_terragrunt_dir()}/b.hcl")\n}\n`,
      "common/b.hcl": `locals {\n  a = read_terragrunt_config("a.hcl")\n}\n`,
      "units/u/terragrunt.hcl": `include "a" {\n  path = "../../common/a.hcl"\n}\n`,
      "units/ok/terragrunt.hcl": `inputs = {}\n`,
    });
    const base = repo.sha();
    const head = repo.commit({
      "common/b.hcl": `locals {\n  a = read_terragrunt_config("a.hcl")\n}\n# edit\n`,
      "units/ok/terragrunt.hcl": "inputs = { x = 1 }\n",
    });
    const result = await detect(repo.dir, base, head);
    expect(statuses(result)).toEqual({ "units/ok": "changed", "units/u": "changed" });
    const problem = unit(result, "units/u")!.problems[0]!;
    expect(problem.code).toBe("INCLUDE_CYCLE");
    expect(problem.message).toContain("common/a.hcl -> common/b.hcl -> common/a.hcl");
    expect(problem).toMatchObject({ file: "common/b.hcl", line: 2 });
    expect(unit(result, "units/ok")!.problems).toEqual([]);
    expect(exitCodeForResult(result)).toBe(exitCodeOf("INCLUDE_CYCLE"));
  });

  test("a symlink that leaves the repository is a problem; one inside it is followed", async () => {
    await using repo = createTempGitRepo({
      "shared/real.txt": "r\n",
      "shared/alias.txt": { symlink: "real.txt" },
      "shared/outside.txt": { symlink: "/etc/hostname" },
      "units/in/terragrunt.hcl": `inputs = { x = file("../../shared/alias.txt") }\n`,
      "units/out/terragrunt.hcl": `inputs = { x = file("../../shared/outside.txt") }\n`,
      "units/own/terragrunt.hcl": "inputs = {}\n",
      "units/own/secrets.auto.tfvars": { symlink: "../../../outside.tfvars" },
    });
    const base = repo.sha();
    const head = repo.commit({ "shared/real.txt": "r2\n" });
    const result = await detect(repo.dir, base, head);
    expect(unit(result, "units/in")).toMatchObject({ status: "affected", problems: [] });
    expect(unit(result, "units/in")!.reasons[0]!.file).toBe("shared/real.txt");
    const out = unit(result, "units/out")!;
    expect(out.status).toBe("changed");
    expect(out.problems[0]).toMatchObject({ code: "SYMLINK_ESCAPES_REPO", file: "units/out/terragrunt.hcl", line: 1 });
    expect(out.problems[0]!.message).toContain("/etc/hostname");
    // A symlink in a unit's own directory leaving the repository: Terraform would read it with the unit.
    expect(unit(result, "units/own")!.problems[0]).toMatchObject({
      code: "SYMLINK_ESCAPES_REPO",
      file: "units/own/secrets.auto.tfvars",
    });
    expect(exitCodeForResult(result)).toBe(exitCodeOf("SYMLINK_ESCAPES_REPO"));
  });

  test("paths with spaces, quotes and non-ASCII names", async () => {
    await using repo = createTempGitRepo({
      "live/my unit/ünïcødé/terragrunt.hcl": `inputs = { x = file("../../../data files/é \\"q\\".txt") }\n`,
      'data files/é "q".txt': "1\n",
      "live/日本/terragrunt.hcl": `inputs = {}\n`,
    });
    const base = repo.sha();
    const head = repo.commit({ 'data files/é "q".txt': "2\n", "live/日本/notes 1.md": "n\n" });
    const result = await detect(repo.dir, base, head);
    expect(statuses(result)).toEqual({ "live/my unit/ünïcødé": "affected", "live/日本": "changed" });
    expect(unit(result, "live/my unit/ünïcødé")!.reasons[0]!.file).toBe('data files/é "q".txt');
    expect(result.changes.map((c) => c.files[0]).sort()).toEqual(['data files/é "q".txt', "live/日本/notes 1.md"]);
  });
});
