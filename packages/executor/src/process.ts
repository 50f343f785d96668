/**
 * Runs one tool process in a process group of its own, so an interrupt reaches terragrunt and the tofu
 * it started together: first SIGINT (OpenTofu stops cleanly and releases its state lock), then SIGKILL
 * if the group is still alive after a grace period.
 */
import { spawn } from "node:child_process";
import type { Writable } from "node:stream";

export interface ProcessOutcome {
  exitCode: number | null;
  /** The signal that ended the process (killed, out of memory, interrupted), if one did. */
  signal: NodeJS.Signals | null;
  /** True when the run was aborted through the signal. */
  interrupted: boolean;
  /** stdout, when asked to capture it. */
  stdout: string;
  /** A spawn error (binary missing, not executable), already a sentence. */
  spawnError: string | null;
}

export interface RunProcessOptions {
  cwd: string;
  env: Record<string, string>;
  signal?: AbortSignal | undefined;
  /** Where stdout goes; "capture" keeps it in memory instead (for `show -json`); "lines" hands it to `onLine`. */
  stdout: Writable | "capture" | "lines";
  stderr: Writable | "lines";
  /** Each complete line of the streams given as "lines" (without its newline), in the order it arrived. */
  onLine?: (line: string, stream: "stdout" | "stderr") => void;
  killGraceMs?: number;
}

/** Process groups still running; killed if this process exits first (e.g. a second Ctrl-C). */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

/** SIGKILLs every tool process group still running (exit hooks; the worktree hook calls it first). */
export function killLiveProcessGroups(): void {
  for (const pid of liveGroups) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  liveGroups.clear();
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", killLiveProcessGroups);
}

export function runProcess(command: string, args: string[], options: RunProcessOptions): Promise<ProcessOutcome> {
  return new Promise((resolve) => {
    if (options.signal?.aborted) {
      resolve({ exitCode: null, signal: null, interrupted: true, stdout: "", spawnError: null });
      return;
    }
    installExitHook();
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    if (child.pid !== undefined) liveGroups.add(child.pid);
    const captured: Buffer[] = [];
    let interrupted = false;
    let spawnError: string | null = null;
    let killTimer: NodeJS.Timeout | undefined;

    const signalGroup = (name: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, name);
      } catch {
        // The group is gone already.
      }
    };
    const onAbort = () => {
      interrupted = true;
      signalGroup("SIGINT");
      killTimer = setTimeout(() => signalGroup("SIGKILL"), options.killGraceMs ?? 10_000);
      killTimer.unref();
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });

    const splitters: Array<() => void> = [];
    const toLines = (stream: NodeJS.ReadableStream, name: "stdout" | "stderr") => {
      let pending = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        pending += chunk;
        const lines = pending.split("\n");
        pending = lines.pop()!;
        for (const line of lines) options.onLine?.(line, name);
      });
      splitters.push(() => {
        if (pending !== "") options.onLine?.(pending, name);
        pending = "";
      });
    };
    if (options.stdout === "capture") child.stdout.on("data", (chunk: Buffer) => captured.push(chunk));
    else if (options.stdout === "lines") toLines(child.stdout, "stdout");
    else child.stdout.pipe(options.stdout, { end: false });
    if (options.stderr === "lines") toLines(child.stderr, "stderr");
    else child.stderr.pipe(options.stderr, { end: false });

    child.on("error", (error) => {
      spawnError = `could not start ${command}: ${error.message}`;
    });
    child.on("close", (code, signal) => {
      if (child.pid !== undefined) liveGroups.delete(child.pid);
      options.signal?.removeEventListener("abort", onAbort);
      if (killTimer) clearTimeout(killTimer);
      for (const flush of splitters) flush();
      resolve({ exitCode: code, signal, interrupted, stdout: Buffer.concat(captured).toString("utf8"), spawnError });
    });
  });
}
