import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));

describe("the gantry bin", () => {
  // pnpm links bins during install, before any build: a bin inside dist/ is silently not linked in a fresh
  // clone, and `pnpm exec gantry` (the README's first command) then fails.
  it("points at a committed file, not at a build output", () => {
    const manifest = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as {
      bin: Record<string, string>;
    };
    const target = join(packageDir, manifest.bin["gantry"]!);
    expect(relative(packageDir, target).startsWith("dist")).toBe(false);
    const tracked = execFileSync("git", ["ls-files", "--error-unmatch", target], { cwd: packageDir, encoding: "utf8" });
    expect(tracked.trim()).not.toBe("");
    expect(readFileSync(target, "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true);
  });
});
