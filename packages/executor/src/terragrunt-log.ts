/**
 * Terragrunt's JSON log (`--log-format json`), one object per line, read into what a job needs: which unit a
 * line belongs to, whether it is the tool's own output (and of which command), and the few debug messages
 * that say when a unit starts and finishes, where its module was copied to, and which dependency outputs it
 * read. Debug lines are read for these and never written anywhere (they hold dependency outputs in clear).
 *
 * The debug messages are Terragrunt's wording (v1.x), not a stable interface: when one is not recognised the
 * run still works, only with less (no live progress, no masking of dependency outputs before the end).
 */
import { isAbsolute, relative, resolve } from "node:path";
import { z } from "zod";

const lineSchema = z.looseObject({
  level: z.string(),
  msg: z.string(),
  "working-dir": z.string().optional(),
  "tf-command-args": z.array(z.string()).optional(),
});

export interface LogLine {
  /** Terragrunt's level (`info`, `warn`, `error`, `debug`…), `stdout`/`stderr` for the tool's own output, `raw` for a line that is not JSON. */
  level: string;
  /** The unit directory the line is about, relative to the worktree; null for run-wide lines. */
  unit: string | null;
  /** For the tool's output: the OpenTofu/Terraform command that printed it (`plan`, `init`, `output`…). */
  tfCommand: string | null;
  message: string;
}

export type QueueSignal =
  | { kind: "unit-running"; unit: string }
  | { kind: "unit-done"; unit: string; succeeded: boolean }
  /** Terragrunt starts the tool for the unit: `command` is its first argument (`init`, `plan`, `apply`…). */
  | { kind: "tool-command"; unit: string; command: string }
  /** The directory terragrunt runs the tool in for this unit (its copy of the module), relative to the worktree. */
  | { kind: "working-directory"; unit: string; directory: string }
  /** Terragrunt copied a module source into the unit's cache: `from` (a repository directory) into `into`. */
  | { kind: "download"; unit: string; from: string; into: string }
  /** A dependency's outputs as terragrunt read them for a dependent (`tofu output -json`). */
  | { kind: "dependency-outputs"; json: string };

/** A path terragrunt logged (absolute, or relative to the worktree with or without `./`), relative to the worktree. */
export function worktreeRelative(path: string, worktree: string): string {
  const absolute = isAbsolute(path) ? path : resolve(worktree, path);
  return relative(worktree, absolute).split("\\").join("/") || ".";
}

export function parseLogLine(text: string, worktree: string): LogLine {
  let parsed: z.infer<typeof lineSchema> | undefined;
  try {
    const result = lineSchema.safeParse(JSON.parse(text));
    if (result.success) parsed = result.data;
  } catch {
    // Not JSON: a panic, or output printed around the logger.
  }
  if (parsed === undefined) return { level: "raw", unit: null, tfCommand: null, message: text };
  const workingDir = parsed["working-dir"];
  return {
    level: parsed.level,
    unit: workingDir === undefined ? null : worktreeRelative(workingDir, worktree),
    tfCommand: parsed["tf-command-args"]?.[0] ?? null,
    message: parsed.msg,
  };
}

const patterns: Array<[RegExp, (match: RegExpExecArray, line: LogLine, worktree: string) => QueueSignal | null]> = [
  [
    /^Runner Pool Controller: running (.+)$/,
    (m, _l, w) => ({ kind: "unit-running", unit: worktreeRelative(m[1]!, w) }),
  ],
  [
    /^Runner Pool Controller: (.+) (succeeded|failed)$/,
    (m, _l, w) => ({ kind: "unit-done", unit: worktreeRelative(m[1]!, w), succeeded: m[2] === "succeeded" }),
  ],
  [
    /^Setting working directory to (.+)$/,
    (m, l, w) =>
      l.unit === null ? null : { kind: "working-directory", unit: l.unit, directory: worktreeRelative(m[1]!, w) },
  ],
  [
    /^Running command: \S+ (\S+)/,
    (m, l) => (l.unit === null ? null : { kind: "tool-command", unit: l.unit, command: m[1]! }),
  ],
  [/^Retrieved output from .+ as json: ([\s\S]*)$/, (m) => ({ kind: "dependency-outputs", json: m[1]! })],
];

const downloadPattern = /^Downloading Terraform configurations from (.+) into (.+)$/;

/** The queue event a line announces, if it is one of the messages above. */
export function queueSignal(line: LogLine, worktree: string): QueueSignal | null {
  if (line.level === "info" && line.unit !== null) {
    const match = downloadPattern.exec(line.message);
    if (match)
      return {
        kind: "download",
        unit: line.unit,
        from: worktreeRelative(match[1]!, worktree),
        into: worktreeRelative(match[2]!, worktree),
      };
    return null;
  }
  if (line.level !== "debug") return null;
  for (const [pattern, signal] of patterns) {
    const match = pattern.exec(line.message);
    if (match) return signal(match, line, worktree);
  }
  return null;
}

/** The values a dependency's `output -json` marks sensitive. */
export function sensitiveOutputValues(json: string): string[] {
  let outputs: unknown;
  try {
    outputs = JSON.parse(json);
  } catch {
    return [];
  }
  const values: string[] = [];
  const leaves = (value: unknown): void => {
    if (typeof value === "string") values.push(value);
    else if (typeof value === "number") values.push(String(value));
    else if (value !== null && typeof value === "object") Object.values(value).forEach(leaves);
  };
  if (outputs === null || typeof outputs !== "object") return values;
  for (const output of Object.values(outputs)) {
    if (output !== null && typeof output === "object" && (output as { sensitive?: unknown }).sensitive === true)
      leaves((output as { value?: unknown }).value);
  }
  return values;
}
