/**
 * The attack suite of issue 5 against real git repositories: each attack is refused with its guard's
 * code, exit code, unit and commit; the legitimate jobs pass.
 */
import { describe, expect, it } from "vitest";
import { createTempGitRepo, runGit } from "@gantry/testkit";
import { checkJob, GuardRefusedError, type GuardName } from "../src/index.js";
import { CONFIG, makeJob, rederiveFromGit, unit } from "./support.js";

const LOCAL = { env: {}, dryRun: false } as const;

function repository() {
  const repo = createTempGitRepo({
    ".gantry/config.yml": CONFIG,
    "root.hcl": "locals {}\n",
    "prod/app/terragrunt.hcl": unit("app"),
    "prod/db/terragrunt.hcl": unit("db"),
    "prod/old/terragrunt.hcl": unit("old"),
  });
  return repo;
}

async function refusal(promise: Promise<unknown>): Promise<GuardRefusedError> {
  try {
    await promise;
  } catch (error) {
    if (GuardRefusedError.isGuardRefusal(error)) return error;
    throw error;
  }
  throw new Error("expected the job to be refused, but it passed");
}

function expectRefused(
  error: GuardRefusedError,
  guard: GuardName,
  exitCode: number,
  unitName: string | null,
  commit: string | null,
) {
  expect(error.guard).toBe(guard);
  expect(error.exitCode).toBe(exitCode);
  expect(error.unit).toBe(unitName);
  expect(error.commit).toBe(commit);
  expect(error.message).toContain(guard);
  expect(error.hint).toBeTruthy();
}

describe("apply", () => {
  it("passes a job for a commit merged to the deploy branch, and reports every guard", async () => {
    await using repo = repository();
    const base = repo.sha();
    const head = repo.commit({ "prod/app/terragrunt.hcl": unit("app v2") });
    const job = makeJob({ action: "apply", units: ["prod/app"], ref: head, source: { base, head } });
    const report = await checkJob(job, { ...LOCAL, repo: repo.dir, rederive: rederiveFromGit(repo.dir) });
    expect(report.passed.map((entry) => entry.guard)).toEqual([
      "deploy-branch",
      "trusted-settings",
      "path-containment",
      "unit-at-ref",
      "apply-ref-on-deploy-branch",
      "apply-unit-on-deploy-branch",
      "no-rollback",
      "re-derive",
    ]);
    expect(report.deployBranch).toEqual({ name: "main", tip: head, source: "local" });
  });

  it("refuses a job for an unmerged branch commit, even when its source claims the deploy branch", async () => {
    await using repo = repository();
    const base = repo.sha();
    repo.checkout("feature", { create: true });
    const unmerged = repo.commit({ "prod/app/terragrunt.hcl": unit("app evil") });
    repo.checkout("main");
    const job = makeJob({ action: "apply", units: ["prod/app"], ref: unmerged, source: { base, head: unmerged } });
    const error = await refusal(checkJob(job, { ...LOCAL, repo: repo.dir, rederive: rederiveFromGit(repo.dir) }));
    expectRefused(error, "apply-ref-on-deploy-branch", 43, "prod/app", unmerged);
    expect(error.code).toBe("GUARD_REF_NOT_ON_DEPLOY_BRANCH");
  });

  it("refuses an apply whose source is a branch other than the deploy branch", async () => {
    await using repo = repository();
    const base = repo.sha();
    const head = repo.commit({ "prod/app/terragrunt.hcl": unit("app v2") });
    const job = makeJob({ action: "apply", units: ["prod/app"], ref: head, source: { base, head, branch: "feature" } });
    expectRefused(
      await refusal(checkJob(job, { ...LOCAL, repo: repo.dir, rederive: rederiveFromGit(repo.dir) })),
      "apply-ref-on-deploy-branch",
      43,
      "prod/app",
      head,
    );
  });

  it("refuses an apply whose source head was forged to an unmerged commit", async () => {
    await using repo = repository();
    const base = repo.sha();
    const head = repo.commit({ "prod/app/terragrunt.hcl": unit("app v2") });
    repo.checkout("feature", { create: true });
    const unmerged = repo.commit({
      "prod/app/terragrunt.hcl": unit("app v2"),
      "prod/db/terragrunt.hcl": unit("db evil"),
    });
    repo.checkout("main");
    const job = makeJob({ action: "apply", units: ["prod/app"], ref: head, source: { base, head: unmerged } });
    expectRefused(
      await refusal(checkJob(job, { ...LOCAL, repo: repo.dir, rederive: rederiveFromGit(repo.dir) })),
      "apply-ref-on-deploy-branch",
      43,
      "prod/app",
      unmerged,
    );
    const reversed = makeJob({ action: "apply", units: ["prod/app"], ref: head, source: { base: head, head: base } });
    expectRefused(
      await refusal(checkJob(reversed, { ...LOCAL, repo: repo.dir, rederive: rederiveFromGit(repo.dir) })),
      "apply-ref-on-deploy-branch",
      43,
      "prod/app",
      head,
    );
  });

  it("refuses a commit the repository does not have", async () => {
    await using repo = repository();
    const missing = "f".repeat(40);
    const job = makeJob({
      action: "apply",
      units: ["prod/app"],
      ref: missing,
      source: { base: repo.sha(), head: missing },
    });
    expectRefused(
      await refusal(checkJob(job, { ...LOCAL, repo: repo.dir, rederive: rederiveFromGit(repo.dir) })),
      "apply-ref-on-deploy-branch",
      43,
      "prod/app",
      missing,
    );
    const plan = { ...job, action: "plan" as const };
    expectRefused(
      await refusal(checkJob(plan, { ...LOCAL, repo: repo.dir, rederive: rederiveFromGit(repo.dir) })),
      "unit-at-ref",
      51,
      "prod/app",
      missing,
    );
  });

  it("refuses an apply of a unit removed from the deploy branch since the job's ref (stale job)", async () => {
    await using repo = repository();
    const base = repo.sha();
    const head = repo.commit({ "prod/app/terragrunt.hcl": unit("app v2") });
    const removed = repo.commit({ "prod/app/terragrunt.hcl": null });
    const job = makeJob({ action: "apply", units: ["prod/app"], ref: head, source: { base, head } });
    expectRefused(
      await refusal(checkJob(job, { ...LOCAL, repo: repo.dir, rederive: rederiveFromGit(repo.dir) })),
      "apply-unit-on-deploy-branch",
      44,
      "prod/app",
      removed,
    );
  });

  it("reads the deploy branch fresh from origin: a commit only on origin passes, a local-only commit is refused", async () => {
    await using origin = repository();
    const base = origin.sha();
    await using clone = createTempGitRepo();
    clone.git("remote", "add", "origin", origin.dir);
    clone.git("fetch", "-q", "origin");
    clone.git("reset", "-q", "--hard", "origin/main");
    const pushedLater = origin.commit({ "prod/app/terragrunt.hcl": unit("app v2") });
    // The clone has not fetched `pushedLater`; the guard fetches it.
    const job = makeJob({
      action: "apply",
      units: ["prod/app"],
      ref: pushedLater,
      source: { base, head: pushedLater },
    });
    const report = await checkJob(job, { ...LOCAL, repo: clone.dir, rederive: rederiveFromGit(clone.dir) });
    expect(report.deployBranch).toEqual({ name: "main", tip: pushedLater, source: "origin" });

    clone.git("reset", "-q", "--hard", pushedLater);
    const localOnly = clone.commit({ "prod/db/terragrunt.hcl": unit("db local") });
    const localJob = makeJob({
      action: "apply",
      units: ["prod/db"],
      ref: localOnly,
      source: { base: pushedLater, head: localOnly },
    });
    expectRefused(
      await refusal(checkJob(localJob, { ...LOCAL, repo: clone.dir, rederive: rederiveFromGit(clone.dir) })),
      "apply-ref-on-deploy-branch",
      43,
      "prod/db",
      localOnly,
    );
  });

  it("completes a shallow checkout (actions/checkout's default) before answering ancestry questions", async () => {
    await using origin = repository();
    const base = origin.sha();
    const head = origin.commit({ "prod/app/terragrunt.hcl": unit("app v2") });
    origin.commit({ "prod/db/terragrunt.hcl": unit("db v2") });
    await using holder = createTempGitRepo();
    const clone = `${holder.dir}/clone`;
    runGit(holder.dir, ["clone", "-q", "--depth", "1", `file://${origin.dir}`, clone]);
    const job = makeJob({ action: "apply", units: ["prod/app"], ref: head, source: { base, head } });
    const report = await checkJob(job, { ...LOCAL, repo: clone, rederive: rederiveFromGit(clone) });
    expect(report.passed.map((entry) => entry.guard)).toContain("apply-ref-on-deploy-branch");
  });

  it("refuses when origin cannot be fetched instead of trusting a stale local branch", async () => {
    await using repo = repository();
    const head = repo.sha();
    repo.git("remote", "add", "origin", "/nonexistent/gantry-origin");
    const job = makeJob({ action: "apply", units: ["prod/app"], ref: head, source: { base: head, head } });
    expectRefused(
      await refusal(checkJob(job, { ...LOCAL, repo: repo.dir, rederive: rederiveFromGit(repo.dir) })),
      "deploy-branch",
      40,
      null,
      null,
    );
  });
});

describe("re-derive", () => {
  it("refuses a job whose units were edited", async () => {
    await using repo = repository();
    const base = repo.sha();
    const head = repo.commit({ "prod/app/terragrunt.hcl": unit("app v2") });
    const edited = makeJob({ action: "apply", units: ["prod/app", "prod/db"], ref: head, source: { base, head } });
    expectRefused(
      await refusal(checkJob(edited, { ...LOCAL, repo: repo.dir, rederive: rederiveFromGit(repo.dir) })),
      "re-derive",
      48,
      "prod/app",
      head,
    );
    const swapped = makeJob({ action: "apply", units: ["prod/db"], ref: head, source: { base, head } });
    expectRefused(
      await refusal(checkJob(swapped, { ...LOCAL, repo: repo.dir, rederive: rederiveFromGit(repo.dir) })),
      "re-derive",
      48,
      "prod/db",
      head,
    );
  });

  it("refuses a job whose role, flags or action were edited", async () => {
    await using repo = repository();
    const base = repo.sha();
    const head = repo.commit({ "prod/app/terragrunt.hcl": unit("app v2") });
    const legit = makeJob({ action: "apply", units: ["prod/app"], ref: head, source: { base, head } });
    const options = { ...LOCAL, repo: repo.dir, rederive: rederiveFromGit(repo.dir) };
    const otherRole = {
      ...legit,
      authentication: { ...legit.authentication!, applyRoleArn: "arn:aws:iam::999999999999:role/admin" },
    };
    expect((await refusal(checkJob(otherRole, options))).message).toContain("authentication");
    const extraFlags = { ...legit, terragrunt: { ...legit.terragrunt, flags: ["--source", "/tmp/evil"] } };
    expect((await refusal(checkJob(extraFlags, options))).message).toContain("terragrunt");
    const destroyInstead = { ...legit, action: "destroy" as const };
    expect((await refusal(checkJob(destroyInstead, options))).guard).toBe("destroy-unit-absent");
  });

  it("refuses when re-derivation itself fails, naming the reason", async () => {
    await using repo = repository();
    const head = repo.sha();
    const job = makeJob({
      action: "plan",
      units: ["prod/app"],
      ref: head,
      source: { base: head, head, event: "push" },
    });
    const error = await refusal(
      checkJob(job, {
        ...LOCAL,
        repo: repo.dir,
        rederive: async () => {
          throw new Error("config broken at .gantry/config.hcl:3");
        },
      }),
    );
    expect(error.guard).toBe("re-derive");
    expect(error.message).toContain("config broken at .gantry/config.hcl:3");
  });
});

describe("destroy", () => {
  it("passes a destroy of a unit removed on the deploy branch and names the removing commit", async () => {
    await using repo = repository();
    const base = repo.sha();
    const head = repo.commit({ "prod/old/terragrunt.hcl": null });
    const job = makeJob({ action: "destroy", units: ["prod/old"], ref: base, source: { base, head } });
    const report = await checkJob(job, { ...LOCAL, repo: repo.dir, rederive: rederiveFromGit(repo.dir) });
    expect(report.passed.find((entry) => entry.guard === "destroy-removal-merged")?.detail).toBe(
      `prod/old removed in ${head}`,
    );
  });

  it("refuses a destroy of a live unit", async () => {
    await using repo = repository();
    const base = repo.sha();
    const head = repo.commit({ "prod/old/terragrunt.hcl": null });
    const job = makeJob({ action: "destroy", units: ["prod/db"], ref: base, source: { base, head } });
    expectRefused(
      await refusal(checkJob(job, { ...LOCAL, repo: repo.dir, rederive: rederiveFromGit(repo.dir) })),
      "destroy-unit-absent",
      45,
      "prod/db",
      head,
    );
  });

  it("refuses a destroy whose removal exists only on an unmerged branch", async () => {
    await using repo = repository();
    const base = repo.sha();
    repo.checkout("remove-old", { create: true });
    const removal = repo.commit({ "prod/old/terragrunt.hcl": null });
    repo.checkout("main");
    const job = makeJob({ action: "destroy", units: ["prod/old"], ref: base, source: { base, head: removal } });
    expectRefused(
      await refusal(checkJob(job, { ...LOCAL, repo: repo.dir, rederive: rederiveFromGit(repo.dir) })),
      "destroy-unit-absent",
      45,
      "prod/old",
      base,
    );
  });

  it("refuses a destroy at a ref that is not in the deploy branch's history", async () => {
    await using repo = repository();
    repo.checkout("side", { create: true });
    const side = repo.commit({ "prod/side/terragrunt.hcl": unit("side") });
    repo.checkout("main");
    const head = repo.commit({ "prod/old/terragrunt.hcl": null });
    const job = makeJob({ action: "destroy", units: ["prod/side"], ref: side, source: { base: side, head } });
    expectRefused(
      await refusal(checkJob(job, { ...LOCAL, repo: repo.dir, rederive: rederiveFromGit(repo.dir) })),
      "destroy-ref-ancestor",
      47,
      "prod/side",
      side,
    );
  });

  it("refuses a destroy whose unit was never removed, only turned into a symlink: it is still a unit", async () => {
    await using repo = repository();
    const base = repo.sha();
    const head = repo.commit({ "prod/old/terragrunt.hcl": { symlink: "../app/terragrunt.hcl" } });
    const job = makeJob({ action: "destroy", units: ["prod/old"], ref: base, source: { base, head } });
    expectRefused(
      await refusal(checkJob(job, { ...LOCAL, repo: repo.dir, rederive: rederiveFromGit(repo.dir) })),
      "destroy-unit-absent",
      45,
      "prod/old",
      head,
    );
  });
});

describe("path containment", () => {
  it.each([
    ["../outside", "contains `..`"],
    ["prod/../../etc", "contains `..`"],
    ["/etc", "absolute"],
    ["prod//app", "not normalised"],
    ["./prod/app", "not normalised"],
    ["prod/.", "not normalised"],
  ])("refuses the unit path %s", async (unitPath, reason) => {
    await using repo = repository();
    const head = repo.sha();
    const job = makeJob({ action: "plan", units: [unitPath], ref: head, source: { base: head, head } });
    const error = await refusal(checkJob(job, { ...LOCAL, repo: repo.dir, rederive: rederiveFromGit(repo.dir) }));
    expectRefused(error, "path-containment", 41, unitPath, head);
    expect(error.message).toContain(reason);
  });

  it("refuses a unit reached through a symlink that leaves the repository, and a symlink inside a unit that does", async () => {
    await using repo = repository();
    const outside = repo.commit({ "prod/escape": { symlink: "../../outside" } });
    const escapeJob = makeJob({
      action: "plan",
      units: ["prod/escape"],
      ref: outside,
      source: { base: outside, head: outside },
    });
    expect(
      (await refusal(checkJob(escapeJob, { ...LOCAL, repo: repo.dir, rederive: rederiveFromGit(repo.dir) }))).message,
    ).toContain("prod/escape -> ../../outside leaves the repository");

    const base = repo.sha();
    const inside = repo.commit({
      "prod/app/terragrunt.hcl": unit("app v3"),
      "prod/app/secrets": { symlink: "/etc" },
      "prod/app/chained": { symlink: "../hop" },
      hop: { symlink: "../.." },
    });
    const job = makeJob({ action: "apply", units: ["prod/app"], ref: inside, source: { base, head: inside } });
    const error = await refusal(checkJob(job, { ...LOCAL, repo: repo.dir, rederive: rederiveFromGit(repo.dir) }));
    expectRefused(error, "path-containment", 41, "prod/app", inside);
    expect(error.message).toMatch(/prod\/app\/secrets( -> | is a symlink to ')\/etc|hop -> \.\.\/\.\./);
  });

  it("reads the root unit (`.`) as the whole repository: a symlink leaving it anywhere is refused", async () => {
    await using repo = repository();
    const base = repo.sha();
    const head = repo.commit({ "terragrunt.hcl": unit("root"), "docs/hosts": { symlink: "/etc/hosts" } });
    const job = makeJob({ action: "plan", units: ["."], ref: head, source: { base, head } });
    const error = await refusal(checkJob(job, { ...LOCAL, repo: repo.dir, rederive: rederiveFromGit(repo.dir) }));
    expectRefused(error, "path-containment", 41, ".", head);
    expect(error.message).toContain("docs/hosts");
  });

  it("refuses a unit that includes a file through a symlink leaving the repository, far from the unit's directory", async () => {
    await using repo = repository();
    const base = repo.sha();
    const head = repo.commit({
      "_envcommon/app.hcl": { symlink: "../../outside/app.hcl" },
      "prod/app/terragrunt.hcl": `include "common" {\n  path = "\${get_repo_root()}/_envcommon/app.hcl"\n}\n`,
    });
    const job = makeJob({ action: "apply", units: ["prod/app"], ref: head, source: { base, head } });
    const error = await refusal(checkJob(job, { ...LOCAL, repo: repo.dir, rederive: rederiveFromGit(repo.dir) }));
    expectRefused(error, "path-containment", 41, "prod/app", head);
    expect(error.message).toContain(
      "_envcommon/app.hcl is a symlink to '../../outside/app.hcl', outside the repository",
    );
    expect(error.message).toContain("read from prod/app/terragrunt.hcl:2");
  });

  it("allows symlinks that stay inside the repository", async () => {
    await using repo = repository();
    const base = repo.sha();
    const head = repo.commit({
      "prod/app/terragrunt.hcl": unit("app v2"),
      "prod/app/shared.hcl": { symlink: "../../root.hcl" },
    });
    const job = makeJob({ action: "apply", units: ["prod/app"], ref: head, source: { base, head } });
    await expect(
      checkJob(job, { ...LOCAL, repo: repo.dir, rederive: rederiveFromGit(repo.dir) }),
    ).resolves.toMatchObject({ jobId: job.id });
  });
});

describe("pull request preflight", () => {
  it("passes a pull request ahead of the deploy branch and refuses one behind it, saying how to fix it", async () => {
    await using repo = repository();
    const base = repo.sha();
    repo.checkout("feature", { create: true });
    const head = repo.commit({ "prod/app/terragrunt.hcl": unit("app v2") });
    const job = makeJob({
      action: "plan",
      units: ["prod/app"],
      ref: head,
      source: { event: "pull_request", base, head, branch: "feature" },
    });
    const options = { ...LOCAL, repo: repo.dir, rederive: rederiveFromGit(repo.dir) };
    expect((await checkJob(job, options)).passed.map((entry) => entry.guard)).toContain("pull-request-preflight");

    repo.checkout("main");
    const mainMoved = repo.commit({ "prod/db/terragrunt.hcl": unit("db v2") });
    const error = await refusal(checkJob(job, options));
    expectRefused(error, "pull-request-preflight", 49, null, head);
    expect(error.message).toContain(mainMoved);
    expect(error.hint).toContain("git rebase origin/main");
  });

  it("runs under dry-run exactly as without it", async () => {
    await using repo = repository();
    const base = repo.sha();
    repo.checkout("feature", { create: true });
    const head = repo.commit({ "prod/app/terragrunt.hcl": unit("app v2") });
    repo.checkout("main");
    runGit(repo.dir, ["merge", "-q", "--no-ff", "-m", "unrelated", "feature"]);
    const job = makeJob({
      action: "apply",
      units: ["prod/app"],
      ref: head,
      source: { base, head, event: "pull_request", branch: "feature" },
    });
    const error = await refusal(
      checkJob(job, { env: {}, dryRun: true, repo: repo.dir, rederive: rederiveFromGit(repo.dir) }),
    );
    expect(error.guard).toBe("apply-ref-on-deploy-branch");
  });
});

describe("job document", () => {
  it("refuses a job that does not match the schema, naming the field", async () => {
    await using repo = repository();
    const head = repo.sha();
    const job = {
      ...makeJob({ action: "apply", units: ["prod/app"], ref: head, source: { base: head, head } }),
      ref: "main",
    };
    const error = await refusal(checkJob(job, { ...LOCAL, repo: repo.dir, rederive: rederiveFromGit(repo.dir) }));
    expectRefused(error, "job-document", 50, null, null);
    expect(error.message).toContain('field "ref"');
  });
});
