/**
 * Gantry reads Terragrunt's log from two pipes (the tools' output on stdout, Terragrunt's log on stderr), and
 * the order in which lines of the two arrive is the operating system's. A real queue (a failing unit, its
 * skipped dependent, a succeeding one) is recorded once, then replayed through a stand-in terragrunt that
 * writes the same lines in many interleavings (each pipe keeps its own order; the saved plans and the units'
 * initialised module copies are restored as terragrunt left them): every unit's result (status,
 * reason, output, error, diagnostics, plan summary) must come out the same as from the real run.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkJobMinimal, executeJob, type JobResult, type UnitResult } from "../src/index.js";
import { commitFiles, DEV, extraUnits } from "./fixtures.js";
import { createDemoRepo, iacToolsEnv, makeJob, type DemoRepo } from "./helpers.js";

let repo: DemoRepo;
let work: string;
let recorded: JobResult;
const tools = iacToolsEnv();

/** Records each stream, the run report and the saved plans of a real terragrunt run. */
const recorder = (real: string, into: string) => `#!/usr/bin/env bash
report="" ; plans=""
args=("$@"); for i in "\${!args[@]}"; do
  [ "\${args[$i]}" = "--report-file" ] && report="\${args[$((i+1))]}"
  [ "\${args[$i]}" = "--out-dir" ] && plans="\${args[$((i+1))]}"
done
"${real}" "$@" > "${into}/stdout" 2> "${into}/stderr"
code=$?
cp "$report" "${into}/report.json" 2>/dev/null; [ -n "$plans" ] && cp -r "$plans" "${into}/plans"
pwd > "${into}/worktree"
# The units' initialised copies of their modules, where show -json of a saved plan runs.
find . -name .terragrunt-cache -type d -prune | tar -cf "${into}/caches.tar" -T -
cat "${into}/stdout"; cat "${into}/stderr" >&2
echo $code > "${into}/code"; exit $code
`;

/** Writes the recorded lines again, both pipes merged in an order drawn from SEED; same report, plans, exit. */
const replayer = (from: string) => `#!/usr/bin/env node
const fs = require("node:fs");
const args = process.argv.slice(2);
const arg = (name) => args[args.indexOf(name) + 1];
let seed = Number(process.env.SEED);
const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
// The recorded run had another worktree: its paths are this one's now.
const recordedWorktree = fs.readFileSync("${from}/worktree", "utf8").trim();
const lines = (name) => fs.readFileSync("${from}/" + name, "utf8").split(recordedWorktree).join(process.cwd()).split(/(?<=\\n)/).filter(Boolean);
const out = lines("stdout"), err = lines("stderr");
fs.cpSync("${from}/plans", arg("--out-dir"), { recursive: true });
require("node:child_process").execFileSync("tar", ["-xf", "${from}/caches.tar"]);
// Pipes are non-blocking: a full one says EAGAIN, and the write is tried again once the reader caught up.
const writeAll = (fd, text) => {
  let buffer = Buffer.from(text);
  while (buffer.length > 0) {
    try {
      buffer = buffer.subarray(fs.writeSync(fd, buffer));
    } catch (error) {
      if (error.code !== "EAGAIN") throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
    }
  }
};
while (out.length + err.length > 0) {
  const fromOut = err.length === 0 || (out.length > 0 && random() < 0.5);
  const burst = 1 + Math.floor(random() * 20);
  for (let i = 0; i < burst; i++) {
    const list = fromOut ? out : err;
    if (list.length === 0) break;
    writeAll(fromOut ? 1 : 2, list.shift());
  }
}
fs.copyFileSync("${from}/report.json", arg("--report-file"));
process.exit(Number(fs.readFileSync("${from}/code", "utf8")));
`;

function script(name: string, text: string): string {
  const path = join(work, name);
  writeFileSync(path, text);
  chmodSync(path, 0o755);
  return path;
}

const units = [`${DEV}/broken`, `${DEV}/broken-consumer`, `${DEV}/network`, `${DEV}/app`];
let ref: string;

function run(terragrunt: string, runDir: string): Promise<JobResult> {
  return executeJob(makeJob({ action: "plan", units, ref }), {
    repo: repo.dir,
    env: { ...process.env, ...tools },
    tools: { terragrunt, tf: tools.GANTRY_TOFU!, tfKind: "tofu" },
    stateDir: repo.stateDir,
    runDir,
    guard: checkJobMinimal,
  });
}

/** What must not depend on the order lines arrived in. */
function comparable(unit: UnitResult) {
  const { unit: name, status, reason, output, error, diagnostics, plan, exitCode, warnings } = unit;
  return { name, status, reason, output, error, diagnostics, plan, exitCode, warnings };
}

beforeAll(async () => {
  repo = createDemoRepo();
  work = mkdtempSync(join(tmpdir(), "gantry-interleavings-"));
  ref = commitFiles(repo, extraUnits.failure!, "add a broken unit and its consumer");
  const recording = join(work, "recording");
  mkdirSync(recording);
  recorded = await run(
    script("record-terragrunt", recorder(tools.GANTRY_TERRAGRUNT!, recording)),
    join(work, "runs", "recorded"),
  );
});

afterAll(async () => {
  await repo?.[Symbol.asyncDispose]();
  if (!process.env.GANTRY_KEEP_TEST_DIR) rmSync(work, { recursive: true, force: true });
});

describe("reading terragrunt's two pipes", () => {
  it("gives every unit the same result whatever order the lines of stdout and stderr arrive in", async () => {
    expect(recorded.units.map((unit) => unit.status)).toEqual(["failed", "skipped", "succeeded", "succeeded"]);
    expect(recorded.units[0]!.error).toContain("This unit is broken on purpose.");
    expect(recorded.units[2]!.plan?.add).toBe(1);
    const replay = script("replay-terragrunt", replayer(join(work, "recording")));
    for (let seed = 1; seed <= 10; seed++) {
      process.env.SEED = String(seed);
      const result = await run(replay, join(work, "runs", `seed-${seed}`));
      expect(result.units.map(comparable), `seed ${seed}`).toEqual(recorded.units.map(comparable));
    }
    delete process.env.SEED;
    expect(existsSync(join(work, "recording", "plans"))).toBe(true);
  });
});
