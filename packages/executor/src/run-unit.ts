/**
 * Runs one unit's steps (see `unit-commands.ts`) with its own masked log file. A unit's failure is
 * contained: its result says which step failed and with what exit code; nothing else is touched.
 */
import { createWriteStream, type WriteStream } from "node:fs";
import { join } from "node:path";
import type { Transform } from "node:stream";
import type { Job } from "@gantry/classifier";
import { hasChanges, readJsonPlan, type PlanSummary } from "./plan-summary.js";
import { runProcess } from "./process.js";
import type { UnitResult } from "./result.js";
import type { SecretMasker } from "./masking.js";
import type { IacTools } from "./tools.js";
import { formatCommand, unitSteps } from "./unit-commands.js";

export interface UnitRunContext {
  job: Job;
  worktree: string;
  runDir: string;
  tools: IacTools;
  env: Record<string, string>;
  masker: SecretMasker;
  signal?: AbortSignal | undefined;
  killGraceMs?: number | undefined;
}

/** `dev/us-east-1/app` -> `dev__us-east-1__app`: one flat, readable file name per unit. */
export function unitFileStem(unit: string): string {
  return unit.replace(/^\/+|\/+$/g, "").replace(/\//g, "__") || "root";
}

/**
 * A command as logs and reports show it: the worktree and run directory as `$WORKTREE` / `$RUN_DIR`
 * (as on a dry run), so the output reads the same on every machine and stays short.
 */
function displayCommand(args: readonly string[], context: UnitRunContext): string {
  const shorten = (arg: string) => arg.split(context.worktree).join("$WORKTREE").split(context.runDir).join("$RUN_DIR");
  return formatCommand("terragrunt", args.map(shorten));
}

/** Ends a masking stream and waits until everything it held has reached the log. */
function drain(stream: Transform): Promise<void> {
  return new Promise((resolve) => {
    stream.once("end", resolve);
    stream.end();
  });
}

function closeStream(stream: WriteStream): Promise<void> {
  return new Promise((resolve) => stream.end(resolve));
}

export async function runUnit(unit: string, context: UnitRunContext): Promise<UnitResult> {
  const started = Date.now();
  const stem = unitFileStem(unit);
  const logPath = join(context.runDir, `${stem}.log`);
  const planFile = join(context.runDir, `${stem}.tfplan`);
  const steps = unitSteps({
    action: context.job.action,
    unitDir: join(context.worktree, unit),
    planFile,
    tools: context.tools,
    flags: context.job.terragrunt.flags,
    downloadDir: join(context.worktree, ".gantry-cache", stem),
  });
  const log = createWriteStream(logPath, { mode: 0o600 });
  const masked = () => {
    const stream = context.masker.createStream();
    stream.pipe(log, { end: false });
    return stream;
  };
  const writeLog = (text: string) => log.write(context.masker.mask(text));

  const commands: string[] = [];
  let plan: PlanSummary | null = null;
  let exitCode: number | null = null;
  let reason: string | null = null;
  let failed = false;
  const warnings: string[] = [];

  writeLog(`# gantry: ${context.job.action} ${unit} at ${context.job.ref} (job ${context.job.id})\n`);
  writeLog(`# gantry: $WORKTREE=${context.worktree} (removed after the job), $RUN_DIR=${context.runDir}\n`);
  for (const step of steps) {
    if (step.purpose === "apply" && plan !== null && warnings.length === 0 && !hasChanges(plan)) {
      writeLog(`\n# gantry: the plan has no changes; nothing to ${context.job.action}\n`);
      break;
    }
    const line = context.masker.mask(displayCommand(step.args, context));
    commands.push(line);
    writeLog(`\n$ ${line}\n`);
    const stdout = masked();
    const stderr = masked();
    const outcome = await runProcess(step.command, step.args, {
      cwd: context.worktree,
      env: context.env,
      signal: context.signal,
      stdout: step.purpose === "show" ? "capture" : stdout,
      stderr,
      killGraceMs: context.killGraceMs,
    });
    await Promise.all([drain(stdout), drain(stderr)]);
    exitCode = outcome.exitCode;
    if (outcome.spawnError !== null || outcome.interrupted || outcome.exitCode !== 0) {
      failed = true;
      reason = outcome.interrupted
        ? `interrupted during ${step.purpose}`
        : (outcome.spawnError ?? `${step.purpose} failed with exit code ${outcome.exitCode ?? "none"}`);
      writeLog(`\n# gantry: ${reason}\n`);
      break;
    }
    if (step.purpose === "show") {
      // A plan Gantry cannot summarise is a warning, never a failure: the saved plan is still applied.
      const read = readJsonPlan(outcome.stdout);
      // Learn the sensitive values before anything else prints: a dependent unit may receive them as plain inputs.
      context.masker.addAll(read.sensitive);
      plan = read.summary;
      if (read.warning !== null) warnings.push(read.warning);
      if (plan !== null) writeLog(`# gantry: plan summary: ${plan.add} to add, ${plan.change} to change, ${plan.destroy} to destroy, ${plan.import} to import\n`);
    }
  }
  await closeStream(log);
  return {
    unit,
    status: failed ? "failed" : "succeeded",
    exitCode,
    durationMs: Date.now() - started,
    logPath,
    planFile: plan === null ? null : planFile,
    plan,
    reason,
    commands,
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}
