/**
 * Apply results on the merged pull request, as Pipelines does: a push to the deploy branch is traced back to
 * the pull request that merged it (GitHub's "pull requests associated with a commit"), and the apply report
 * goes on that pull request as its own comment. Plan reports are left as they are. A re-run of the same push
 * updates its comment in place. The apply report is never marked outdated: each merge commit has its own.
 *
 * A deployment from the record covers a range that may hold several merged pull requests
 * (`findMergedPullRequests`): each gets the report.
 *
 * Optionally, as Pipelines can, a failed apply also opens an issue assigned to whoever merged the pull
 * requests. That takes `issues: write` besides the token's usual rights. There is one issue per deployed
 * commit, updated in place on a re-run.
 */
import { createGitHubClient, type GitHubConnection } from "./client.js";
import { GantryError } from "@gantry/errors";
import { ownComments, upsertComment } from "./comments.js";
import { checkCommitSha, checkPullNumber, checkRepository } from "./inputs.js";
import { githubCommentLimit, truncateCommentBody } from "./pull-request-report.js";

const applyMarkerPattern = /^<!-- gantry:apply-report sha=([0-9a-f]{40}) -->\n?/;

export function applyReportMarker(sha: string): string {
  return `<!-- gantry:apply-report sha=${sha} -->`;
}

interface PullRequestSimple {
  number: number;
  html_url: string;
  merged_at: string | null;
  merge_commit_sha: string | null;
  base: { ref: string };
}

export interface FindMergedPullRequestOptions extends GitHubConnection {
  readonly owner: string;
  readonly repo: string;
  /** The commit the push brought to the deploy branch (its head). */
  readonly commitSha: string;
  /** Only pull requests merged into this branch count (the deploy branch). */
  readonly baseBranch: string;
}

export interface MergedPullRequest {
  readonly number: number;
  readonly url: string;
}

/**
 * The pull request whose merge into `baseBranch` made `commitSha`, or undefined when the commit was pushed
 * directly (or GitHub knows no such pull request). When the commit is not a merge commit but exactly one merged
 * pull request into the branch contains it, that one is taken.
 */
export async function findMergedPullRequest(
  options: FindMergedPullRequestOptions,
): Promise<MergedPullRequest | undefined> {
  checkCommitSha(options.commitSha, "commitSha", "the pushed commit");
  checkRepository(options.owner, options.repo);
  const client = createGitHubClient(options, "the infra-live-write token");
  const pulls = await client.paginate<PullRequestSimple>("GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls", {
    owner: options.owner,
    repo: options.repo,
    commit_sha: options.commitSha,
  });
  const merged = pulls.filter((pull) => pull.merged_at !== null && pull.base.ref === options.baseBranch);
  const found =
    merged.find((pull) => pull.merge_commit_sha === options.commitSha) ?? (merged.length === 1 ? merged[0] : undefined);
  return found ? { number: found.number, url: found.html_url } : undefined;
}

export interface FindMergedPullRequestsOptions extends GitHubConnection {
  readonly owner: string;
  readonly repo: string;
  /**
   * The commits a deployment brought to the deploy branch: its first-parent line from the deployed base to the
   * head (`git rev-list --first-parent BASE..HEAD`, newest first), where every merge, squash or rebase of a pull
   * request leaves the commit GitHub names as its `merge_commit_sha`.
   */
  readonly commits: readonly string[];
  /** Only pull requests merged into this branch count (the deploy branch). */
  readonly baseBranch: string;
}

export interface MergedPullRequestInRange extends MergedPullRequest {
  /** The commit of the range that merged it. */
  readonly mergeCommitSha: string;
}

/** At most this many commits of a range are looked up (one GitHub call each); the newest are. */
export const MERGED_PULL_REQUEST_LOOKUPS = 100;

export interface MergedPullRequestsInRange {
  /** Oldest merge first. */
  readonly pullRequests: readonly MergedPullRequestInRange[];
  /** The commits looked up that no pull request merged into the branch accounts for: pushed directly. */
  readonly directCommits: readonly string[];
}

/**
 * Every pull request merged into `baseBranch` whose merge commit is one of `commits`. A pull request listed for
 * several commits (a rebase merge, its own commits) is taken once, and only when its merge commit is in the
 * range (one merged before the range is not). Only the newest `MERGED_PULL_REQUEST_LOOKUPS` commits are
 * looked up.
 */
export async function findMergedPullRequests(
  options: FindMergedPullRequestsOptions,
): Promise<MergedPullRequestsInRange> {
  checkRepository(options.owner, options.repo);
  options.commits.forEach((commit, index) => checkCommitSha(commit, `commits[${index}]`, "a deployed commit"));
  const client = createGitHubClient(options, "the infra-live-write token");
  const inRange = new Map(options.commits.map((commit, index) => [commit, index]));
  const found = new Map<number, MergedPullRequestInRange>();
  const directCommits: string[] = [];
  for (const commit of options.commits.slice(0, MERGED_PULL_REQUEST_LOOKUPS)) {
    const pulls = await client.paginate<PullRequestSimple>("GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls", {
      owner: options.owner,
      repo: options.repo,
      commit_sha: commit,
    });
    const merged = pulls.filter(
      (pull) => pull.merged_at !== null && pull.base.ref === options.baseBranch && pull.merge_commit_sha !== null,
    );
    if (merged.length === 0) directCommits.push(commit);
    for (const pull of merged) {
      if (inRange.has(pull.merge_commit_sha!))
        found.set(pull.number, { number: pull.number, url: pull.html_url, mergeCommitSha: pull.merge_commit_sha! });
    }
  }
  // `commits` is newest first: the oldest merge first.
  const pullRequests = [...found.values()].sort(
    (a, b) => inRange.get(b.mergeCommitSha)! - inRange.get(a.mergeCommitSha)! || a.number - b.number,
  );
  return { pullRequests, directCommits };
}

export interface PublishApplyReportOptions extends GitHubConnection {
  readonly owner: string;
  readonly repo: string;
  readonly pullNumber: number;
  /** The pushed commit the apply ran for. */
  readonly commitSha: string;
  /** Markdown of the report, without the marker. */
  readonly body: string;
}

export interface PublishedApplyReport {
  readonly commentId: number;
  readonly url: string;
  readonly action: "created" | "updated" | "unchanged";
  readonly truncated: boolean;
}

/** Posts (or updates in place, on a re-run) the apply report of `commitSha` on the merged pull request. */
export async function publishApplyReport(options: PublishApplyReportOptions): Promise<PublishedApplyReport> {
  checkCommitSha(options.commitSha, "commitSha", "the pushed commit");
  checkPullNumber(options.pullNumber, "the merged pull request");
  checkRepository(options.owner, options.repo);
  const client = createGitHubClient(options, "the infra-live-write token");
  const { owner, repo, pullNumber, commitSha } = options;
  const target = { owner, repo, issueNumber: pullNumber };
  const current = (await ownComments(client, target)).find(
    (comment) => applyMarkerPattern.exec(comment.body ?? "")?.[1] === commitSha,
  );
  const marker = `${applyReportMarker(commitSha)}\n`;
  const { body: content, truncated } = truncateCommentBody(options.body, githubCommentLimit - marker.length);
  const published = await upsertComment(client, target, current, marker + content);
  return { commentId: published.id, url: published.url, action: published.action, truncated };
}

const failureMarkerPattern = /^<!-- gantry:apply-failure sha=([0-9a-f]{40}) -->\n?/;

interface Issue {
  number: number;
  html_url: string;
  body?: string | null;
  user: { login: string } | null;
  pull_request?: unknown;
}

export interface OpenFailedApplyIssueOptions extends GitHubConnection {
  readonly owner: string;
  readonly repo: string;
  /** The merged pull requests whose apply failed (a deployment's range may hold several). */
  readonly pullNumbers: readonly number[];
  /** The pushed commit the apply ran for. */
  readonly commitSha: string;
  /** Markdown of the report, without the marker. */
  readonly body: string;
}

export interface FailedApplyIssue {
  readonly number: number;
  readonly url: string;
  readonly action: "created" | "updated" | "unchanged";
  /** Who merged the pull requests (the issue's assignees), when GitHub says; at most 10, GitHub's limit. */
  readonly assignees: readonly string[];
}

/**
 * Opens (or updates, on a re-run) the issue of a failed apply, assigned to whoever merged the pull requests the
 * deployment held.
 */
export async function openFailedApplyIssue(options: OpenFailedApplyIssueOptions): Promise<FailedApplyIssue> {
  checkCommitSha(options.commitSha, "commitSha", "the pushed commit");
  if (options.pullNumbers.length === 0)
    throw new GantryError("GITHUB_INPUT_INVALID", "pullNumbers is empty.", {
      hint: "Pass the merged pull requests the failed deployment held.",
    });
  for (const pullNumber of options.pullNumbers) checkPullNumber(pullNumber, "the merged pull request");
  checkRepository(options.owner, options.repo);
  const client = createGitHubClient(options, "the infra-live-write token");
  const { owner, repo, pullNumbers, commitSha } = options;
  const login = await client.login();
  const pulls: { number: number; mergedBy: string | null; title: string }[] = [];
  for (const pullNumber of pullNumbers) {
    const { data } = await client.request<{ merged_by: { login: string } | null; title: string }>(
      "GET /repos/{owner}/{repo}/pulls/{pull_number}",
      { owner, repo, pull_number: pullNumber },
    );
    pulls.push({ number: pullNumber, mergedBy: data.merged_by?.login ?? null, title: data.title });
  }
  const assignees = [...new Set(pulls.flatMap((pull) => (pull.mergedBy ? [pull.mergedBy] : [])))].slice(0, 10);
  const marker = `<!-- gantry:apply-failure sha=${commitSha} -->\n`;
  const merged = pulls
    .map((pull) => `#${pull.number}${pull.mergedBy ? ` (merged by @${pull.mergedBy})` : ""}`)
    .join(", ");
  const intro = `The apply of ${commitSha.slice(0, 7)}, which deployed ${merged}, failed.\n\n`;
  const body = marker + truncateCommentBody(intro + options.body, githubCommentLimit - marker.length).body;
  // Only our own open issues count, found by the marker (anyone could paste it into an issue of theirs).
  const issues = await client.paginate<Issue>("GET /repos/{owner}/{repo}/issues", {
    owner,
    repo,
    state: "open",
    creator: login,
  });
  const current = issues.find(
    (issue) =>
      issue.pull_request === undefined &&
      issue.user?.login === login &&
      failureMarkerPattern.exec(issue.body ?? "")?.[1] === commitSha,
  );
  if (current && current.body === body)
    return { number: current.number, url: current.html_url, action: "unchanged", assignees };
  if (current) {
    const { data } = await client.request<Issue>("PATCH /repos/{owner}/{repo}/issues/{issue_number}", {
      owner,
      repo,
      issue_number: current.number,
      body,
    });
    return { number: data.number, url: data.html_url, action: "updated", assignees };
  }
  const about =
    pulls.length === 1 ? `#${pulls[0]!.number} ${pulls[0]!.title}` : pulls.map((pull) => `#${pull.number}`).join(", ");
  const { data } = await client.request<Issue>("POST /repos/{owner}/{repo}/issues", {
    owner,
    repo,
    title: `Gantry: apply failed for ${commitSha.slice(0, 7)} (${about})`.slice(0, 256),
    body,
    ...(assignees.length > 0 ? { assignees } : {}),
  });
  return { number: data.number, url: data.html_url, action: "created", assignees };
}
