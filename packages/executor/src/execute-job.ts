/**
 * `executeJob`: runs one `gantry/v1` job end to end.
 *
 * 1. guard (default: `@gantry/guards`, else "the commit and units exist"), on dry runs too;
 * 2. credentials for the job's environment (not on dry runs);
 * 3. a detached git worktree of `job.ref` in a temp directory (never the user's working tree);
 * 4. the units, as one Terragrunt queue (`run-queue.ts`): Terragrunt orders them by their dependencies and
 *    runs them with the job's parallelism; each unit keeps its own masked log and result;
 * 5. the worktree is removed whatever happened (failure, abort, or process exit).
 *
 * State: units are run in a fresh worktree each time, so the example's backend keeps state under
 * `GANTRY_STATE_DIR`, which is set for terragrunt to `options.stateDir`, else the caller's
 * `GANTRY_STATE_DIR`, else `<git common dir>/gantry/state` (stable across worktrees, never committed).
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { jobSchema, type Job } from "@gantry/classifier";
import { validateDocument, type DocumentSpec } from "@gantry/documents";
import { GantryError, exitCodeOf } from "@gantry/errors";
import { defaultCredentials, defaultGuard, type CredentialProvider, type JobGuard } from "./guard.js";
import { SecretMasker, secretsFromEnvironment, secretsFromGitConfig } from "./masking.js";
import { jobError, UNIT_ERROR_LIMIT, type JobError, type JobResult, type UnitResult } from "./result.js";
import { checkQueueFlags, checkUnitPaths, queueCommand, queueEnvironment } from "./queue-command.js";
import { displayCommand, runQueue } from "./run-queue.js";
import { findIacTools, type IacTools } from "./tools.js";
import { keptRunsFromEnv, pruneRunDirectories, runTimestamp } from "./run-directories.js";
import { createJobWorktree, gitCommonDir } from "./worktree.js";
import {
  generateJobStacks,
  stackGenerateCommand,
  stacksOfJob,
  type JobStacks,
  type StackGeneration,
} from "./stack-generation.js";
import { toolEnvironment } from "./tool-environment.js";

export type ExecutionEvent =
  | { type: "job-started"; job: Job; runDir: string | null }
  | { type: "unit-started"; job: Job; unit: string }
  | { type: "unit-finished"; job: Job; result: UnitResult }
  | { type: "job-finished"; result: JobResult };

export interface ExecuteOptions {
  /** The repository (any directory inside it); the job's commit must exist there. */
  repo: string;
  env?: NodeJS.ProcessEnv;
  dryRun?: boolean;
  /** Units run at once (Terragrunt's `--parallelism`); default: the job's `terragrunt.parallelism`. */
  parallelism?: number;
  /** Abort to interrupt: running tools get SIGINT, nothing new starts, the rest is `not-started`. */
  signal?: AbortSignal;
  /**
   * Asked right before the tools start (after the guard, the credentials and the worktree): false leaves every
   * unit `not-started`. A deployment passes its lease check here (`deployFromRecord`'s `mayStart`).
   */
  mayStart?: () => boolean;
  /** Where logs and plan files are kept (mode 0700); default `<git common dir>/gantry/runs/<timestamp>/<job id>`. */
  runDir?: string;
  /** Exported to terragrunt as GANTRY_STATE_DIR (see the module comment). */
  stateDir?: string;
  /** Shared with other jobs of a run so every secret is masked everywhere. */
  masker?: SecretMasker;
  guard?: JobGuard;
  credentials?: CredentialProvider;
  tools?: IacTools;
  onEvent?: (event: ExecutionEvent) => void;
  /** How long running tools get after SIGINT before SIGKILL. */
  killGraceMs?: number;
  /** Where the job's logs can be read when it runs in GitHub Actions (the run's URL); carried in the result. */
  logsUrl?: string | null;
}

/** The job `gantry execute` runs, read from a file or stdin. */
export const jobDocument = {
  kind: "Job",
  schema: jobSchema,
  code: "EXEC_JOB_INVALID",
  hint: "pass one element of `gantry plan --json`'s `jobs` array (apiVersion gantry/v1, kind Job)",
} as const satisfies DocumentSpec<typeof jobSchema>;

/** Validates a job document; errors name the field. */
export function parseJob(input: unknown, source = "job"): Job {
  return validateDocument(input, jobDocument, source);
}

/**
 * `<git common dir>/gantry/runs/<timestamp>`: outside every worktree, shared by them, never committed. Old
 * runs beyond `GANTRY_KEEP_RUNS` of `env` are pruned first (see `run-directories.ts`).
 */
export async function defaultRunDirectory(repo: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const runsRoot = join(await gitCommonDir(repo), "gantry", "runs");
  pruneRunDirectories(runsRoot, keptRunsFromEnv(env));
  return join(runsRoot, runTimestamp());
}

export async function defaultStateDirectory(repo: string, env: NodeJS.ProcessEnv): Promise<string> {
  const configured = env.GANTRY_STATE_DIR;
  if (configured !== undefined && configured !== "") return resolve(configured);
  return join(await gitCommonDir(repo), "gantry", "state");
}

function errorSummary(error: unknown): JobError {
  if (GantryError.isInstance(error)) return jobError(error.code, error.message, error.hint ?? null);
  return jobError("EXEC_UNEXPECTED", (error as Error)?.message ?? String(error), null);
}

function notStarted(unit: string, reason: string, commands: string[] = []): UnitResult {
  return {
    unit,
    status: "not-started",
    exitCode: null,
    durationMs: 0,
    logPath: null,
    planFile: null,
    plan: null,
    reason,
    commands,
  };
}

/** The exit code a job's result maps to: 0, the refusing guard's code, 30 for failed units, 130 when interrupted. */
export function jobExitCode(result: JobResult): number {
  if (result.interrupted) return exitCodeOf("INTERRUPTED");
  if (result.error) return result.error.exitCode;
  return result.status === "succeeded" ? 0 : exitCodeOf("JOB_FAILED");
}

export async function executeJob(jobInput: Job, options: ExecuteOptions): Promise<JobResult> {
  const job = parseJob(jobInput);
  const env = options.env ?? process.env;
  const repo = isAbsolute(options.repo) ? options.repo : resolve(options.repo);
  const masker = options.masker ?? new SecretMasker();
  const dryRun = options.dryRun ?? false;
  const startedAt = new Date();
  const result = (partial: Pick<JobResult, "status" | "units"> & Partial<JobResult>): JobResult => {
    const final: JobResult = {
      apiVersion: "gantry/v1",
      kind: "JobResult",
      job,
      interrupted: options.signal?.aborted ?? false,
      dryRun,
      startedAt: startedAt.toISOString(),
      durationMs: Date.now() - startedAt.getTime(),
      runDir: null,
      worktree: null,
      error: null,
      ...(options.logsUrl ? { logsUrl: options.logsUrl } : {}),
      ...partial,
    };
    options.onEvent?.({ type: "job-finished", result: final });
    return final;
  };
  masker.addAll(secretsFromEnvironment(env));
  masker.addAll(secretsFromEnvironment(job.terragrunt.env));
  masker.addAll(await secretsFromGitConfig(repo));

  let tools: IacTools;
  try {
    checkUnitPaths(job.units, job.id);
    checkQueueFlags(job.terragrunt.flags, job.id);
    tools = options.tools ?? findIacTools(env);
    await (options.guard ?? defaultGuard())(job, {
      repo,
      env,
      dryRun,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    return result({
      status: "failed",
      units: job.units.map((u) => notStarted(u, "refused before running")),
      error: errorSummary(error),
    });
  }
  const parallelism = options.parallelism ?? job.terragrunt.parallelism;

  if (dryRun) {
    options.onEvent?.({ type: "job-started", job, runDir: null });
    const queue = queueCommand({
      action: job.action,
      units: job.units,
      worktree: "$WORKTREE",
      tools,
      flags: job.terragrunt.flags,
      parallelism,
      reportFile: "$RUN_DIR/terragrunt-report.json",
      planDirectory: "$RUN_DIR/plans",
    });
    let command = masker.mask(displayCommand(queue.command, queue.args, "$WORKTREE", "$RUN_DIR"));
    try {
      const stacks = await stacksOfJob(repo, job.ref, job.units);
      if (stacks.stackFiles.length > 0) {
        const generate = stackGenerateCommand({
          tools,
          worktree: "$WORKTREE",
          stackFiles: stacks.stackFiles,
          parallelism,
        });
        command = `${masker.mask(displayCommand(generate.command, generate.args, "$WORKTREE", "$RUN_DIR"))} && ${command}`;
      }
    } catch (error) {
      return result({
        status: "failed",
        units: job.units.map((unit) => notStarted(unit, "its stacks could not be read")),
        error: errorSummary(error),
      });
    }
    return result({ status: "succeeded", command, units: job.units.map((unit) => notStarted(unit, "dry run")) });
  }

  let credentials;
  try {
    credentials = await (options.credentials ?? defaultCredentials())(job, { env });
  } catch (error) {
    return result({
      status: "failed",
      units: job.units.map((u) => notStarted(u, "no credentials")),
      error: errorSummary(error),
    });
  }
  masker.addAll(credentials.secrets);
  masker.addAll(secretsFromEnvironment(credentials.env));

  const runDir = options.runDir ?? join(await defaultRunDirectory(repo, env), job.id);
  // Plans and logs hold what the tools print: only the user may read them.
  mkdirSync(runDir, { recursive: true, mode: 0o700 });
  chmodSync(runDir, 0o700);
  const stateDir = options.stateDir ?? (await defaultStateDirectory(repo, env));
  mkdirSync(stateDir, { recursive: true });
  let toolEnv: Record<string, string>;
  try {
    toolEnv = toolEnvironment({ caller: env, job: job.terragrunt.env, credentials: credentials.env, stateDir });
  } catch (error) {
    return result({
      status: "failed",
      units: job.units.map((u) => notStarted(u, "refused before running")),
      error: errorSummary(error),
    });
  }
  toolEnv = queueEnvironment(withPluginCache(toolEnv, tools, await gitCommonDir(repo)));

  options.onEvent?.({ type: "job-started", job, runDir });
  if (options.signal?.aborted) {
    return result({ status: "failed", runDir, units: job.units.map((u) => notStarted(u, "interrupted before start")) });
  }

  let stacks: JobStacks;
  try {
    stacks = await stacksOfJob(repo, job.ref, job.units);
  } catch (error) {
    return result({
      status: "failed",
      runDir,
      units: job.units.map((u) => notStarted(u, "its stacks could not be read")),
      error: errorSummary(error),
    });
  }

  let worktree;
  try {
    worktree = await createJobWorktree(repo, job.ref, job.id);
  } catch (error) {
    return result({
      status: "failed",
      runDir,
      units: job.units.map((u) => notStarted(u, "no worktree")),
      error: errorSummary(error),
    });
  }
  let outcome;
  let generation: StackGeneration | null = null;
  try {
    // Where and how the tools run, for the stack generation and the queue alike.
    const tooling = {
      worktree: worktree.dir,
      runDir,
      tools,
      env: toolEnv,
      masker,
      parallelism,
      signal: options.signal,
    };
    // Asked once, as late as possible: whatever the stack generation and the queue run is started now.
    const refused = options.mayStart?.() === false;
    if (stacks.stackFiles.length > 0 && !refused) {
      generation = await generateJobStacks({
        ...tooling,
        stacks,
        display: (command, args) => displayCommand(command, args, worktree.dir, runDir),
      });
    }
    const failed = generation?.failed ?? new Map<string, string>();
    const runnable = job.units.filter((unit) => !failed.has(unit));
    if (refused) {
      outcome = {
        units: job.units.map((unit) => notStarted(unit, "not started: the deployment's lease may have expired")),
        command: "",
        error: null,
      };
    } else if (generation?.interrupted || options.signal?.aborted) {
      outcome = {
        units: job.units.map((unit) => notStarted(unit, "interrupted before start")),
        command: generation?.command ?? "",
        error: null,
      };
    } else if (runnable.length === 0) {
      outcome = { units: [], command: generation!.command, error: null };
    } else {
      outcome = await runQueue({
        ...tooling,
        job: runnable.length === job.units.length ? job : { ...job, units: runnable },
        killGraceMs: options.killGraceMs,
        onUnitStarted: (unit) => options.onEvent?.({ type: "unit-started", job, unit }),
        onUnitFinished: (unitResult) => options.onEvent?.({ type: "unit-finished", job, result: unitResult }),
      });
    }
    if (generation && failed.size > 0) {
      const ran = new Map(outcome.units.map((unit) => [unit.unit, unit]));
      for (const [unit, error] of failed) {
        const unitResult = ungenerated(unit, error, generation);
        options.onEvent?.({ type: "unit-finished", job, result: unitResult });
        ran.set(unit, unitResult);
      }
      outcome = { ...outcome, units: job.units.map((unit) => ran.get(unit)!) };
    }
    if (generation)
      outcome = {
        ...outcome,
        command:
          outcome.command === generation.command ? outcome.command : `${generation.command} && ${outcome.command}`,
      };
  } finally {
    await worktree.remove();
  }
  remaskLogs([...outcome.units.map((unit) => unit.logPath), join(runDir, "terragrunt.log")], masker);
  const units = outcome.units;
  return result({
    // A unit its own `exclude` block leaves out is what the configuration asks for, not a failure.
    status:
      units.every((u) => u.status === "succeeded" || u.excluded === true) && outcome.error === null
        ? "succeeded"
        : "failed",
    runDir,
    worktree: worktree.dir,
    units,
    command: outcome.command,
    error: outcome.error,
  });
}

/** A unit whose stack generation did not produce its directory: failed with Terragrunt's error, nothing run. */
function ungenerated(unit: string, error: string, generation: StackGeneration): UnitResult {
  const first =
    error
      .split("\n")
      .find((line) => line.trim() !== "")
      ?.trim() ?? "";
  return {
    unit,
    status: "failed",
    exitCode: null,
    durationMs: 0,
    logPath: generation.logPath,
    planFile: null,
    plan: null,
    reason: `its stack could not be generated: ${first}`.slice(0, 300),
    commands: [generation.command],
    error: error.slice(0, UNIT_ERROR_LIMIT),
  };
}

/**
 * A shared provider plugin cache, so each unit's init does not download the same providers again. Only for
 * OpenTofu, whose cache is safe when inits run in parallel (it locks; Terraform's is not documented so), and
 * only when the user configured none (`TF_PLUGIN_CACHE_DIR`, or a CLI configuration file that may set one).
 */
function withPluginCache(toolEnv: Record<string, string>, tools: IacTools, commonDir: string): Record<string, string> {
  if (tools.tfKind !== "tofu" || toolEnv.TF_PLUGIN_CACHE_DIR !== undefined || toolEnv.TF_CLI_CONFIG_FILE !== undefined)
    return toolEnv;
  const cache = join(commonDir, "gantry", "plugin-cache");
  mkdirSync(cache, { recursive: true });
  return { ...toolEnv, TF_PLUGIN_CACHE_DIR: cache };
}

/** Secrets learnt late (a sensitive output of a later unit) are masked in logs written earlier too. */
function remaskLogs(logs: Array<string | null>, masker: SecretMasker): void {
  for (const log of logs) {
    if (log === null || !existsSync(log)) continue;
    const text = readFileSync(log, "utf8");
    const masked = masker.mask(text);
    if (masked !== text) writeFileSync(log, masked, { mode: 0o600 });
  }
}
