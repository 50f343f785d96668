/**
 * `runGit`: the one place a git process is started. Argument arrays, no shell; the environment of
 * `environment.ts`; a non-zero exit is returned (`git` throws it as a `GitError`).
 */
import { spawn, spawnSync } from "node:child_process";
import { gitEnvironment } from "./environment.js";

export interface GitCall {
  /** Written to git's stdin, which is then closed. */
  readonly input?: string | Buffer;
  /** Configuration for this call only (`key: value`, as `git -c`): never on a command line others can list. */
  readonly config?: Readonly<Record<string, string>>;
  /** Variables added for this call only. */
  readonly env?: Readonly<Record<string, string>>;
  /** Aborting kills the process; the call rejects with the abort's reason. */
  readonly signal?: AbortSignal | undefined;
}

export interface GitOutput<Stdout extends string | Buffer = string> {
  /** git's exit code (1 when a signal ended it). */
  readonly exitCode: number;
  readonly stdout: Stdout;
  readonly stderr: string;
}

/**
 * git exited non-zero, or could not be started. The message names the subcommand only: arguments can hold a
 * remote's URL with its credentials.
 */
export class GitError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
    options?: { cause?: unknown },
  ) {
    super(
      exitCode === null
        ? `git could not be started: ${stderr}`
        : `git ${args.find((arg) => !arg.startsWith("-")) ?? ""} failed: ${firstLine(stderr) || `exit ${exitCode}`}`,
      options,
    );
    this.name = "GitError";
  }

  /** git is not installed, or not on PATH. */
  get notInstalled(): boolean {
    return this.exitCode === null && (this.cause as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
  }
}

export function runGit(
  cwd: string,
  args: readonly string[],
  call: GitCall & { encoding: "buffer" },
): Promise<GitOutput<Buffer>>;
export function runGit(cwd: string, args: readonly string[], call?: GitCall): Promise<GitOutput>;
export function runGit(
  cwd: string,
  args: readonly string[],
  call: GitCall & { encoding?: "buffer" } = {},
): Promise<GitOutput<string | Buffer>> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", args, {
      cwd,
      env: gitEnvironment(call.config, call.env),
      stdio: [call.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      ...(call.signal ? { signal: call.signal } : {}),
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr!.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", (error: NodeJS.ErrnoException) => {
      // As execFile does: a process git started (ssh, a credential helper) can hold the pipes open after git
      // is killed, and would keep this process alive until it exits.
      for (const stream of [child.stdin, child.stdout, child.stderr]) stream?.destroy();
      if (error.name === "AbortError") reject(call.signal?.reason ?? error);
      else
        reject(
          new GitError(args, null, error.code === "ENOENT" ? "git is not installed or not on PATH" : error.message, {
            cause: error,
          }),
        );
    });
    child.on("close", (code) => {
      const stdout = Buffer.concat(out);
      resolve({
        exitCode: code ?? 1,
        stdout: call.encoding === "buffer" ? stdout : stdout.toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      });
    });
    if (call.input !== undefined) {
      // git may exit without reading its input (an early failure): a closed pipe is not our error.
      child.stdin!.on("error", () => undefined);
      child.stdin!.end(call.input);
    }
  });
}

/** stdout of a call that must succeed; a non-zero exit throws a `GitError` with git's message. */
export async function git(cwd: string, args: readonly string[], call: GitCall = {}): Promise<string> {
  const output = await runGit(cwd, args, call);
  if (output.exitCode !== 0) throw new GitError(args, output.exitCode, output.stderr);
  return output.stdout;
}

/** For the process's `exit` handler only, where nothing asynchronous runs: the exit code, output ignored. */
export function runGitSync(cwd: string, args: readonly string[]): number {
  return spawnSync("git", args, { cwd, env: gitEnvironment(), stdio: "ignore" }).status ?? 1;
}

function firstLine(text: string): string {
  return text.trim().split("\n")[0] ?? "";
}
