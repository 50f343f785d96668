/**
 * The plan summary against OpenTofu itself: the plan corpus (`planCorpus` in @gantry/testkit) is applied and
 * planned with the real tofu, and every count, address, move, import, forget, data read, output and check the
 * summary reports is compared with what `tofu show` prints for the same saved plan.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CORPUS_SECRET, CORPUS_SECRET_CHANGED, planCorpus, type FileMap } from "@gantry/testkit";
import {
  formatPlanCounts,
  hasChanges,
  parseJsonPlan,
  readJsonPlan,
  SecretMasker,
  sensitiveValuesInPlan,
  summarisePlan,
  type PlanSummary,
} from "../src/index.js";
import { resourcesInRenderedPlan } from "../src/rendered-output.js";
import { iacToolsEnv } from "./helpers.js";

const tofu = iacToolsEnv().GANTRY_TOFU!;
const env = {
  ...process.env,
  TF_IN_AUTOMATION: "1",
  TF_INPUT: "0",
  CHECKPOINT_DISABLE: "1",
  TF_CLI_CONFIG_FILE: "/dev/null",
};
let dir: string;

function write(files: FileMap): void {
  for (const [path, content] of Object.entries(files)) {
    if (typeof content !== "string") continue;
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

function run(args: string[], allowFailure = false): string {
  const outcome = spawnSync(tofu, args, { cwd: dir, env, encoding: "utf8" });
  if (outcome.status !== 0 && !allowFailure)
    throw new Error(`tofu ${args.join(" ")} failed:\n${outcome.stdout}${outcome.stderr}`);
  return outcome.stdout;
}

function plan(
  name: string,
  extra: string[] = [],
  allowFailure = false,
): { json: string; text: string; planOutput: string } {
  const planOutput = run(["plan", "-input=false", "-no-color", ...extra, `-out=${name}.tfplan`], allowFailure);
  return {
    json: run(["show", "-json", `${name}.tfplan`]),
    text: run(["show", "-no-color", `${name}.tfplan`]),
    planOutput,
  };
}

/**
 * What `tofu show` says about a saved plan, read from its text (`resourcesInRenderedPlan`, which apply
 * reports use): the summary of the JSON plan and this reading of the rendered one must agree.
 */
function readShowText(text: string) {
  const resources = resourcesInRenderedPlan(text);
  const sorted = (list: string[]) => [...list].sort();
  const outputsSection = /\nChanges to Outputs:\n([\s\S]*?)(?:\n\n|$)/.exec(text)?.[1] ?? "";
  return {
    counts: /^(Plan: .*\.|No changes\..*)$/m.exec(text)?.[1],
    create: sorted(resources.create),
    update: sorted(resources.update),
    replace: sorted(resources.replace),
    delete: sorted(resources.delete),
    forget: sorted(resources.forget),
    read: sorted(resources.read),
    moves: [...resources.moves].sort((a, b) => a.from.localeCompare(b.from)),
    import: sorted(resources.import),
    outputs: [...outputsSection.matchAll(/^ {2}[+~-] (\S+)/gm)].map(([, name]) => name!).sort(),
  };
}

function expectSummaryMatchesShow(summary: PlanSummary, text: string): void {
  const shown = readShowText(text);
  expect(formatPlanCounts(summary)).toBe(shown.counts);
  const sorted = (list: string[] | undefined) => [...(list ?? [])].sort();
  expect(sorted(summary.addresses.create)).toEqual(shown.create);
  expect(sorted(summary.addresses.update)).toEqual(shown.update);
  expect(sorted(summary.addresses.replace)).toEqual(shown.replace);
  expect(sorted(summary.addresses.delete)).toEqual(shown.delete);
  expect(sorted(summary.addresses.forget)).toEqual(shown.forget);
  expect(sorted(summary.addresses.read)).toEqual(shown.read);
  expect(sorted(summary.addresses.import)).toEqual(shown.import);
  expect([...(summary.moves ?? [])].sort((a, b) => a.from.localeCompare(b.from))).toEqual(shown.moves);
  expect(sorted(summary.outputs)).toEqual(shown.outputs);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "gantry-plan-corpus-"));
  write(planCorpus().initial);
  run(["init", "-input=false", "-no-color"]);
  run(["apply", "-input=false", "-no-color", "-auto-approve"]);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("the plan summary of real OpenTofu plans", () => {
  it("counts and lists every kind of change exactly as `tofu show` does", () => {
    write(planCorpus().change);
    const { json, text, planOutput } = plan("change");
    const summary = summarisePlan(parseJsonPlan(json));
    expectSummaryMatchesShow(summary, text);
    // The corpus has each kind at least once, so the comparison above compared something.
    expect(summary).toMatchObject({ add: expect.any(Number), import: 1, forget: 1 });
    expect(summary.addresses.replace.length).toBeGreaterThanOrEqual(2);
    expect(summary.addresses.create.length).toBeGreaterThanOrEqual(3);
    expect(summary.addresses.delete.length).toBeGreaterThanOrEqual(2);
    expect(summary.moves).toEqual([{ from: "terraform_data.renamed_from", to: "terraform_data.renamed_to" }]);
    expect(summary.addresses.read).toEqual(["data.terraform_remote_state.late"]);
    expect(summary.outputs).toContain("created_id"); // known only after apply: the planned output has no value
    expect(summary.checks).toEqual([
      { address: "check.region", status: "fail", messages: ["The network is not in us-east-1."] },
    ]);
    expect(summary.warnings).toBeUndefined();
    expect(hasChanges(summary)).toBe(true);
    expect(planOutput).toContain("Check block assertion failed"); // what the summary's check stands for
  });

  it("collects the sensitive values, before and after a sensitive update, also those OpenTofu itself prints", () => {
    const { json, text } = plan("change");
    const values = sensitiveValuesInPlan(parseJsonPlan(json));
    expect(values).toEqual(
      expect.arrayContaining([
        CORPUS_SECRET,
        CORPUS_SECRET_CHANGED,
        `token-${CORPUS_SECRET}`,
        `token-${CORPUS_SECRET_CHANGED}`,
      ]),
    );
    expect(values).not.toContain("kept");
    // OpenTofu hides the sensitive input, but prints the prior `output` attribute derived from it in clear...
    expect(text).toMatch(new RegExp(`~ output = "${CORPUS_SECRET}" -> \\(known after apply\\)`));
    // ...which the values collected from the JSON plan mask.
    expect(new SecretMasker(values).mask(text)).not.toContain(CORPUS_SECRET);
  });

  it("summarises a destroy plan, and an errored plan OpenTofu still saved, with a warning", () => {
    const destroy = plan("destroy", ["-destroy"]);
    const destroySummary = summarisePlan(parseJsonPlan(destroy.json));
    expectSummaryMatchesShow(destroySummary, destroy.text);
    expect(destroySummary.destroy).toBeGreaterThan(10);

    write(planCorpus().errored);
    const errored = plan("errored", [], true);
    rmSync(join(dir, "broken.tf"));
    expect(existsSync(join(dir, "errored.tfplan"))).toBe(true);
    const read = readJsonPlan(errored.json);
    expect(read.summary).not.toBeNull();
    expect(read.warning).toMatch(/incomplete: .*stopped with an error/);
    expectSummaryMatchesShow(read.summary!, errored.text);
  });

  it("says nothing changes once the change is applied, and reads a document that is not a plan as a warning", () => {
    run(["apply", "-input=false", "-no-color", "-auto-approve", "change.tfplan"]);
    const { json, text } = plan("again");
    const summary = summarisePlan(parseJsonPlan(json));
    expect(text).toMatch(/No changes\./);
    expect(formatPlanCounts(summary)).toBe("Plan: 0 to add, 0 to change, 0 to destroy.");
    expect(hasChanges(summary)).toBe(false);

    expect(readJsonPlan('{"hello": 1}')).toMatchObject({
      summary: null,
      warning: expect.stringContaining("could not be read"),
    });
    expect(readJsonPlan("not json")).toMatchObject({
      summary: null,
      warning: expect.stringContaining("could not be read"),
    });
    // Fields a later format adds, and entries of an unexpected shape, are warnings, never failures.
    const later = JSON.parse(json) as Record<string, unknown>;
    later.format_version = "2.0";
    later.resource_changes = [{ address: 42 }, ...((later.resource_changes as unknown[]) ?? [])];
    later.action_invocations = [{ address: "action.x" }];
    const tolerant = readJsonPlan(JSON.stringify(later));
    expect(tolerant.summary).toMatchObject({ add: 0, change: 0, destroy: 0 });
    expect(tolerant.warning).toMatch(/format_version 2\.0.*resource_changes\[0\]/);
  });
});

describe("deferred changes (Terraform's `deferred_changes`)", () => {
  it("cannot come from OpenTofu 1.12: an unknown for_each is an error there, and there is no -allow-deferral", () => {
    write({
      "deferral/main.tf":
        'resource "terraform_data" "seed" {\n  input = "x"\n}\n\nresource "terraform_data" "fan" {\n  for_each = toset([terraform_data.seed.id])\n  input    = each.key\n}\n',
    });
    const tool = (args: string[]) => spawnSync(tofu, ["-chdir=deferral", ...args], { cwd: dir, env, encoding: "utf8" });
    expect(tool(["init", "-input=false", "-no-color"]).status).toBe(0);
    const unknownForEach = tool(["plan", "-input=false", "-no-color"]);
    expect(unknownForEach.status).toBe(1);
    expect(unknownForEach.stderr).toContain("Invalid for_each argument");
    expect(tool(["plan", "-input=false", "-no-color", "-allow-deferral"]).stderr).toContain(
      "flag provided but not defined: -allow-deferral",
    );
  });

  it("are listed apart and not counted, in the shape Terraform documents (its JSON output format, 1.9+)", () => {
    const plan = parseJsonPlan(
      JSON.stringify({
        format_version: "1.2",
        complete: false,
        resource_changes: [
          {
            address: "terraform_data.seed",
            mode: "managed",
            type: "terraform_data",
            name: "seed",
            change: { actions: ["create"], before: null, after: { input: "x" } },
          },
        ],
        deferred_changes: [
          {
            reason: "resource_config_unknown",
            resource_change: {
              address: 'terraform_data.fan["x"]',
              mode: "managed",
              type: "terraform_data",
              name: "fan",
              change: { actions: ["create"], before: null, after: null },
            },
          },
        ],
      }),
    );
    const summary = summarisePlan(plan);
    expect(formatPlanCounts(summary)).toBe("Plan: 1 to add, 0 to change, 0 to destroy.");
    expect(summary.addresses.deferred).toEqual(['terraform_data.fan["x"]']);
  });
});
