/**
 * Graph helpers for planning, iterative (a 10,000-unit dependency chain must not overflow the stack) and
 * linear in the size of the graph.
 */

/** Thrown by `topologicalOrder` with the nodes of one cycle, in order. */
export class CycleFound<T> extends Error {
  constructor(readonly cycle: T[]) {
    super("cycle");
  }
}

/**
 * Orders `nodes` so that every node comes after the nodes it depends on (dependencies outside `nodes` are
 * ignored). Ties keep the input order. Throws `CycleFound` on a cycle.
 */
export function topologicalOrder<T>(nodes: readonly T[], dependenciesOf: (node: T) => readonly T[]): T[] {
  const inSet = new Set(nodes);
  const state = new Map<T, 1 | 2>(); // 1: on the current path, 2: done
  const order: T[] = [];
  for (const root of nodes) {
    if (state.has(root)) continue;
    const stack: { node: T; dependencies: readonly T[]; next: number }[] = [
      { node: root, dependencies: dependenciesOf(root), next: 0 },
    ];
    state.set(root, 1);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      if (frame.next < frame.dependencies.length) {
        const dependency = frame.dependencies[frame.next++]!;
        if (!inSet.has(dependency) || dependency === frame.node) continue;
        const seen = state.get(dependency);
        if (seen === 2) continue;
        if (seen === 1) {
          const start = stack.findIndex((entry) => entry.node === dependency);
          throw new CycleFound([...stack.slice(start).map((entry) => entry.node), dependency]);
        }
        state.set(dependency, 1);
        stack.push({ node: dependency, dependencies: dependenciesOf(dependency), next: 0 });
      } else {
        state.set(frame.node, 2);
        order.push(frame.node);
        stack.pop();
      }
    }
  }
  return order;
}

/**
 * For each unit of `planned`, the planned units it depends on directly or through units that are not
 * planned: ordering between planned units must hold even when the link between them runs through an
 * unchanged unit. Results for unplanned units are memoized, so each is walked once.
 */
export function nearestPlannedDependencies(
  planned: ReadonlySet<string>,
  dependenciesOf: (unit: string) => readonly string[],
): Map<string, string[]> {
  const memo = new Map<string, ReadonlySet<string>>();
  const onPath = new Set<string>();

  const resolveUnplanned = (start: string): ReadonlySet<string> => {
    const cached = memo.get(start);
    if (cached) return cached;
    const stack: { unit: string; dependencies: readonly string[]; next: number; found: Set<string> }[] = [
      { unit: start, dependencies: dependenciesOf(start), next: 0, found: new Set() },
    ];
    onPath.add(start);
    let result: ReadonlySet<string> = new Set();
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      if (frame.next < frame.dependencies.length) {
        const dependency = frame.dependencies[frame.next++]!;
        if (planned.has(dependency)) {
          frame.found.add(dependency);
          continue;
        }
        const done = memo.get(dependency);
        if (done) {
          done.forEach((unit) => frame.found.add(unit));
        } else if (!onPath.has(dependency)) {
          onPath.add(dependency);
          stack.push({ unit: dependency, dependencies: dependenciesOf(dependency), next: 0, found: new Set() });
        }
      } else {
        stack.pop();
        onPath.delete(frame.unit);
        memo.set(frame.unit, frame.found);
        const parent = stack[stack.length - 1];
        if (parent) frame.found.forEach((unit) => parent.found.add(unit));
        result = frame.found;
      }
    }
    return result;
  };

  const result = new Map<string, string[]>();
  for (const unit of planned) {
    const found: string[] = [];
    for (const dependency of dependenciesOf(unit)) {
      if (planned.has(dependency)) found.push(dependency);
      else resolveUnplanned(dependency).forEach((reached) => found.push(reached));
    }
    result.set(
      unit,
      found.length > 1 || found[0] === unit ? [...new Set(found)].filter((reached) => reached !== unit) : found,
    );
  }
  return result;
}
