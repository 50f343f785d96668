/**
 * Runs jobs as their `needs` allow: a job starts when every job it needs has succeeded, at most
 * `parallelism` at once; a job whose need failed (or was skipped) is skipped, never run; after an abort
 * nothing new starts and whatever has not started is reported `not-started`.
 */
export type ScheduledStatus = "succeeded" | "failed" | "skipped" | "not-started";

export interface ScheduleOptions {
  parallelism: number;
  signal?: AbortSignal | undefined;
  start: (id: string) => Promise<boolean>;
  onSkipped?: (id: string, because: string) => void;
}

export async function scheduleByNeeds(needs: ReadonlyMap<string, readonly string[]>, options: ScheduleOptions): Promise<Map<string, ScheduledStatus>> {
  const status = new Map<string, ScheduledStatus>([...needs.keys()].map((id) => [id, "not-started"]));
  const running = new Map<string, Promise<void>>();
  const waiting = new Set(needs.keys());
  const limit = Math.max(1, options.parallelism);
  for (;;) {
    // After an abort nothing is skipped: what never ran is reported `not-started`.
    let progressed = !options.signal?.aborted;
    while (progressed) {
      progressed = false;
      for (const id of waiting) {
        const blocker = needs.get(id)!.find((need) => status.get(need) === "failed" || status.get(need) === "skipped");
        if (blocker !== undefined) {
          waiting.delete(id);
          status.set(id, "skipped");
          options.onSkipped?.(id, blocker);
          progressed = true;
        }
      }
    }
    for (const id of waiting) {
      if (options.signal?.aborted || running.size >= limit) break;
      if (!needs.get(id)!.every((need) => status.get(need) === "succeeded")) continue;
      waiting.delete(id);
      const task = options
        .start(id)
        .catch(() => false)
        .then((succeeded) => {
          status.set(id, succeeded ? "succeeded" : "failed");
          running.delete(id);
        });
      running.set(id, task);
    }
    if (running.size === 0) return status;
    await Promise.race(running.values());
  }
}
