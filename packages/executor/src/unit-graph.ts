/**
 * The order units of one job run in. Terragrunt knows the dependency graph (`dependency` and
 * `dependencies` blocks), so it is asked (`terragrunt find --json --dependencies`) in the job's
 * worktree. A unit waits for every unit of the same job it depends on, directly or through units that
 * are not in the job; for destroys the edges are reversed (dependents go first). If terragrunt cannot
 * tell, the job's own order (which the planner already sorted) is followed one unit at a time.
 */
import { isAbsolute, relative, resolve } from "node:path";
import { Writable } from "node:stream";
import { z } from "zod";
import type { JobAction } from "@gantry/classifier";
import { runProcess } from "./process.js";
import type { IacTools } from "./tools.js";

const findOutputSchema = z.array(z.looseObject({ type: z.string(), path: z.string(), dependencies: z.array(z.string()).nullish() }));

/** Each unit's direct dependencies, as repository-relative paths. */
export type DependencyMap = Map<string, string[]>;

export async function discoverUnitDependencies(
  worktree: string,
  tools: IacTools,
  env: Record<string, string>,
  signal?: AbortSignal,
): Promise<DependencyMap | null> {
  // Only the answer matters: when terragrunt cannot give it, the job's own order is used instead.
  const discard = new Writable({ write: (_chunk, _encoding, done) => done() });
  const outcome = await runProcess(tools.terragrunt, ["find", "--json", "--dependencies", "--no-color", "--log-level", "error"], {
    cwd: worktree,
    env,
    signal,
    stdout: "capture",
    stderr: discard,
  });
  if (outcome.exitCode !== 0) return null;
  const parsed = findOutputSchema.safeParse(safeJson(outcome.stdout));
  if (!parsed.success) return null;
  const normalise = (path: string) => relative(worktree, isAbsolute(path) ? path : resolve(worktree, path)).split("\\").join("/");
  const map: DependencyMap = new Map();
  for (const entry of parsed.data) {
    if (entry.type !== "unit") continue;
    map.set(normalise(entry.path), (entry.dependencies ?? []).map(normalise));
  }
  return map;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function reachable(from: string, graph: DependencyMap): Set<string> {
  const seen = new Set<string>();
  const stack = [...(graph.get(from) ?? [])];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...(graph.get(next) ?? []));
  }
  return seen;
}

/** For each unit of the job, the units of the same job that must finish first. */
export function unitNeeds(units: readonly string[], action: JobAction, dependencies: DependencyMap | null): Map<string, string[]> {
  const needs = new Map<string, string[]>(units.map((unit) => [unit, []]));
  if (dependencies === null) {
    units.forEach((unit, index) => {
      if (index > 0) needs.set(unit, [units[index - 1]!]);
    });
    return needs;
  }
  const inJob = new Set(units);
  const destroying = action === "destroy" || action === "plan-destroy";
  for (const unit of units) {
    for (const dependency of reachable(unit, dependencies)) {
      if (!inJob.has(dependency) || dependency === unit) continue;
      if (destroying) needs.get(dependency)!.push(unit);
      else needs.get(unit)!.push(dependency);
    }
  }
  return needs;
}
