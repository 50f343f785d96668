import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createProgressPrinter, SecretMasker, type UnitResult } from "../src/index.js";
import { makeJob } from "./helpers.js";

describe("createProgressPrinter", () => {
  it("prints a masked line when jobs and units start and finish", () => {
    const out = new PassThrough();
    const lines: string[] = [];
    out.on("data", (chunk: Buffer) => lines.push(...chunk.toString().split("\n").filter(Boolean)));
    const progress = createProgressPrinter(out, { masker: new SecretMasker(["unit-secret-name"]) });
    const job = makeJob({ action: "plan", units: ["dev/unit-secret-name"], ref: "a".repeat(40) });
    const result: UnitResult = { unit: "dev/unit-secret-name", status: "failed", exitCode: 1, durationMs: 5, logPath: null, planFile: null, plan: null, reason: "plan failed with exit code 1", commands: [] };
    progress.onEvent({ type: "job-started", job, runDir: null });
    progress.onEvent({ type: "unit-started", job, unit: "dev/unit-secret-name" });
    progress.onEvent({ type: "unit-finished", job, result });
    progress.stop();
    expect(lines.map((line) => line.replace(/^\[\d\d:\d\d\] /, ""))).toEqual([
      "▶ job plan-dev: plan 1 unit(s) at aaaaaaa",
      "  ▶ dev/***",
      "  ✘ dev/***: failed plan failed with exit code 1",
    ]);
  });
});
