import { startGitHubEmulator } from "@gantry/testkit";
import { describe, expect, it } from "vitest";
import { findMergedPullRequest, openFailedApplyIssue, publishApplyReport, publishPullRequestReport } from "../src/index.js";
import { emulatorOptions, headSha, tokenSpecs, tokens } from "./github-fixtures.js";

const mergeSha = "5".repeat(40);
const otherMergeSha = "6".repeat(40);
const live = { owner: "acme", repo: "infrastructure-live" } as const;

async function emulatorWithMergedPull() {
  const github = await startGitHubEmulator(emulatorOptions());
  github.addPullRequest("acme", "infrastructure-live", { number: 7, headSha: "7".repeat(40), state: "closed", merged: true, mergeCommitSha: mergeSha });
  github.addPullRequest("acme", "infrastructure-live", { number: 8, headSha: "8".repeat(40), state: "closed", merged: true, mergeCommitSha: otherMergeSha, baseRef: "release" });
  return github;
}

describe("findMergedPullRequest", () => {
  it("finds the pull request whose merge into the deploy branch made the pushed commit", async () => {
    await using github = await emulatorWithMergedPull();
    const connection = { ...live, token: tokens.report, baseUrl: github.url };
    expect(await findMergedPullRequest({ ...connection, commitSha: mergeSha, baseBranch: "main" })).toEqual({
      number: 7,
      url: "https://github.com/acme/infrastructure-live/pull/7",
    });
    // Merged into another branch, or pushed directly: no pull request.
    expect(await findMergedPullRequest({ ...connection, commitSha: otherMergeSha, baseBranch: "main" })).toBeUndefined();
    expect(await findMergedPullRequest({ ...connection, commitSha: "9".repeat(40), baseBranch: "main" })).toBeUndefined();
    // An open pull request whose head is the commit is not a merge.
    expect(await findMergedPullRequest({ ...connection, commitSha: headSha, baseBranch: "main" })).toBeUndefined();
    expect(github.violations).toEqual([]);
  });

  it("refuses a SHA that is not a full commit id, before any request", async () => {
    await using github = await emulatorWithMergedPull();
    await expect(findMergedPullRequest({ ...live, token: tokens.report, baseUrl: github.url, commitSha: "main", baseBranch: "main" })).rejects.toMatchObject({ code: "GITHUB_INPUT_INVALID" });
    // An empty repository name, or a pull request number that is none, fails the same way, naming the field.
    const sha = "a".repeat(40);
    await expect(findMergedPullRequest({ ...live, repo: "", token: tokens.report, baseUrl: github.url, commitSha: sha, baseBranch: "main" })).rejects.toMatchObject({ code: "GITHUB_INPUT_INVALID", message: "owner and repo must not be empty." });
    await expect(publishApplyReport({ ...live, token: tokens.report, baseUrl: github.url, commitSha: sha, pullNumber: 0, body: "x" })).rejects.toMatchObject({ code: "GITHUB_INPUT_INVALID", message: "pullNumber 0 is not a pull request number." });
    await expect(openFailedApplyIssue({ ...live, owner: "", token: tokens.report, baseUrl: github.url, commitSha: sha, pullNumber: 7, body: "x" })).rejects.toMatchObject({ code: "GITHUB_INPUT_INVALID" });
    await expect(openFailedApplyIssue({ ...live, token: tokens.report, baseUrl: github.url, commitSha: sha, pullNumber: -3, body: "x" })).rejects.toMatchObject({ code: "GITHUB_INPUT_INVALID", message: "pullNumber -3 is not a pull request number." });
    expect(github.requests).toEqual([]);
  });
});

describe("publishApplyReport", () => {
  it("comments the apply report on the merged pull request once per pushed commit, updated in place, leaving plan reports alone", async () => {
    await using github = await emulatorWithMergedPull();
    const connection = { ...live, token: tokens.report, baseUrl: github.url, pullNumber: 7 };
    // The plan report of the pull request's last head, posted while it was open.
    await publishPullRequestReport({ ...connection, headSha: "7".repeat(40), body: "## Plan" }).catch(() => undefined);
    const before = github.comments("acme", "infrastructure-live", 7).map((comment) => comment.body);

    const first = await publishApplyReport({ ...connection, commitSha: mergeSha, body: "## Apply\nrunning" });
    const again = await publishApplyReport({ ...connection, commitSha: mergeSha, body: "## Apply\n2 added" });
    const unchanged = await publishApplyReport({ ...connection, commitSha: mergeSha, body: "## Apply\n2 added" });
    expect([first.action, again.action, unchanged.action]).toEqual(["created", "updated", "unchanged"]);
    expect(again.commentId).toBe(first.commentId);
    const comments = github.comments("acme", "infrastructure-live", 7).map((comment) => comment.body);
    expect(comments.slice(0, before.length)).toEqual(before);
    expect(comments.slice(before.length)).toEqual([`<!-- gantry:apply-report sha=${mergeSha} -->\n## Apply\n2 added`]);
    expect(github.violations).toEqual([]);
  });

  it("ignores another user's comment carrying the marker", async () => {
    await using github = await emulatorWithMergedPull();
    const fake = `<!-- gantry:apply-report sha=${mergeSha} -->\nall good`;
    github.addComment("acme", "infrastructure-live", 7, fake, "mallory");
    const published = await publishApplyReport({ ...live, token: tokens.report, baseUrl: github.url, pullNumber: 7, commitSha: mergeSha, body: "real" });
    expect(published.action).toBe("created");
    expect(github.comments("acme", "infrastructure-live", 7).map((comment) => comment.body)).toEqual([fake, `<!-- gantry:apply-report sha=${mergeSha} -->\nreal`]);
  });

  it("fails with the token's name when the token may not read pull requests", async () => {
    await using github = await emulatorWithMergedPull();
    await expect(findMergedPullRequest({ ...live, token: tokens.dispatch, tokenName: "GANTRY_DISPATCH_TOKEN", baseUrl: github.url, commitSha: mergeSha, baseBranch: "main" })).rejects.toThrow(/GANTRY_DISPATCH_TOKEN/);
  });
});

describe("openFailedApplyIssue", () => {
  const issueWriter = "github_pat_11issues_00000000000000000000000";
  async function emulatorWithIssueToken() {
    const github = await startGitHubEmulator(
      emulatorOptions({
        tokens: [
          ...tokenSpecs,
          // The report token plus issues: write, which this option needs.
          { token: issueWriter, label: "infra-live-write+issues", kind: "fine-grained", repositories: ["acme/infrastructure-live"], permissions: { pull_requests: "write", issues: "write" }, login: "gantry-ci" },
        ],
      }),
    );
    github.addPullRequest("acme", "infrastructure-live", { number: 7, headSha: "7".repeat(40), state: "closed", merged: true, mergeCommitSha: mergeSha, title: "Grow the cluster" });
    return github;
  }

  it("opens one issue per failed pushed commit, assigned to whoever merged, and updates it on a re-run", async () => {
    await using github = await emulatorWithIssueToken();
    const options = { ...live, token: issueWriter, baseUrl: github.url, pullNumber: 7, commitSha: mergeSha };
    const first = await openFailedApplyIssue({ ...options, body: "## Apply\n❌ prod/app failed" });
    const again = await openFailedApplyIssue({ ...options, body: "## Apply\n❌ prod/app failed twice" });
    const same = await openFailedApplyIssue({ ...options, body: "## Apply\n❌ prod/app failed twice" });
    expect([first.action, again.action, same.action]).toEqual(["created", "updated", "unchanged"]);
    expect(first.assignee).toBe("acme");
    const issues = github.issues("acme", "infrastructure-live");
    expect(issues).toHaveLength(1);
    // Issues share the numbering of pull requests.
    expect(issues[0]).toMatchObject({ number: 43, state: "open", author: "gantry-ci", assignees: ["acme"], title: "Gantry: apply failed for 5555555 (#7 Grow the cluster)" });
    expect(issues[0]!.body).toBe(`<!-- gantry:apply-failure sha=${mergeSha} -->\nThe apply of 5555555, merged in #7 by @acme, failed.\n\n## Apply\n❌ prod/app failed twice`);
    expect(github.violations).toEqual([]);
  });

  it("needs issues: write, and says so through the token's name", async () => {
    await using github = await emulatorWithIssueToken();
    await expect(openFailedApplyIssue({ ...live, token: tokens.report, tokenName: "GANTRY_INFRA_LIVE_TOKEN", baseUrl: github.url, pullNumber: 7, commitSha: mergeSha, body: "x" })).rejects.toThrow(/GANTRY_INFRA_LIVE_TOKEN/);
    expect(github.issues("acme", "infrastructure-live")).toEqual([]);
  });
});
