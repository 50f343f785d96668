/**
 * Publishes Gantry's report on a pull request the way Pipelines does: one comment per head commit, found
 * again by a hidden marker and updated in place on a re-run; the comments for earlier commits are marked
 * outdated. GitHub's REST API cannot minimise ("hide") a comment (only GraphQL's `minimizeComment` can, and
 * it needs more rights), so an outdated report is edited to collapse under an "Outdated" note.
 * A body is never sent over GitHub's 65,536-character limit: it is truncated with a note saying so.
 * A report for a commit that is no longer the pull request's head (a slow run finishing after a newer push)
 * is posted already outdated and never marks the newer report outdated.
 */
import { createGitHubClient, type GitHubConnection } from "./client.js";
import { ownComments, upsertComment, type IssueComment } from "./comments.js";
import { checkCommitSha, checkPullNumber, checkRepository } from "./inputs.js";

/** GitHub's limit on an issue or pull-request comment body. */
export const githubCommentLimit = 65_536;

const markerPattern = /^<!-- gantry:report sha=([0-9a-f]{40})( outdated)? -->\n?/;

export function reportMarker(sha: string, outdated = false): string {
  return `<!-- gantry:report sha=${sha}${outdated ? " outdated" : ""} -->`;
}

/** The head SHA and state of a Gantry report comment, or undefined for any other comment. */
export function parseReportMarker(body: string): { sha: string; outdated: boolean; content: string } | undefined {
  const match = markerPattern.exec(body);
  if (!match?.[1]) return undefined;
  return { sha: match[1], outdated: match[2] !== undefined, content: body.slice(match[0].length) };
}

/**
 * Cuts `body` to at most `limit` UTF-16 code units (never inside a surrogate pair), closes a code fence or
 * `<details>` left open by the cut, and appends a note. Lengths are counted in UTF-16 units, which is never
 * less than GitHub's count of characters, so the result always fits.
 */
export function truncateCommentBody(body: string, limit = githubCommentLimit): { body: string; truncated: boolean } {
  if (body.length <= limit) return { body, truncated: false };
  const note = (omitted: number) =>
    `\n\n> [!WARNING]\n> Report truncated: ${omitted.toLocaleString("en-US")} characters omitted to fit GitHub's ${githubCommentLimit.toLocaleString("en-US")}-character comment limit. The full output is in the run's logs.`;
  // Reserve room for the note and for closing what the cut leaves open.
  let keep = limit - note(body.length).length - 64;
  if (keep < 0) keep = 0;
  const code = body.charCodeAt(keep - 1);
  if (code >= 0xd800 && code <= 0xdbff) keep -= 1;
  let head = body.slice(0, keep);
  const fences = head.match(/^```/gm)?.length ?? 0;
  if (fences % 2 === 1) head += "\n```";
  const openDetails = (head.match(/<details>/g)?.length ?? 0) - (head.match(/<\/details>/g)?.length ?? 0);
  head += "\n</details>".repeat(Math.max(0, Math.min(openDetails, 4)));
  return { body: head + note(body.length - keep), truncated: true };
}

export interface PublishPullRequestReportOptions extends GitHubConnection {
  readonly owner: string;
  readonly repo: string;
  readonly pullNumber: number;
  /** The pull request's head commit the report is about (40 hex characters). */
  readonly headSha: string;
  /** Markdown of the report, without the marker (the executor's renderer makes it). */
  readonly body: string;
}

export interface PublishedReport {
  readonly commentId: number;
  readonly url: string;
  readonly action: "created" | "updated" | "unchanged";
  readonly truncated: boolean;
  /** The pull request's head had moved past `headSha`: the report was posted already marked outdated. */
  readonly superseded: boolean;
  /** Earlier commits' report comments this call marked outdated. */
  readonly outdatedCommentIds: number[];
}

function checkArguments(options: PublishPullRequestReportOptions): void {
  checkCommitSha(options.headSha, "headSha", "the pull request's head commit");
  checkPullNumber(options.pullNumber, "the pull request");
  checkRepository(options.owner, options.repo);
}

function outdatedBody(sha: string, content: string, latest: { sha: string; url: string | undefined }): string {
  const pointer = latest.url
    ? `see the [report for ${latest.sha.slice(0, 7)}](${latest.url})`
    : `the pull request's head is now ${latest.sha.slice(0, 7)}`;
  const wrapped = [
    `> **Outdated**: this report is for commit ${sha.slice(0, 7)}; ${pointer}.`,
    "",
    `<details><summary>Outdated report for ${sha.slice(0, 7)}</summary>`,
    "",
    content,
    "",
    "</details>",
  ].join("\n");
  const marker = `${reportMarker(sha, true)}\n`;
  return marker + truncateCommentBody(wrapped, githubCommentLimit - marker.length).body;
}

export async function publishPullRequestReport(options: PublishPullRequestReportOptions): Promise<PublishedReport> {
  checkArguments(options);
  const client = createGitHubClient(options, "the infra-live-write token");
  const { owner, repo, pullNumber, headSha } = options;
  const reports = (await ownComments(client, { owner, repo, issueNumber: pullNumber }))
    .map((comment) => ({ comment, report: parseReportMarker(comment.body ?? "") }))
    .filter(
      (entry): entry is { comment: IssueComment; report: NonNullable<typeof entry.report> } =>
        entry.report !== undefined,
    );

  const marker = `${reportMarker(headSha)}\n`;
  const { body: content, truncated } = truncateCommentBody(options.body, githubCommentLimit - marker.length);
  const current = reports.find((entry) => entry.report.sha === headSha);
  // A run can finish after a newer push: its report then goes up already outdated, and leaves the newer one alone.
  const { data: pullRequest } = await client.request<{ head: { sha: string } }>(
    "GET /repos/{owner}/{repo}/pulls/{pull_number}",
    {
      owner,
      repo,
      pull_number: pullNumber,
    },
  );
  const latestHead = pullRequest.head.sha;
  const superseded = latestHead !== headSha;
  const body = superseded
    ? outdatedBody(headSha, content, {
        sha: latestHead,
        url: reports.find((entry) => entry.report.sha === latestHead)?.comment.html_url,
      })
    : marker + content;

  const published = await upsertComment(client, { owner, repo, issueNumber: pullNumber }, current?.comment, body);

  // The new report is in place before older ones are touched, so a failure here never loses the latest.
  const outdatedCommentIds: number[] = [];
  for (const { comment, report } of superseded ? [] : reports) {
    if (report.sha === headSha || report.outdated) continue;
    await client.request("PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}", {
      owner,
      repo,
      comment_id: comment.id,
      body: outdatedBody(report.sha, report.content, { sha: headSha, url: published.url }),
    });
    outdatedCommentIds.push(comment.id);
  }
  return {
    commentId: published.id,
    url: published.url,
    action: published.action,
    truncated,
    superseded,
    outdatedCommentIds,
  };
}
