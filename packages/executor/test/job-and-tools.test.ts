import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { GantryError } from "@gantry/errors";
import { createTempGitRepo } from "@gantry/testkit";
import { checkJobMinimal, executeJob, findIacTools, jobExitCode, parseJob, type JobResult } from "../src/index.js";
import { makeJob } from "./helpers.js";

const bin = mkdtempSync(join(tmpdir(), "gantry-tools-test-"));
const terraformOnly = mkdtempSync(join(tmpdir(), "gantry-tools-test-"));
afterAll(() => {
  rmSync(bin, { recursive: true, force: true });
  rmSync(terraformOnly, { recursive: true, force: true });
});
for (const [dir, name] of [
  [bin, "terragrunt"],
  [bin, "tofu"],
  [terraformOnly, "terraform"],
] as const) {
  writeFileSync(join(dir, name), "#!/bin/sh\n");
  chmodSync(join(dir, name), 0o755);
}

function thrown(fn: () => unknown): GantryError {
  try {
    fn();
  } catch (error) {
    if (GantryError.isInstance(error)) return error;
    throw error;
  }
  throw new Error("expected an error");
}

describe("parseJob", () => {
  const valid = makeJob({ action: "plan", units: ["dev/app"], ref: "a".repeat(40) });

  it("accepts a job document and names the field of an invalid one", () => {
    expect(parseJob(JSON.parse(JSON.stringify(valid)))).toEqual(valid);
    const error = thrown(() => parseJob({ ...valid, ref: "main" }, "job.json"));
    expect(error.code).toBe("EXEC_JOB_INVALID");
    expect(error.message).toMatch(/^not a valid gantry\/v1 Job: field "ref": /);
    expect(error.format()).toMatch(/^job\.json: not a valid gantry\/v1 Job: field "ref": /);
    expect(error.exitCode).toBe(33);
    expect(thrown(() => parseJob({ ...valid, terragrunt: { ...valid.terragrunt, parallelism: 0 } })).message).toContain(
      'field "terragrunt.parallelism"',
    );
    expect(thrown(() => parseJob({ ...valid, units: ["a", 3] })).message).toContain('field "units[1]"');
    expect(thrown(() => parseJob(null)).message).toContain('field "(document)"');
  });
});

describe("findIacTools", () => {
  it("prefers GANTRY_TERRAGRUNT / GANTRY_TOFU, then PATH", () => {
    expect(findIacTools({ PATH: bin })).toEqual({
      terragrunt: join(bin, "terragrunt"),
      tf: join(bin, "tofu"),
      tfKind: "tofu",
    });
    expect(
      findIacTools({ PATH: "/nowhere", GANTRY_TERRAGRUNT: join(bin, "terragrunt"), GANTRY_TOFU: join(bin, "tofu") }).tf,
    ).toBe(join(bin, "tofu"));
  });

  it("runs Terraform when that is what the user has: Terragrunt's TG_TF_PATH, or terraform on PATH without tofu", () => {
    const both = `${bin}:${terraformOnly}`;
    expect(findIacTools({ PATH: both, TG_TF_PATH: "terraform" })).toMatchObject({
      tf: join(terraformOnly, "terraform"),
      tfKind: "terraform",
    });
    expect(
      findIacTools({ PATH: both, TG_TF_PATH: join(terraformOnly, "terraform"), GANTRY_TOFU: join(bin, "tofu") }),
    ).toMatchObject({ tf: join(bin, "tofu"), tfKind: "tofu" });
    expect(findIacTools({ PATH: `${terraformOnly}:${bin}` })).toMatchObject({ tf: join(bin, "tofu") }); // tofu first, as Terragrunt does
    expect(
      findIacTools({ PATH: `${terraformOnly}:${join(bin, "none")}`, GANTRY_TERRAGRUNT: join(bin, "terragrunt") }),
    ).toMatchObject({ tf: join(terraformOnly, "terraform"), tfKind: "terraform" });
    expect(thrown(() => findIacTools({ PATH: bin, TG_TF_PATH: "/no/terraform" })).message).toContain(
      "TG_TF_PATH=/no/terraform",
    );
  });

  it("says how to get the tools when they are missing", () => {
    const error = thrown(() => findIacTools({ PATH: "/nowhere" }));
    expect(error).toMatchObject({ code: "EXEC_TOOL_NOT_FOUND", exitCode: 31 });
    expect(error.hint).toContain("bash scripts/ensure-iac-tools.sh");
    expect(thrown(() => findIacTools({ PATH: bin, GANTRY_TOFU: join(bin, "missing") })).message).toContain(
      "GANTRY_TOFU=",
    );
  });
});

describe("checkJobMinimal", () => {
  it("refuses a commit that does not exist and a unit missing at the commit", async () => {
    await using repo = createTempGitRepo({ "dev/app/terragrunt.hcl": "" });
    const ref = repo.sha();
    await expect(
      checkJobMinimal(makeJob({ action: "plan", units: ["dev/app"], ref }), { repo: repo.dir, env: {}, dryRun: false }),
    ).resolves.toBeTruthy();
    await expect(
      checkJobMinimal(makeJob({ action: "plan", units: ["dev/app"], ref: "f".repeat(40) }), {
        repo: repo.dir,
        env: {},
        dryRun: false,
      }),
    ).rejects.toMatchObject({ code: "GUARD_UNIT_MISSING_AT_REF", exitCode: 51 });
    await expect(
      checkJobMinimal(makeJob({ action: "plan", units: ["dev/app", "dev/db"], ref }), {
        repo: repo.dir,
        env: {},
        dryRun: false,
      }),
    ).rejects.toMatchObject({
      code: "GUARD_UNIT_MISSING_AT_REF",
      message: expect.stringContaining('field "units[1]"'),
    });
  });
});

describe("executeJob outside a repository", () => {
  it("says the directory is not a git repository", async () => {
    const job = makeJob({ action: "plan", units: ["dev/app"], ref: "a".repeat(40) });
    const options = {
      repo: bin,
      env: { PATH: bin },
      guard: async () => ({}),
      credentials: async () => ({ env: {}, secrets: [] }),
    };
    await expect(executeJob(job, options)).rejects.toMatchObject({ code: "EXEC_NOT_A_REPOSITORY", exitCode: 32 });
  });
});

describe("jobExitCode", () => {
  it("maps a result to the documented exit codes", () => {
    const job = makeJob({ action: "plan", units: ["dev/app"], ref: "a".repeat(40) });
    const base: Omit<JobResult, "status"> = {
      apiVersion: "gantry/v1",
      kind: "JobResult",
      job,
      interrupted: false,
      dryRun: false,
      startedAt: "",
      durationMs: 0,
      runDir: null,
      worktree: null,
      units: [],
      error: null,
    };
    expect(jobExitCode({ ...base, status: "succeeded" })).toBe(0);
    expect(jobExitCode({ ...base, status: "failed" })).toBe(30);
    expect(
      jobExitCode({ ...base, status: "failed", error: { code: "GUARD_X", message: "", hint: null, exitCode: 44 } }),
    ).toBe(44);
    expect(jobExitCode({ ...base, status: "failed", interrupted: true })).toBe(130);
  });
});
