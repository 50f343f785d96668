import { describe, expect, it } from "vitest";
import { GantryError } from "@gantry/errors";
import { checkQueueFlags, checkUnitPaths, jobFlags, queueCommand, queueEnvironment } from "../src/queue-command.js";
import { unitFileStem } from "../src/run-queue.js";
import { parseLogLine, queueSignal, sensitiveOutputValues } from "../src/terragrunt-log.js";

const tools = { terragrunt: "/bin/terragrunt", tf: "/bin/tofu", tfKind: "tofu" as const };

describe("the queue command", () => {
  it("runs exactly the job's units, after the job's own terragrunt flags", () => {
    // Terragrunt refuses a flag given twice: the ones Gantry sets are dropped from the job's flags.
    const command = queueCommand({
      action: "plan-destroy",
      units: ["dev/app", "dev/app/sub"],
      worktree: "/w",
      tools,
      flags: ["--log-level", "warn", "--source-update", "--parallelism=9", "--non-interactive"],
      parallelism: 3,
      reportFile: "/r/report.json",
      planDirectory: "/r/plans",
    });
    const args = command.args.join(" ");
    expect(args).toMatch(/^run --all --source-update --non-interactive .*--log-format json --log-level debug /);
    expect(args).toContain(
      "--no-filters-file --no-stack-generate --filter ./dev/app --filter ./dev/app/sub --out-dir /r/plans -- plan -input=false -no-color -lock-timeout=60s -destroy",
    );
    expect(command.mainCommand).toBe("plan");
    const destroy = queueCommand({
      action: "destroy",
      units: ["dev/app"],
      worktree: "/w",
      tools,
      flags: [],
      parallelism: 1,
      reportFile: "/r",
      planDirectory: "/p",
    });
    expect(destroy.args.slice(-6)).toEqual([
      "--",
      "destroy",
      "-input=false",
      "-no-color",
      "-lock-timeout=60s",
      "-auto-approve",
    ]);
    expect(destroy.args).not.toContain("--out-dir");
  });

  it("refuses flags and ignores variables that would change which units run or where the output goes (a --filter adds units)", () => {
    expect(
      jobFlags(["--log-level", "warn", "--source-update", "--parallelism=9", "--no-color", "--iam-role", "arn:r"]),
    ).toEqual({
      kept: ["--source-update", "--iam-role", "arn:r"],
      dropped: ["--log-level warn", "--parallelism=9", "--no-color"],
    });
    for (const flag of [
      "--filter",
      "--filter=./prod/**",
      "--queue-include-external",
      "--units-that-include",
      "--filters-file",
      "--strict-include",
    ]) {
      expect(() => checkQueueFlags(["--source-update", flag], "apply-dev")).toThrow(/terragrunt\.flags\[1\]/);
    }
    expect(() =>
      checkQueueFlags(["--source-update", "--provider-cache", "--iam-assume-role", "arn:x"], "apply-dev"),
    ).not.toThrow();
    expect(
      queueEnvironment({
        TG_FILTER: "./prod/**",
        TERRAGRUNT_INCLUDE_DIR: "x",
        TG_QUEUE_INCLUDE_EXTERNAL: "true",
        TG_LOG_FORMAT: "pretty",
        TG_PROVIDER_CACHE: "1",
        PATH: "/bin",
      }),
    ).toEqual({ TG_PROVIDER_CACHE: "1", PATH: "/bin" });
  });

  it("refuses a unit whose path Terragrunt's filter would read as syntax (it would select other units)", () => {
    for (const unit of [
      "dev/*",
      "dev/{a,b}",
      "dev/[ab]",
      "dev/a b",
      "dev/!x",
      "dev/a|b",
      "dev/...",
      "dev/x=y",
      "dev/^x",
      "../outside",
      "/abs",
      "dev/./x",
      "dev/..x/y",
    ]) {
      let error: unknown;
      try {
        checkUnitPaths(["dev/ok", unit], "plan-dev");
      } catch (caught) {
        error = caught;
      }
      expect(
        GantryError.isInstance(error) &&
          error.code === "EXEC_UNIT_PATH_UNSUPPORTED" &&
          error.exitCode === 33 &&
          error.message.includes("units[1]"),
      ).toBe(true);
    }
    expect(() =>
      checkUnitPaths(["dev/us-east-1/app_v2.0", "prod/a@b+c,d~e-f", "live/prod/.terragrunt-stack/app"], "plan-dev"),
    ).not.toThrow();
  });

  it("runs the root unit (`.`) with the filter that selects the root directory alone, and keeps its files apart", () => {
    expect(() => checkUnitPaths([".", "app"], "apply-default")).not.toThrow();
    const command = queueCommand({
      action: "apply",
      units: [".", "app"],
      worktree: "/w",
      tools,
      flags: [],
      parallelism: 1,
      reportFile: "/r",
      planDirectory: "/p",
    });
    expect(command.args.join(" ")).toContain("--filter ./. --filter ./app --");
    expect([".", "app", "dev/app"].map(unitFileStem)).toEqual(["(root)", "app", "dev__app"]);
  });
});

describe("Terragrunt's JSON log", () => {
  const worktree = "/tmp/wt";
  it("tells which unit a line is about, and the tool command that printed it", () => {
    expect(
      parseLogLine(
        '{"level":"stdout","working-dir":"dev/app","tf-command-args":["plan","-out=x"],"msg":"Plan: 1 to add"}',
        worktree,
      ),
    ).toEqual({ level: "stdout", unit: "dev/app", tfCommand: "plan", message: "Plan: 1 to add" });
    expect(parseLogLine('{"level":"info","working-dir":"/tmp/wt/dev/app","msg":"x"}', worktree).unit).toBe("dev/app");
    expect(parseLogLine("panic: not json", worktree)).toEqual({
      level: "raw",
      unit: null,
      tfCommand: null,
      message: "panic: not json",
    });
  });

  it("reads the debug messages that say when a unit runs and ends, where its module was copied, and which outputs it read", () => {
    const signal = (msg: string, unit?: string) =>
      queueSignal(
        parseLogLine(JSON.stringify({ level: "debug", msg, ...(unit ? { "working-dir": unit } : {}) }), worktree),
        worktree,
      );
    expect(signal("Runner Pool Controller: running /tmp/wt/dev/app")).toEqual({
      kind: "unit-running",
      unit: "dev/app",
    });
    expect(signal("Runner Pool Controller: /tmp/wt/dev/app failed")).toEqual({
      kind: "unit-done",
      unit: "dev/app",
      succeeded: false,
    });
    expect(signal("Setting working directory to ./dev/app/.terragrunt-cache/a/b/svc", "dev/app")).toEqual({
      kind: "working-directory",
      unit: "dev/app",
      directory: "dev/app/.terragrunt-cache/a/b/svc",
    });
    expect(signal("Running command: /bin/tofu apply -auto-approve", "dev/app")).toEqual({
      kind: "tool-command",
      unit: "dev/app",
      command: "apply",
    });
    const outputs = signal(
      'Retrieved output from ./dev/db/terragrunt.hcl as json: {"pw":{"sensitive":true,"value":{"a":["s3cret-1"]}},"id":{"sensitive":false,"value":"public"}}',
    );
    expect(outputs?.kind).toBe("dependency-outputs");
    expect(sensitiveOutputValues(outputs?.kind === "dependency-outputs" ? outputs.json : "")).toEqual(["s3cret-1"]);
    expect(sensitiveOutputValues("not json")).toEqual([]);
  });
});
