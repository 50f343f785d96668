/**
 * The deploy branch of a git repository, as the record's range logic asks about it. Its tip is read by the
 * guards' `resolveDeployBranchTip` (fetched fresh from origin with the code-read token), the one reader of it.
 */
import { git, isAncestor, resolveCommit } from "@gantry/git";
import type { CommitHistory } from "./range.js";
import { GantryError } from "@gantry/errors";

export function gitHistory(repo: string): CommitHistory {
  return { isAncestor: (ancestor, descendant) => isAncestor(repo, ancestor, descendant) };
}

/** The full SHA of `ref`, which must be the deploy branch's tip or one of its ancestors (only merged code is deployed). */
export async function commitOnDeployBranch(repo: string, ref: string, tip: string): Promise<string> {
  const commit = await resolveCommit(repo, ref);
  if (!commit)
    throw new GantryError("RECORD_NOT_ON_DEPLOY_BRANCH", `'${ref}' is not a commit of this repository`, {
      hint: "pass the SHA of the deploy branch's commit that is deployed",
    });
  if (!(await isAncestor(repo, commit, tip))) {
    throw new GantryError("RECORD_NOT_ON_DEPLOY_BRANCH", `${commit} is not on the deploy branch (tip ${tip})`, {
      hint: "pass a commit of the deploy branch: only merged code is ever deployed",
    });
  }
  return commit;
}

/**
 * The commits a deployment of `base..head` brought to the deploy branch, newest first: its first-parent line
 * (`git rev-list --first-parent`), where each merge, squash or rebase of a pull request leaves its merge commit.
 */
export async function deployedCommits(repo: string, base: string, head: string): Promise<string[]> {
  if (base === head) return [];
  return (await git(repo, ["rev-list", "--first-parent", `${base}..${head}`])).split("\n").filter(Boolean);
}
