/** The deploy branch of a git repository, as the record's range logic asks about it. */
import { recordError } from "./errors.js";
import { basicAuthHeader, isAncestor, resolveCommit, runGit } from "./git.js";
import type { CommitHistory } from "./range.js";

export function gitHistory(repo: string): CommitHistory {
  return { isAncestor: (ancestor, descendant) => isAncestor(repo, ancestor, descendant) };
}

/**
 * The deploy branch's tip, fetched fresh from `origin` when the repository has that remote (a run must not
 * deploy from a stale copy), else the local branch. A shallow clone is completed first: the range and the
 * record need ancestry. `token` (the code-read token) authenticates this fetch only, as the guards' fetch:
 * checkouts keep no credentials (`persist-credentials: false`).
 */
export async function deployBranchTip(repo: string, branch: string, options: { token?: string | undefined } = {}): Promise<string> {
  const unavailable = (message: string, hint: string) => recordError("DEPLOY_BRANCH_UNAVAILABLE", message, hint);
  if ((await runGit(repo, ["check-ref-format", "--branch", branch])).exitCode !== 0 || branch.startsWith("-")) {
    throw unavailable(`'${branch}' is not a valid branch name`, "set GANTRY_DEPLOY_BRANCH (or --deploy-branch) to the deploy branch's name");
  }
  const remotes = (await runGit(repo, ["remote"])).stdout.split("\n");
  if (remotes.includes("origin")) {
    const tracking = `refs/remotes/origin/${branch}`;
    const shallow = (await runGit(repo, ["rev-parse", "--is-shallow-repository"])).stdout.trim() === "true";
    const fetched = await runGit(repo, ["fetch", "--quiet", "--no-tags", ...(shallow ? ["--unshallow"] : []), "origin", `+refs/heads/${branch}:${tracking}`], {
      ...(options.token ? { config: basicAuthHeader(options.token) } : {}),
    });
    if (fetched.exitCode !== 0) {
      throw unavailable(`could not fetch '${branch}' from origin: ${fetched.stderr.trim()}`, "check GANTRY_CODE_READ_TOKEN (the fetch's credentials) and that the branch exists on origin");
    }
    const tip = await resolveCommit(repo, tracking);
    if (tip) return tip;
  }
  const tip = await resolveCommit(repo, `refs/heads/${branch}`);
  if (!tip) throw unavailable(`the repository has no branch '${branch}'`, "check out the deploy branch, or add the remote origin it comes from");
  return tip;
}

/** The full SHA of `ref`, which must be the deploy branch's tip or one of its ancestors (only merged code is deployed). */
export async function commitOnDeployBranch(repo: string, ref: string, tip: string): Promise<string> {
  const commit = await resolveCommit(repo, ref);
  if (!commit) throw recordError("RECORD_NOT_ON_DEPLOY_BRANCH", `'${ref}' is not a commit of this repository`, "pass the SHA of the deploy branch's commit that is deployed");
  if (!(await isAncestor(repo, commit, tip))) {
    throw recordError("RECORD_NOT_ON_DEPLOY_BRANCH", `${commit} is not on the deploy branch (tip ${tip})`, "pass a commit of the deploy branch: only merged code is ever deployed");
  }
  return commit;
}
