/**
 * End to end on a repository of real modules (`realModuleRepo` in @gantry/testkit: outputs known only after
 * apply, sensitive outputs passed on as plain inputs, `moved`, `import`, `removed`, checks, nested modules,
 * dependencies with mock outputs), with the real terragrunt and tofu: the push that applies it, a pull
 * request planned in both flows (in-process `gantry run`; `gantry execute --result` per job then
 * `gantry report --results`, as the pipelines repository does), and the merge that applies and destroys.
 * Each comment is read as GitHub shows it (CommonMark, then HTML as a browser parses it).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planDocumentSchema, type PlanDocument } from "@gantry/classifier";
import {
  commitRealModulePullRequest,
  createTempGitRepo,
  realModulePullRequestArgs,
  realModuleRepo,
  type TempGitRepo,
} from "@gantry/testkit";
import { jobResultSchema, runReportDocumentSchema, type RunReportDocument } from "../src/index.js";
import { elements, renderComment, tagNames, textOf, type Element } from "./comment-dom.js";
import { gantryArgs, iacToolsEnv, stateResources } from "./helpers.js";

const fixture = realModuleRepo({ environments: ["dev", "prod"], chainLength: 3 });
let repo: TempGitRepo;
let work: string;
let root: string;
let initial: string;
let change: string;

function gantry(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, gantryArgs(...args), {
    cwd: work,
    env: {
      ...process.env,
      ...iacToolsEnv(),
      GANTRY_STATE_DIR: join(work, "state"),
      GITHUB_ACTIONS: "",
      GITHUB_STEP_SUMMARY: "",
    },
    encoding: "utf8",
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Every secret the repository's units handle: each service's sensitive token, and the corpus' secrets. */
function tokensInState(): string[] {
  return fixture.units.flatMap((unit) => {
    const id = stateResources(join(work, "state"), unit)?.get("terraform_data.this")?.id;
    return typeof id === "string" ? [`tok-${unit.split("/").pop()}-${id}`] : [];
  });
}

function rows(document: Element): string[][] {
  return elements(elements(document, "tbody")[0]!, "tr").map((row) =>
    elements(row, "td").map((cell) => textOf(cell).trim()),
  );
}

/** Each unit's collapsible block: its title and the text of its code block. */
function blocks(document: Element): Map<string, string> {
  const found = new Map<string, string>();
  for (const details of elements(document, "details")) {
    const title = textOf(elements(details, "summary")[0]!);
    const codes = elements(details, "code");
    if (/^(Plan|Output of the \w+) of /.test(title))
      found.set(title.replace(/^.* of /, ""), textOf(codes[codes.length - 1]!));
  }
  return found;
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "gantry-real-modules-"));
  repo = createTempGitRepo({});
  ({ root, initial, change } = commitRealModulePullRequest(repo, fixture));
});

afterAll(() => {
  repo?.remove();
  rmSync(work, { recursive: true, force: true });
});

describe("a repository of real modules, end to end", () => {
  it("applies every unit in dependency order on the first push, masking the sensitive outputs dependents print", () => {
    const run = gantry("run", "--repo", repo.dir, "--base", root, "--head", initial, "--event", "push", "--json");
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(0);
    const report = runReportDocumentSchema.parse(JSON.parse(run.stdout));
    const units = report.jobs.flatMap((job) => job.result!.units);
    expect(units.map((unit) => unit.unit).sort()).toEqual([...fixture.units].sort());
    for (const unit of units) expect(unit).toMatchObject({ status: "succeeded", applied: { add: expect.any(Number) } });
    // The second unit of each chain received the first's id (known only after apply), not the mock.
    const second = stateResources(join(work, "state"), "dev/svc-02")!.get("terraform_data.this")!.input as Record<
      string,
      string
    >;
    expect(second.upstream).toBe(stateResources(join(work, "state"), "dev/svc-01")!.get("terraform_data.this")!.id);
    // Each dependent printed its upstream's sensitive token as a plain input; no log or report shows it.
    const tokens = tokensInState();
    expect(tokens.length).toBe(6);
    const logs = units.map((unit) => readFileSync(unit.logPath!, "utf8")).join("\n");
    expect(logs).toMatch(/input\s+= "link:\*\*\*"/);
    for (const token of tokens) {
      expect(logs).not.toContain(token);
      expect(run.stdout).not.toContain(token);
    }
  });

  let inProcess: string;
  it("plans the pull request in-process: each unit's block holds its own plan, with every kind of change", () => {
    const comment = join(work, "comment.md");
    const run = gantry("run", ...realModulePullRequestArgs(repo.dir), "--report", comment);
    expect(run.code).toBe(0);
    inProcess = readFileSync(comment, "utf8");
    if (process.env.GANTRY_KEEP_COMMENT) writeFileSync(process.env.GANTRY_KEEP_COMMENT, inProcess);
    const { document } = renderComment(inProcess);
    expect(tagNames(document).has("script")).toBe(false);
    const table = rows(document);
    expect(table.map((row) => [row[1], row[2], row[7]])).toEqual([
      ["dev/features", "plan", "succeeded"],
      ["dev/svc-02", "plan", "succeeded"],
      ["prod/svc-03", "plan-destroy", "succeeded"],
    ]);
    const plans = blocks(document);
    expect([...plans.keys()]).toEqual(["dev/features", "dev/svc-02", "prod/svc-03"]);
    const features = plans.get("dev/features")!;
    for (const line of [
      "# terraform_data.renamed_from has moved to terraform_data.renamed_to",
      '(imported from "imported-id-1")',
      "will be removed from the OpenTofu state but will not be destroyed",
      "will be replaced due to changes in replace_triggered_by",
      "will be read during apply",
    ]) {
      expect(features).toContain(line);
    }
    expect(features).toMatch(/^!\s+resource "terraform_data" "updated" \{$/m); // `~` coloured as a change
    expect(plans.get("dev/svc-02")).toMatch(/^\+\s+resource "terraform_data" "member" \{$/m);
    expect(plans.get("prod/svc-03")).toMatch(/^-\s+resource "terraform_data" "this" \{$/m);
    const items = elements(document, "li").map((li) => textOf(li));
    expect(
      items.some((item) => item.startsWith("Plan: 1 to import, 6 to add, 4 to change, 4 to destroy, 1 to forget. · ")),
    ).toBe(true);
    expect(items).toContain("moved: terraform_data.renamed_from → terraform_data.renamed_to");
    expect(items).toContain("Why: UnitDeleted: prod/svc-03/terragrunt.hcl");
    expect(items.some((item) => item.startsWith("⚠️ check check.region fail: The network is not in us-east-1."))).toBe(
      true,
    );
    for (const token of tokensInState()) expect(inProcess).not.toContain(token);
  });

  it("reports the same pull request identically from results of `gantry execute` rolled up by `gantry report`", () => {
    const planned = gantry("plan", ...realModulePullRequestArgs(repo.dir), "--json");
    expect(planned.code).toBe(0);
    const plan: PlanDocument = planDocumentSchema.parse(JSON.parse(planned.stdout));
    writeFileSync(join(work, "plan.json"), planned.stdout);
    const results = plan.jobs.map((job) => {
      const jobFile = join(work, `${job.id}.job.json`);
      writeFileSync(jobFile, JSON.stringify(job));
      const file = join(work, `${job.id}.result.json`);
      const run = gantry(
        "execute",
        "--repo",
        repo.dir,
        "--job",
        jobFile,
        "--result",
        file,
        "--run-dir",
        join(work, "runs", job.id),
      );
      expect(run.code).toBe(0);
      // What crosses to the other repository carries the plan itself, masked.
      const result = jobResultSchema.parse(JSON.parse(readFileSync(file, "utf8")));
      expect(result.units.every((unit) => typeof unit.output === "string")).toBe(true);
      return file;
    });
    const report = gantry("report", "--plan", join(work, "plan.json"), "--results", ...results);
    expect(report.code).toBe(0);
    const rolledUp = renderComment(report.stdout).document;
    const local = renderComment(inProcess).document;
    const withoutTimes = (table: string[][]) => table.map((row) => row.slice(0, 8));
    expect(withoutTimes(rows(rolledUp))).toEqual(withoutTimes(rows(local)));
    expect(blocks(rolledUp)).toEqual(blocks(local));
    const whys = (document: Element) =>
      elements(document, "li")
        .map((li) => textOf(li))
        .filter((item) => item.startsWith("Why:"));
    expect(whys(rolledUp)).toEqual(whys(local));
  });

  it("applies the merge (moves, imports, forgets, replacements) and destroys the deleted unit from the base commit", () => {
    repo.git("merge", "-q", "--ff-only", "change");
    const run = gantry("run", "--repo", repo.dir, "--base", initial, "--head", change, "--event", "push", "--json");
    expect(run.code).toBe(0);
    const report: RunReportDocument = runReportDocumentSchema.parse(JSON.parse(run.stdout));
    const byUnit = Object.fromEntries(
      report.jobs.flatMap((job) => job.result!.units.map((unit) => [unit.unit, { unit, action: job.job.action }])),
    );
    expect(byUnit["dev/features"]).toMatchObject({
      action: "apply",
      unit: { status: "succeeded", applied: { import: 1, add: 6, change: 4, destroy: 4, forget: 1 } },
    });
    expect(byUnit["prod/svc-03"]).toMatchObject({
      action: "destroy",
      unit: { status: "succeeded", applied: { destroy: 3 } },
    });
    expect(stateResources(join(work, "state"), "prod/svc-03")!.size).toBe(0);
    const features = stateResources(join(work, "state"), "dev/features")!;
    expect(features.has("terraform_data.renamed_to")).toBe(true);
    expect(features.get("terraform_data.imported")!.id).toBe("imported-id-1");
    expect(features.has("terraform_data.forgotten")).toBe(false);
    // The deployment record says everything is deployed: the same push again runs nothing.
    const again = gantry("run", "--repo", repo.dir, "--base", initial, "--head", change, "--event", "push", "--json");
    expect(again.code).toBe(0);
    expect(runReportDocumentSchema.parse(JSON.parse(again.stdout))).toMatchObject({
      jobs: [],
      notice: expect.stringContaining("already deployed"),
    });
  });
});
