/** The git questions more than one package asks, answered once. */
import { runGit } from "./run.js";

/** The full SHA of a commit, or undefined when the repository does not have it. */
export async function resolveCommit(cwd: string, ref: string, signal?: AbortSignal): Promise<string | undefined> {
  const output = await runGit(cwd, ["rev-parse", "--verify", "--quiet", "--end-of-options", `${ref}^{commit}`], {
    signal,
  });
  return output.exitCode === 0 ? output.stdout.trim() : undefined;
}

/** `git merge-base --is-ancestor`: true when `ancestor` is `descendant` or one of its ancestors. */
export async function isAncestor(
  cwd: string,
  ancestor: string,
  descendant: string,
  signal?: AbortSignal,
): Promise<boolean> {
  const output = await runGit(cwd, ["merge-base", "--is-ancestor", ancestor, descendant], { signal });
  if (output.exitCode === 0) return true;
  if (output.exitCode === 1) return false;
  throw new Error(`git merge-base --is-ancestor ${ancestor} ${descendant} failed: ${output.stderr.trim()}`);
}

/**
 * Configuration that sends a GitHub token as HTTP basic auth (`x-access-token`), as GitHub takes tokens over
 * https: what actions/checkout writes to `.git/config`, given here for one call (`GitCall.config`) so it is
 * never on disk, in argv, or in any tool's environment.
 */
export function basicAuthConfig(token: string): Record<string, string> {
  return { "http.extraHeader": `Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString("base64")}` };
}

/**
 * Configuration for a checkout (`git worktree add`) that runs none of the filter drivers the repository's own
 * configuration defines: a `.gitattributes` in the checked-out tree names the driver, and `.git/config` (which
 * code a plan runs can write) would say what program it is. Drivers of the operator's global configuration
 * (Git LFS) still run.
 */
export async function checkoutConfig(cwd: string): Promise<Record<string, string>> {
  const output = await runGit(cwd, ["config", "--local", "--includes", "--name-only", "--get-regexp", "^filter\\."]);
  const config: Record<string, string> = {};
  for (const key of output.stdout.split("\n")) {
    const driver = /^filter\.(.+)\.[^.]+$/.exec(key.trim())?.[1];
    if (driver === undefined) continue;
    for (const command of ["clean", "smudge", "process"]) config[`filter.${driver}.${command}`] = "";
    config[`filter.${driver}.required`] = "false";
  }
  return config;
}
