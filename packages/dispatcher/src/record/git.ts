/**
 * git for the record stores: argument arrays, no shell, no user or system configuration, no prompts, no hooks.
 * Extra configuration (an HTTP header carrying a token) goes through `GIT_CONFIG_*` environment variables, so
 * it never appears on a command line that other processes can list.
 */
import { execFile } from "node:child_process";

export interface GitOutput {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface GitCall {
  readonly input?: string;
  /** `key = value` configuration for this call only. */
  readonly config?: Readonly<Record<string, string>>;
}

const identity = {
  GIT_AUTHOR_NAME: "gantry",
  GIT_AUTHOR_EMAIL: "gantry@users.noreply.github.com",
  GIT_COMMITTER_NAME: "gantry",
  GIT_COMMITTER_EMAIL: "gantry@users.noreply.github.com",
};

export function runGit(repo: string, args: readonly string[], call: GitCall = {}): Promise<GitOutput> {
  const config = Object.entries({ "core.hooksPath": "/dev/null", ...call.config });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...identity,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
    LC_ALL: "C",
    GIT_CONFIG_COUNT: String(config.length),
  };
  config.forEach(([key, value], index) => {
    env[`GIT_CONFIG_KEY_${index}`] = key;
    env[`GIT_CONFIG_VALUE_${index}`] = value;
  });
  return new Promise((resolve, reject) => {
    const child = execFile("git", [...args], { cwd: repo, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof (error as { code?: unknown }).code !== "number") return reject(error);
      resolve({ exitCode: error ? Number((error as { code: number }).code) : 0, stdout, stderr });
    });
    // git may exit without reading its input (an early failure): a closed pipe is not our error.
    child.stdin?.on("error", () => undefined);
    child.stdin?.end(call.input ?? "");
  });
}

/** stdout of a call that must succeed; the error names the command (never the configuration) and git's message. */
export async function git(repo: string, args: readonly string[], call: GitCall = {}): Promise<string> {
  const output = await runGit(repo, args, call);
  if (output.exitCode !== 0) throw new Error(`git ${args[0]} failed: ${output.stderr.trim() || `exit ${output.exitCode}`}`);
  return output.stdout;
}

/** Configuration that sends `token` as HTTP basic auth (`x-access-token`), as GitHub takes tokens over https. */
export function basicAuthHeader(token: string): Record<string, string> {
  return { "http.extraHeader": `Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString("base64")}` };
}

/** `git merge-base --is-ancestor`: true when `ancestor` is `descendant` or one of its ancestors. */
export async function isAncestor(repo: string, ancestor: string, descendant: string): Promise<boolean> {
  const output = await runGit(repo, ["merge-base", "--is-ancestor", ancestor, descendant]);
  if (output.exitCode === 0) return true;
  if (output.exitCode === 1) return false;
  throw new Error(`git merge-base --is-ancestor ${ancestor} ${descendant} failed: ${output.stderr.trim()}`);
}

/** The full SHA of a commit, or undefined when the repository does not have it. */
export async function resolveCommit(repo: string, ref: string): Promise<string | undefined> {
  const output = await runGit(repo, ["rev-parse", "--verify", "--quiet", "--end-of-options", `${ref}^{commit}`]);
  return output.exitCode === 0 ? output.stdout.trim() : undefined;
}
