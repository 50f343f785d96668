import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  ERROR_CODES,
  EXIT_CODE_RANGES,
  GantryError,
  renderErrorCodeTable,
  usageError,
  type ErrorCode,
} from "../src/index.js";

const readme = fileURLToPath(new URL("../README.md", import.meta.url));
const START = "<!-- error-codes:start (generated from src/codes.ts by test/registry.test.ts) -->";
const END = "<!-- error-codes:end -->";

describe("the error-code registry", () => {
  it("is the README's table (GANTRY_WRITE_README=1 pnpm exec vitest run packages/errors rewrites it)", () => {
    const text = readFileSync(readme, "utf8");
    const start = text.indexOf(START);
    const end = text.indexOf(END);
    expect(start, "the README's markers").toBeGreaterThan(-1);
    const current = text.slice(start + START.length, end).trim();
    const expected = renderErrorCodeTable();
    if (current !== expected && process.env.GANTRY_WRITE_README === "1") {
      writeFileSync(readme, `${text.slice(0, start + START.length)}\n${expected}\n${text.slice(end)}`);
      return;
    }
    expect(current).toBe(expected);
  });

  it("gives every code an exit code inside one range, and the ranges do not overlap", () => {
    const ranges = Object.values(EXIT_CODE_RANGES).sort((a, b) => a.first - b.first);
    for (const [index, range] of ranges.entries()) {
      expect(range.first).toBeLessThanOrEqual(range.last);
      if (index > 0) expect(range.first).toBeGreaterThan(ranges[index - 1]!.last);
    }
    for (const [code, { exitCode }] of Object.entries(ERROR_CODES)) {
      expect(
        ranges.filter((range) => exitCode >= range.first && exitCode <= range.last),
        code,
      ).toHaveLength(1);
      expect(exitCode, code).not.toBe(0);
    }
  });

  it("names in a range's meaning only exit codes that some code has", () => {
    const used = new Set<number>(Object.values(ERROR_CODES).map(({ exitCode }) => exitCode));
    for (const { meaning } of Object.values(EXIT_CODE_RANGES)) {
      for (const [, number] of meaning.matchAll(/\((\d+)\)/g)) expect(used.has(Number(number)), meaning).toBe(true);
    }
  });

  it("gives each error the exit code of its code, and a usage error its command's help", () => {
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[])
      expect(new GantryError(code, "x").exitCode).toBe(ERROR_CODES[code].exitCode);
    const usage = usageError("--format must be json or text, not 'yaml'", {
      command: "plan",
      hint: "e.g. --format json",
    });
    expect(usage).toMatchObject({ code: "USAGE", exitCode: 2, hint: "e.g. --format json\n  see `gantry help plan`" });
    expect(usageError("missing FILE").hint).toBeUndefined();
  });
});
