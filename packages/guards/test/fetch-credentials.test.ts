/**
 * Checkouts keep no credentials (`persist-credentials: false`), so the guards' fetch of the deploy branch
 * authenticates itself: `GANTRY_CODE_READ_TOKEN`, given to that one git process and nowhere else. Tested
 * against git's own smart-HTTP server (`git http-backend`) behind a server that, like GitHub, answers 401
 * without `Authorization: basic base64(x-access-token:TOKEN)`.
 */
import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createTempGitRepo, runGit } from "@gantry/testkit";
import { checkJob, GuardRefusedError, resolveDeployBranchTip } from "../src/index.js";
import { CONFIG, makeJob, unit } from "./support.js";

const TOKEN = "github_pat_readonly0123456789abcdefghij";

/** git, asynchronously: the HTTP server answering it runs in this process. */
const gitAsync = (cwd: string, args: string[]) =>
  promisify(execFile)("git", args, { cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: "0" } });

/** `git http-backend` over HTTP, serving the repositories under `root`, for requests that carry the token. */
async function gitHttpServer(root: string) {
  const authorizations: string[] = [];
  const expected = `basic ${Buffer.from(`x-access-token:${TOKEN}`).toString("base64")}`;
  const server = createServer((req, res) => {
    const authorization = req.headers.authorization ?? "";
    authorizations.push(authorization);
    if (authorization.replace(/^basic /i, "basic ") !== expected) {
      res.writeHead(401, { "www-authenticate": 'Basic realm="GitHub"' }).end();
      return;
    }
    const url = new URL(req.url ?? "/", "http://localhost");
    const cgi = spawn("git", ["http-backend"], {
      env: {
        ...process.env,
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: "1",
        REQUEST_METHOD: req.method ?? "GET",
        PATH_INFO: url.pathname,
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: req.headers["content-type"] ?? "",
        ...(req.headers["content-encoding"] ? { HTTP_CONTENT_ENCODING: req.headers["content-encoding"] } : {}),
        REMOTE_USER: "x-access-token",
      },
    });
    req.pipe(cgi.stdin);
    const chunks: Buffer[] = [];
    cgi.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    cgi.on("close", () => {
      const output = Buffer.concat(chunks);
      const split = output.indexOf("\r\n\r\n");
      const headers = output.subarray(0, split).toString().split("\r\n");
      const status = Number(
        /^Status: (\d+)/.exec(headers.find((line) => line.startsWith("Status:")) ?? "")?.[1] ?? 200,
      );
      res.writeHead(
        status,
        Object.fromEntries(
          headers
            .filter((line) => !line.startsWith("Status:"))
            .map((line) => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 1).trim()]),
        ),
      );
      res.end(output.subarray(split + 4));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    authorizations,
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * infrastructure-live served over authenticated HTTP, checked out as actions/checkout does with
 * persist-credentials: false (the header for the clone only); then a merge lands on main, which only a
 * fresh, authenticated fetch knows. `job` applies that merge; its commit is fetched as actions/checkout
 * fetches `ref`.
 */
async function checkedOutBeforeAMerge() {
  const origin = createTempGitRepo({ ".gantry/config.yml": CONFIG, "prod/app/terragrunt.hcl": unit("app") });
  const holder = createTempGitRepo();
  const bare = join(holder.dir, "live.git");
  runGit(holder.dir, ["clone", "-q", "--bare", origin.dir, bare]);
  const server = await gitHttpServer(holder.dir);
  const checkoutDir = join(holder.dir, "checkout");
  await gitAsync(holder.dir, [
    "-c",
    `http.extraHeader=AUTHORIZATION: basic ${Buffer.from(`x-access-token:${TOKEN}`).toString("base64")}`,
    "clone",
    "-q",
    `${server.url}/live.git`,
    checkoutDir,
  ]);
  const base = origin.sha();
  const head = origin.commit({ "prod/app/terragrunt.hcl": unit("app v2") });
  runGit(origin.dir, ["push", "-q", bare, "main"]);
  runGit(checkoutDir, ["fetch", "-q", origin.dir, head]);
  return {
    server,
    checkoutDir,
    head,
    job: makeJob({ action: "apply", units: ["prod/app"], ref: head, source: { base, head } }),
    async [Symbol.asyncDispose]() {
      await server[Symbol.asyncDispose]();
      await holder[Symbol.asyncDispose]();
      await origin[Symbol.asyncDispose]();
    },
  };
}

describe("the guards' fetch of the deploy branch", () => {
  it("authenticates with GANTRY_CODE_READ_TOKEN for that call only: nothing on disk, refused without it", async () => {
    await using world = await checkedOutBeforeAMerge();
    const { checkoutDir, head, job } = world;

    const refused = await checkJob(job, { repo: checkoutDir, env: {}, dryRun: true }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(GuardRefusedError.isGuardRefusal(refused) && [refused.guard, refused.exitCode]).toEqual([
      "deploy-branch",
      40,
    ]);

    const report = await checkJob(job, { repo: checkoutDir, env: { GANTRY_CODE_READ_TOKEN: TOKEN }, dryRun: true });
    expect(report.deployBranch).toEqual({ name: "main", tip: head, source: "origin" });
    const config = readFileSync(join(checkoutDir, ".git", "config"), "utf8");
    expect(config).not.toContain(TOKEN);
    expect(config).not.toContain(Buffer.from(`x-access-token:${TOKEN}`).toString("base64"));
    expect(config.toLowerCase()).not.toContain("extraheader");
  });

  it("(G1) runs in a step of its own: the step that runs the tools reads the fetched branch, with no token and no request", async () => {
    await using world = await checkedOutBeforeAMerge();
    const { server, checkoutDir, head, job } = world;
    const fetched = { GANTRY_DEPLOY_BRANCH_FETCHED: "true" };

    // Not fetched since the merge: the branch as the checkout left it does not contain the job's commit.
    const stale = await checkJob(job, { repo: checkoutDir, env: fetched, dryRun: true }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(GuardRefusedError.isGuardRefusal(stale) && stale.guard).toBe("apply-ref-on-deploy-branch");
    // `gantry fetch-deploy-branch`, the step before, with the token; then the guards, with none.
    await expect(resolveDeployBranchTip(checkoutDir, "main", { fetch: true, token: TOKEN })).resolves.toEqual({
      branch: "main",
      commit: head,
      source: "origin",
    });
    const requests = server.authorizations.length;
    const report = await checkJob(job, { repo: checkoutDir, env: fetched, dryRun: true });
    expect(report.deployBranch).toEqual({ name: "main", tip: head, source: "origin" });
    expect(server.authorizations.length).toBe(requests);

    // A workflow that says it fetched, where no fetch left the branch, is refused (40), never trusted.
    runGit(checkoutDir, ["update-ref", "-d", "refs/remotes/origin/main"]);
    const missing = await checkJob(job, { repo: checkoutDir, env: fetched, dryRun: true }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(GuardRefusedError.isGuardRefusal(missing) && [missing.guard, missing.exitCode]).toEqual([
      "deploy-branch",
      40,
    ]);
    expect((missing as Error).message).toContain("GANTRY_DEPLOY_BRANCH_FETCHED is set");
  });
});
