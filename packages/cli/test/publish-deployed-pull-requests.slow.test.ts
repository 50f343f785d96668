/**
 * `gantry run --event push --publish-merged-prs`: a deployment from the record covers a range that may hold
 * several merged pull requests; its one report goes on each of them, and a failed apply opens one issue
 * assigned to whoever merged them. The real terragrunt and tofu deploy a range of three merged pull requests
 * (a merge commit, a squash and a rebase merge), one direct push and a unit that fails, against the GitHub
 * emulator (every request checked against GitHub's OpenAPI description).
 */
import { describe, expect, it } from "vitest";
import { startGitHubEmulator, type GitHubTokenSpec } from "@gantry/testkit";
import { recordRepository, unitFile } from "./support/record-repository.js";
import { runGantry } from "./support/run-gantry.js";

const token = "github_pat_11infraliveissues_0000000000000";
const tokenSpecs: GitHubTokenSpec[] = [
  {
    token,
    label: "infra-live-write+issues",
    kind: "fine-grained",
    repositories: ["acme/infrastructure-live"],
    permissions: { pull_requests: "write", issues: "write" },
    login: "gantry-ci",
  },
];

describe("gantry run --publish-merged-prs (real terragrunt and tofu, GitHub emulator)", () => {
  it(
    "comments the deployment's report on every pull request merged in its range, and opens one issue for the failure",
    { timeout: 300_000 },
    async () => {
      await using fixture = recordRepository({ "README.md": "infrastructure\n" });
      const { repo, env } = fixture;
      const start = repo.sha();
      // #1: a merge commit of a branch with two commits.
      repo.checkout("pr-1", { create: true });
      const pr1 = [
        repo.commit({ "live/vpc/terragrunt.hcl": unitFile({ label: "vpc-1" }) }),
        repo.commit({ "live/vpc/README.md": "the network\n" }),
      ];
      repo.checkout("main");
      repo.git("merge", "-q", "--no-ff", "-m", "Merge pull request #1 from acme/pr-1", "pr-1");
      const merge1 = repo.sha();
      // #2: squashed into one commit.
      const squash2 = repo.commit(
        { "live/app/terragrunt.hcl": unitFile({ label: "app-1", dependsOn: "vpc" }) },
        "Add the app (#2)",
      );
      // A direct push.
      const direct = repo.commit({ "README.md": "infrastructure, edited on main\n" }, "Edit the README");
      // #3: rebased, two commits; its unit fails to apply.
      const rebase3 = [
        repo.commit({ "live/db/terragrunt.hcl": unitFile({ label: "db-1", broken: true }) }),
        repo.commit({ "live/db/README.md": "the database\n" }),
      ];
      const head = repo.sha();

      await using github = await startGitHubEmulator({
        tokens: tokenSpecs,
        repositories: [
          {
            owner: "acme",
            name: "infrastructure-live",
            pullRequests: [
              {
                number: 1,
                headSha: pr1[1]!,
                commits: pr1,
                state: "closed",
                merged: true,
                mergeCommitSha: merge1,
                mergedBy: "alice",
                title: "The network",
              },
              {
                number: 2,
                headSha: "2".repeat(40),
                state: "closed",
                merged: true,
                mergeCommitSha: squash2,
                mergedBy: "bob",
                title: "The app",
              },
              {
                number: 3,
                headSha: "3".repeat(40),
                commits: rebase3,
                state: "closed",
                merged: true,
                mergeCommitSha: rebase3[1]!,
                mergedBy: "carol",
                title: "The database",
              },
              // Not in this deployment: merged before its range, merged into another branch, still open.
              { number: 4, headSha: start, state: "closed", merged: true, mergeCommitSha: start, mergedBy: "dave" },
              {
                number: 5,
                headSha: "5".repeat(40),
                state: "closed",
                merged: true,
                mergeCommitSha: direct,
                baseRef: "release",
              },
              { number: 6, headSha: direct, state: "open" },
            ],
          },
        ],
      });
      const runEnv = {
        ...env,
        GITHUB_API_URL: github.url,
        GANTRY_INFRA_LIVE_TOKEN: token,
        GANTRY_GITHUB_WRITE_INTERVAL_MS: "0",
      };
      const gantry = (...args: string[]) => runGantry(repo.dir, runEnv, ...args);
      expect((await gantry("record", "mark", "--commit", start)).exitCode).toBe(0);

      const deploy = () =>
        gantry(
          "run",
          "--event",
          "push",
          "--publish-merged-prs",
          "--open-issue-on-failure",
          "--repository",
          "acme/infrastructure-live",
        );
      const first = await deploy();
      expect(first.exitCode, first.stderr).toBe(30);
      expect(["live/vpc", "live/app", "live/db"].map(fixture.deployedLabel)).toEqual(["vpc-1", "app-1", undefined]);
      for (const number of [1, 2, 3])
        expect(first.stderr).toContain(`created the apply report comment on acme/infrastructure-live#${number}: `);
      expect(first.stderr).toMatch(
        /created the failed-apply issue acme\/infrastructure-live#7 \(assigned to @alice, @bob, @carol\)/,
      );

      const intro = `_This deployment of ${start.slice(0, 7)}..${head.slice(0, 7)} holds #1, #2 and #3 (and 1 commit pushed directly)._`;
      for (const number of [1, 2, 3]) {
        const comments = github.comments("acme", "infrastructure-live", number);
        expect(comments).toHaveLength(1);
        expect(
          comments[0]!.body.startsWith(
            `<!-- gantry:apply-report sha=${head} -->\n${intro}\n\n## Gantry apply for <code>${head.slice(0, 7)}</code>`,
          ),
        ).toBe(true);
        // One report model: the comment is the run's report, with the failed unit in it.
        expect(comments[0]!.body).toContain("❌ **Some jobs did not succeed**");
        expect(comments[0]!.body).toContain("this version of the unit is broken");
      }
      for (const number of [4, 5, 6]) expect(github.comments("acme", "infrastructure-live", number)).toEqual([]);
      const [issue, ...others] = github.issues("acme", "infrastructure-live");
      expect(others).toEqual([]);
      expect(issue).toMatchObject({
        number: 7,
        assignees: ["alice", "bob", "carol"],
        title: `Gantry: apply failed for ${head.slice(0, 7)} (#1, #2, #3)`,
      });
      expect(issue!.body).toContain(
        "which deployed #1 (merged by @alice), #2 (merged by @bob), #3 (merged by @carol), failed.",
      );

      // The workflow re-run at the same tip: only db runs (and fails) again; the comments and the issue are updated
      // in place, never doubled.
      const again = await deploy();
      expect(again.exitCode).toBe(30);
      expect(again.stdout).toMatch(/Not run \(2\): .*live\/vpc \(up-to-date/);
      for (const number of [1, 2, 3]) expect(github.comments("acme", "infrastructure-live", number)).toHaveLength(1);
      expect(github.issues("acme", "infrastructure-live")).toHaveLength(1);
      expect(github.comments("acme", "infrastructure-live", 1)[0]!.body).toContain("2 units not run: 2 up to date");

      // Only GANTRY_INFRA_LIVE_TOKEN was used, every call as GitHub describes it, and the token never printed.
      expect(new Set(github.requests.map((request) => request.tokenLabel))).toEqual(
        new Set(["infra-live-write+issues"]),
      );
      expect(github.violations).toEqual([]);
      for (const run of [first, again]) expect(run.stdout + run.stderr).not.toContain(token);
    },
  );

  it("refuses what cannot be published before anything runs", async () => {
    await using fixture = recordRepository({ "README.md": "infrastructure\n" });
    const gantry = (env: NodeJS.ProcessEnv, ...args: string[]) =>
      runGantry(fixture.repo.dir, { ...fixture.env, ...env }, ...args);
    const noToken = await gantry(
      {},
      "run",
      "--event",
      "push",
      "--publish-merged-prs",
      "--repository",
      "acme/infrastructure-live",
    );
    expect(noToken).toMatchObject({ exitCode: 2 });
    expect(noToken.stderr).toContain("REPORT_TOKEN_MISSING");
    const noRepository = await gantry(
      { GANTRY_INFRA_LIVE_TOKEN: token },
      "run",
      "--event",
      "push",
      "--publish-merged-prs",
    );
    expect(noRepository.exitCode).toBe(2);
    expect(noRepository.stderr).toContain("--publish-merged-prs needs infrastructure-live's OWNER/NAME");
    const pullRequest = await gantry(
      { GANTRY_INFRA_LIVE_TOKEN: token },
      "run",
      "--event",
      "pull_request",
      "--base",
      "HEAD",
      "--head",
      "HEAD",
      "--publish-merged-prs",
    );
    expect(pullRequest.stderr).toContain("--publish-merged-prs reports a push's deployment");
    const issueAlone = await gantry({}, "run", "--event", "push", "--open-issue-on-failure");
    expect(issueAlone.stderr).toContain("--open-issue-on-failure goes with --publish-merged-prs");
    // Nothing was deployed or recorded by any of them.
    expect((await gantry({}, "record", "show")).exitCode).toBe(26);
  });
});
