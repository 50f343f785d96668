/**
 * `gantry run --event push` and `gantry plan --event push` from the deployment record, with the real
 * terragrunt and OpenTofu on a small repository: adoption, a burst of merges where one unit breaks, its fix,
 * and a late run that must roll nothing back.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { planDocumentSchema } from "@gantry/classifier";
import {
  gantryProcessArgs,
  recordRepository,
  unitFile,
  type RecordRepository,
  type UnitVersion,
} from "./support/record-repository.js";
import { runGantry } from "./support/run-gantry.js";

describe("gantry run --event push from the deployment record (real terragrunt and tofu)", () => {
  it("adopts, deploys bursts from the record, keeps a failed unit in range until fixed, and never rolls back", async () => {
    await using fixture = recordRepository({ "README.md": "infrastructure\n" });
    const { repo, env } = fixture;
    const start = repo.sha();
    const gantry = (...args: string[]) => runGantry(repo.dir, env, ...args);
    const c0 = repo.commit({
      "live/vpc/terragrunt.hcl": unitFile({ label: "vpc-1" }),
      "live/app/terragrunt.hcl": unitFile({ label: "app-1", dependsOn: "vpc" }),
      "live/db/terragrunt.hcl": unitFile({ label: "db-1" }),
    });

    // No record, no --base: a clear error naming both ways to start; nothing ran.
    const missing = await gantry("run", "--event", "push");
    expect(missing.exitCode).toBe(26);
    expect(missing.stderr).toContain("RECORD_MISSING");
    expect(missing.stderr).toContain("gantry record mark --commit");
    expect(fixture.deployedLabel("live/vpc")).toBeUndefined();

    // Adoption: today's deployed commit is the one before the units existed.
    expect((await gantry("record", "mark", "--commit", start)).exitCode).toBe(0);
    const first = await gantry("run", "--event", "push");
    expect(first.stderr).not.toMatch(/error/);
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toContain(`Deployment record: every unit is deployed as of ${c0.slice(0, 12)}`);
    expect(["live/vpc", "live/app", "live/db"].map(fixture.deployedLabel)).toEqual(["vpc-1", "app-1", "db-1"]);

    // A burst of two merges with no run between; db's new version is broken.
    repo.commit({
      "live/app/terragrunt.hcl": unitFile({ label: "app-2", dependsOn: "vpc" }),
      "live/db/terragrunt.hcl": unitFile({ label: "db-2", broken: true }),
    });
    const c2 = repo.commit({ "live/vpc/terragrunt.hcl": unitFile({ label: "vpc-2" }) });
    const burst = await gantry("run", "--event", "push");
    expect(burst.exitCode).toBe(30);
    expect(["live/vpc", "live/app", "live/db"].map(fixture.deployedLabel)).toEqual(["vpc-2", "app-2", "db-1"]);
    expect(burst.stdout).toContain(
      `Deployment record: every unit is deployed as of ${c0.slice(0, 12)}; 2 unit(s) as of newer commits`,
    );

    // A dry run plans only db (the others are recorded as deployed), and the guards re-derive that same job.
    const recordBefore = (await gantry("record", "show", "--json")).stdout;
    const dry = await gantry("run", "--event", "push", "--dry-run");
    expect(dry.exitCode, dry.stdout + dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/Not run \(2\): .*live\/app \(up-to-date, deployed as of [0-9a-f]{7}\)/);
    expect((await gantry("record", "show", "--json")).stdout).toBe(recordBefore);

    // The fix: only db runs; vpc and app are not applied again for the same change.
    const c3 = repo.commit({ "live/db/terragrunt.hcl": unitFile({ label: "db-3" }) });
    const fixed = await gantry("run", "--event", "push");
    expect(fixed.exitCode).toBe(0);
    expect(fixed.stdout).toMatch(/Not run \(2\): .*live\/app \(up-to-date, deployed as of [0-9a-f]{7}\)/);
    expect(fixed.stdout).toMatch(/live\/vpc \(up-to-date, deployed as of [0-9a-f]{7}\)/);
    expect(fixed.stdout).toMatch(/✔ live\/db /);
    expect(fixed.stdout).not.toMatch(/✔ live\/(app|vpc) /);
    expect(fixture.deployedLabel("live/db")).toBe("db-3");
    expect(fixed.stdout).toContain(`Deployment record: every unit is deployed as of ${c3.slice(0, 12)} (`);

    // A late run of an older range applies nothing: every unit is superseded.
    const lateComment = join(fixture.stateDir, "late-comment.md");
    const late = await gantry("run", "--event", "push", "--base", c0, "--head", c2, "--report", lateComment);
    expect(late.exitCode).toBe(0);
    expect(late.stdout).toContain("Nothing to run.");
    expect(late.stdout).toMatch(/live\/vpc \(superseded, deployed as of [0-9a-f]{7}\)/);
    // The comment (and step summary) lists them too, collapsed, each with the commit it is deployed as of.
    const comment = readFileSync(lateComment, "utf8");
    expect(comment).toContain("<details><summary>3 units not run: 3 superseded</summary>");
    expect(comment).toContain(`- <code>live/db</code>: superseded, deployed as of <code>${c3.slice(0, 7)}</code>`);
    expect(["live/vpc", "live/app", "live/db"].map(fixture.deployedLabel)).toEqual(["vpc-2", "app-2", "db-3"]);

    // `gantry plan --event push` shows what the next run would deploy, from the record, writing nothing.
    repo.commit({ "live/app/terragrunt.hcl": unitFile({ label: "app-4", dependsOn: "vpc" }) });
    const planned = await gantry("plan", "--event", "push", "--json");
    expect(planned.exitCode).toBe(0);
    const plan = planDocumentSchema.parse(JSON.parse(planned.stdout));
    expect(plan.base).toBe(c3);
    expect(plan.jobs.map((job) => [job.action, job.units])).toEqual([["apply", ["live/app"]]]);
    const shown = await gantry("record", "show", "--json");
    expect(JSON.parse(shown.stdout)).toMatchObject({ kind: "DeploymentRecord", commit: c3, units: {}, lease: null });
  });
});

/** mulberry32, as the in-memory simulation uses. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Runner {
  readonly name: string;
  readonly child: ReturnType<typeof spawn>;
  readonly done: Promise<{ code: number | null; output: string }>;
  /** Resolves when the run has started applying a unit (or ended). */
  readonly applying: Promise<void>;
}

function startRunner(fixture: RecordRepository, name: string, args: string[]): Runner {
  const child = spawn(process.execPath, gantryProcessArgs("run", "--event", "push", ...args), {
    cwd: fixture.repo.dir,
    env: fixture.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let started: () => void = () => undefined;
  const applying = new Promise<void>((resolve) => (started = resolve));
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => {
    output += chunk.toString();
    if (/▶ live\//.test(output)) started();
  });
  const done = new Promise<{ code: number | null; output: string }>((resolve) =>
    child.on("close", (code) => resolve({ code, output })),
  );
  void done.then(() => started());
  return { name, child, done, applying };
}

/**
 * A few seeded interleavings with real processes, terragrunt and tofu: merges in bursts (units changed, broken,
 * fixed), runs started at once, runs interrupted with SIGINT midway, and late runs of an old range. At the end
 * every unit's state is its label at the tip, the record is at the tip, and no unit's applies ever went back
 * to an older label (the ledger the units' hooks write).
 */
describe("delivery simulation with the real tools (small repository, separate gantry processes)", () => {
  for (const seed of [7, 42]) {
    it(`keeps the promise (seed ${seed})`, { timeout: 600_000 }, async () => {
      const next = random(seed);
      const units = ["vpc", "app", "db"];
      const versions = new Map<string, UnitVersion & { number: number }>([
        ["vpc", { label: "vpc-0", number: 0 }],
        ["app", { label: "app-0", number: 0, dependsOn: "vpc" }],
        ["db", { label: "db-0", number: 0 }],
      ]);
      const files = () =>
        Object.fromEntries(units.map((unit) => [`live/${unit}/terragrunt.hcl`, unitFile(versions.get(unit)!)]));
      await using fixture = recordRepository({ "README.md": "infrastructure\n" });
      expect(
        (await runGantry(fixture.repo.dir, fixture.env, "record", "mark", "--commit", fixture.repo.sha())).exitCode,
      ).toBe(0);
      const commits = [fixture.repo.commit(files(), "the units")];
      const change = (unit: string, broken: boolean) => {
        const current = versions.get(unit)!;
        const number = current.number + 1;
        versions.set(unit, { ...current, number, label: `${unit}-${number}`, broken });
      };
      const active: Runner[] = [];
      const finished: { name: string; code: number | null; output: string }[] = [];
      let runs = 0;
      const launch = (args: string[] = []) => {
        const runner = startRunner(fixture, `run-${++runs}`, args);
        active.push(runner);
        void runner.done.then((result) => {
          active.splice(active.indexOf(runner), 1);
          finished.push({ name: runner.name, ...result });
        });
      };

      launch();
      for (let step = 0; step < 5; step++) {
        for (let burst = next() < 0.4 ? 2 : 1; burst > 0; burst--) {
          const unit = units[Math.floor(next() * units.length)]!;
          change(unit, next() < 0.3);
          for (const other of units)
            if (other !== unit && versions.get(other)!.broken && next() < 0.5) change(other, false);
          commits.push(fixture.repo.commit(files(), `step ${step}`));
        }
        launch();
        if (next() < 0.5) launch(); // two runners at once
        if (next() < 0.3) launch(["--base", commits[0]!, "--head", commits[Math.floor(next() * commits.length)]!]); // a late run
        if (next() < 0.4 && active.length > 0) {
          // Cancelled while a tool runs (a unit may be half applied).
          const victim = active[Math.floor(next() * active.length)]!;
          await victim.applying;
          await sleep(Math.floor(next() * 1500));
          victim.child.kill("SIGINT");
        }
        if (next() < 0.5 && active.length > 0) await Promise.race(active.map((runner) => runner.done));
      }
      await Promise.all(active.map((runner) => runner.done));

      // The quiet end: fix what is broken, then one run deploys everything still pending.
      for (const unit of units) if (versions.get(unit)!.broken) change(unit, false);
      const tip = fixture.repo.commit(files(), "fix");
      const last = await runGantry(fixture.repo.dir, fixture.env, "run", "--event", "push");
      const context = `seed ${seed}; runs:\n${finished.map((run) => `${run.name} exit ${run.code}`).join("\n")}\nlast:\n${last.stdout}${last.stderr}`;
      expect(last.exitCode, context).toBe(0);
      // 0, 30 (a unit failed), 130 (interrupted), or null: killed by the SIGINT before its handler was installed.
      for (const run of finished) expect([0, 30, 130, null], `${run.name}: ${run.output}`).toContain(run.code);
      for (const unit of units) expect(fixture.deployedLabel(`live/${unit}`), context).toBe(versions.get(unit)!.label);
      const record = JSON.parse(
        (await runGantry(fixture.repo.dir, fixture.env, "record", "show", "--json")).stdout,
      ) as { commit: string; lease: unknown };
      expect(record).toMatchObject({ commit: tip, lease: null });
      // No rollback: each unit's applied labels only ever go up.
      const applied = new Map<string, number>();
      for (const [unit, label] of fixture.ledger()) {
        const number = Number(label.split("-")[1]);
        expect(number, `${unit} went from ${applied.get(unit)} back to ${number}; ${context}`).toBeGreaterThanOrEqual(
          applied.get(unit) ?? 0,
        );
        applied.set(unit, number);
      }
    });
  }
});
