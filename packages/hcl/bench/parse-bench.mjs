#!/usr/bin/env node
/**
 * Parser speed: µs per file for a realistic Terragrunt unit and for a large file, 10,000 distinct unit
 * files in one go, and the same unit through @cdktn/hcl2json (hashicorp/hcl in WASM) for comparison.
 * Uses the built package: `pnpm --filter @gantry/hcl bench` (builds first). Prints numbers, asserts nothing.
 */
import { parse as hcl2json } from "@cdktn/hcl2json";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { evaluate, parseHcl, standardFunctions, Unknown } from "../dist/index.js";

const corpus = join(import.meta.dirname, "..", "test", "corpus");
const unit = readFileSync(join(corpus, "terragrunt-unit.hcl"), "utf8");
const root = readFileSync(join(corpus, "terragrunt-root.hcl"), "utf8");

/**
 * Median of `rounds` measurements of `fn` run `n` times, in µs of CPU time per call. CPU time rather than
 * wall time: the bench machines are shared, and waiting for a core is not the parser's cost.
 */
function timePerCall(n, fn, rounds = 5) {
  const results = [];
  for (let r = 0; r < rounds; r++) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) fn(i);
    const c = process.cpuUsage(c0);
    results.push((c.user + c.system) / n);
  }
  results.sort((a, b) => a - b);
  return results[Math.floor(results.length / 2)];
}

/** The floor: one charCodeAt pass over the text, the least any parser must do. */
function charLoop(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 10) n++;
  return n;
}

function lines(s) {
  return s.split("\n").length;
}

// Warm up the JIT the way a long detection run would.
for (let i = 0; i < 2000; i++) parseHcl(unit, "warm.hcl");

for (let i = 0; i < 2000; i++) charLoop(unit);
const unitUs = timePerCall(20_000, () => parseHcl(unit, "terragrunt.hcl"));
const floorUs = timePerCall(20_000, () => charLoop(unit));
const rootUs = timePerCall(20_000, () => parseHcl(root, "root.hcl"));

// A large file: every corpus file's attributes renamed so they do not collide, ~5,000 lines.
const parts = [];
for (let i = 0; parts.join("\n").split("\n").length < 5000; i++) {
  parts.push(unit.replace(/^(\s*)inputs =/m, `$1inputs_${i} =`).replace(/^include "(\w+)"/gm, `include "$1_${i}"`));
  parts.push(`locals_${i} = { a = ${i}, b = "x-\${local.env}-${i}", c = [for x in range(${i % 7}) : x * 2] }\n`);
}
const large = parts
  .join("\n")
  .replace(/^locals \{/gm, "locals {")
  .replace(/^(terraform|dependencies) \{/gm, "$1 {");
const largeUs = timePerCall(20, () => parseHcl(large, "large.hcl"));

// 10,000 distinct files, parsed once each (cold-ish: each string is new to the parser).
const files = Array.from({ length: 10_000 }, (_, i) => unit.replace('"../vpc"', `"../vpc-${i}"`));
const t0 = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
for (const f of files) parseHcl(f, "terragrunt.hcl");
const cpu = process.cpuUsage(cpu0);
const tenThousandMs = Number(process.hrtime.bigint() - t0) / 1e6;
const tenThousandCpuMs = (cpu.user + cpu.system) / 1000;

// Evaluating every attribute of the unit's locals and inputs with the path functions stubbed.
const parsed = parseHcl(unit, "terragrunt.hcl");
const ctx = {
  variable: (name) => new Unknown(`${name} is not resolved in the bench`),
  functions: {
    ...standardFunctions,
    find_in_parent_folders: () => "/repo/root.hcl",
    read_terragrunt_config: () => ({ locals: { environment: "prod", aws_region: "eu-west-1" } }),
    get_terragrunt_dir: () => "/repo/live/prod/app",
    file: () => "{}",
  },
};
const attrs = [...parsed.body.attributes, ...parsed.body.blocks.flatMap((b) => b.body.attributes)];
const evalUs = timePerCall(20_000, () => {
  for (const a of attrs) evaluate(a.expr, ctx);
});

// hashicorp/hcl in WASM, same unit file.
await hcl2json("warm.hcl", unit);
const wasmN = 300;
const w0 = process.cpuUsage();
for (let i = 0; i < wasmN; i++) await hcl2json("terragrunt.hcl", unit);
const w = process.cpuUsage(w0);
const wasmUs = (w.user + w.system) / wasmN;

const fmt = (n) => (n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : n.toFixed(0));
console.log(`node ${process.version}, CPU time per operation (median of 5 rounds)`);
console.log(
  `terragrunt unit (${lines(unit)} lines, ${unit.length} chars):   ${fmt(unitUs)} µs/file (${fmt(unitUs / floorUs)}x a bare charCodeAt loop over it: ${fmt(floorUs)} µs)`,
);
console.log(`root.hcl        (${lines(root)} lines, ${root.length} chars):   ${fmt(rootUs)} µs/file`);
console.log(
  `large file      (${lines(large)} lines, ${(large.length / 1024).toFixed(0)} KiB): ${fmt(largeUs)} µs/file (${fmt(large.length / largeUs)} MB/s)`,
);
console.log(`10,000 distinct unit files:              ${fmt(tenThousandCpuMs)} ms CPU (${fmt(tenThousandMs)} ms wall)`);
console.log(`evaluate the unit's ${attrs.length} attributes:         ${fmt(evalUs)} µs`);
console.log(`@cdktn/hcl2json (WASM) on the unit:      ${fmt(wasmUs)} µs/file (${fmt(wasmUs / unitUs)}x slower)`);
