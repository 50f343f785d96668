/**
 * Where the real tools' tests find them, and what a test does when one is missing: locally it skips, saying
 * why; under CI (`CI=true`, as GitHub Actions and `.ci/run`'s callers set) it fails, because CI builds
 * terragrunt from the Go module proxy, so its fixtures are there, and a corpus skipped without a word proves
 * nothing.
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";

const TERRAGRUNT_MODULE = "github.com/gruntwork-io/terragrunt@v1.1.3";

/** Terragrunt's `test/fixtures` in the Go module cache (where scripts/ensure-iac-tools.sh built it from), or undefined. */
export function terragruntFixturesDir(): string | undefined {
  const env = { ...process.env, PATH: `${process.env.PATH ?? ""}:/usr/local/go/bin` };
  const cache = spawnSync("go", ["env", "GOMODCACHE"], { encoding: "utf8", env });
  const roots = [cache.status === 0 ? cache.stdout.trim() : "", join(homedir(), "go/pkg/mod")].filter(Boolean);
  return roots.map((root) => join(root, TERRAGRUNT_MODULE, "test/fixtures")).find((dir) => existsSync(dir));
}

/** The real terragrunt: GANTRY_TERRAGRUNT, then PATH; undefined when neither has one. */
export function findTerragruntBinary(): string | undefined {
  const candidates = [
    process.env.GANTRY_TERRAGRUNT,
    ...(process.env.PATH ?? "").split(delimiter).map((dir) => join(dir, "terragrunt")),
  ];
  return candidates.find((candidate) => {
    if (!candidate) return false;
    try {
      accessSync(candidate, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * `found` when there is one. Otherwise, under CI, throws (the test file fails with `what` and `hint`); locally,
 * warns that the tests needing it are skipped and returns undefined (for `describe.skipIf`).
 */
export function realToolOrSkip<T>(found: T | undefined, what: string, hint: string): T | undefined {
  if (found !== undefined) return found;
  if (process.env.CI === "true" || process.env.CI === "1")
    throw new Error(`not found: ${what}. Under CI the tests that need it must run, not skip: ${hint}`);
  console.warn(`skipping the tests that need ${what}: not found (${hint})`);
  return undefined;
}
