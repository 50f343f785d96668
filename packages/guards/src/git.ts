/**
 * The few git plumbing calls the guards need, run in the repository with no system config. Every call
 * takes the check's abort signal: an interrupted check kills its git processes at once.
 */
import { execFile } from "node:child_process";

export interface GitResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface GitOptions {
  input?: string;
  signal?: AbortSignal | undefined;
  /** Variables added for this call only (e.g. the fetch's credentials, never written to disk). */
  env?: Record<string, string>;
}

export function runGit(repo: string, args: string[], options: GitOptions = {}): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      "git",
      args,
      {
        cwd: repo,
        encoding: "utf8",
        maxBuffer: 256 * 1024 * 1024,
        ...(options.signal ? { signal: options.signal } : {}),
        env: { ...process.env, GIT_TERMINAL_PROMPT: "0", GIT_CONFIG_NOSYSTEM: "1", LC_ALL: "C", ...options.env },
      },
      (error, stdout, stderr) => {
        if (error && typeof (error as { code?: unknown }).code !== "number") return reject(error);
        resolve({ exitCode: error ? Number((error as { code: number }).code) : 0, stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Runs git and returns stdout; a nonzero exit throws with git's own message. */
export async function git(repo: string, args: string[], options: GitOptions = {}): Promise<string> {
  const result = await runGit(repo, args, options);
  if (result.exitCode !== 0) throw new Error(`git ${args.join(" ")} failed: ${result.stderr.trim()}`);
  return result.stdout;
}

/** The full SHA of a commit, or null when the repository does not have it. */
export async function resolveCommit(repo: string, ref: string, signal?: AbortSignal): Promise<string | null> {
  const result = await runGit(repo, ["rev-parse", "--verify", "--quiet", "--end-of-options", `${ref}^{commit}`], { signal });
  return result.exitCode === 0 ? result.stdout.trim() : null;
}

/** `git merge-base --is-ancestor`: true when `ancestor` is `descendant` or one of its ancestors. */
export async function isAncestor(repo: string, ancestor: string, descendant: string, signal?: AbortSignal): Promise<boolean> {
  const result = await runGit(repo, ["merge-base", "--is-ancestor", ancestor, descendant], { signal });
  if (result.exitCode === 0) return true;
  if (result.exitCode === 1) return false;
  throw new Error(`git merge-base --is-ancestor ${ancestor} ${descendant} failed: ${result.stderr.trim()}`);
}

export interface TreeEntry {
  mode: string;
  type: string;
  object: string;
  path: string;
}

function parseLsTree(output: string): TreeEntry[] {
  return output
    .split("\0")
    .filter(Boolean)
    .map((line) => {
      const tab = line.indexOf("\t");
      const [mode = "", type = "", object = ""] = line.slice(0, tab).split(" ");
      return { mode, type, object, path: line.slice(tab + 1) };
    });
}

/** Every blob and symlink in the whole tree of a commit. */
export async function listTree(repo: string, commit: string, signal?: AbortSignal): Promise<TreeEntry[]> {
  return parseLsTree(await git(repo, ["ls-tree", "-r", "-z", "--full-tree", commit], { signal }));
}

/** Reads several blobs at once (`git cat-file --batch`), by object id. Sizes are bytes, so parse a Buffer. */
export function readBlobs(repo: string, objects: string[], signal?: AbortSignal): Promise<Map<string, string>> {
  const contents = new Map<string, string>();
  if (objects.length === 0) return Promise.resolve(contents);
  return new Promise((resolve, reject) => {
    const child = execFile(
      "git",
      ["cat-file", "--batch"],
      { cwd: repo, encoding: "buffer", maxBuffer: 256 * 1024 * 1024, env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1" }, ...(signal ? { signal } : {}) },
      (error, stdout) => {
        if (error) return reject(error);
        let offset = 0;
        while (offset < stdout.length) {
          const headerEnd = stdout.indexOf(0x0a, offset);
          const [object = "", , size = "0"] = stdout.subarray(offset, headerEnd).toString("utf8").split(" ");
          const length = Number(size);
          contents.set(object, stdout.subarray(headerEnd + 1, headerEnd + 1 + length).toString("utf8"));
          offset = headerEnd + 1 + length + 1;
        }
        resolve(contents);
      },
    );
    child.stdin?.end(`${objects.join("\n")}\n`);
  });
}

export async function hasRemote(repo: string, name: string, signal?: AbortSignal): Promise<boolean> {
  const result = await runGit(repo, ["remote"], { signal });
  return result.exitCode === 0 && result.stdout.split("\n").includes(name);
}

/**
 * The fetch's credentials, for this one git call: `GANTRY_CODE_READ_TOKEN` as the HTTP `Authorization` header
 * GitHub accepts (what actions/checkout writes to `.git/config`; here it is passed through git's
 * `GIT_CONFIG_COUNT` variables, so it is never on disk, in argv, or in any tool's environment).
 */
export function fetchCredentials(token: string | undefined): Record<string, string> {
  if (!token) return {};
  const basic = Buffer.from(`x-access-token:${token}`).toString("base64");
  return { GIT_CONFIG_COUNT: "1", GIT_CONFIG_KEY_0: "http.extraHeader", GIT_CONFIG_VALUE_0: `AUTHORIZATION: basic ${basic}` };
}
