#!/usr/bin/env node
/**
 * Interleaved A/B of two builds of `@gantry/change-detector` on the bench's repositories and changes: the
 * Detection documents must be byte-identical (but for `stats.elapsedMs` and `stats.filesParsed`, the work a run
 * did), and the times are compared within
 * one sitting (the machine is shared and noisy: only ratios taken side by side mean anything). Wall time and
 * this process's CPU time (git's processes excluded) are both reported: under load, CPU time varies less.
 *
 * Each build gets its own clone (objects shared with the bench's repository) so each keeps its own cache.
 * Per repetition, change and mode, the two builds run in a random order, each in a fresh `node --expose-gc`
 * process, with a `gc()` before the timed call (as `pnpm bench` does).
 *   cold      the cache is removed first
 *   warm      the cache the build's previous run of the same change wrote
 *   restored  the cache of a run at the change's base commit (a fresh CI machine with the deploy branch's cache)
 *
 * Usage: node scripts/detect-ab.mjs --a LABEL=PATH/index.js --b LABEL=PATH/index.js [--sizes 10000]
 *          [--reps 5] [--modes cold,warm,restored] [--scenarios one-unit,root,file-read,nested-module]
 *          [--work DIR (the bench's, default $TMPDIR/gantry-bench)] [--seed 1] [--layout units|stacks] [--docs DIR]
 * The repositories are the ones `pnpm bench` generated (run it once at those sizes first). `--docs DIR`
 * keeps every document as DIR/LABEL/SIZE-CHANGE-MODE.json.
 */
import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const SELF = fileURLToPath(import.meta.url);

async function runChild(spec) {
  const { detectChanges } = await import(pathToFileURL(spec.build).href);
  if (spec.prime)
    await detectChanges({ repo: spec.repo, base: spec.prime, head: spec.prime, event: "pull_request", cache: true });
  globalThis.gc?.();
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const result = await detectChanges({
    repo: spec.repo,
    base: spec.base,
    head: spec.head,
    event: "pull_request",
    cache: true,
  });
  const ms = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  // The document but for how much work the run did (its time, the files it parsed): that is what may differ.
  const text = JSON.stringify({ ...result, stats: { ...result.stats, elapsedMs: 0, filesParsed: 0 } });
  if (spec.docPath) writeFileSync(spec.docPath, text);
  process.stdout.write(
    `${JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, maxRssMB: process.resourceUsage().maxRSS / 1024, load1: loadavg()[0], hash: createHash("sha256").update(text).digest("hex"), bytes: text.length, units: result.units.length, cacheHits: result.stats.cacheHits })}\n`,
  );
}

function child(spec) {
  return new Promise((resolvePromise, reject) => {
    const proc = spawn(process.execPath, ["--expose-gc", SELF, "--child", JSON.stringify(spec)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    proc.stdout.on("data", (chunk) => (out += chunk));
    proc.on("error", reject);
    proc.on("close", (code) =>
      code === 0
        ? resolvePromise(JSON.parse(out.trim().split("\n").at(-1)))
        : reject(new Error(`child exited ${code}`)),
    );
  });
}

function build(option, name) {
  const at = option?.indexOf("=") ?? -1;
  if (at <= 0) fail(`--${name} takes LABEL=PATH/index.js`);
  const path = resolve(option.slice(at + 1));
  if (!existsSync(path)) fail(`--${name}: ${path} does not exist`);
  return { label: option.slice(0, at), path };
}

function clone(source, target) {
  if (existsSync(join(target, "HEAD"))) return;
  rmSync(target, { recursive: true, force: true });
  execFileSync("git", ["clone", "-q", "--shared", "--bare", source, target]);
}

function median(values) {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function fail(message) {
  process.stderr.write(`detect-ab: ${message}\n`);
  process.exit(2);
}

async function main() {
  const { values } = parseArgs({
    options: {
      a: { type: "string" },
      b: { type: "string" },
      sizes: { type: "string", default: "10000" },
      reps: { type: "string", default: "5" },
      modes: { type: "string", default: "cold,warm,restored" },
      scenarios: { type: "string" },
      work: { type: "string", default: join(tmpdir(), "gantry-bench") },
      seed: { type: "string", default: "1" },
      layout: { type: "string", default: "units" },
      docs: { type: "string" },
    },
  });
  const builds = [build(values.a, "a"), build(values.b, "b")];
  const modes = values.modes.split(",");
  const reps = Number(values.reps);
  const rows = [];
  let identical = true;
  for (const size of values.sizes.split(",").map(Number)) {
    const name = `infrastructure-live-${values.layout === "stacks" ? "stacks-" : ""}${size}-seed${values.seed}`;
    const manifestPath = join(values.work, `${name}.json`);
    if (!existsSync(manifestPath))
      fail(
        `${manifestPath} is missing: run \`pnpm bench --sizes ${size}${values.layout === "stacks" ? ` --stack-sizes ${size}` : ""} --no-terragrunt --no-plan --reps 1 --no-readme\` first`,
      );
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
    const source = join(values.work, name);
    const scenarios = manifest.scenarios.filter(
      (s) => !values.scenarios || values.scenarios.split(",").includes(s.name),
    );
    const repos = Object.fromEntries(
      builds.map((b) => [
        b.label,
        join(values.work, "ab", `${values.layout === "stacks" ? "stacks-" : ""}${size}-${b.label}.git`),
      ]),
    );
    for (const b of builds) clone(source, repos[b.label]);
    const times = new Map();
    const cpuTimes = new Map();
    const hashes = new Map();
    const record = (key, label, result) => {
      const k = `${key}|${label}`;
      if (!times.has(k)) times.set(k, []);
      times.get(k).push(result.ms);
      if (!cpuTimes.has(k)) cpuTimes.set(k, []);
      cpuTimes.get(k).push(result.cpuMs);
      const seen = hashes.get(key) ?? new Map();
      seen.set(label, result.hash);
      hashes.set(key, seen);
    };
    for (let rep = 0; rep < reps; rep++) {
      for (const scenario of scenarios) {
        const order = Math.random() < 0.5 ? builds : [...builds].reverse();
        for (const mode of modes) {
          for (const b of order) {
            const repo = repos[b.label];
            if (mode !== "warm") rmSync(join(repo, "gantry"), { recursive: true, force: true });
            const key = `${size}|${scenario.name}|${mode}`;
            let docPath;
            if (values.docs && rep === 0) {
              mkdirSync(join(values.docs, b.label), { recursive: true });
              docPath = join(values.docs, b.label, `${size}-${scenario.name}-${mode}.json`);
            }
            const result = await child({
              build: b.path,
              repo,
              base: scenario.base,
              head: scenario.head,
              prime: mode === "restored" ? scenario.base : undefined,
              docPath,
            });
            record(key, b.label, result);
            process.stderr.write(
              `${key} ${b.label}: ${Math.round(result.ms)} ms, cpu ${Math.round(result.cpuMs)} ms (load ${result.load1.toFixed(1)}, ${result.units} units, ${result.cacheHits} reused)\n`,
            );
          }
        }
      }
    }
    for (const scenario of scenarios) {
      for (const mode of modes) {
        const key = `${size}|${scenario.name}|${mode}`;
        const [ha, hb] = builds.map((b) => hashes.get(key).get(b.label));
        const same = ha === hb;
        identical &&= same;
        const [ma, mb] = builds.map((b) => median(times.get(`${key}|${b.label}`)));
        const [ca, cb] = builds.map((b) => median(cpuTimes.get(`${key}|${b.label}`)));
        rows.push({
          size,
          change: scenario.name,
          mode,
          wall: [Math.round(ma), Math.round(mb), (mb / ma).toFixed(3)],
          cpu: [Math.round(ca), Math.round(cb), (cb / ca).toFixed(3)],
          document: same ? "identical" : "DIFFERENT",
        });
      }
    }
  }
  const [a, b] = builds.map((build) => build.label);
  process.stdout.write(
    `${["size", "change", "mode", `wall ${a}`, `wall ${b}`, "ratio", `cpu ${a}`, `cpu ${b}`, "ratio", "document"].join("\t")}\n`,
  );
  for (const row of rows)
    process.stdout.write(`${[row.size, row.change, row.mode, ...row.wall, ...row.cpu, row.document].join("\t")}\n`);
  process.stdout.write(`medians of ${reps} interleaved runs (ms); ratio = ${b} / ${a}\n`);
  if (!identical) process.exitCode = 1;
}

if (process.argv[2] === "--child") await runChild(JSON.parse(process.argv[3]));
else await main();
