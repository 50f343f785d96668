#!/usr/bin/env node
// Builds the Action's one file, packages/action/dist/index.mjs, from the sources of every Gantry package it
// runs (the "@gantry/source" condition: no package build needed) and their dependencies. Deterministic: the
// same sources, lockfile and esbuild give the same bytes, which is how the test finds a stale bundle.
//
//   pnpm bundle:action            write the bundle (commit it with the change that made it stale)
//   pnpm bundle:action --check    exit 1 if the committed bundle differs from a fresh build
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { actionBundleOptions } from "./bundle-options.ts";

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const outfile = join(packageDir, "dist", "index.mjs");
const result = await build({ ...actionBundleOptions(packageDir), write: false });
const fresh = result.outputFiles![0]!.contents;

if (process.argv.includes("--check")) {
  let committed: Buffer;
  try {
    committed = readFileSync(outfile);
  } catch {
    committed = Buffer.alloc(0);
  }
  if (Buffer.compare(committed, Buffer.from(fresh)) !== 0) {
    console.error(`${relative(process.cwd(), outfile)} is stale: run \`pnpm bundle:action\` and commit it`);
    process.exit(1);
  }
  console.log(`${relative(process.cwd(), outfile)} is up to date`);
} else {
  writeFileSync(outfile, fresh);
  console.log(`wrote ${relative(process.cwd(), outfile)} (${(fresh.length / 1024).toFixed(0)} KiB)`);
}
