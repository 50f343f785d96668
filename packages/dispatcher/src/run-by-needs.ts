/**
 * Runs the nodes of a dependency graph: a node starts once everything it needs has succeeded, at most
 * `parallelism` at a time. A failure skips everything downstream (never runs it); an abort starts
 * nothing new and leaves the rest `not-started`. Needs outside the graph are ignored.
 * The in-process dispatcher runs a plan's jobs by their `needs` with it (a job's units are ordered by
 * Terragrunt's own queue).
 */
export type NodeOutcome = "succeeded" | "failed";
export type NodeStatus = NodeOutcome | "skipped" | "not-started";

export interface GraphRunOptions {
  parallelism: number;
  signal?: AbortSignal | undefined;
  run: (id: string) => Promise<NodeOutcome>;
  /** Told when a node is skipped, with the failed or skipped node that caused it. */
  onSkip?: (id: string, because: string) => void;
}

export async function runByNeeds(
  nodes: ReadonlyMap<string, readonly string[]>,
  options: GraphRunOptions,
): Promise<Map<string, NodeStatus>> {
  const status = new Map<string, NodeStatus>();
  for (const id of nodes.keys()) status.set(id, "not-started");
  const started = new Set<string>();
  const running = new Map<string, Promise<void>>();
  const limit = Math.max(1, options.parallelism);

  const settle = () => {
    // After an abort nothing is skipped: what never ran is reported `not-started`, as it is.
    if (options.signal?.aborted) return;
    // Propagate skips until nothing changes (a skip can make further nodes skippable).
    let changed = true;
    while (changed) {
      changed = false;
      for (const [id, needs] of nodes) {
        if (started.has(id) || status.get(id) !== "not-started") continue;
        const blocker = needs.find(
          (need) => nodes.has(need) && (status.get(need) === "failed" || status.get(need) === "skipped"),
        );
        if (blocker !== undefined) {
          status.set(id, "skipped");
          options.onSkip?.(id, blocker);
          changed = true;
        }
      }
    }
  };

  for (;;) {
    settle();
    if (!options.signal?.aborted) {
      for (const [id, needs] of nodes) {
        if (running.size >= limit) break;
        if (started.has(id) || status.get(id) !== "not-started") continue;
        if (!needs.every((need) => !nodes.has(need) || status.get(need) === "succeeded")) continue;
        started.add(id);
        const task = options
          .run(id)
          .catch((): NodeOutcome => "failed")
          .then((outcome) => {
            status.set(id, outcome);
            running.delete(id);
          });
        running.set(id, task);
      }
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  return status;
}
