/**
 * `checkJob`: every guard, in order, before anything of a job runs (also under `--dry-run`). The first
 * refusal throws a `GuardRefusedError`; passing returns a report of what was checked.
 */
import { jobSchema, type Job } from "@gantry/classifier";
import { GuardRefusedError, type GuardName } from "./errors.js";
import { checkApplyOnDeployBranch, checkDestroyOnDeployBranch, checkSourceOnDeployBranch, checkPullRequestAhead, checkUnitsExistAtRef, resolveDeployBranchTip, type DeployBranchTip } from "./deploy-branch.js";
import { checkUnitPathShape, checkUnitsContained } from "./path-containment.js";
import { checkJobRederived, rederiveWithClassifier, type RederiveJobs } from "./rederive.js";
import { checkWorkflowIdentity, isGithubActions } from "./workflow-identity.js";
import { markJobGuarded } from "./guarded-jobs.js";
import { resolveCommit } from "./git.js";

export interface CheckJobOptions {
  /** The repository checkout (infrastructure-live) the job runs in. */
  repo: string;
  env: NodeJS.ProcessEnv;
  dryRun: boolean;
  /** Re-derives the job's plan; defaults to `planChange` from `@gantry/classifier`. */
  rederive?: RederiveJobs;
  /** `owner/name` of the repository whose `main` workflows may apply; default `env.GANTRY_PIPELINES_REPOSITORY`. */
  pipelinesRepository?: string;
}

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
  const issue = parsed.error.issues[0];
  throw new GuardRefusedError({
    guard: "job-document",
    unit: null,
    commit: null,
    message: `the job document is invalid at ${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "unknown problem"}`,
    hint: "pass the job exactly as `gantry plan --json` produced it",
  });
}

export async function checkJob(input: Job, options: CheckJobOptions): Promise<GuardReport> {
  const job = parseJob(input);
  const passed: GuardReport["passed"] = [];
  const isWrite = WRITES.has(job.action);

  // Lexical checks first: nothing touches git with a path that is not plainly inside the repository.
  for (const unit of job.units) checkUnitPathShape(unit, job.ref);

  if (isWrite && isGithubActions(options.env)) {
    const identity = await checkWorkflowIdentity(options.env, options.pipelinesRepository ?? options.env["GANTRY_PIPELINES_REPOSITORY"], job.ref);
    passed.push({ guard: "workflow-identity", detail: `${identity.workflowRef}${identity.claimsChecked ? " (OIDC claims agree)" : ""}` });
  }

  let tip: DeployBranchTip | null = null;
  if (isWrite || job.source.event === "pull_request") {
    tip = await resolveDeployBranchTip(options.repo, job.source.deployBranch);
    passed.push({ guard: "deploy-branch", detail: `${tip.branch} is at ${tip.commit} (${tip.source})` });
  }
  // After the fetch, so a ref that only origin had is readable. A ref git does not have is refused by the
  // guard that protects the action: for writes it is, by definition, not on the deploy branch.
  if (!(await resolveCommit(options.repo, job.ref))) {
    throw new GuardRefusedError({
      guard: job.action === "apply" ? "apply-ref-on-deploy-branch" : job.action === "destroy" ? "destroy-ref-ancestor" : "unit-at-ref",
      unit: job.units[0] ?? null,
      commit: job.ref,
      message: "the repository does not contain the job's ref",
      hint: isWrite ? "only commits merged to the deploy branch can be applied or destroyed" : "fetch the commit, or regenerate the job with `gantry plan`",
    });
  }
  await checkUnitsContained(options.repo, job.ref, job.units);
  passed.push({ guard: "path-containment", detail: `${job.units.length} unit path(s) stay inside the repository at ${job.ref}` });

  if (isWrite && job.source.branch !== job.source.deployBranch) {
    throw new GuardRefusedError({
      guard: "apply-ref-on-deploy-branch",
      unit: job.units[0] ?? null,
      commit: job.ref,
      message: `the job comes from branch '${job.source.branch}', not from the deploy branch '${job.source.deployBranch}'`,
      hint: "applies and destroys come only from pushes to the deploy branch; merge the pull request first",
    });
  }

  await checkUnitsExistAtRef(options.repo, job.ref, job.units);
  passed.push({ guard: "unit-at-ref", detail: `every unit exists at ${job.ref}` });

  if (job.action === "apply" && tip) {
    await checkApplyOnDeployBranch(options.repo, job.ref, job.units, tip);
    await checkSourceOnDeployBranch(options.repo, job.source, "apply-ref-on-deploy-branch", job.units[0] ?? null, tip);
    passed.push({ guard: "apply-ref-on-deploy-branch", detail: `${job.ref} is on ${tip.branch}` });
    passed.push({ guard: "apply-unit-on-deploy-branch", detail: `every unit exists at ${tip.commit}` });
  } else if (job.action === "destroy" && tip) {
    const evidence = await checkDestroyOnDeployBranch(options.repo, job.ref, job.units, tip);
    await checkSourceOnDeployBranch(options.repo, job.source, "destroy-ref-ancestor", job.units[0] ?? null, tip);
    passed.push({ guard: "destroy-ref-ancestor", detail: `${job.ref} is an ancestor of ${tip.commit}` });
    passed.push({ guard: "destroy-unit-absent", detail: `no unit exists at ${tip.commit}` });
    passed.push({ guard: "destroy-removal-merged", detail: evidence.map((item) => `${item.unit} removed in ${item.removedIn}`).join("; ") });
  } else if (job.source.event === "pull_request" && tip) {
    await checkPullRequestAhead(options.repo, job.source.head, tip);
    passed.push({ guard: "pull-request-preflight", detail: `${job.source.head} is ahead of ${tip.branch}` });
  }

  const match = await checkJobRederived(job, options.rederive ?? rederiveWithClassifier(options.repo));
  passed.push({ guard: "re-derive", detail: `matches re-derived job ${match.id}` });

  markJobGuarded(input, job);
  return {
    apiVersion: "gantry/v1",
    kind: "GuardReport",
    jobId: job.id,
    action: job.action,
    ref: job.ref,
    dryRun: options.dryRun,
    deployBranch: tip ? { name: tip.branch, tip: tip.commit, source: tip.source } : null,
    passed,
  };
}
