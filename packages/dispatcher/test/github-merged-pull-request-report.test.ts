import { startGitHubEmulator } from "@gantry/testkit";
import { describe, expect, it } from "vitest";
import {
  findMergedPullRequest,
  findMergedPullRequests,
  MERGED_PULL_REQUEST_LOOKUPS,
  openFailedApplyIssue,
  publishApplyReport,
  publishPullRequestReport,
} from "../src/index.js";
import { emulatorOptions, headSha, tokenSpecs, tokens } from "./github-fixtures.js";

const mergeSha = "5".repeat(40);
const otherMergeSha = "6".repeat(40);
const live = { owner: "acme", repo: "infrastructure-live" } as const;

/** infrastructure-live on the emulator, with the report token. */
const reportConnection = (github: { url: string }) => ({ ...live, token: tokens.report, baseUrl: github.url });

async function emulatorWithMergedPull() {
  const github = await startGitHubEmulator(emulatorOptions());
  github.addPullRequest("acme", "infrastructure-live", {
    number: 7,
    headSha: "7".repeat(40),
    state: "closed",
    merged: true,
    mergeCommitSha: mergeSha,
  });
  github.addPullRequest("acme", "infrastructure-live", {
    number: 8,
    headSha: "8".repeat(40),
    state: "closed",
    merged: true,
    mergeCommitSha: otherMergeSha,
    baseRef: "release",
  });
  return github;
}

describe("findMergedPullRequest", () => {
  it("finds the pull request whose merge into the deploy branch made the pushed commit", async () => {
    await using github = await emulatorWithMergedPull();
    const connection = reportConnection(github);
    expect(await findMergedPullRequest({ ...connection, commitSha: mergeSha, baseBranch: "main" })).toEqual({
      number: 7,
      url: "https://github.com/acme/infrastructure-live/pull/7",
    });
    // Merged into another branch, or pushed directly: no pull request.
    expect(
      await findMergedPullRequest({ ...connection, commitSha: otherMergeSha, baseBranch: "main" }),
    ).toBeUndefined();
    expect(
      await findMergedPullRequest({ ...connection, commitSha: "9".repeat(40), baseBranch: "main" }),
    ).toBeUndefined();
    // An open pull request whose head is the commit is not a merge.
    expect(await findMergedPullRequest({ ...connection, commitSha: headSha, baseBranch: "main" })).toBeUndefined();
    expect(github.violations).toEqual([]);
  });

  it("refuses a SHA that is not a full commit id, before any request", async () => {
    await using github = await emulatorWithMergedPull();
    await expect(
      findMergedPullRequest({
        ...reportConnection(github),
        commitSha: "main",
        baseBranch: "main",
      }),
    ).rejects.toMatchObject({ code: "GITHUB_INPUT_INVALID" });
    // An empty repository name, or a pull request number that is none, fails the same way, naming the field.
    const sha = "a".repeat(40);
    await expect(
      findMergedPullRequest({
        ...reportConnection(github),
        repo: "",
        commitSha: sha,
        baseBranch: "main",
      }),
    ).rejects.toMatchObject({ code: "GITHUB_INPUT_INVALID", message: "owner and repo must not be empty." });
    await expect(
      publishApplyReport({
        ...reportConnection(github),
        commitSha: sha,
        pullNumber: 0,
        body: "x",
      }),
    ).rejects.toMatchObject({ code: "GITHUB_INPUT_INVALID", message: "pullNumber 0 is not a pull request number." });
    await expect(
      openFailedApplyIssue({
        ...reportConnection(github),
        owner: "",
        commitSha: sha,
        pullNumbers: [7],
        body: "x",
      }),
    ).rejects.toMatchObject({ code: "GITHUB_INPUT_INVALID" });
    await expect(
      openFailedApplyIssue({
        ...reportConnection(github),
        commitSha: sha,
        pullNumbers: [7, -3],
        body: "x",
      }),
    ).rejects.toMatchObject({ code: "GITHUB_INPUT_INVALID", message: "pullNumber -3 is not a pull request number." });
    await expect(
      openFailedApplyIssue({
        ...reportConnection(github),
        commitSha: sha,
        pullNumbers: [],
        body: "x",
      }),
    ).rejects.toMatchObject({ code: "GITHUB_INPUT_INVALID", message: "pullNumbers is empty." });
    await expect(
      findMergedPullRequests({
        ...reportConnection(github),
        commits: [sha, "HEAD"],
        baseBranch: "main",
      }),
    ).rejects.toMatchObject({ code: "GITHUB_INPUT_INVALID", message: 'commits[1] "HEAD" is not a full commit SHA.' });
    expect(github.requests).toEqual([]);
  });
});

describe("publishApplyReport", () => {
  it("comments the apply report on the merged pull request once per pushed commit, updated in place, leaving plan reports alone", async () => {
    await using github = await emulatorWithMergedPull();
    const connection = { ...reportConnection(github), pullNumber: 7 };
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
    const published = await publishApplyReport({
      ...reportConnection(github),
      pullNumber: 7,
      commitSha: mergeSha,
      body: "real",
    });
    expect(published.action).toBe("created");
    expect(github.comments("acme", "infrastructure-live", 7).map((comment) => comment.body)).toEqual([
      fake,
      `<!-- gantry:apply-report sha=${mergeSha} -->\nreal`,
    ]);
  });

  it("fails with the token's name when the token may not read pull requests", async () => {
    await using github = await emulatorWithMergedPull();
    await expect(
      findMergedPullRequest({
        ...live,
        token: tokens.dispatch,
        tokenName: "GANTRY_DISPATCH_TOKEN",
        baseUrl: github.url,
        commitSha: mergeSha,
        baseBranch: "main",
      }),
    ).rejects.toThrow(/GANTRY_DISPATCH_TOKEN/);
  });
});

describe("findMergedPullRequests", () => {
  const c = (digit: string) => digit.repeat(40);
  it("finds every pull request merged into the deploy branch by a commit of the range, once each, oldest first", async () => {
    await using github = await startGitHubEmulator(emulatorOptions());
    const add = (spec: Parameters<typeof github.addPullRequest>[2]) =>
      github.addPullRequest("acme", "infrastructure-live", spec);
    // The range's first-parent line, oldest to newest: a merge commit (#11), a direct push, a squash (#12), and
    // a rebase merge of two commits (#13, whose last one GitHub names as its merge commit).
    add({
      number: 11,
      headSha: c("b"),
      state: "closed",
      merged: true,
      mergeCommitSha: c("1"),
      commits: [c("a"), c("b")],
      mergedBy: "alice",
    });
    add({ number: 12, headSha: c("c"), state: "closed", merged: true, mergeCommitSha: c("3"), mergedBy: "bob" });
    add({
      number: 13,
      headSha: c("d"),
      state: "closed",
      merged: true,
      mergeCommitSha: c("5"),
      commits: [c("4"), c("5")],
    });
    // Not in the range's merges: merged before it (its commit is not in the range), into another branch, or open.
    add({ number: 10, headSha: c("e"), state: "closed", merged: true, mergeCommitSha: c("0") });
    add({ number: 14, headSha: c("f"), state: "closed", merged: true, mergeCommitSha: c("4"), baseRef: "release" });
    add({ number: 15, headSha: c("2"), state: "open" });
    const commits = [c("5"), c("4"), c("3"), c("2"), c("1")];
    const found = await findMergedPullRequests({
      ...reportConnection(github),
      commits,
      baseBranch: "main",
    });
    expect(found.pullRequests.map((pull) => [pull.number, pull.mergeCommitSha])).toEqual([
      [11, c("1")],
      [12, c("3")],
      [13, c("5")],
    ]);
    expect(found.pullRequests[0]!.url).toBe("https://github.com/acme/infrastructure-live/pull/11");
    // The direct push (only an open pull request's head) is told apart; c("4") belongs to #13.
    expect(found.directCommits).toEqual([c("2")]);
    // One lookup per commit of the range, and only reads.
    const lookups = github.requests.filter(
      (request) => request.operationId === "repos/list-pull-requests-associated-with-commit",
    );
    expect(lookups).toHaveLength(commits.length);
    expect(github.requests.every((request) => request.method === "GET")).toBe(true);
    expect(github.violations).toEqual([]);
  });

  it(`looks up at most the newest ${MERGED_PULL_REQUEST_LOOKUPS} commits of a long range`, async () => {
    await using github = await startGitHubEmulator(emulatorOptions());
    const commits = Array.from({ length: MERGED_PULL_REQUEST_LOOKUPS + 20 }, (_, index) =>
      index.toString(16).padStart(40, "0"),
    );
    github.addPullRequest("acme", "infrastructure-live", {
      number: 3,
      headSha: c("e"),
      state: "closed",
      merged: true,
      mergeCommitSha: commits[0]!,
    });
    expect(
      (
        await findMergedPullRequests({
          ...reportConnection(github),
          commits,
          baseBranch: "main",
        })
      ).pullRequests.map((pull) => pull.number),
    ).toEqual([3]);
    expect(
      github.requests.filter((request) => request.operationId === "repos/list-pull-requests-associated-with-commit"),
    ).toHaveLength(MERGED_PULL_REQUEST_LOOKUPS);
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
          {
            token: issueWriter,
            label: "infra-live-write+issues",
            kind: "fine-grained",
            repositories: ["acme/infrastructure-live"],
            permissions: { pull_requests: "write", issues: "write" },
            login: "gantry-ci",
          },
        ],
      }),
    );
    github.addPullRequest("acme", "infrastructure-live", {
      number: 7,
      headSha: "7".repeat(40),
      state: "closed",
      merged: true,
      mergeCommitSha: mergeSha,
      title: "Grow the cluster",
    });
    return github;
  }

  it("opens one issue per failed pushed commit, assigned to whoever merged, and updates it on a re-run", async () => {
    await using github = await emulatorWithIssueToken();
    const options = { ...live, token: issueWriter, baseUrl: github.url, pullNumbers: [7], commitSha: mergeSha };
    const first = await openFailedApplyIssue({ ...options, body: "## Apply\n❌ prod/app failed" });
    const again = await openFailedApplyIssue({ ...options, body: "## Apply\n❌ prod/app failed twice" });
    const same = await openFailedApplyIssue({ ...options, body: "## Apply\n❌ prod/app failed twice" });
    expect([first.action, again.action, same.action]).toEqual(["created", "updated", "unchanged"]);
    expect(first.assignees).toEqual(["acme"]);
    const issues = github.issues("acme", "infrastructure-live");
    expect(issues).toHaveLength(1);
    // Issues share the numbering of pull requests.
    expect(issues[0]).toMatchObject({
      number: 43,
      state: "open",
      author: "gantry-ci",
      assignees: ["acme"],
      title: "Gantry: apply failed for 5555555 (#7 Grow the cluster)",
    });
    expect(issues[0]!.body).toBe(
      `<!-- gantry:apply-failure sha=${mergeSha} -->\nThe apply of 5555555, which deployed #7 (merged by @acme), failed.\n\n## Apply\n❌ prod/app failed twice`,
    );
    expect(github.violations).toEqual([]);
  });

  it("names every pull request the failed deployment held and assigns whoever merged each", async () => {
    await using github = await emulatorWithIssueToken();
    github.addPullRequest("acme", "infrastructure-live", {
      number: 9,
      headSha: "9".repeat(40),
      state: "closed",
      merged: true,
      mergeCommitSha: otherMergeSha,
      mergedBy: "octo-merger",
    });
    const issue = await openFailedApplyIssue({
      ...live,
      token: issueWriter,
      baseUrl: github.url,
      pullNumbers: [7, 9],
      commitSha: otherMergeSha,
      body: "## Apply\n❌ prod/app failed",
    });
    expect(issue).toMatchObject({ action: "created", assignees: ["acme", "octo-merger"] });
    const [opened] = github.issues("acme", "infrastructure-live");
    expect(opened).toMatchObject({
      assignees: ["acme", "octo-merger"],
      title: "Gantry: apply failed for 6666666 (#7, #9)",
    });
    expect(opened!.body).toContain(
      "The apply of 6666666, which deployed #7 (merged by @acme), #9 (merged by @octo-merger), failed.",
    );
    expect(github.violations).toEqual([]);
  });

  it("needs issues: write, and says so through the token's name", async () => {
    await using github = await emulatorWithIssueToken();
    await expect(
      openFailedApplyIssue({
        ...live,
        token: tokens.report,
        tokenName: "GANTRY_INFRA_LIVE_TOKEN",
        baseUrl: github.url,
        pullNumbers: [7],
        commitSha: mergeSha,
        body: "x",
      }),
    ).rejects.toThrow(/GANTRY_INFRA_LIVE_TOKEN/);
    expect(github.issues("acme", "infrastructure-live")).toEqual([]);
  });
});
