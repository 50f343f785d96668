/**
 * Evaluator fidelity against the real OpenTofu: every expression in tofu-cases.ts goes through
 * `tofu console` as `jsonencode(<expr>)` and through our evaluator; the JSON values must be equal.
 * Needs the pinned tofu binary (scripts/ensure-iac-tools.sh builds it once and prints its directory).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { evaluate, type HclValue, isUnknown, parseHcl, standardFunctions } from "../src/index.js";
import { tofuCases, tofuErrorCases } from "./tofu-cases.js";

const repoRoot = join(import.meta.dirname, "..", "..", "..");
const workDir = mkdtempSync(join(tmpdir(), "gantry-hcl-tofu-"));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

function tofuBinary(): string {
  const dir = execFileSync("bash", [join(repoRoot, "scripts", "ensure-iac-tools.sh")], { encoding: "utf8" })
    .trim()
    .split("\n")
    .pop()!;
  return join(dir, "tofu");
}

/** `tofu console` prints each result as an HCL string literal (JSON escapes plus `$${` and `%%{`). */
function decodeConsoleString(line: string): unknown {
  const text = JSON.parse(line.replace(/\$\$\{/g, "${").replace(/%%\{/g, "%{")) as string;
  return JSON.parse(text);
}

function ours(expression: string): HclValue {
  const source = `x = ${expression}\n`;
  const file = parseHcl(source, "case.hcl");
  return evaluate(file.body.attributes[0]!.expr, {
    variable: () => undefined,
    functions: standardFunctions,
    file: { fileName: "case.hcl", source },
  });
}

/** Our value as JSON, numbers as Terraform prints them (jsonencode through standardFunctions). */
function oursAsJson(value: HclValue): unknown {
  if (isUnknown(value)) return "<unknown>";
  const encoded = standardFunctions.jsonencode!([value], undefined as never) as string;
  return JSON.parse(encoded);
}

function tofuConsole(expressions: string[]): string[] {
  const output = execFileSync(tofuBinary(), ["console"], {
    cwd: workDir,
    input: `${expressions.join("\n")}\n`,
    encoding: "utf8",
    env: { ...process.env, TF_CLI_CONFIG_FILE: "/dev/null", TF_IN_AUTOMATION: "1", NO_COLOR: "1" },
  });
  const lines = output.split("\n").filter((l) => l.trim() !== "");
  expect(lines).toHaveLength(expressions.length);
  return lines;
}

describe("evaluator agrees with OpenTofu", () => {
  it(`on ${tofuErrorCases.length} failing expressions: tofu's can() is false and we throw HCL_EVAL`, () => {
    const lines = tofuConsole(tofuErrorCases.map((c) => `jsonencode(can(${c}))`));
    const problems: string[] = [];
    tofuErrorCases.forEach((expression, i) => {
      if (decodeConsoleString(lines[i]!) !== false) problems.push(`${expression}: tofu evaluates it`);
      try {
        const v = ours(expression);
        problems.push(`${expression}: we evaluate it to ${JSON.stringify(v)}`);
      } catch (e) {
        if ((e as { code?: string }).code !== "HCL_EVAL") problems.push(`${expression}: we crash with ${String(e)}`);
      }
    });
    expect(problems).toEqual([]);
  });

  it(`on ${tofuCases.length} expressions`, () => {
    const lines = tofuConsole(tofuCases.map((c) => `jsonencode(${c})`));
    const mismatches: string[] = [];
    tofuCases.forEach((expression, i) => {
      const theirs = decodeConsoleString(lines[i]!);
      let mine: unknown;
      try {
        mine = oursAsJson(ours(expression));
      } catch (e) {
        mine = `error: ${(e as Error).message}`;
      }
      if (JSON.stringify(mine) !== JSON.stringify(theirs) && !deepEqual(mine, theirs)) {
        mismatches.push(`${expression}\n    tofu: ${JSON.stringify(theirs)}\n    ours: ${JSON.stringify(mine)}`);
      }
    });
    expect(mismatches.join("\n")).toBe("");
  });
});

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object")
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  return v;
}
