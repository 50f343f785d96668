/**
 * Ctrl-C and SIGTERM become an abort: running tools are interrupted, worktrees removed and the report
 * says what finished, failed and never started. A second signal exits at once (the worktrees are still
 * removed by the exit hook).
 */
import { setMaxListeners } from "node:events";
import { exitCodeOf } from "@gantry/errors";
export interface SignalAbort extends Disposable {
  signal: AbortSignal;
  /** The signal received, if any. */
  received(): NodeJS.Signals | null;
}

export function abortOnSignals(
  signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM"],
  onFirst?: (name: NodeJS.Signals) => void,
): SignalAbort {
  const controller = new AbortController();
  // Every running tool listens to this one signal; many parallel units are expected, not a leak.
  setMaxListeners(0, controller.signal);
  let received: NodeJS.Signals | null = null;
  const handler = (name: NodeJS.Signals) => {
    if (received !== null) process.exit(exitCodeOf("INTERRUPTED"));
    received = name;
    onFirst?.(name);
    controller.abort(new Error(`received ${name}`));
  };
  for (const name of signals) process.on(name, handler);
  const dispose = () => {
    for (const name of signals) process.off(name, handler);
  };
  return { signal: controller.signal, received: () => received, [Symbol.dispose]: dispose };
}
