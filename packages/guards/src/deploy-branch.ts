/**
 * The guards that compare a job with the deploy branch: only code merged there is applied, only code
 * removed there is destroyed, and a pull request must contain the deploy branch's tip before it is planned.
 */
import { GuardRefusedError } from "./errors.js";
import { git, hasRemote, isAncestor, resolveCommit, runGit, treeEntries } from "./git.js";

/** The file that makes a directory a Terragrunt unit. */
export const UNIT_MARKER = "terragrunt.hcl";

export interface DeployBranchTip {
  branch: string;
  commit: string;
  /** Where the tip was read: `origin` (fetched just now) or `local`. */
  source: "origin" | "local";
}

/**
 * The deploy branch's tip, fetched fresh from `origin` when that remote exists (so a stale local branch
 * cannot vouch for anything), else the local branch. Failing to fetch refuses rather than falling back.
 */
export async function resolveDeployBranchTip(repo: string, branch: string): Promise<DeployBranchTip> {
  const refuse = (message: string, hint: string, cause?: unknown) =>
    new GuardRefusedError({ guard: "deploy-branch", unit: null, commit: null, message, hint }, { cause });
  const valid = await runGit(repo, ["check-ref-format", "--branch", branch]);
  if (valid.exitCode !== 0 || branch.startsWith("-")) {
    throw refuse(`deploy branch name '${branch}' is not a valid branch name`, "set the deploy branch in the repository configuration");
  }
  if (await hasRemote(repo, "origin")) {
    const tracking = `refs/remotes/origin/${branch}`;
    // A shallow checkout (actions/checkout's default depth 1) cannot answer ancestry questions: complete it.
    const shallow = (await runGit(repo, ["rev-parse", "--is-shallow-repository"])).stdout.trim() === "true";
    const fetched = await runGit(repo, ["fetch", "--quiet", "--no-tags", ...(shallow ? ["--unshallow"] : []), "origin", `+refs/heads/${branch}:${tracking}`]);
    if (fetched.exitCode !== 0) {
      throw refuse(
        `could not fetch the deploy branch '${branch}' from origin: ${fetched.stderr.trim()}`,
        "check the checkout's credentials and that the branch exists on origin; guards never fall back to a stale copy",
      );
    }
    const commit = await resolveCommit(repo, tracking);
    if (commit) return { branch, commit, source: "origin" };
    throw refuse(`origin has no branch '${branch}'`, "check the deploy branch name in the repository configuration");
  }
  const commit = await resolveCommit(repo, `refs/heads/${branch}`);
  if (!commit) throw refuse(`the repository has no branch '${branch}' and no remote 'origin'`, "check out the deploy branch, or add the remote");
  return { branch, commit, source: "local" };
}

async function unitExistsAt(repo: string, commit: string, unit: string): Promise<boolean> {
  const entries = await treeEntries(repo, commit, [`${unit}/${UNIT_MARKER}`]);
  return entries.some((entry) => entry.type === "blob" && entry.mode !== "120000");
}

/** Every unit must exist (have its `terragrunt.hcl`) at the job's ref: that is the code that will run. */
export async function checkUnitsExistAtRef(repo: string, ref: string, units: string[]): Promise<void> {
  for (const unit of units) {
    if (!(await unitExistsAt(repo, ref, unit))) {
      throw new GuardRefusedError({
        guard: "unit-at-ref",
        unit,
        commit: ref,
        message: `${unit}/${UNIT_MARKER} does not exist at the job's ref`,
        hint: "the job does not match the repository; regenerate it with `gantry plan` for this commit",
      });
    }
  }
}

async function requireCommit(repo: string, ref: string, guard: "apply-ref-on-deploy-branch" | "destroy-ref-ancestor"): Promise<string> {
  const commit = await resolveCommit(repo, ref);
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
export async function checkApplyOnDeployBranch(repo: string, ref: string, units: string[], tip: DeployBranchTip): Promise<void> {
  const commit = await requireCommit(repo, ref, "apply-ref-on-deploy-branch");
  if (!(await isAncestor(repo, commit, tip.commit))) {
    throw new GuardRefusedError({
      guard: "apply-ref-on-deploy-branch",
      unit: units[0] ?? null,
      commit,
      message: `the job's ref is not on the deploy branch '${tip.branch}' (tip ${tip.commit})`,
      hint: `merge the change to '${tip.branch}' through a reviewed pull request; applies run only for merged commits`,
    });
  }
  for (const unit of units) {
    if (!(await unitExistsAt(repo, tip.commit, unit))) {
      throw new GuardRefusedError({
        guard: "apply-unit-on-deploy-branch",
        unit,
        commit: tip.commit,
        message: `${unit}/${UNIT_MARKER} does not exist at the tip of '${tip.branch}'`,
        hint: "the unit was removed or renamed after this commit; the job is stale, let the newer push's jobs run instead",
      });
    }
  }
}

export interface DestroyEvidence {
  unit: string;
  /** The deploy-branch commit that removed the unit. */
  removedIn: string;
}

/**
 * `destroy`: the ref (where the code still existed) is an ancestor of the tip, every unit is absent at
 * the tip, and the commit that removed it is on the deploy branch after the ref.
 */
export async function checkDestroyOnDeployBranch(repo: string, ref: string, units: string[], tip: DeployBranchTip): Promise<DestroyEvidence[]> {
  const commit = await requireCommit(repo, ref, "destroy-ref-ancestor");
  if (!(await isAncestor(repo, commit, tip.commit))) {
    throw new GuardRefusedError({
      guard: "destroy-ref-ancestor",
      unit: units[0] ?? null,
      commit,
      message: `the job's ref is not an ancestor of the deploy branch '${tip.branch}' (tip ${tip.commit})`,
      hint: "a destroy runs at the commit before the removal, which must be part of the deploy branch's history",
    });
  }
  const evidence: DestroyEvidence[] = [];
  for (const unit of units) {
    if (await unitExistsAt(repo, tip.commit, unit)) {
      throw new GuardRefusedError({
        guard: "destroy-unit-absent",
        unit,
        commit: tip.commit,
        message: `${unit} still exists at the tip of '${tip.branch}': it is live and will not be destroyed`,
        hint: `delete ${unit} in a reviewed pull request and merge it to '${tip.branch}' to destroy it`,
      });
    }
    // --no-renames: a moved unit is a removal here too (detection treats it as delete + add).
    const removal = (
      await git(repo, ["log", "--no-renames", "--diff-filter=D", "--format=%H", "-n", "1", `${commit}..${tip.commit}`, "--", `:(literal)${unit}/${UNIT_MARKER}`])
    ).trim();
    if (!removal) {
      throw new GuardRefusedError({
        guard: "destroy-removal-merged",
        unit,
        commit,
        message: `no commit on '${tip.branch}' after the job's ref removed ${unit}/${UNIT_MARKER}`,
        hint: "only removals merged to the deploy branch are destroyed; merge the pull request that deletes the unit",
      });
    }
    evidence.push({ unit, removedIn: removal });
  }
  return evidence;
}

/** Pull requests: the head must contain the deploy branch's tip and add commits to it. */
export async function checkPullRequestAhead(repo: string, head: string, tip: DeployBranchTip): Promise<void> {
  const headCommit = await resolveCommit(repo, head);
  const refuse = (message: string) =>
    new GuardRefusedError({
      guard: "pull-request-preflight",
      unit: null,
      commit: head,
      message,
      hint: `update the pull request with the deploy branch: \`git fetch origin && git rebase origin/${tip.branch}\` (or \`git merge origin/${tip.branch}\`), push, and the plan runs again`,
    });
  if (!headCommit) throw refuse("the pull request's head commit is not in the repository");
  if (headCommit === tip.commit) throw refuse(`the pull request's head is the tip of '${tip.branch}': it has nothing to plan`);
  if (!(await isAncestor(repo, tip.commit, headCommit))) {
    throw refuse(`the pull request's head is not ahead of '${tip.branch}' (its tip ${tip.commit} is not an ancestor of the head)`);
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
): Promise<void> {
  const head = await resolveCommit(repo, source.head);
  const base = await resolveCommit(repo, source.base);
  const refuse = (commit: string, message: string) =>
    new GuardRefusedError({ guard, unit, commit, message, hint: `jobs that write come from pushes to '${tip.branch}'; use the jobs planned for that push` });
  if (!head || !(await isAncestor(repo, head, tip.commit))) throw refuse(source.head, `the job's source head is not on the deploy branch '${tip.branch}' (tip ${tip.commit})`);
  if (!base || !(await isAncestor(repo, base, head))) throw refuse(source.base, "the job's source base is not an ancestor of its head");
}
