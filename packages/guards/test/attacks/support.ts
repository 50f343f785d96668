/**
 * The attacker's world, with real git: `origin` plays infrastructure-live on GitHub (its `main` is the
 * reviewed deploy branch; anyone may push another branch there), and `checkout(ref)` plays the pipelines
 * side's checkout of a job's commit (a clone whose `origin` is that repository, nothing persisted).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createTempGitRepo, runGit, type FileMap, type TempGitRepo } from "@gantry/testkit";

export const ACCOUNT = "111122223333";
export const PLAN_ROLE = `arn:aws:iam::${ACCOUNT}:role/gantry-plan`;
export const APPLY_ROLE = `arn:aws:iam::${ACCOUNT}:role/gantry-apply`;

export const include = 'include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\n';

export function gantryConfig(
  overrides: { deployBranch?: string; planRoleArn?: string; classifiers?: string[]; env?: Record<string, string> } = {},
): string {
  const lines = [
    ...(overrides.deployBranch ? [`deployBranch: ${overrides.deployBranch}`] : []),
    "environments:",
    "  - name: prod",
    '    paths: ["prod/**"]',
    "    aws:",
    `      accountId: "${ACCOUNT}"`,
    `      planRoleArn: ${overrides.planRoleArn ?? PLAN_ROLE}`,
    `      applyRoleArn: ${APPLY_ROLE}`,
    "      region: eu-west-1",
    "      sessionDuration: 900",
    ...(overrides.classifiers ? ["classifiers:", ...overrides.classifiers.map((name) => `  - "${name}"`)] : []),
    ...(overrides.env
      ? ["terragrunt:", "  env:", ...Object.entries(overrides.env).map(([name, value]) => `    ${name}: "${value}"`)]
      : []),
  ];
  return `${lines.join("\n")}\n`;
}

/** infrastructure-live as GitHub holds it: `main` reviewed, with three production units. */
export function infrastructureLive(files: FileMap = {}): TempGitRepo {
  return createTempGitRepo({
    ".gantry/config.yml": gantryConfig(),
    "root.hcl": "locals {}\n",
    "prod/app/terragrunt.hcl": include,
    "prod/db/terragrunt.hcl": include,
    "prod/queue/terragrunt.hcl": include,
    ...files,
  });
}

/** An attacker's branch: created from `from` (default main), committed, pushed (it stays in origin). */
export function pushBranch(origin: TempGitRepo, branch: string, files: FileMap, from = "main"): string {
  origin.git("checkout", "-q", "-B", branch, from);
  const sha = origin.commit(files, `${branch}: change`);
  origin.git("checkout", "-q", "main");
  return sha;
}

/** The pipelines side's checkout of `ref`: a fresh clone of origin, detached at the ref, no credentials. */
export function checkout(origin: TempGitRepo, ref: string): TempGitRepo {
  const holder = createTempGitRepo({}, { prefix: "gantry-checkout-" });
  const dir = join(holder.dir, "infrastructure-live");
  runGit(holder.dir, ["clone", "-q", "--no-checkout", origin.dir, dir]);
  runGit(dir, ["checkout", "-q", "--detach", ref]);
  return { ...holder, dir, git: (...args: string[]) => runGit(dir, args).trimEnd() };
}

export { refusal } from "../support.js";

export const markerExists = (path: string) => existsSync(path);
