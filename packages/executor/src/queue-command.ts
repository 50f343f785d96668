/**
 * The one terragrunt command that runs a job's units: `terragrunt run --all` restricted to exactly the job's
 * units (one path filter each), so Terragrunt orders them by their dependencies, runs them with the job's
 * parallelism, reads each dependency's outputs once, and reports per unit. Its JSON log is split per unit
 * by Gantry (`terragrunt-log.ts`), so every unit still has its own log, status and result.
 *
 * | action       | OpenTofu command run for each unit                                   |
 * |--------------|----------------------------------------------------------------------|
 * | plan         | `plan -out` (into `--out-dir`), then Gantry reads it with `show -json` |
 * | plan-destroy | `plan -destroy -out`, idem                                           |
 * | apply        | `apply -auto-approve`: plans and applies in one step, prints both    |
 * | destroy      | `destroy -auto-approve` (Terragrunt runs dependents first)           |
 *
 * The job's `terragrunt.flags` come first, without the ones Gantry sets itself; flags that would add units are
 * refused (`checkQueueFlags`).
 */
import type { JobAction } from "@gantry/classifier";
import { GantryError } from "@gantry/errors";
import type { IacTools } from "./tools.js";

export interface QueueCommandInput {
  action: JobAction;
  units: readonly string[];
  worktree: string;
  tools: IacTools;
  /** Extra terragrunt flags from the job (`terragrunt.flags`). */
  flags: readonly string[];
  parallelism: number;
  /** Where terragrunt writes its run report (JSON). */
  reportFile: string;
  /** Where `plan -out` files go (plan and plan-destroy only). */
  planDirectory: string;
}

export interface QueueCommand {
  command: string;
  args: string[];
  /** The OpenTofu command each unit runs (`plan`, `apply`, `destroy`): its output is the unit's report output. */
  mainCommand: "plan" | "apply" | "destroy";
}

/**
 * Unit paths Gantry passes to Terragrunt's filter as they are. A path filter is a glob, and `{ } [ ] ( ) ! | = ^`
 * and `...` are filter syntax: a unit named with them would select other units, so it is refused instead. A
 * segment may start with one dot: units generated from stack files live in `.terragrunt-stack`. The root unit
 * is `.` (its filter `./.` selects the root directory alone).
 */
const FILTER_SAFE_UNIT = /^(?!.*\.\.\.)\.?[A-Za-z0-9_][A-Za-z0-9._@+,~-]*(\/\.?[A-Za-z0-9_][A-Za-z0-9._@+,~-]*)*$/;
export const ROOT_UNIT = ".";

export function checkUnitPaths(units: readonly string[], jobId: string): void {
  units.forEach((unit, index) => {
    if (unit !== ROOT_UNIT && !FILTER_SAFE_UNIT.test(unit)) {
      throw new GantryError(
        "EXEC_UNIT_PATH_UNSUPPORTED",
        `job ${jobId}: field "units[${index}]": the unit path ${JSON.stringify(unit)} has characters Terragrunt's filters read as syntax`,
        {
          hint: "rename the unit directory to letters, digits and . _ - @ + , ~ (no spaces, globs, braces or brackets)",
        },
      );
    }
  });
}

/**
 * What Gantry decides about the queue: which units run, where its log, plans and report go. Terragrunt's
 * filters are a union, so a `--filter` (or `--queue-include-…`) among the job's flags would add units: such
 * flags are refused. Flags Gantry sets itself are dropped from the job's flags (Terragrunt refuses a flag
 * given twice), and the Terragrunt variables of both kinds are not passed (`queueEnvironment`).
 */
const SELECTION_FLAG =
  /^--(filter|filters-file|filter-affected|queue-|units-that-include|modules-that-include|include-dir|exclude-dir|excludes-file|strict-include|include-external|ignore-external|ignore-dependency|graph)/;
/** Gantry's own flags, and whether each takes a value. */
const GANTRY_FLAGS: Record<string, boolean> = {
  "--non-interactive": false,
  "--no-color": false,
  "--no-filters-file": false,
  "--no-stack-generate": false,
  "--log-format": true,
  "--log-level": true,
  "--working-dir": true,
  "--tf-path": true,
  "--parallelism": true,
  "--report-file": true,
  "--report-format": true,
  "--out-dir": true,
  "--json-out-dir": true,
};
const QUEUE_VARIABLE =
  /^(TG|TERRAGRUNT)_(FILTER|QUEUE_|UNITS_THAT|MODULES_THAT|INCLUDE_DIR|EXCLUDE_DIR|EXCLUDES_FILE|STRICT_INCLUDE|INCLUDE_EXTERNAL|IGNORE_EXTERNAL|IGNORE_DEPENDENCY|GRAPH|WORKING_DIR|OUT_DIR|JSON_OUT_DIR|REPORT_|LOG_FORMAT|LOG_LEVEL|LOG_DISABLE|JSON_LOG|TF_FORWARD_STDOUT|FORWARD_TF_STDOUT|PARALLELISM|NO_FILTERS_FILE|NO_STACK_GENERATE|TF_PATH|NON_INTERACTIVE|NO_COLOR)/;

export function checkQueueFlags(flags: readonly string[], jobId: string): void {
  flags.forEach((flag, index) => {
    if (SELECTION_FLAG.test(flag)) {
      throw new GantryError(
        "EXEC_FLAG_UNSUPPORTED",
        `job ${jobId}: field "terragrunt.flags[${index}]": ${flag} changes which units Terragrunt runs, which Gantry decides (the job's units, exactly)`,
        {
          hint: "remove it from terragrunt.flags in .gantry/config.yml",
        },
      );
    }
  });
}

/** The job's flags without the ones Gantry sets itself (with their values), and the ones dropped. */
export function jobFlags(flags: readonly string[]): { kept: string[]; dropped: string[] } {
  const kept: string[] = [];
  const dropped: string[] = [];
  for (let index = 0; index < flags.length; index++) {
    const flag = flags[index]!;
    const [name, inline] = flag.split(/=(.*)/s) as [string, string | undefined];
    const takesValue = GANTRY_FLAGS[name];
    if (takesValue === undefined) kept.push(flag);
    else if (takesValue && inline === undefined && index + 1 < flags.length) dropped.push(`${flag} ${flags[++index]}`);
    else dropped.push(flag);
  }
  return { kept, dropped };
}

/** The tools' environment without the Terragrunt variables that would change the queue (see above). */
export function queueEnvironment(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !QUEUE_VARIABLE.test(name)));
}

const common = ["-input=false", "-no-color", "-lock-timeout=60s"];

export function queueCommand(input: QueueCommandInput): QueueCommand {
  const planning = input.action === "plan" || input.action === "plan-destroy";
  const tfArgs = {
    plan: ["plan", ...common],
    "plan-destroy": ["plan", ...common, "-destroy"],
    apply: ["apply", ...common, "-auto-approve"],
    destroy: ["destroy", ...common, "-auto-approve"],
  }[input.action];
  const args = [
    "run",
    "--all",
    ...jobFlags(input.flags).kept,
    "--non-interactive",
    "--no-color",
    "--log-format",
    "json",
    // Debug lines say when each unit starts and ends; Gantry reads them and never writes them anywhere.
    "--log-level",
    "debug",
    "--working-dir",
    input.worktree,
    "--tf-path",
    input.tools.tf,
    "--parallelism",
    String(input.parallelism),
    "--report-file",
    input.reportFile,
    "--report-format",
    "json",
    // Only the job's units; a .terragrunt-filters file in the repository must not add others.
    "--no-filters-file",
    // Stacks the job needs are generated before (stack-generation.ts); run --all would generate every stack.
    "--no-stack-generate",
    ...input.units.flatMap((unit) => ["--filter", `./${unit}`]),
    ...(planning ? ["--out-dir", input.planDirectory] : []),
    "--",
    ...tfArgs,
  ];
  return {
    command: input.tools.terragrunt,
    args,
    mainCommand: planning ? "plan" : input.action === "destroy" ? "destroy" : "apply",
  };
}

/**
 * A command as a shell line, for logs and dry runs (arguments with spaces or quotes are quoted;
 * `$WORKTREE` / `$RUN_DIR` placeholders are left for the shell to expand).
 */
export function formatCommand(command: string, args: readonly string[]): string {
  const quote = (word: string) => (/^[\w@%+=:,./$-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`);
  return [command, ...args].map(quote).join(" ");
}
