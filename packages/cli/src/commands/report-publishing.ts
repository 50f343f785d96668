/**
 * Where `gantry report` publishes: the pull request's report comment (`--publish-pr`), or, for a push to the
 * deploy branch, the merged pull request's apply comment and, on failure, an issue (`--publish-merged-pr`,
 * `--open-issue-on-failure`). Always with GANTRY_INFRA_LIVE_TOKEN only, or the GitHub App narrowed to its rights.
 */
import { findMergedPullRequest, openFailedApplyIssue, publishApplyReport, publishPullRequestReport, type RoleCredential } from "@gantry/dispatcher";
import type { PlanDocument } from "@gantry/classifier";
import type { RunReport } from "@gantry/executor";

export interface PublishTarget {
  credential: RoleCredential;
  repository: { owner: string; repo: string };
  /** GITHUB_API_URL, when set. */
  apiUrl: string | undefined;
  /** One line of what was done, for stderr. */
  log: (line: string) => void;
}

function connection(target: PublishTarget) {
  return {
    token: target.credential.credential,
    tokenName: target.credential.name,
    ...(target.apiUrl ? { baseUrl: target.apiUrl } : {}),
    ...target.repository,
  };
}

export async function publishOnPullRequest(target: PublishTarget, pullNumber: number, headSha: string, markdown: string): Promise<void> {
  const published = await publishPullRequestReport({ ...connection(target), pullNumber, headSha, body: markdown });
  const { owner, repo } = target.repository;
  target.log(`${published.action} the report comment on ${owner}/${repo}#${pullNumber}: ${published.url}${published.superseded ? " (the pull request has moved on: posted as outdated)" : ""}`);
}

export async function publishOnMergedPullRequest(target: PublishTarget, plan: PlanDocument, report: RunReport, markdown: string, openIssueOnFailure: boolean): Promise<void> {
  const where = `${target.repository.owner}/${target.repository.repo}`;
  // A push to another branch deploys nothing; the deploy branch's merge commit leads back to its pull request.
  const merged = plan.branch === plan.deployBranch ? await findMergedPullRequest({ ...connection(target), commitSha: plan.head, baseBranch: plan.deployBranch }) : undefined;
  if (!merged) {
    target.log(`no pull request merged into ${plan.deployBranch} of ${where} made ${plan.head.slice(0, 12)}; the report was not published`);
    return;
  }
  const published = await publishApplyReport({ ...connection(target), pullNumber: merged.number, commitSha: plan.head, body: markdown });
  target.log(`${published.action} the apply report comment on ${where}#${merged.number}: ${published.url}`);
  const failed = report.interrupted || report.jobs.some((job) => job.status === "failed");
  if (!openIssueOnFailure || !failed) return;
  const issue = await openFailedApplyIssue({ ...connection(target), pullNumber: merged.number, commitSha: plan.head, body: markdown });
  target.log(`${issue.action} the failed-apply issue ${where}#${issue.number}${issue.assignee ? ` (assigned to @${issue.assignee})` : ""}: ${issue.url}`);
}
