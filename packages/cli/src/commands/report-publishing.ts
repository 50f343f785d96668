/**
 * Where reports are published: the pull request's report comment (`gantry report --publish-pr`); for a push to
 * the deploy branch, the merged pull request's apply comment (`gantry report --publish-merged-pr`), or, for a
 * deployment from the record, every pull request merged in its range (`gantry run --publish-merged-prs`); and,
 * on failure, an issue assigned to whoever merged (`--open-issue-on-failure`). Always with
 * GANTRY_INFRA_LIVE_TOKEN only, or the GitHub App narrowed to its rights.
 */
import {
  findMergedPullRequest,
  findMergedPullRequests,
  MERGED_PULL_REQUEST_LOOKUPS,
  openFailedApplyIssue,
  publishApplyReport,
  publishPullRequestReport,
  type MergedPullRequestsInRange,
  type RoleCredential,
} from "@gantry/dispatcher";
import { GantryError } from "@gantry/errors";
import type { PlanDocument } from "@gantry/classifier";
import { reportSucceeded, type RunReport } from "@gantry/executor";

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

export async function publishOnPullRequest(
  target: PublishTarget,
  pullNumber: number,
  headSha: string,
  markdown: string,
): Promise<void> {
  const published = await publishPullRequestReport({ ...connection(target), pullNumber, headSha, body: markdown });
  const { owner, repo } = target.repository;
  target.log(
    `${published.action} the report comment on ${owner}/${repo}#${pullNumber}: ${published.url}${published.superseded ? " (the pull request has moved on: posted as outdated)" : ""}`,
  );
}

export async function publishOnMergedPullRequest(
  target: PublishTarget,
  plan: PlanDocument,
  report: RunReport,
  markdown: string,
  openIssueOnFailure: boolean,
): Promise<void> {
  const where = `${target.repository.owner}/${target.repository.repo}`;
  // A push to another branch deploys nothing; the deploy branch's merge commit leads back to its pull request.
  const merged =
    plan.branch === plan.deployBranch
      ? await findMergedPullRequest({ ...connection(target), commitSha: plan.head, baseBranch: plan.deployBranch })
      : undefined;
  if (!merged) {
    target.log(
      `no pull request merged into ${plan.deployBranch} of ${where} made ${plan.head.slice(0, 12)}; the report was not published`,
    );
    return;
  }
  const published = await publishApplyReport({
    ...connection(target),
    pullNumber: merged.number,
    commitSha: plan.head,
    body: markdown,
  });
  target.log(`${published.action} the apply report comment on ${where}#${merged.number}: ${published.url}`);
  const failed = report.interrupted || report.jobs.some((job) => job.status === "failed");
  if (!openIssueOnFailure || !failed) return;
  await openIssue(target, [merged.number], plan.head, markdown);
}

async function openIssue(
  target: PublishTarget,
  pullNumbers: readonly number[],
  commitSha: string,
  markdown: string,
): Promise<void> {
  const issue = await openFailedApplyIssue({ ...connection(target), pullNumbers, commitSha, body: markdown });
  const assigned =
    issue.assignees.length > 0 ? ` (assigned to ${issue.assignees.map((login) => `@${login}`).join(", ")})` : "";
  target.log(
    `${issue.action} the failed-apply issue ${target.repository.owner}/${target.repository.repo}#${issue.number}${assigned}: ${issue.url}`,
  );
}

export interface DeploymentToPublish {
  readonly plan: PlanDocument;
  readonly report: RunReport;
  readonly markdown: string;
  /** The deployed range's first-parent commits, newest first (`deployedCommits`). */
  readonly commits: readonly string[];
  readonly openIssueOnFailure: boolean;
}

/**
 * A deployment's report on every pull request merged in its range (a run from the record deploys
 * `record..tip`, which may hold several), each as its own apply comment keyed by the deployed commit; on
 * failure one issue for the deployment, assigned to whoever merged them. A pull request that cannot be
 * commented does not stop the others; the failures are returned (the deployment itself is unaffected).
 */
export async function publishOnDeployedPullRequests(
  target: PublishTarget,
  deployment: DeploymentToPublish,
): Promise<GantryError[]> {
  const { plan, report, markdown, commits } = deployment;
  const where = `${target.repository.owner}/${target.repository.repo}`;
  const range = `${plan.base.slice(0, 7)}..${plan.head.slice(0, 7)}`;
  const failures: GantryError[] = [];
  const attempt = async (what: string, call: () => Promise<void>) => {
    try {
      await call();
    } catch (error) {
      if (!GantryError.isInstance(error)) throw error;
      failures.push(
        new GantryError(error.code, `could not ${what}: ${error.message}`, error.hint ? { hint: error.hint } : {}),
      );
    }
  };
  let pulls: MergedPullRequestsInRange["pullRequests"] = [];
  let direct = 0;
  await attempt(`find the pull requests merged in ${range}`, async () => {
    const found = await findMergedPullRequests({ ...connection(target), commits, baseBranch: plan.deployBranch });
    pulls = found.pullRequests;
    direct = found.directCommits.length;
  });
  if (commits.length > MERGED_PULL_REQUEST_LOOKUPS)
    target.log(
      `${range} holds ${commits.length} commits; only the newest ${MERGED_PULL_REQUEST_LOOKUPS} were looked up`,
    );
  if (pulls.length === 0) {
    if (failures.length === 0)
      target.log(
        `no pull request was merged into ${plan.deployBranch} of ${where} in ${range}; the report was not published`,
      );
    return failures;
  }
  const numbers = pulls.map((pull) => `#${pull.number}`);
  const held = numbers.length === 1 ? numbers[0]! : `${numbers.slice(0, -1).join(", ")} and ${numbers.at(-1)}`;
  const intro = `_This deployment of ${range} holds ${held}${direct > 0 ? ` (and ${direct} commit${direct === 1 ? "" : "s"} pushed directly)` : ""}._\n\n`;
  for (const pull of pulls) {
    await attempt(`publish the apply report on ${where}#${pull.number}`, async () => {
      const published = await publishApplyReport({
        ...connection(target),
        pullNumber: pull.number,
        commitSha: plan.head,
        body: intro + markdown,
      });
      target.log(`${published.action} the apply report comment on ${where}#${pull.number}: ${published.url}`);
    });
  }
  if (deployment.openIssueOnFailure && !reportSucceeded(report)) {
    await attempt("open the failed-apply issue", () =>
      openIssue(
        target,
        pulls.map((pull) => pull.number),
        plan.head,
        intro + markdown,
      ),
    );
  }
  return failures;
}
