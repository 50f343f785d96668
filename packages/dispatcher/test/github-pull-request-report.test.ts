import { startGitHubEmulator } from "@gantry/testkit";
import { describe, expect, it } from "vitest";
import { parseReportMarker, publishPullRequestReport, truncateCommentBody } from "../src/index.js";
import { emulatorOptions, headSha, printed, tokens } from "./github-fixtures.js";

const pull = { owner: "acme", repo: "infrastructure-live", pullNumber: 42 } as const;
const secondSha = "3".repeat(40);
const thirdSha = "4".repeat(40);

describe("publishPullRequestReport", () => {
  it("posts one comment per head commit with a hidden marker, and updates it in place on a re-run", async () => {
    await using github = await startGitHubEmulator(emulatorOptions());
    const options = { ...pull, token: tokens.report, baseUrl: github.url, headSha };
    const first = await publishPullRequestReport({ ...options, body: "## Plan\n1 to add" });
    const again = await publishPullRequestReport({ ...options, body: "## Plan\n2 to add" });
    const unchanged = await publishPullRequestReport({ ...options, body: "## Plan\n2 to add" });
    expect([first.action, again.action, unchanged.action]).toEqual(["created", "updated", "unchanged"]);
    expect(again.commentId).toBe(first.commentId);
    const comments = github.comments("acme", "infrastructure-live", 42);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toBe(`<!-- gantry:report sha=${headSha} -->\n## Plan\n2 to add`);
    expect(github.violations).toEqual([]);
  });

  it("marks the previous commit's report outdated, collapsed under a note, and leaves it alone afterwards", async () => {
    await using github = await startGitHubEmulator(emulatorOptions());
    const options = { ...pull, token: tokens.report, baseUrl: github.url };
    const first = await publishPullRequestReport({ ...options, headSha, body: "report one" });
    github.setPullRequestHead("acme", "infrastructure-live", 42, secondSha);
    const second = await publishPullRequestReport({ ...options, headSha: secondSha, body: "report two" });
    expect(second.outdatedCommentIds).toEqual([first.commentId]);
    const [old, latest] = github.comments("acme", "infrastructure-live", 42);
    expect(parseReportMarker(old?.body ?? "")).toMatchObject({ sha: headSha, outdated: true });
    expect(old?.body).toContain("**Outdated**");
    expect(old?.body).toContain(second.url);
    expect(old?.body).toMatch(/<details><summary>Outdated report for 1111111<\/summary>\n\nreport one\n\n<\/details>/);
    expect(parseReportMarker(latest?.body ?? "")).toMatchObject({
      sha: secondSha,
      outdated: false,
      content: "report two",
    });

    const patchesBefore = github.requests.filter((request) => request.operationId === "issues/update-comment").length;
    github.setPullRequestHead("acme", "infrastructure-live", 42, thirdSha);
    const third = await publishPullRequestReport({ ...options, headSha: thirdSha, body: "report three" });
    expect(third.outdatedCommentIds).toEqual([second.commentId]);
    const patches = github.requests.filter((request) => request.operationId === "issues/update-comment").length;
    expect(patches - patchesBefore).toBe(1); // the first report, already outdated, is not edited again
    expect(github.violations).toEqual([]);
  });

  it("posts a report for a commit that is no longer the head already outdated, leaving the newer report alone", async () => {
    await using github = await startGitHubEmulator(emulatorOptions());
    const options = { ...pull, token: tokens.report, baseUrl: github.url };
    github.setPullRequestHead("acme", "infrastructure-live", 42, secondSha);
    const latest = await publishPullRequestReport({ ...options, headSha: secondSha, body: "newer" });
    const late = await publishPullRequestReport({ ...options, headSha, body: "older, finished late" });
    expect(late).toMatchObject({ action: "created", superseded: true, outdatedCommentIds: [] });
    const [newer, older] = github.comments("acme", "infrastructure-live", 42);
    expect(newer?.body).toBe(`<!-- gantry:report sha=${secondSha} -->\nnewer`);
    expect(parseReportMarker(older?.body ?? "")).toMatchObject({ sha: headSha, outdated: true });
    expect(older?.body).toContain(latest.url);
    expect(older?.body).toContain("older, finished late");
  });

  it("touches only its own comments, even when another user copies the marker", async () => {
    await using github = await startGitHubEmulator(emulatorOptions());
    const fake = `<!-- gantry:report sha=${headSha} -->\nlooks legitimate`;
    github.addComment("acme", "infrastructure-live", 42, fake, "mallory");
    github.addComment("acme", "infrastructure-live", 42, "LGTM", "reviewer");
    const published = await publishPullRequestReport({
      ...pull,
      token: tokens.report,
      baseUrl: github.url,
      headSha,
      body: "real",
    });
    expect(published.action).toBe("created");
    const bodies = github
      .comments("acme", "infrastructure-live", 42)
      .map((comment) => `${comment.author}: ${comment.body}`);
    expect(bodies).toEqual([
      `mallory: ${fake}`,
      "reviewer: LGTM",
      `gantry-ci: <!-- gantry:report sha=${headSha} -->\nreal`,
    ]);
  });

  it("finds its comment beyond the first page of comments", async () => {
    await using github = await startGitHubEmulator(emulatorOptions());
    const options = { ...pull, token: tokens.report, baseUrl: github.url, headSha };
    for (let index = 0; index < 130; index++)
      github.addComment("acme", "infrastructure-live", 42, `chatter ${index}`, "reviewer");
    const first = await publishPullRequestReport({ ...options, body: "v1" });
    const second = await publishPullRequestReport({ ...options, body: "v2" });
    expect(second).toMatchObject({ commentId: first.commentId, action: "updated" });
    expect(github.comments("acme", "infrastructure-live", 42)).toHaveLength(131);
    expect(github.requests.some((request) => request.path.includes("page=2"))).toBe(true);
  });

  it("never posts over GitHub's 65,536-character limit: it truncates with a note", async () => {
    await using github = await startGitHubEmulator(emulatorOptions());
    const huge = `## Plan\n<details><summary>output</summary>\n\n\`\`\`\n${"+ resource\n".repeat(10_000)}\`\`\`\n</details>`;
    const published = await publishPullRequestReport({
      ...pull,
      token: tokens.report,
      baseUrl: github.url,
      headSha,
      body: huge,
    });
    expect(published.truncated).toBe(true);
    const [comment] = github.comments("acme", "infrastructure-live", 42);
    expect(comment?.body.length).toBeLessThanOrEqual(65_536);
    expect(comment?.body).toMatch(/```\n<\/details>\n\n> \[!WARNING\]\n> Report truncated: [\d,]+ characters omitted/);
    expect(github.violations).toEqual([]);
  });

  it("fails with the missing permission when the token may only read", async () => {
    await using github = await startGitHubEmulator(emulatorOptions());
    const error = await publishPullRequestReport({
      ...pull,
      token: tokens.readOnly,
      tokenName: "GANTRY_INFRA_LIVE_TOKEN",
      baseUrl: github.url,
      headSha,
      body: "x",
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "GITHUB_PERMISSION_DENIED", exitCode: 32 });
    expect((error as Error).message).toContain(
      "GANTRY_INFRA_LIVE_TOKEN may not make POST /repos/acme/infrastructure-live/issues/42/comments: it needs the repository permission `issues: write` or `pull_requests: write` on acme/infrastructure-live",
    );
    expect(printed(error)).not.toContain(tokens.readOnly);
  });

  it("refuses a head that is not a full commit SHA before calling GitHub", async () => {
    await using github = await startGitHubEmulator(emulatorOptions());
    const error = await publishPullRequestReport({
      ...pull,
      token: tokens.report,
      baseUrl: github.url,
      headSha: "abc123",
      body: "x",
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "GITHUB_INPUT_INVALID" });
    expect(github.requests).toEqual([]);
  });
});

describe("truncateCommentBody", () => {
  it("leaves a body within the limit alone", () => {
    expect(truncateCommentBody("short", 100)).toEqual({ body: "short", truncated: false });
  });

  it("never splits a surrogate pair and stays within the limit", () => {
    const emoji = "😀".repeat(200); // 400 UTF-16 units
    for (let limit = 300; limit < 310; limit++) {
      const { body, truncated } = truncateCommentBody(emoji, limit);
      expect(truncated).toBe(true);
      expect(body.length).toBeLessThanOrEqual(limit);
      expect(body.replace(/\n\n> \[!WARNING\][\s\S]*$/, "")).toMatch(/^(😀)+$/);
    }
  });
});
