/**
 * The one `git cat-file --batch` reader: ONE long-lived process per reader; requests are written in one go and
 * the answers parsed from the stream as they arrive, so thousands of blobs cost one process, and a caller can
 * start on the first blobs while git still streams the others. Any object name works (`<sha>`,
 * `<commit>:<path>`); a missing one reads as null.
 */
import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import { gitEnvironment } from "./environment.js";
import { GitError } from "./run.js";

export interface BlobReaderOptions {
  /** Aborting kills the process: pending and later reads reject. */
  readonly signal?: AbortSignal | undefined;
  /** The error a failed read rejects with (default: the `GitError`), e.g. a package's own code. */
  readonly toError?: (error: GitError) => Error;
}

const ARGS = ["cat-file", "--batch"] as const;

export class BlobReader {
  private child: ChildProcess | undefined;
  /** Requests in the order written; `head` is the next one to answer (no O(n) `shift` on big batches). */
  private pending: Array<(value: Buffer | null) => void> = [];
  private head = 0;
  private buffer: Buffer = Buffer.alloc(0);
  private failure: GitError | undefined;

  constructor(
    private readonly cwd: string,
    private readonly options: BlobReaderOptions = {},
  ) {}

  private error(failure: GitError): Error {
    return this.options.toError ? this.options.toError(failure) : failure;
  }

  private start(): ChildProcess {
    if (this.child) return this.child;
    const child = spawn("git", ARGS, {
      cwd: this.cwd,
      env: gitEnvironment(),
      stdio: ["pipe", "pipe", "pipe"],
      ...(this.options.signal ? { signal: this.options.signal } : {}),
    });
    child.stdout!.on("data", (chunk: Buffer) => this.onData(chunk));
    const stderr: Buffer[] = [];
    child.stderr!.on("data", (chunk: Buffer) => stderr.push(chunk));
    const fail = (failure: GitError) => {
      this.failure ??= failure;
      for (const resolve of this.pending.slice(this.head)) resolve(null);
      this.pending = [];
      this.head = 0;
    };
    child.on("error", (error: NodeJS.ErrnoException) =>
      fail(
        new GitError(ARGS, null, error.code === "ENOENT" ? "git is not installed or not on PATH" : error.message, {
          cause: error,
        }),
      ),
    );
    child.on("close", (code) =>
      fail(new GitError(ARGS, code ?? 1, Buffer.concat(stderr).toString("utf8") || "git cat-file exited")),
    );
    child.stdin!.on("error", () => undefined);
    this.child = child;
    return child;
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const resolve = this.pending[this.head];
      if (!resolve) {
        this.pending = [];
        this.head = 0;
        return;
      }
      const newline = this.buffer.indexOf(10);
      if (newline === -1) return;
      const header = this.buffer.toString("latin1", 0, newline);
      if (header.endsWith(" missing") || header.endsWith(" ambiguous")) {
        this.buffer = this.buffer.subarray(newline + 1);
        this.head++;
        resolve(null);
        continue;
      }
      const size = Number(header.slice(header.lastIndexOf(" ") + 1));
      if (this.buffer.length < newline + 1 + size + 1) return;
      const content = Buffer.from(this.buffer.subarray(newline + 1, newline + 1 + size));
      this.buffer = this.buffer.subarray(newline + 1 + size + 1);
      this.head++;
      resolve(content);
    }
  }

  /** Reads many objects in one pipelined round trip; a missing object maps to null. */
  async readMany(names: readonly string[]): Promise<Map<string, Buffer | null>> {
    const requests = this.request(names);
    const result = new Map<string, Buffer | null>();
    for (const [name, promise] of requests) result.set(name, await promise);
    return result;
  }

  /** Requests objects and returns one promise per name, resolved as its bytes arrive; rejects if git fails. */
  request(names: readonly string[]): Map<string, Promise<Buffer | null>> {
    const unique = [...new Set(names)];
    const result = new Map<string, Promise<Buffer | null>>();
    if (unique.length === 0) return result;
    if (this.failure) throw this.error(this.failure);
    const child = this.start();
    for (const name of unique) {
      const promise = new Promise<Buffer | null>((resolveRead, reject) => {
        this.pending.push((value) => {
          if (value === null && this.failure) reject(this.error(this.failure));
          else resolveRead(value);
        });
      });
      promise.catch(() => undefined); // observed by the caller that awaits it; never an unhandled rejection
      result.set(name, promise);
    }
    child.stdin!.write(`${unique.join("\n")}\n`);
    return result;
  }

  close(): void {
    if (this.child) {
      this.child.removeAllListeners("close");
      this.child.stdin!.end();
      this.child = undefined;
    }
  }
}

/** Reads objects with one short-lived reader: `name → utf8 text`, missing names left out. */
export async function readBlobs(
  cwd: string,
  names: readonly string[],
  options: BlobReaderOptions = {},
): Promise<Map<string, string>> {
  const reader = new BlobReader(cwd, options);
  try {
    const contents = new Map<string, string>();
    for (const [name, content] of await reader.readMany(names))
      if (content !== null) contents.set(name, content.toString("utf8"));
    return contents;
  } finally {
    reader.close();
  }
}
