import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { resolveInitSettings, type InitInput, type InitSettings } from "../src/index.js";

export const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), "../../..");

/** A commit of this repository, standing in for the Action's released commit. */
export const ACTION_SHA = "ac0b76b2d10c035e7b85d0e37bc39344f2b849b5";

export function acmeSettings(overrides: Partial<InitInput> = {}): InitSettings {
  return resolveInitSettings({
    liveRepository: "acme/infrastructure-live",
    pipelinesRepository: "acme/infrastructure-pipelines",
    awsAccountIds: ["dev=111111111111", "prod=222222222222"],
    action: { repository: "gantry-iac/gantry", sha: ACTION_SHA, version: "v0.1.0" },
    gantryVersion: "0.1.0",
    ...overrides,
  });
}

/** actionlint, built by scripts/ensure-actionlint.sh unless GANTRY_ACTIONLINT names one (scripts/test.sh does). */
export function actionlint(): string {
  return (
    process.env.GANTRY_ACTIONLINT ||
    execFileSync("bash", [join(repositoryRoot, "scripts/ensure-actionlint.sh")], { encoding: "utf8" }).trim()
  );
}

/** OpenTofu: GANTRY_TOFU (scripts/test.sh exports it), else the one scripts/ensure-iac-tools.sh builds. */
export function tofu(): string {
  if (process.env.GANTRY_TOFU) return process.env.GANTRY_TOFU;
  return join(
    execFileSync("bash", [join(repositoryRoot, "scripts/ensure-iac-tools.sh")], { encoding: "utf8" }).trim(),
    "tofu",
  );
}
