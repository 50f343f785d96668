/**
 * The Gantry Action: turns the step's inputs into one `gantry` command line, provides terragrunt and OpenTofu
 * when the command runs them, runs the CLI in this process, and sets the step's outputs.
 */
import { randomUUID } from "node:crypto";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { Writable } from "node:stream";
import { githubMatrix, planDocumentSchema, renderPlanText } from "@gantry/classifier";
import { commands, main, type CliIO } from "@gantry/cli";
import { readDocument, type DocumentSpec } from "@gantry/documents";
import { formatDidYouMean, usageError } from "@gantry/errors";
import { ensureTools, type EnsureToolsOptions } from "./install-tools.js";
import { setOutput } from "./workflow-commands.js";

export interface ActionIO {
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  cwd: string;
}

/**
 * The plan as the Action hands it on (the `plan` output, the `matrix`): read back from `plan-file`, so what the
 * Action reports is what the file holds (a `plan-file` such as /dev/null holds nothing).
 */
const actionPlanDocument = {
  kind: "Plan",
  schema: planDocumentSchema,
  code: "ACTION_PLAN_INVALID",
  hint: "give the input plan-file a path to a regular file the step can write and read back",
} as const satisfies DocumentSpec<typeof planDocumentSchema>;

/** Commands that run terragrunt and OpenTofu, for which `install-tools: auto` provides them. */
const COMMANDS_RUNNING_TOOLS = new Set(["execute", "run", "doctor"]);
/** Commands taking the change range (`repo`, `base`, `head`, `event`, `branch` inputs). */
const RANGE_COMMANDS = new Set(["detect", "plan", "run"]);

export async function runAction(
  io: ActionIO,
  overrides: Pick<EnsureToolsOptions, "tools" | "fetch" | "platform"> = {},
): Promise<number> {
  const input = (name: string) => (io.env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] ?? "").trim();
  const command = input("command") || "plan";
  if (!Object.hasOwn(commands, command)) {
    const suggestion = formatDidYouMean(command, Object.keys(commands));
    throw usageError(`the input command: '${command}' is not a gantry command${suggestion ? `: ${suggestion}` : ""}`, {
      hint: `one of ${Object.keys(commands).join(", ")}`,
    });
  }
  const installTools = input("install-tools") || "auto";
  if (installTools !== "auto" && installTools !== "true" && installTools !== "false") {
    throw usageError(`the input install-tools must be auto, true or false, not '${installTools}'`);
  }
  const workspace = io.env.GITHUB_WORKSPACE ?? io.cwd;
  const env = { ...io.env };
  const argv = [
    command,
    ...rangeArguments(command, input, env, workspace),
    ...jobArguments(command, input("job"), env),
    ...extraArguments(input("args")),
  ];
  if (installTools === "true" || (installTools === "auto" && COMMANDS_RUNNING_TOOLS.has(command))) {
    const runnerTemp = env.RUNNER_TEMP || tmpdir();
    const tools = await ensureTools({
      env,
      cacheDir: input("tools-cache") || join(env.RUNNER_TOOL_CACHE || join(runnerTemp, "tool-cache"), "gantry"),
      workDir: join(runnerTemp, "gantry-tools"),
      log: (line) => io.stdout.write(`gantry action: ${line}\n`),
      ...overrides,
    });
    env.GANTRY_TERRAGRUNT = tools.terragrunt.path;
    env.GANTRY_TOFU = tools.tofu.path;
    env.PATH = [...new Set([dirname(tools.terragrunt.path), dirname(tools.tofu.path)]), env.PATH ?? ""].join(delimiter);
    setOutput(io.env, "terragrunt", tools.terragrunt.path);
    setOutput(io.env, "tofu", tools.tofu.path);
  }

  if (
    command !== "plan" ||
    argv.some((arg) => arg === "--json" || arg === "--format" || arg.startsWith("--format=") || arg === "--help")
  ) {
    return main(argv, { env, stdout: io.stdout, stderr: io.stderr, cwd: workspace });
  }
  // A plan: the document goes to a file (the `plan` output), the log gets the text.
  let document = "";
  const capture = new Writable({ write: (chunk, _encoding, done) => ((document += chunk.toString()), done()) });
  const cli: CliIO = { env, stdout: capture, stderr: io.stderr, cwd: workspace };
  const code = await main([...argv, "--format", "json"], cli);
  if (code !== 0) return code;
  const planFile = resolve(workspace, input("plan-file") || join(env.RUNNER_TEMP || tmpdir(), "gantry-plan.json"));
  mkdirSync(dirname(planFile), { recursive: true });
  writeFileSync(planFile, document);
  const plan = await readDocument(planFile, actionPlanDocument, { cwd: workspace });
  io.stdout.write(renderPlanText(plan));
  setOutput(io.env, "plan", planFile);
  setOutput(io.env, "has-changes", String(plan.jobs.length > 0));
  setOutput(io.env, "matrix", JSON.stringify(githubMatrix(plan)));
  return 0;
}

/**
 * `--repo` (default: the workspace), and for a pull request the base and head commits from the event, unless
 * given as inputs. A push's range is left to the inputs: which commits a push deploys is the deployment
 * record's business, not the triggering event's.
 */
function rangeArguments(
  command: string,
  input: (name: string) => string,
  env: NodeJS.ProcessEnv,
  workspace: string,
): string[] {
  if (!RANGE_COMMANDS.has(command)) return [];
  // Only these two events name a change of their own; pull_request_target (the base's secrets with the head's
  // code) is deliberately not taken for pull_request: give `event` explicitly if you mean it.
  const event =
    input("event") ||
    (env.GITHUB_EVENT_NAME === "pull_request" || env.GITHUB_EVENT_NAME === "push" ? env.GITHUB_EVENT_NAME : "");
  let base = input("base");
  let head = input("head");
  if (event === "pull_request" && (!base || !head) && env.GITHUB_EVENT_PATH) {
    const payload = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, "utf8")) as {
      pull_request?: { base?: { sha?: string }; head?: { sha?: string } };
    };
    base ||= payload.pull_request?.base?.sha ?? "";
    head ||= payload.pull_request?.head?.sha ?? "";
  }
  const pairs: Array<[string, string]> = [
    ["--repo", input("repo") || workspace],
    ["--base", base],
    ["--head", head],
    ["--event", event],
    ["--branch", input("branch")],
  ];
  return pairs.filter(([, value]) => value !== "").flat();
}

/**
 * The `job` input (`execute`): the job document itself, e.g. `${{ toJSON(matrix) }}` in a matrix job over the
 * plan's `matrix` output. Written to a file for `--job`: it reaches no shell.
 */
function jobArguments(command: string, job: string, env: NodeJS.ProcessEnv): string[] {
  if (job === "") return [];
  if (command !== "execute") throw usageError(`the input job goes with command execute, not ${command}`);
  const file = join(env.RUNNER_TEMP || tmpdir(), `gantry-job-${randomUUID()}.json`);
  writeFileSync(file, job);
  return ["--job", file];
}

/** The `args` input: one argument per line, taken as it is (no shell, so no quoting and no injection). */
function extraArguments(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
}
