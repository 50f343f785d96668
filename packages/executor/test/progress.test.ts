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
    const result: UnitResult = {
      unit: "dev/unit-secret-name",
      status: "failed",
      exitCode: 1,
      durationMs: 5,
      logPath: null,
      planFile: null,
      plan: null,
      reason: "plan failed with exit code 1",
      commands: [],
    };
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

describe("createProgressPrinter in GitHub Actions", () => {
  it("prints each unit's log as a log group when its job has finished, masked, with workflow commands switched off inside it", async () => {
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const logPath = join(mkdtempSync(join(tmpdir(), "gantry-progress-")), "dev-app.log");
    writeFileSync(
      logPath,
      "Plan: 1 to add\n::add-mask::nothing\n::set-output name=x::hijack\npassword is hunter2-secret\n",
    );
    const out = new PassThrough();
    let text = "";
    out.on("data", (chunk: Buffer) => (text += chunk.toString()));
    const progress = createProgressPrinter(out, {
      masker: new SecretMasker(["hunter2-secret"]),
      actionsLogGroups: true,
    });
    const job = makeJob({ action: "plan", units: ["dev/app"], ref: "a".repeat(40) });
    const result: UnitResult = {
      unit: "dev/app",
      status: "succeeded",
      exitCode: 0,
      durationMs: 5,
      logPath,
      planFile: null,
      plan: null,
      reason: null,
      commands: [],
    };
    progress.onEvent({ type: "unit-finished", job, result });
    expect(text).not.toContain("::group::"); // the log is complete only when the job ends
    const units = [result, { ...result, unit: "dev/none", logPath: null }];
    progress.onEvent({
      type: "job-finished",
      result: {
        apiVersion: "gantry/v1",
        kind: "JobResult",
        job,
        status: "succeeded",
        interrupted: false,
        dryRun: false,
        startedAt: "",
        durationMs: 1,
        runDir: null,
        worktree: null,
        units,
        error: null,
      },
    });
    progress.stop();

    const lines = text.split("\n");
    const start = lines.indexOf("::group::dev/app log");
    expect(start).toBeGreaterThan(0);
    const token = /^::stop-commands::(gantry-[0-9a-f-]{36})$/.exec(lines[start + 1]!)?.[1];
    expect(token).toBeDefined();
    const resume = lines.indexOf(`::${token}::`);
    expect(lines.slice(start + 2, resume)).toEqual([
      "Plan: 1 to add",
      "::add-mask::nothing",
      "::set-output name=x::hijack",
      "password is ***",
    ]);
    expect(lines[resume + 1]).toBe("::endgroup::");
    expect(text).not.toContain("hunter2-secret");
    // A unit without a log (not started) gets its line only.
    expect(text.match(/::group::/g)).toHaveLength(1);
  });
});
