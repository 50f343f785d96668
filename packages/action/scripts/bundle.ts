#!/usr/bin/env node
// Builds the Action's one file, packages/action/dist/index.mjs (and beside it THIRD_PARTY_LICENSES.txt, the
// license notices of the npm packages in it), from the sources of every Gantry package it
// runs (the "@gantry/source" condition: no package build needed) and their dependencies. Deterministic: the
// same sources, lockfile and esbuild give the same bytes, which is how the test finds a stale bundle.
//
//   pnpm bundle:action            write both files (commit them with the change that made them stale)
//   pnpm bundle:action --check    exit 1 if a committed file differs from a fresh build
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { buildActionBundle } from "./bundle-options.ts";

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const { files } = await buildActionBundle(packageDir);

if (process.argv.includes("--check")) {
  let stale = false;
  for (const { path, contents } of files) {
    let committed: Buffer;
    try {
      committed = readFileSync(path);
    } catch {
      committed = Buffer.alloc(0);
    }
    if (Buffer.compare(committed, Buffer.from(contents)) !== 0) {
      console.error(`${relative(process.cwd(), path)} is stale: run \`pnpm bundle:action\` and commit it`);
      stale = true;
    } else {
      console.log(`${relative(process.cwd(), path)} is up to date`);
    }
  }
  if (stale) process.exit(1);
} else {
  for (const { path, contents } of files) {
    writeFileSync(path, contents);
    console.log(`wrote ${relative(process.cwd(), path)} (${(contents.length / 1024).toFixed(0)} KiB)`);
  }
}
