/**
 * Run directories (`<git common dir>/gantry/runs/<timestamp>/…`: logs and saved plans) pile up on a machine
 * that runs Gantry often. Each new run removes the oldest ones beyond the newest `GANTRY_KEEP_RUNS` (default 20).
 * Only directories Gantry named (a timestamp) are removed. A run under an hour old is never removed, since it
 * may still be writing. A directory given with `--run-dir` is never pruned.
 */
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { GantryError } from "@gantry/errors";

export const DEFAULT_KEPT_RUNS = 20;
const MINIMUM_AGE_MS = 60 * 60 * 1000;
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z$/;

/** A run directory's name: the run's start as an ISO timestamp, with `:` and `.` made path-safe. */
export function runTimestamp(date = new Date()): string {
  return date.toISOString().replace(/[:.]/g, "-");
}

function startOf(name: string): number | undefined {
  const match = TIMESTAMP.exec(name);
  if (!match) return undefined;
  const time = Date.parse(`${match[1]}T${match[2]}:${match[3]}:${match[4]}.${match[5]}Z`);
  return Number.isNaN(time) ? undefined : time;
}

/** How many runs to keep: `GANTRY_KEEP_RUNS` (a whole number; 0 keeps every run), default 20. */
export function keptRunsFromEnv(env: NodeJS.ProcessEnv): number {
  const value = env.GANTRY_KEEP_RUNS;
  if (value === undefined || value === "") return DEFAULT_KEPT_RUNS;
  if (!/^\d+$/.test(value)) {
    throw new GantryError("EXEC_KEEP_RUNS_INVALID", `GANTRY_KEEP_RUNS must be a whole number of runs, not '${value}'`, {
      hint: "set GANTRY_KEEP_RUNS=20 (the default), or 0 to keep every run",
    });
  }
  return Number(value);
}

/**
 * Removes the oldest run directories under `runsRoot` beyond the newest `keep` (0: none is removed); returns
 * the names removed. Best effort: a directory that cannot be removed is left for the next run.
 */
export function pruneRunDirectories(runsRoot: string, keep: number, now = Date.now()): string[] {
  if (keep === 0) return [];
  let names: string[];
  try {
    names = readdirSync(runsRoot);
  } catch {
    return []; // no runs yet
  }
  const runs = names
    .map((name) => ({ name, start: startOf(name) }))
    .filter((run): run is { name: string; start: number } => run.start !== undefined)
    .sort((a, b) => b.start - a.start);
  const removed: string[] = [];
  for (const run of runs.slice(keep)) {
    if (now - run.start < MINIMUM_AGE_MS) continue;
    try {
      rmSync(join(runsRoot, run.name), { recursive: true, force: true });
      removed.push(run.name);
    } catch {
      // left for the next run
    }
  }
  return removed;
}
