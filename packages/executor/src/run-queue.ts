/**
 * Runs a job's units as one Terragrunt queue (`queue-command.ts`) and turns what it prints into one result
 * per unit. While the queue runs, each line of Terragrunt's JSON log goes to its unit's log (`UnitRecorder`);
 * a unit's start and end are announced as they happen; a planned unit's saved plan is read with
 * `show -json` as soon as the unit ends, concurrently with the rest of the queue (its summary, and the values
 * it marks sensitive, which are masked from then on). Dependency outputs Terragrunt reads are scanned for
 * sensitive values before a dependent prints them. When the queue ends, Terragrunt's run report gives each
 * unit's result; a unit it never reported (Terragrunt killed, interrupted) is failed or not started,
 * and maybe partially applied if its apply had begun.
 */
import { chmodSync, createWriteStream, existsSync, readFileSync, renameSync, rmSync } from "node:fs";
import { basename, join } from "node:path";
import { z } from "zod";
import type { Job } from "@gantry/classifier";
import type { SecretMasker } from "./masking.js";
import { emptyPlanSummary, readJsonPlan, type PlanSummary } from "./plan-summary.js";
import { runProcess } from "./process.js";
import { formatCommand, jobFlags, queueCommand, ROOT_UNIT } from "./queue-command.js";
import { readAppliedCounts, resourcesInRenderedPlan } from "./rendered-output.js";
import { jobError, UNIT_ERROR_LIMIT, UNIT_OUTPUT_LIMIT, type JobResult, type UnitResult } from "./result.js";
import { parseLogLine, queueSignal, sensitiveOutputValues } from "./terragrunt-log.js";
import type { IacTools } from "./tools.js";
import { UnitRecorder } from "./unit-recorder.js";

export interface QueueRunContext {
  job: Job;
  worktree: string;
  runDir: string;
  tools: IacTools;
  env: Record<string, string>;
  masker: SecretMasker;
  parallelism: number;
  signal?: AbortSignal | undefined;
  killGraceMs?: number | undefined;
  onUnitStarted?: (unit: string) => void;
  onUnitFinished?: (result: UnitResult) => void;
}

export interface QueueRunOutcome {
  units: UnitResult[];
  /** The queue command as logs and reports show it. */
  command: string;
  error: JobResult["error"];
}

/**
 * `dev/us-east-1/app` -> `dev__us-east-1__app`: one flat, readable file name per unit. The root unit is
 * `(root)`: no unit path has parentheses, so it meets no other unit's file.
 */
export function unitFileStem(unit: string): string {
  return unit === ROOT_UNIT ? "(root)" : unit.replace(/^\/+|\/+$/g, "").replace(/\//g, "__");
}

/**
 * The unit an entry of Terragrunt's run report is about. The report names units relative to the worktree,
 * except the root unit: it names the working directory itself by its base name (the worktree's directory).
 */
function reportedUnit(name: string, worktree: string, rootInJob: boolean): string {
  const unit = name.replace(/^\.\//, "");
  return rootInJob && unit === basename(worktree) ? ROOT_UNIT : unit;
}

const reportSchema = z.array(
  z.looseObject({
    Name: z.string(),
    Result: z.string(),
    Reason: z.string().optional(),
    Cause: z.string().optional(),
    Started: z.string().optional(),
    Ended: z.string().optional(),
  }),
);
type ReportEntry = z.infer<typeof reportSchema>[number];

function readReport(file: string): ReportEntry[] | null {
  try {
    const parsed = reportSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** A command as logs show it: the worktree and run directory as `$WORKTREE` / `$RUN_DIR`. */
export function displayCommand(command: string, args: readonly string[], worktree: string, runDir: string): string {
  const shorten = (arg: string) => arg.split(runDir).join("$RUN_DIR").split(worktree).join("$WORKTREE");
  return formatCommand(command.endsWith("/terragrunt") ? "terragrunt" : command, args.map(shorten));
}

/** Runs `task`s at most `limit` at a time. */
function limiter(limit: number) {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

const partialHint =
  "it may be partially applied: re-run the job; if OpenTofu then reports the state locked, make sure no other run is applying this unit and release the lock (`tofu force-unlock LOCK_ID` in the unit)";

export async function runQueue(context: QueueRunContext): Promise<QueueRunOutcome> {
  const { job, worktree, runDir, masker } = context;
  const inJob = new Set(job.units);
  const reportFile = join(runDir, "terragrunt-report.json");
  const planDirectory = join(runDir, "plans");
  const queue = queueCommand({
    action: job.action,
    units: job.units,
    worktree,
    tools: context.tools,
    flags: job.terragrunt.flags,
    parallelism: context.parallelism,
    reportFile,
    planDirectory,
  });
  const shown = masker.mask(displayCommand(queue.command, queue.args, worktree, runDir));
  const planning = queue.mainCommand === "plan";
  const applying = !planning;

  const jobLog = createWriteStream(join(runDir, "terragrunt.log"), { mode: 0o600 });
  jobLog.write(
    masker.mask(
      `# gantry: ${job.action} ${job.units.length} unit(s) at ${job.ref} (job ${job.id})\n# gantry: $WORKTREE=${worktree} (removed after the job), $RUN_DIR=${runDir}\n$ ${shown}\n`,
    ),
  );
  const { dropped } = jobFlags(job.terragrunt.flags);
  if (dropped.length > 0)
    jobLog.write(
      masker.mask(`# gantry: not passed from terragrunt.flags (Gantry sets them itself): ${dropped.join(" ")}\n`),
    );
  const recorders = new Map<string, UnitRecorder>();
  const recorder = (unit: string) => {
    let found = recorders.get(unit);
    if (found === undefined) {
      const header = `# gantry: ${job.action} ${unit} at ${job.ref} (job ${job.id}); the job's command and run-wide messages: $RUN_DIR/terragrunt.log\n`;
      found = new UnitRecorder(unit, join(runDir, `${unitFileStem(unit)}.log`), {
        masker,
        mainCommand: queue.mainCommand,
        header,
        worktree,
      });
      recorders.set(unit, found);
    }
    return found;
  };

  const plans = new Map<
    string,
    { summary: PlanSummary | null; warning: string | null; planFile: string | null; command: string }
  >();
  const finishing: Promise<void>[] = [];
  const announced = new Set<string>();
  let lastUnit: string | null = null;
  const finished = new Set<string>();
  const readPlan = limiter(Math.max(1, context.parallelism));
  const finishUnit = (unit: string, succeeded: boolean) => {
    if (finished.has(unit)) return;
    finished.add(unit);
    const unitRecorder = recorder(unit);
    unitRecorder.finished();
    const work = (async () => {
      if (planning && succeeded) plans.set(unit, await readPlan(() => showPlan(unit, unitRecorder)));
      // Progress reports a unit once its plan is read, so its sensitive values are known before its log is shown.
      context.onUnitFinished?.(provisionalResult(unit, succeeded));
    })();
    finishing.push(work);
  };

  const showPlan = async (unit: string, unitRecorder: UnitRecorder) => {
    const saved = join(planDirectory, unit, "tfplan.tfplan");
    const planFile = join(runDir, `${unitFileStem(unit)}.tfplan`);
    // The unit's copy of its module (its providers are installed there), else the unit itself.
    const copied = unitRecorder.toolDirectory === null ? null : join(worktree, unitRecorder.toolDirectory);
    const directory = copied !== null && existsSync(copied) ? copied : join(worktree, unit);
    const args = ["show", "-json", "-no-color", saved];
    const command = masker.mask(
      displayCommand(context.tools.tf, args, worktree, runDir).replace(
        saved.replace(runDir, "$RUN_DIR"),
        planFile.replace(runDir, "$RUN_DIR"),
      ),
    );
    if (!existsSync(saved))
      return {
        summary: null,
        warning: "terragrunt saved no plan file for this unit; no summary",
        planFile: null,
        command,
      };
    const outcome = await runProcess(context.tools.tf, args, {
      cwd: directory,
      env: context.env,
      stdout: "capture",
      stderr: "lines",
      onLine: (line) => unitRecorder.note(`show -json: ${line}`),
    });
    renameSync(saved, planFile);
    chmodSync(planFile, 0o600);
    if (outcome.exitCode !== 0)
      return {
        summary: null,
        warning: `\`show -json\` of the saved plan failed (exit ${outcome.exitCode ?? "none"}); no summary`,
        planFile,
        command,
      };
    const read = readJsonPlan(outcome.stdout);
    masker.addAll(read.sensitive);
    if (read.warning !== null) unitRecorder.note(read.warning);
    return { summary: read.summary, warning: read.warning, planFile, command };
  };

  // Live progress only: the unit's final result (and its complete log) comes when the queue has ended.
  const provisionalResult = (unit: string, succeeded: boolean): UnitResult => ({
    ...buildResult(unit, succeeded ? "succeeded" : "failed", null),
    logPath: null,
  });

  const buildResult = (
    unit: string,
    status: UnitResult["status"],
    reason: string | null,
    extra: Partial<UnitResult> = {},
  ): UnitResult => {
    const unitRecorder = recorders.get(unit);
    const plan = plans.get(unit);
    const output = unitRecorder?.output(UNIT_OUTPUT_LIMIT, worktree) ?? null;
    const error = status === "failed" ? (unitRecorder?.error(UNIT_ERROR_LIMIT, worktree) ?? null) : null;
    const applied = applying && output !== null ? readAppliedCounts(output) : null;
    const warnings = plan?.warning ? [plan.warning] : [];
    const diagnostics = status === "failed" && unitRecorder ? unitRecorder.diagnostics(worktree) : [];
    return {
      unit,
      status,
      exitCode: status === "succeeded" ? 0 : null,
      durationMs: unitRecorder?.durationMs ?? 0,
      logPath: unitRecorder?.logPath ?? null,
      planFile: plan?.planFile ?? null,
      plan: planning ? (plan?.summary ?? null) : output !== null ? summaryFromRendered(output) : null,
      reason: reason ?? (status === "failed" ? firstLine(error) : null),
      commands: plan ? [plan.command] : [],
      output,
      error,
      ...(applied ? { applied } : {}),
      ...(warnings.length > 0 ? { warnings } : {}),
      ...(diagnostics.length > 0 ? { diagnostics } : {}),
      ...extra,
    };
  };

  const outcome = await runProcess(queue.command, queue.args, {
    cwd: worktree,
    env: context.env,
    signal: context.signal,
    killGraceMs: context.killGraceMs,
    stdout: "lines",
    stderr: "lines",
    onLine: (text) => {
      if (text.trim() === "") return;
      const line = parseLogLine(text, worktree);
      // Output printed around Terragrunt's logger (a hook's own output) names no unit: it belongs to the unit
      // whose command Terragrunt logged last.
      if (line.unit !== null) lastUnit = line.unit;
      else if (line.level === "raw" && lastUnit !== null) line.unit = lastUnit;
      const signal = queueSignal(line, worktree);
      if (signal !== null) {
        if (signal.kind === "dependency-outputs") masker.addAll(sensitiveOutputValues(signal.json));
        else if (!inJob.has(signal.unit)) return;
        else if (signal.kind === "unit-running") {
          recorder(signal.unit).started();
          if (!announced.has(signal.unit)) context.onUnitStarted?.(signal.unit);
          announced.add(signal.unit);
        } else if (signal.kind === "unit-done") finishUnit(signal.unit, signal.succeeded);
        else if (signal.kind === "working-directory") recorder(signal.unit).workingDirectory(signal.directory);
        else if (signal.kind === "tool-command") recorder(signal.unit).toolCommand(signal.command);
        else if (signal.kind === "download") recorder(signal.unit).download(signal.from, signal.into);
        if (signal.kind !== "download") return;
      }
      if (line.level === "debug" || line.level === "trace") return;
      if (line.unit !== null && inJob.has(line.unit)) recorder(line.unit).record(line);
      else
        jobLog.write(
          masker.mask(
            `${line.unit ? `[${line.unit}] ` : ""}${line.tfCommand === null && line.level !== "raw" ? `${line.level.toUpperCase().padEnd(6)} ` : ""}${line.message}${line.message.endsWith("\n") ? "" : "\n"}`,
          ),
        );
    },
  });
  await Promise.all(finishing);
  rmSync(planDirectory, { recursive: true, force: true }); // each saved plan was moved beside its unit's log

  const report = readReport(reportFile);
  const entries = new Map(
    (report ?? []).map((entry) => [reportedUnit(entry.Name, worktree, inJob.has(ROOT_UNIT)), entry]),
  );
  const outside = [...entries.keys()].filter((name) => !inJob.has(name));
  const toolDied = outcome.signal !== null || outcome.spawnError !== null;
  const units = job.units.map((unit) => {
    const entry = entries.get(unit);
    const unitRecorder = recorders.get(unit);
    // Gantry's own clock (first line to end, init included); Terragrunt's report when Gantry saw no start.
    const timing =
      unitRecorder?.startedAt == null && entry?.Started && entry.Ended
        ? { durationMs: Math.max(0, Date.parse(entry.Ended) - Date.parse(entry.Started)) }
        : {};
    if (entry?.Result === "succeeded") return buildResult(unit, "succeeded", null, timing);
    if (entry?.Result === "failed") {
      const killed = /signal: (\w+)/.exec(entry.Cause ?? "")?.[1];
      const stopped =
        context.signal?.aborted === true
          ? `interrupted during ${queue.mainCommand}`
          : killed
            ? `${queue.mainCommand} was killed (${killed})`
            : null;
      const partial = applying && stopped !== null && unitRecorder?.mainCommandStarted === true;
      const exit = /exit status (\d+)/.exec(entry.Cause ?? "");
      return buildResult(unit, "failed", stopped === null ? null : partial ? `${stopped}: ${partialHint}` : stopped, {
        ...timing,
        exitCode: exit ? Number(exit[1]) : null,
        ...(partial ? { mayBePartiallyApplied: true } : {}),
      });
    }
    if (entry?.Result === "early exit" && context.signal?.aborted)
      return buildResult(unit, "not-started", "interrupted before start", { logPath: null });
    if (entry?.Result === "early exit") {
      const cause = entry.Cause
        ? (job.units.find((other) => other.split("/").pop() === entry.Cause && other !== unit) ?? entry.Cause)
        : "a unit it depends on";
      return buildResult(unit, "skipped", `${cause} did not succeed`, { logPath: null });
    }
    if (entry?.Result === "excluded")
      return buildResult(unit, "skipped", "excluded by its Terragrunt configuration (`exclude`)", {
        logPath: null,
        excluded: true,
      });
    // Not in the report: Terragrunt was stopped, died, or failed before it ran the queue.
    if (unitRecorder?.startedAt == null) {
      const why = context.signal?.aborted
        ? "interrupted before start"
        : toolDied || report === null
          ? "terragrunt stopped before running it"
          : "never started";
      return buildResult(unit, "not-started", why, { logPath: null });
    }
    const partial = applying && unitRecorder.mainCommandStarted;
    const how = context.signal?.aborted
      ? `interrupted during ${queue.mainCommand}`
      : `terragrunt stopped during ${queue.mainCommand}${outcome.signal ? ` (${outcome.signal})` : ""}`;
    return buildResult(
      unit,
      "failed",
      partial ? `${how}: ${partialHint}` : how,
      partial ? { mayBePartiallyApplied: true } : {},
    );
  });
  await Promise.all([...recorders.values()].map((unitRecorder) => unitRecorder.close()));
  for (const unit of units) if (!finished.has(unit.unit)) context.onUnitFinished?.(unit);
  await new Promise((resolve) => jobLog.end(resolve));

  let error: JobResult["error"] = null;
  if (outside.length > 0) {
    error = jobError(
      "EXEC_QUEUE_OUTSIDE_JOB",
      `terragrunt ran units that are not in the job: ${outside.join(", ")}`,
      "report this: Gantry restricts the queue to the job's units",
    );
  } else if (report === null && !context.signal?.aborted && units.some((unit) => unit.status !== "succeeded")) {
    const last = lastErrorLine(join(runDir, "terragrunt.log"));
    error = jobError(
      "EXEC_QUEUE_FAILED",
      `terragrunt ended (${outcome.spawnError ?? (outcome.signal ? `signal ${outcome.signal}` : `exit ${outcome.exitCode}`)}) without a run report${last ? `: ${last}` : ""}`,
      "see $RUN_DIR/terragrunt.log for terragrunt's own messages",
    );
  }
  return { units, command: shown, error };
}

function firstLine(text: string | null): string | null {
  const line = text?.split("\n").find((candidate) => candidate.trim() !== "");
  return line === undefined ? null : line.trim().slice(0, 300);
}

function lastErrorLine(logFile: string): string | null {
  try {
    const lines = readFileSync(logFile, "utf8")
      .split("\n")
      .filter((line) => /^ERROR\s/.test(line));
    return (
      lines
        .at(-1)
        ?.replace(/^ERROR\s+/, "")
        .slice(0, 300) ?? null
    );
  } catch {
    return null;
  }
}

/** The plan an apply printed before applying, read from its headers (no JSON exists for it). */
function summaryFromRendered(output: string): PlanSummary {
  const resources = resourcesInRenderedPlan(output);
  const summary = emptyPlanSummary();
  summary.addresses = {
    create: resources.create,
    update: resources.update,
    delete: resources.delete,
    replace: resources.replace,
    import: resources.import,
  };
  if (resources.forget.length > 0) summary.addresses.forget = resources.forget;
  if (resources.read.length > 0) summary.addresses.read = resources.read;
  if (resources.moves.length > 0) summary.moves = resources.moves;
  summary.add = resources.create.length + resources.replace.length;
  summary.change = resources.update.length;
  summary.destroy = resources.delete.length + resources.replace.length;
  summary.import = resources.import.length;
  if (resources.forget.length > 0) summary.forget = resources.forget.length;
  summary.outputChanges = /\nChanges to Outputs:\n/.test(output);
  return summary;
}
