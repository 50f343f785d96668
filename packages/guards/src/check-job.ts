/**
 * `checkJob`: every guard, in order, before anything of a job runs (also under `--dry-run`). The first
 * refusal throws a `GuardRefusedError`; passing returns a report of what was checked. An abort (SIGTERM)
 * stops the check at once with exit code 130: nothing was run.
 */
import { jobSchema, type Job } from "@gantry/classifier";
import { GantryError } from "@gantry/errors";
import { GuardRefusedError, type GuardName } from "./errors.js";
import { describeIssues } from "@gantry/documents";
import {
  checkApplyOnDeployBranch,
  checkDestroyOnDeployBranch,
  checkPullRequestAhead,
  checkPushPlanOnDeployBranch,
  checkSourceOnDeployBranch,
  checkUnitsExistAtRef,
  deployBranchFetchFrom,
  type DeployBranchTip,
} from "./deploy-branch.js";
import { checkUnitPathShape, checkUnitsContained } from "./path-containment.js";
import { checkJobRederived, type RederiveJobs } from "./rederive.js";
import { sharedRederivation } from "./shared-derivation.js";
import { checkNotSuperseded } from "./no-rollback.js";
import { checkTrustedSettings, loadTrustRoot, trustedDeployBranch } from "./trust-root.js";
import { checkWorkflowIdentity, isGithubActions } from "./workflow-identity.js";
import { markJobGuarded } from "./guarded-jobs.js";
import { UnitListing } from "./unit-listing.js";
import { resolveCommit } from "./git.js";

export interface CheckJobOptions {
  /** The repository checkout (infrastructure-live) the job runs in. */
  repo: string;
  env: NodeJS.ProcessEnv;
  dryRun: boolean;
  /**
   * Re-derives the job's plan; default: `planChange` from `@gantry/classifier` with the trusted configuration,
   * once per source range for the jobs checked against the same tip (`shared-derivation.ts`).
   */
  rederive?: RederiveJobs;
  /**
   * `owner/name` of the repository whose `main` workflows may apply; default `env.GANTRY_PIPELINES_REPOSITORY`,
   * else the trusted configuration's `pipelinesRepository`.
   */
  pipelinesRepository?: string;
  /** The branch that deploys, from the pipelines side; default `env.GANTRY_DEPLOY_BRANCH`, else `main`. */
  deployBranch?: string;
  /** Where the pipelines side installed package plugins; default `env.GANTRY_PLUGIN_PACKAGES`. */
  pluginPackages?: string;
  /**
   * Which pipelines workflow this runs in (default `env.GANTRY_WORKFLOW_ROLE`): `plan` accepts only plan and
   * plan-destroy jobs; `apply` only jobs of a push to the deploy branch (never a pull request's). Required inside
   * GitHub Actions (`GITHUB_ACTIONS=true`); elsewhere, unset accepts either.
   */
  workflowRole?: WorkflowRole;
  /** Aborting stops the check at once (exit code 130). */
  signal?: AbortSignal;
}

export type WorkflowRole = "plan" | "apply";

export interface GuardReport {
  apiVersion: "gantry/v1";
  kind: "GuardReport";
  jobId: string;
  action: Job["action"];
  ref: string;
  dryRun: boolean;
  deployBranch: { name: string; tip: string; source: "origin" | "local" } | null;
  /** The guards that ran and passed, in order, each with what it established. */
  passed: Array<{ guard: GuardName; detail: string }>;
}

const WRITES = new Set<Job["action"]>(["apply", "destroy"]);

function parseJob(job: unknown): Job {
  const parsed = jobSchema.safeParse(job);
  if (parsed.success) return parsed.data;
  throw new GuardRefusedError({
    guard: "job-document",
    unit: null,
    commit: null,
    message: `not a valid gantry/v1 Job: ${describeIssues(parsed.error.issues)}`,
    hint: "pass the job exactly as `gantry plan --json` produced it",
  });
}

const interrupted = () =>
  new GantryError("GUARD_INTERRUPTED", "interrupted while the guards were checking the job: nothing was run", {
    hint: "run the job again",
  });

/** Runs one step, or stops waiting for it as soon as the signal aborts (its git processes are killed). */
function interruptible(signal: AbortSignal | undefined) {
  return async <T>(work: Promise<T>): Promise<T> => {
    if (!signal) return work;
    if (signal.aborted) throw interrupted();
    let onAbort: () => void = () => {};
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(interrupted());
      signal.addEventListener("abort", onAbort, { once: true });
    });
    try {
      return await Promise.race([work, aborted]);
    } catch (error) {
      throw signal.aborted ? interrupted() : error;
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  };
}

/**
 * The plan workflow runs pull requests' code with the plan role; the apply workflow, trusted with the apply
 * role, runs only what a push to the deploy branch planned. Inside GitHub Actions the role is mandatory: a
 * workflow that does not say which it is could be one workflow for both, where a pull request's hook runs
 * in the job the apply role trusts. Outside GitHub Actions (a person's machine) either is accepted.
 */
function checkWorkflowRole(job: Job, role: string | undefined, inGithubActions: boolean): void {
  const refuse = (message: string, hint: string) =>
    new GuardRefusedError({ guard: "workflow-role", unit: job.units[0] ?? null, commit: job.ref, message, hint });
  if (role === undefined || role === "") {
    if (!inGithubActions) return;
    throw refuse(
      "this GitHub Actions workflow does not say which pipelines workflow it is (GANTRY_WORKFLOW_ROLE is not set)",
      "set GANTRY_WORKFLOW_ROLE: plan in the plan workflow and GANTRY_WORKFLOW_ROLE: apply in the apply workflow (the env `gantry init` writes), or pass --workflow-role; one workflow must never both plan pull requests and apply",
    );
  }
  if (role === "plan" && WRITES.has(job.action))
    throw refuse(
      `the plan workflow does not run ${job.action} jobs`,
      "dispatch applies and destroys to the apply workflow",
    );
  if (role === "apply" && job.source.event !== "push") {
    throw refuse(
      "the apply workflow runs only jobs of a push to the deploy branch, not a pull request's",
      "dispatch pull requests' plans to the plan workflow",
    );
  }
  if (role !== "plan" && role !== "apply")
    throw refuse(`unknown workflow role '${role}'`, "set GANTRY_WORKFLOW_ROLE (or --workflow-role) to plan or apply");
}

export async function checkJob(input: Job, options: CheckJobOptions): Promise<GuardReport> {
  const job = parseJob(input);
  const passed: GuardReport["passed"] = [];
  const isWrite = WRITES.has(job.action);
  const { repo, env, signal } = options;
  const step = interruptible(signal);

  checkWorkflowRole(job, options.workflowRole ?? env["GANTRY_WORKFLOW_ROLE"], isGithubActions(env));
  // Lexical checks first: nothing touches git with a path that is not plainly inside the repository.
  for (const unit of job.units) checkUnitPathShape(unit, job.ref);

  const trust = await step(
    loadTrustRoot(repo, {
      deployBranch: trustedDeployBranch(options.deployBranch, env),
      fetch: deployBranchFetchFrom(env),
      pluginPackages: options.pluginPackages ?? env["GANTRY_PLUGIN_PACKAGES"],
      signal,
    }),
  );
  const tip: DeployBranchTip = trust.tip;
  passed.push({ guard: "deploy-branch", detail: `${tip.branch} is at ${tip.commit} (${tip.source})` });
  checkTrustedSettings(job, trust);
  passed.push({
    guard: "trusted-settings",
    detail: `deploy branch, environment, authentication and Terragrunt settings are those of ${tip.branch} at ${tip.commit}`,
  });

  if (isWrite && isGithubActions(env)) {
    const pipelinesRepository =
      options.pipelinesRepository ??
      (env["GANTRY_PIPELINES_REPOSITORY"] || trust.configuration.loaded.config.pipelinesRepository);
    const identity = await step(checkWorkflowIdentity(env, pipelinesRepository, job.ref));
    passed.push({
      guard: "workflow-identity",
      detail: `${identity.workflowRef}${identity.claimsChecked ? " (OIDC claims agree)" : ""}`,
    });
  }

  // After the fetch, so a ref that only origin had is readable. A ref git does not have is refused by the
  // guard that protects the action: for writes it is, by definition, not on the deploy branch.
  if (!(await step(resolveCommit(repo, job.ref, signal)))) {
    throw new GuardRefusedError({
      guard:
        job.action === "apply"
          ? "apply-ref-on-deploy-branch"
          : job.action === "destroy"
            ? "destroy-ref-ancestor"
            : "unit-at-ref",
      unit: job.units[0] ?? null,
      commit: job.ref,
      message: "the repository does not contain the job's ref",
      hint: isWrite
        ? "only commits merged to the deploy branch can be applied or destroyed"
        : "fetch the commit, or regenerate the job with `gantry plan`",
    });
  }
  const listing = new UnitListing(repo);
  await step(checkUnitsContained(repo, job.ref, job.units, { writes: isWrite, signal }));
  passed.push({
    guard: "path-containment",
    detail: `${job.units.length} unit path(s) and everything they read stay inside the repository at ${job.ref}`,
  });

  if (isWrite && job.source.branch !== tip.branch) {
    throw new GuardRefusedError({
      guard: "apply-ref-on-deploy-branch",
      unit: job.units[0] ?? null,
      commit: job.ref,
      message: `the job comes from branch '${job.source.branch}', not from the deploy branch '${tip.branch}'`,
      hint: "applies and destroys come only from pushes to the deploy branch; merge the pull request first",
    });
  }

  await step(checkUnitsExistAtRef(listing, job.ref, job.units));
  passed.push({ guard: "unit-at-ref", detail: `every unit exists at ${job.ref}` });

  if (job.action === "apply") {
    await step(checkApplyOnDeployBranch(repo, listing, job.ref, job.units, tip, signal));
    await step(
      checkSourceOnDeployBranch(repo, job.source, "apply-ref-on-deploy-branch", job.units[0] ?? null, tip, signal),
    );
    passed.push({ guard: "apply-ref-on-deploy-branch", detail: `${job.ref} is on ${tip.branch}` });
    passed.push({ guard: "apply-unit-on-deploy-branch", detail: `every unit exists at ${tip.commit}` });
    passed.push({ guard: "no-rollback", detail: await step(checkNotSuperseded(repo, job, tip)) });
  } else if (job.action === "destroy") {
    const evidence = await step(checkDestroyOnDeployBranch(repo, listing, job.ref, job.units, tip, signal));
    await step(checkSourceOnDeployBranch(repo, job.source, "destroy-ref-ancestor", job.units[0] ?? null, tip, signal));
    passed.push({ guard: "destroy-ref-ancestor", detail: `${job.ref} is an ancestor of ${tip.commit}` });
    passed.push({ guard: "destroy-unit-absent", detail: `no unit exists at ${tip.commit}` });
    passed.push({ guard: "destroy-removal-merged", detail: evidence.map((item) => item.detail).join("; ") });
  } else if (job.source.event === "pull_request") {
    await step(checkPullRequestAhead(repo, job.source.head, tip, signal));
    passed.push({ guard: "pull-request-preflight", detail: `${job.source.head} is ahead of ${tip.branch}` });
  } else {
    // A push's plan job (a plan-only unit) runs where applies run: it too must be deploy-branch history.
    await step(checkPushPlanOnDeployBranch(repo, job, tip, signal));
    passed.push({
      guard: "apply-ref-on-deploy-branch",
      detail: `${job.ref} and the job's source are on ${tip.branch}`,
    });
  }

  const match = await step(checkJobRederived(job, options.rederive ?? sharedRederivation(repo, trust.configuration)));
  passed.push({ guard: "re-derive", detail: `matches re-derived job ${match.id}` });

  markJobGuarded(input, job);
  return {
    apiVersion: "gantry/v1",
    kind: "GuardReport",
    jobId: job.id,
    action: job.action,
    ref: job.ref,
    dryRun: options.dryRun,
    deployBranch: { name: tip.branch, tip: tip.commit, source: tip.source },
    passed,
  };
}
