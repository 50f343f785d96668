/**
 * The guards that compare a job with the deploy branch: only code merged there is applied, only code
 * removed there is destroyed, and a pull request must contain the deploy branch's tip before it is planned.
 * Each costs a fixed number of git calls, whatever the number of units.
 */
import { GuardRefusedError } from "./errors.js";
import { fetchCredentials, git, hasRemote, isAncestor, resolveCommit, runGit } from "./git.js";
import { readToken } from "./tokens.js";
import { mayExist, type UnitListing } from "./unit-listing.js";

/** The file that makes a directory a Terragrunt unit. */
export const UNIT_MARKER = "terragrunt.hcl";

export interface DeployBranchTip {
  branch: string;
  commit: string;
  /** Where the tip was read: `origin` (fetched just now) or `local`. */
  source: "origin" | "local";
}

/** The variable with which a pipelines workflow says an earlier step fetched the deploy branch (`gantry fetch-deploy-branch`). */
export const DEPLOY_BRANCH_FETCHED_VARIABLE = "GANTRY_DEPLOY_BRANCH_FETCHED";

export interface DeployBranchFetch {
  /** Fetch from origin now (else read `refs/remotes/origin/<branch>` as an earlier step fetched it). */
  fetch: boolean;
  /** The code-read token for that fetch; never read when an earlier step fetched. */
  token?: string | undefined;
}

/**
 * How this process reads the deploy branch: `GANTRY_DEPLOY_BRANCH_FETCHED=true` (set on the step that runs the
 * tools) means an earlier step of the same job fetched it, so this one needs, and reads, no token; else it
 * fetches with `GANTRY_CODE_READ_TOKEN`.
 */
export function deployBranchFetchFrom(env: NodeJS.ProcessEnv): DeployBranchFetch {
  return env[DEPLOY_BRANCH_FETCHED_VARIABLE] === "true"
    ? { fetch: false }
    : { fetch: true, token: readToken(env, "code-read") };
}

/**
 * The deploy branch's tip, fetched fresh from `origin` when that remote exists (so a stale local branch
 * cannot vouch for anything), else the local branch. Failing to fetch refuses rather than falling back.
 * `token` (the code-read token) authenticates this fetch only: checkouts keep no credentials. With
 * `fetch: false`, `refs/remotes/origin/<branch>` as an earlier step of the same job fetched it
 * (`gantry fetch-deploy-branch`), so the process that runs the tools never holds the token.
 */
export async function resolveDeployBranchTip(
  repo: string,
  branch: string,
  options: { token?: string | undefined; fetch?: boolean; signal?: AbortSignal | undefined } = {},
): Promise<DeployBranchTip> {
  const { signal } = options;
  const refuse = (message: string, hint: string, cause?: unknown) =>
    new GuardRefusedError({ guard: "deploy-branch", unit: null, commit: null, message, hint }, { cause });
  const valid = await runGit(repo, ["check-ref-format", "--branch", branch], { signal });
  if (valid.exitCode !== 0 || branch.startsWith("-")) {
    throw refuse(
      `deploy branch name '${branch}' is not a valid branch name`,
      "set GANTRY_DEPLOY_BRANCH (or --deploy-branch) on the pipelines side to the branch that deploys",
    );
  }
  if (await hasRemote(repo, "origin", signal)) {
    const tracking = `refs/remotes/origin/${branch}`;
    // A shallow checkout (actions/checkout's default depth 1) cannot answer ancestry questions: complete it.
    const shallow = (await runGit(repo, ["rev-parse", "--is-shallow-repository"], { signal })).stdout.trim() === "true";
    if (options.fetch === false) {
      const commit = await resolveCommit(repo, tracking, signal);
      const hint =
        "run `gantry fetch-deploy-branch` (with GANTRY_CODE_READ_TOKEN) in an earlier step of the same job, or unset GANTRY_DEPLOY_BRANCH_FETCHED";
      if (!commit)
        throw refuse(
          `GANTRY_DEPLOY_BRANCH_FETCHED is set, but the deploy branch '${branch}' was not fetched (${tracking} is missing)`,
          hint,
        );
      if (shallow)
        throw refuse(
          `GANTRY_DEPLOY_BRANCH_FETCHED is set, but the checkout is shallow: ancestry cannot be checked`,
          hint,
        );
      return { branch, commit, source: "origin" };
    }
    const fetched = await runGit(
      repo,
      [
        "fetch",
        "--quiet",
        "--no-tags",
        ...(shallow ? ["--unshallow"] : []),
        "origin",
        `+refs/heads/${branch}:${tracking}`,
      ],
      {
        signal,
        config: fetchCredentials(options.token),
      },
    );
    if (fetched.exitCode !== 0) {
      throw refuse(
        `could not fetch the deploy branch '${branch}' from origin: ${fetched.stderr.trim()}`,
        "check GANTRY_CODE_READ_TOKEN (the fetch's credentials) and that the branch exists on origin; guards never fall back to a stale copy",
      );
    }
    const commit = await resolveCommit(repo, tracking, signal);
    if (commit) return { branch, commit, source: "origin" };
    throw refuse(`origin has no branch '${branch}'`, "check GANTRY_DEPLOY_BRANCH on the pipelines side");
  }
  const commit = await resolveCommit(repo, `refs/heads/${branch}`, signal);
  if (!commit)
    throw refuse(
      `the repository has no branch '${branch}' and no remote 'origin'`,
      "check out the deploy branch, or add the remote",
    );
  return { branch, commit, source: "local" };
}

/** Every unit must exist at the job's ref (committed, or generated by its stack files): that code will run. */
export async function checkUnitsExistAtRef(listing: UnitListing, ref: string, units: string[]): Promise<void> {
  const atRef = await listing.at(ref);
  const missing = units.find((unit) => !atRef.has(unit));
  if (missing !== undefined) {
    throw new GuardRefusedError({
      guard: "unit-at-ref",
      unit: missing,
      commit: ref,
      message: `${missing} is not a unit at the job's ref: there is no ${missing}/${UNIT_MARKER}, and no stack file generates it`,
      hint: "the job does not match the repository; regenerate it with `gantry plan` for this commit",
    });
  }
}

async function requireCommit(
  repo: string,
  ref: string,
  guard: "apply-ref-on-deploy-branch" | "destroy-ref-ancestor",
  signal?: AbortSignal,
): Promise<string> {
  const commit = await resolveCommit(repo, ref, signal);
  if (!commit) {
    throw new GuardRefusedError({
      guard,
      unit: null,
      commit: ref,
      message: "the repository does not contain the job's ref",
      hint: "the commit is on no branch that was fetched; only commits merged to the deploy branch can be applied or destroyed",
    });
  }
  return commit;
}

/** `apply`: the ref is the tip or one of its ancestors, and every unit exists at the tip. */
export async function checkApplyOnDeployBranch(
  repo: string,
  listing: UnitListing,
  ref: string,
  units: string[],
  tip: DeployBranchTip,
  signal?: AbortSignal,
): Promise<void> {
  const commit = await requireCommit(repo, ref, "apply-ref-on-deploy-branch", signal);
  if (!(await isAncestor(repo, commit, tip.commit, signal))) {
    throw new GuardRefusedError({
      guard: "apply-ref-on-deploy-branch",
      unit: units[0] ?? null,
      commit,
      message: `the job's ref is not on the deploy branch '${tip.branch}' (tip ${tip.commit})`,
      hint: `merge the change to '${tip.branch}' through a reviewed pull request; applies run only for merged commits`,
    });
  }
  const atTip = await listing.at(tip.commit);
  const gone = units.find((unit) => !atTip.has(unit));
  if (gone !== undefined) {
    throw new GuardRefusedError({
      guard: "apply-unit-on-deploy-branch",
      unit: gone,
      commit: tip.commit,
      message: `${gone} is not a unit at the tip of '${tip.branch}' (no ${gone}/${UNIT_MARKER}, and no stack file generates it)`,
      hint: "the unit was removed or renamed after this commit; the job is stale, let the newer push's jobs run instead",
    });
  }
}

export interface DestroyEvidence {
  unit: string;
  /** The deploy-branch commit that removed the unit (for a generated unit: that deleted or last changed its stack file). */
  removedIn: string;
  /** How, for the report. */
  detail: string;
}

/**
 * `destroy`: the ref (where the code still existed) is an ancestor of the tip, every unit is absent at the tip
 * (neither committed nor generated there, nor where a stack file could not be generated), and its removal is
 * on the deploy branch after the ref: a commit deleted its `terragrunt.hcl`, or, for a generated unit, the
 * stack file that generated it at the ref no longer does at the tip.
 */
export async function checkDestroyOnDeployBranch(
  repo: string,
  listing: UnitListing,
  ref: string,
  units: string[],
  tip: DeployBranchTip,
  signal?: AbortSignal,
): Promise<DestroyEvidence[]> {
  const commit = await requireCommit(repo, ref, "destroy-ref-ancestor", signal);
  if (!(await isAncestor(repo, commit, tip.commit, signal))) {
    throw new GuardRefusedError({
      guard: "destroy-ref-ancestor",
      unit: units[0] ?? null,
      commit,
      message: `the job's ref is not an ancestor of the deploy branch '${tip.branch}' (tip ${tip.commit})`,
      hint: "a destroy runs at the commit before the removal, which must be part of the deploy branch's history",
    });
  }
  const [atRef, atTip] = await Promise.all([listing.at(commit), listing.at(tip.commit)]);
  for (const unit of units) {
    const live = mayExist(atTip, unit, atRef.get(unit));
    if (live !== null) {
      throw new GuardRefusedError({
        guard: "destroy-unit-absent",
        unit,
        commit: tip.commit,
        message: `${unit} still exists at the tip of '${tip.branch}' (${live}): it is live and will not be destroyed`,
        hint: `delete ${unit} (or the stack block that generates it) in a reviewed pull request and merge it to '${tip.branch}' to destroy it`,
      });
    }
  }
  const stackFileOf = (unit: string) => atRef.get(unit)?.generatedBy?.stackFile;
  const watched = units.map((unit) => stackFileOf(unit) ?? `${unit}/${UNIT_MARKER}`);
  const history = await pathHistory(repo, `${commit}..${tip.commit}`, watched, signal);
  return units.map((unit) => {
    const stackFile = stackFileOf(unit);
    if (stackFile !== undefined) {
      // Generated at the ref (unit-at-ref), generated nowhere at the tip (above), the ref an ancestor of the tip:
      // the removal is merged; the stack file's history names the commit.
      const changed = history.get(stackFile);
      const removedIn = changed?.deletedIn ?? changed?.changedIn ?? tip.commit;
      const how = changed?.deletedIn
        ? `deleted in ${removedIn}`
        : changed?.changedIn
          ? `changed last in ${removedIn}`
          : `unchanged; what it reads changed by ${removedIn}`;
      return { unit, removedIn, detail: `${unit} no longer generated by ${stackFile} (${how})` };
    }
    const removedIn = history.get(`${unit}/${UNIT_MARKER}`)?.deletedIn;
    if (removedIn === undefined) {
      throw new GuardRefusedError({
        guard: "destroy-removal-merged",
        unit,
        commit,
        message: `no commit on '${tip.branch}' after the job's ref removed ${unit}/${UNIT_MARKER}`,
        hint: "only removals merged to the deploy branch are destroyed; merge the pull request that deletes the unit",
      });
    }
    return { unit, removedIn, detail: `${unit} removed in ${removedIn}` };
  });
}

/**
 * For each path, the newest commit of `range` that deleted it and the newest that changed it, in one `git log`.
 * `--no-renames`: a moved unit is a removal here too (detection treats it as delete + add).
 */
async function pathHistory(
  repo: string,
  range: string,
  paths: readonly string[],
  signal?: AbortSignal,
): Promise<Map<string, { deletedIn?: string; changedIn?: string }>> {
  const output = await git(
    repo,
    [
      "log",
      "--no-renames",
      "--format=%x01%H",
      "--name-status",
      "-z",
      range,
      "--",
      ...paths.map((path) => `:(literal)${path}`),
    ],
    { signal },
  );
  const history = new Map<string, { deletedIn?: string; changedIn?: string }>();
  for (const record of output.split("\x01").filter(Boolean)) {
    const [commit = "", ...fields] = record.split(/[\n\0]+/).filter(Boolean);
    for (let index = 0; index + 1 < fields.length; index += 2) {
      const [status, path] = [fields[index]!, fields[index + 1]!];
      const entry = history.get(path) ?? {};
      entry.changedIn ??= commit;
      if (status === "D") entry.deletedIn ??= commit;
      history.set(path, entry);
    }
  }
  return history;
}

/** Pull requests: the head must contain the deploy branch's tip and add commits to it. */
export async function checkPullRequestAhead(
  repo: string,
  head: string,
  tip: DeployBranchTip,
  signal?: AbortSignal,
): Promise<void> {
  const headCommit = await resolveCommit(repo, head, signal);
  const refuse = (message: string) =>
    new GuardRefusedError({
      guard: "pull-request-preflight",
      unit: null,
      commit: head,
      message,
      hint: `update the pull request with the deploy branch: \`git fetch origin && git rebase origin/${tip.branch}\` (or \`git merge origin/${tip.branch}\`), push, and the plan runs again`,
    });
  if (!headCommit) throw refuse("the pull request's head commit is not in the repository");
  if (headCommit === tip.commit)
    throw refuse(`the pull request's head is the tip of '${tip.branch}': it has nothing to plan`);
  if (!(await isAncestor(repo, tip.commit, headCommit, signal))) {
    throw refuse(
      `the pull request's head is not ahead of '${tip.branch}' (its tip ${tip.commit} is not an ancestor of the head)`,
    );
  }
}

/**
 * Writes: the job's source commits (what re-derivation plans from) are deploy-branch history too, with
 * `base` before `head`, so a forged source cannot make planning vouch for commits that were never merged.
 */
export async function checkSourceOnDeployBranch(
  repo: string,
  source: { base: string; head: string },
  guard: "apply-ref-on-deploy-branch" | "destroy-ref-ancestor",
  unit: string | null,
  tip: DeployBranchTip,
  signal?: AbortSignal,
): Promise<void> {
  const head = await resolveCommit(repo, source.head, signal);
  const base = await resolveCommit(repo, source.base, signal);
  const refuse = (commit: string, message: string) =>
    new GuardRefusedError({
      guard,
      unit,
      commit,
      message,
      hint: `jobs that write come from pushes to '${tip.branch}'; use the jobs planned for that push`,
    });
  if (!head || !(await isAncestor(repo, head, tip.commit, signal)))
    throw refuse(source.head, `the job's source head is not on the deploy branch '${tip.branch}' (tip ${tip.commit})`);
  if (!base || !(await isAncestor(repo, base, head, signal)))
    throw refuse(source.base, "the job's source base is not an ancestor of its head");
}

/** A push's plan or plan-destroy job: its ref and source commits are deploy-branch history. */
export async function checkPushPlanOnDeployBranch(
  repo: string,
  job: { ref: string; units: string[]; source: { base: string; head: string } },
  tip: DeployBranchTip,
  signal?: AbortSignal,
): Promise<void> {
  const commit = await requireCommit(repo, job.ref, "apply-ref-on-deploy-branch", signal);
  if (!(await isAncestor(repo, commit, tip.commit, signal))) {
    throw new GuardRefusedError({
      guard: "apply-ref-on-deploy-branch",
      unit: job.units[0] ?? null,
      commit,
      message: `the push job's ref is not on the deploy branch '${tip.branch}' (tip ${tip.commit})`,
      hint: `jobs of a push run only for commits merged to '${tip.branch}'; a pull request's plan is a pull_request job`,
    });
  }
  await checkSourceOnDeployBranch(repo, job.source, "apply-ref-on-deploy-branch", job.units[0] ?? null, tip, signal);
}
