/**
 * Gantry's own comments on a pull request, found again and updated in place: what the plan report and the
 * apply report on a merged pull request both do.
 */
import type { GitHubClient } from "./client.js";

export interface IssueComment {
  id: number;
  body?: string;
  html_url: string;
  user: { login: string } | null;
}

export interface CommentTarget {
  readonly owner: string;
  readonly repo: string;
  /** The pull request (or issue) number. */
  readonly issueNumber: number;
}

/** The comments the token's own user wrote: anyone can paste Gantry's marker into a comment of theirs. */
export async function ownComments(
  client: GitHubClient,
  { owner, repo, issueNumber }: CommentTarget,
): Promise<IssueComment[]> {
  const login = await client.login();
  const comments = await client.paginate<IssueComment>("GET /repos/{owner}/{repo}/issues/{issue_number}/comments", {
    owner,
    repo,
    issue_number: issueNumber,
  });
  return comments.filter((comment) => comment.user?.login === login);
}

/** Posts `body` as a new comment, or updates `current` in place (not at all when it already says exactly that). */
export async function upsertComment(
  client: GitHubClient,
  { owner, repo, issueNumber }: CommentTarget,
  current: IssueComment | undefined,
  body: string,
): Promise<{ id: number; url: string; action: "created" | "updated" | "unchanged" }> {
  if (current && current.body === body) return { id: current.id, url: current.html_url, action: "unchanged" };
  if (current) {
    const { data } = await client.request<IssueComment>("PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}", {
      owner,
      repo,
      comment_id: current.id,
      body,
    });
    return { id: data.id, url: data.html_url, action: "updated" };
  }
  const { data } = await client.request<IssueComment>("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", {
    owner,
    repo,
    issue_number: issueNumber,
    body,
  });
  return { id: data.id, url: data.html_url, action: "created" };
}
