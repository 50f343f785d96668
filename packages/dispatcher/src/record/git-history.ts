/** The commit history of a git repository, as the record's range logic asks about it. */
import { isAncestor } from "./git.js";
import type { CommitHistory } from "./range.js";

export function gitHistory(repo: string): CommitHistory {
  return { isAncestor: (ancestor, descendant) => isAncestor(repo, ancestor, descendant) };
}
