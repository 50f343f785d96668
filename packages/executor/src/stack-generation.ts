/**
 * Units generated from stack files exist only once Terragrunt has generated their stack. Before the queue
 * runs, the job's worktree gets exactly the stacks it needs, as Terragrunt generates them:
 *
 * - which: the committed stack files (of the job's ref, so a destroy's come from the base commit) that
 *   generate the job's units or, transitively, the units they depend on (their outputs are read);
 *   `readsOfUnits` of `@gantry/change-detector` says both;
 * - how: `terragrunt stack generate` once per job, scoped by filters to those stack files and the stacks
 *   nested in them (`./DIR | type=stack` and `./DIR/** | type=stack`, Terragrunt's own advice); the queue then
 *   runs with `--no-stack-generate`, since `run --all` would otherwise generate every stack of the repository
 *   (fetching every remote catalog) whatever its filters;
 * - what is committed in a generated directory stays, and generation copies over it, as Terragrunt does
 *   (detection reads those files as the unit's too);
 * - a unit whose directory generation did not produce fails with Terragrunt's own error; the job's other
 *   units run.
 */
import { createWriteStream, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { listUnits, readsOfUnits } from "@gantry/change-detector";
import { runProcess } from "./process.js";
import type { QueueRunContext } from "./run-queue.js";
import type { IacTools } from "./tools.js";

export interface JobStacks {
  /** The committed stack files to generate, sorted. */
  stackFiles: string[];
  /** The job's units that are generated, with their stack file. */
  generated: Map<string, string>;
}

/**
 * The stack files a job needs at `ref`: those generating its units and, transitively, the units they depend
 * on. A commit without stack files costs one listing.
 */
export async function stacksOfJob(repo: string, ref: string, units: readonly string[]): Promise<JobStacks> {
  const listed = await listUnits({ repo, commit: ref });
  const stackFileOf = new Map(
    listed.flatMap((unit) => (unit.generatedBy ? [[unit.path, unit.generatedBy.stackFile] as const] : [])),
  );
  const generated = new Map(
    units.flatMap((unit) => (stackFileOf.has(unit) ? [[unit, stackFileOf.get(unit)!] as const] : [])),
  );
  if (stackFileOf.size === 0) return { stackFiles: [], generated };
  const stackFiles = new Set(generated.values());
  const seen = new Set(units);
  let round = [...units];
  while (round.length > 0) {
    const reports = await readsOfUnits({ repo, commit: ref, units: round });
    round = [...new Set(reports.flatMap((report) => report.dependencies))].filter((unit) => !seen.has(unit));
    for (const unit of round) {
      seen.add(unit);
      const stackFile = stackFileOf.get(unit);
      if (stackFile !== undefined) stackFiles.add(stackFile);
    }
  }
  return { stackFiles: [...stackFiles].sort(), generated };
}

/** The stack directories as Terragrunt's filters: each stack, and the stacks generated inside it. */
export function stackGenerateCommand(input: {
  tools: IacTools;
  worktree: string;
  stackFiles: readonly string[];
  parallelism: number;
}): { command: string; args: string[] } {
  const dirs = input.stackFiles.map((file) => dirname(file));
  const filters = dirs.flatMap((dir) => {
    const at = dir === "." ? "." : `./${dir}`;
    return ["--filter", `${at} | type=stack`, "--filter", `${at}/** | type=stack`];
  });
  return {
    command: input.tools.terragrunt,
    args: [
      "stack",
      "generate",
      "--non-interactive",
      "--no-color",
      "--working-dir",
      input.worktree,
      "--parallelism",
      String(input.parallelism),
      ...filters,
    ],
  };
}

export interface StackGeneration {
  /** The command as logs show it. */
  command: string;
  /** Job units whose directory generation did not produce, with Terragrunt's error. */
  failed: Map<string, string>;
  /** Where its output is kept (masked). */
  logPath: string;
  interrupted: boolean;
}

export async function generateJobStacks(
  context: Pick<QueueRunContext, "worktree" | "runDir" | "tools" | "env" | "masker" | "parallelism" | "signal"> & {
    stacks: JobStacks;
    display: (command: string, args: readonly string[]) => string;
  },
): Promise<StackGeneration> {
  const { worktree, masker } = context;
  const { command, args } = stackGenerateCommand({
    tools: context.tools,
    worktree,
    stackFiles: context.stacks.stackFiles,
    parallelism: context.parallelism,
  });
  const shown = masker.mask(context.display(command, args));
  const logPath = join(context.runDir, "stack-generate.log");
  const log = createWriteStream(logPath, { mode: 0o600 });
  log.write(`$ ${shown}\n`);
  // Terragrunt's errors span several lines: from an ERROR line to the next line that starts with a time.
  const errors: string[] = [];
  let inError = false;
  const outcome = await runProcess(command, args, {
    cwd: worktree,
    env: context.env,
    signal: context.signal,
    stdout: "lines",
    stderr: "lines",
    onLine: (line) => {
      const masked = masker.mask(line.split(worktree).join("$WORKTREE"));
      log.write(`${masked}\n`);
      const logged = /^\d\d:\d\d:\d\d\.\d+\s+([A-Z]+)\s+(.*)$/.exec(masked);
      if (logged) {
        inError = logged[1] === "ERROR";
        if (inError) errors.push(logged[2]!.trim());
      } else if (inError) errors[errors.length - 1] += `\n${masked}`;
    },
  });
  await new Promise((resolve) => log.end(resolve));
  const failed = new Map<string, string>();
  const fallback =
    outcome.exitCode === 0
      ? "terragrunt stack generate did not generate it"
      : `terragrunt stack generate failed (exit ${outcome.exitCode ?? outcome.signal ?? "none"})`;
  for (const [unit, stackFile] of context.stacks.generated) {
    const dir = join(worktree, unit);
    if (["terragrunt.hcl", "terragrunt.hcl.json"].some((name) => existsSync(join(dir, name)))) continue;
    // The errors about this unit (its destination) or its stack, else every error.
    const own = errors.filter(
      (error) => error.includes(`$WORKTREE/${unit}`) || error.includes(`[${dirname(stackFile)}]`),
    );
    failed.set(unit, (own.length > 0 ? own : errors).join("\n\n").trim() || fallback);
  }
  return { command: shown, failed, logPath, interrupted: outcome.interrupted };
}
