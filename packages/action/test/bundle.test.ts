import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, parse } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { createTempGitRepo } from "@gantry/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { buildActionBundle, type ActionBundle } from "../scripts/bundle-options.ts";
import { readOutputs } from "./support/outputs.js";

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const repositoryRoot = dirname(dirname(packageDir));
const bundle = join(packageDir, "dist", "index.mjs");
const licenses = join(packageDir, "dist", "THIRD_PARTY_LICENSES.txt");
const work = mkdtempSync(join(tmpdir(), "gantry-action-bundle-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let fresh: Promise<ActionBundle> | undefined;
/** One in-memory build for the tests that compare with it. */
const freshBundle = () => (fresh ??= buildActionBundle(packageDir));

/**
 * The Action as a runner checks it out, with nothing else: action.yml and packages/action/dist in a directory
 * with no node_modules in it or above it. Returns the file `runs.main` names, which the runner runs with Node.
 */
function actionAlone(): string {
  const actionDir = join(work, "action");
  const action = parseYaml(readFileSync(join(repositoryRoot, "action.yml"), "utf8")) as { runs: { main: string } };
  const main = join(actionDir, action.runs.main);
  if (existsSync(main)) return main;
  mkdirSync(actionDir);
  copyFileSync(join(repositoryRoot, "action.yml"), join(actionDir, "action.yml"));
  cpSync(join(packageDir, "dist"), join(actionDir, "packages/action/dist"), { recursive: true });
  for (let dir = actionDir; dir !== parse(dir).root; dir = dirname(dir))
    expect(existsSync(join(dir, "node_modules")), dir).toBe(false);
  return main;
}

describe("the Action's bundle", () => {
  it("is what action.yml runs, on node24", () => {
    const action = parseYaml(readFileSync(join(repositoryRoot, "action.yml"), "utf8")) as {
      runs: { using: string; main: string };
    };
    expect(action.runs).toEqual({ using: "node24", main: "packages/action/dist/index.mjs" });
  });

  // Every change to a package the Action runs makes the committed bundle stale; this is the check CI runs.
  it("is up to date with the sources (else run `pnpm bundle:action` and commit dist/)", async () => {
    const { files } = await freshBundle();
    expect(files.map((file) => file.path)).toEqual([bundle, licenses]);
    for (const { path, contents } of files) {
      const committed = existsSync(path) ? readFileSync(path) : Buffer.alloc(0);
      expect(
        committed.equals(Buffer.from(contents)),
        `${path} is stale: run \`pnpm bundle:action\` and commit it`,
      ).toBe(true);
    }
  });

  // MIT, ISC and Apache-2.0 ask that their notices travel with the code: THIRD_PARTY_LICENSES.txt beside it.
  it("ships the license of every npm package with code in it", async () => {
    const { metafile } = await freshBundle();
    const text = readFileSync(licenses, "utf8");
    const listed = [...text.matchAll(/^={80}\n(\S+) (\S+)\nlicense: (.*)$/gm)].map(([, name, version, license]) => ({
      name: name!,
      version: version!,
      license: license!,
    }));
    expect(text).toContain(`\n${listed.length} packages.\n`);
    // Each input esbuild took code from, outside Gantry's own packages, belongs to a listed package.
    const inputs = Object.entries(metafile.outputs["packages/action/dist/index.mjs"]!.inputs)
      .filter(([path, { bytesInOutput }]) => bytesInOutput > 0 && path.includes("node_modules/"))
      .map(([path]) => path);
    expect(inputs.length).toBeGreaterThan(100);
    for (const input of inputs)
      expect(
        listed.some(({ name }) => input.includes(`/node_modules/${name}/`)),
        input,
      ).toBe(true);
    expect(listed.map(({ name }) => name)).toEqual(
      expect.arrayContaining(["@aws-sdk/credential-providers", "@octokit/core", "fflate", "ts-pattern", "yaml", "zod"]),
    );
    expect(listed.filter(({ license }) => !/^[A-Za-z0-9.+-]+( (OR|AND) [A-Za-z0-9.+-]+)*$/.test(license))).toEqual([]);
  });

  it("runs `gantry plan` on the bundled example with only Node, as a pull request's Action step", () => {
    // The Action alone in a directory with no node_modules above it, the demo repository, and the environment
    // the runner gives a JavaScript action (INPUT_*, GITHUB_*, RUNNER_TEMP): only Node.
    const repo = join(work, "infrastructure-live");
    const shas = execFileSync("bash", [join(repositoryRoot, "examples/infrastructure-live/make-demo-repo.sh"), repo], {
      encoding: "utf8",
    });
    const { base, head } = Object.fromEntries(
      shas
        .trim()
        .split(/\s+/)
        .map((pair) => pair.split("=")),
    ) as { base: string; head: string };
    const runnerTemp = join(work, "runner-temp");
    mkdirSync(runnerTemp);
    const eventPath = join(work, "event.json");
    writeFileSync(
      eventPath,
      JSON.stringify({
        pull_request: { number: 7, base: { ref: "main", sha: base }, head: { ref: "change", sha: head } },
      }),
    );
    const outputFile = join(work, "github-output");
    writeFileSync(outputFile, "");
    const env = {
      PATH: `${dirname(process.execPath)}:/usr/bin:/bin`,
      HOME: work,
      GITHUB_ACTIONS: "true",
      CI: "true",
      GITHUB_EVENT_NAME: "pull_request",
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_WORKSPACE: repo,
      GITHUB_REPOSITORY: "acme/infrastructure-live",
      GITHUB_SHA: head,
      GITHUB_REF: "refs/pull/7/merge",
      GITHUB_HEAD_REF: "change",
      GITHUB_BASE_REF: "main",
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: join(work, "step-summary"),
      RUNNER_TEMP: runnerTemp,
      INPUT_COMMAND: "plan",
    };
    const run = spawnSync(process.execPath, [actionAlone()], { cwd: repo, env, encoding: "utf8", timeout: 120_000 });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("pull_request");

    const outputs = readOutputs(outputFile);
    expect(outputs["has-changes"]).toBe("true");
    const plan = JSON.parse(readFileSync(outputs["plan"]!, "utf8")) as {
      base: string;
      head: string;
      jobs: Array<{ id: string; action: string; units: string[] }>;
    };
    expect([plan.base, plan.head]).toEqual([base, head]);
    const matrix = JSON.parse(outputs["matrix"]!) as { include: Array<{ id: string }> };
    expect(matrix.include.map((job) => job.id)).toEqual(plan.jobs.map((job) => job.id));
    // The same plan as the CLI built from the packages' sources makes (`gantry plan --json`).
    const cli = execFileSync(
      process.execPath,
      [
        join(repositoryRoot, "packages/cli/bin/gantry.js"),
        "plan",
        "--repo",
        repo,
        "--base",
        base,
        "--head",
        head,
        "--event",
        "pull_request",
        "--json",
      ],
      { encoding: "utf8", env: { ...process.env, GITHUB_ACTIONS: "" } },
    );
    const expected = JSON.parse(cli) as typeof plan;
    expect(plan.jobs.map((job) => [job.action, job.units])).toEqual(
      expected.jobs.map((job) => [job.action, job.units]),
    );
    expect(plan.jobs.map((job) => job.action).sort()).toEqual(["plan", "plan-destroy"]);
  });

  // yaml is loaded lazily by the detector (createRequire), which the bundle build has to rewrite.
  it("evaluates yamldecode, with yaml bundled rather than resolved from node_modules", async () => {
    await using repo = createTempGitRepo({
      "live/app/terragrunt.hcl":
        'locals {\n  settings = yamldecode(file("settings.yaml"))\n}\ninputs = { size = file(local.settings.size_file) }\n',
      "live/app/settings.yaml": "size_file: ../../data/size.txt\n",
      "data/size.txt": "1\n",
    });
    const base = repo.sha();
    const head = repo.commit({ "data/size.txt": "2\n" });
    const env = {
      PATH: `${dirname(process.execPath)}:/usr/bin:/bin`,
      HOME: work,
      GITHUB_WORKSPACE: repo.dir,
      INPUT_COMMAND: "detect",
      INPUT_BASE: base,
      INPUT_HEAD: head,
      INPUT_EVENT: "pull_request",
      INPUT_ARGS: "--json\n--no-cache",
    };
    const run = spawnSync(process.execPath, [actionAlone()], { cwd: repo.dir, env, encoding: "utf8", timeout: 60_000 });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    // Without yaml in the bundle, yamldecode fails and the read becomes a "dynamic" one matching every file.
    const detection = JSON.parse(run.stdout) as {
      units: Array<{
        path: string;
        dynamic?: unknown[];
        reasons: Array<{ file: string; chain: Array<{ via: string }> }>;
      }>;
    };
    expect(
      detection.units.map((unit) => [unit.path, unit.dynamic ?? [], unit.reasons.map((reason) => reason.file)]),
    ).toEqual([["live/app", [], ["data/size.txt"]]]);
    expect(detection.units[0]!.reasons[0]!.chain.map((link) => link.via)).not.toContain("dynamic");
  });
});
