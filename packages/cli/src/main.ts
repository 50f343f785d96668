import { resolve } from "node:path";
import { GantryError, exitCodeOf, formatDidYouMean } from "@gantry/errors";
import manifest from "../package.json" with { type: "json" };
import { writeErrorDocument } from "./error-document.js";
import { HelpRequested } from "./help.js";
import type { CliIO, Command } from "./io.js";

export interface CommandEntry {
  summary: string;
  load: () => Promise<{ command: Command }>;
  /** Words that must follow the command (`gantry iam lint`), each with options of its own. */
  subcommands?: readonly string[];
}

/**
 * Each command is one module exporting `command`; loaded on demand so `gantry detect` never pays for the
 * executor's imports.
 */
export const commands: Record<string, CommandEntry> = {
  detect: { summary: "which units a change between two commits affects", load: () => import("./commands/detect.js") },
  plan: { summary: "classify the change and plan ordered jobs", load: () => import("./commands/plan.js") },
  "fetch-deploy-branch": {
    summary: "fetch the deploy branch for the guards, in a step of its own",
    load: () => import("./commands/fetch-deploy-branch.js"),
  },
  execute: { summary: "run one job from `gantry plan`", load: () => import("./commands/execute.js") },
  run: { summary: "detect, plan and execute every job locally, then report", load: () => import("./commands/run.js") },
  record: {
    summary: "show the deployment record, or mark the commit deployed today",
    load: () => import("./commands/record.js"),
    subcommands: ["show", "mark"],
  },
  dispatch: {
    summary: "send plan jobs and deployment requests to the pipelines repository's workflows",
    load: () => import("./commands/dispatch.js"),
  },
  report: {
    summary: "render job results as a PR comment / step summary, optionally publish it",
    load: () => import("./commands/report.js"),
  },
  iam: {
    summary: "print or lint IAM trust policies for the plan and apply roles",
    load: () => import("./commands/iam.js"),
    subcommands: ["trust-policy", "lint"],
  },
  init: {
    summary: "write Gantry's workflows, configuration and IAM policies into both repositories",
    load: () => import("./commands/init.js"),
  },
  doctor: { summary: "check tokens, tools and configuration", load: () => import("./commands/doctor.js") },
  completion: {
    summary: "print a shell completion script (bash, zsh or fish)",
    load: () => import("./commands/completion.js"),
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const lines = Object.entries(commands).map(([name, { summary }]) => `  ${name.padEnd(width)}  ${summary}`);
  return `usage: gantry <command> [options]

commands:
${lines.join("\n")}

  gantry help COMMAND     a command's options and exit codes (also \`gantry COMMAND --help\`)
  gantry --version        the version
`;
}

function unknownCommand(name: string, io: CliIO): number {
  // Before the command, only `--help` and `--version` are options (`gantry --verison`).
  const option = name.startsWith("-");
  const typed = option ? name.replace(/^-+/, "--") : name;
  const candidates = option ? ["--help", "--version"] : Object.keys(commands);
  const suggestion = candidates.includes(typed)
    ? `did you mean 'gantry ${typed}'?`
    : formatDidYouMean(typed, candidates, (candidate) => `'gantry ${candidate}'`);
  io.stderr.write(
    `gantry: unknown ${option ? "option" : "command"} '${name}'${suggestion ? `: ${suggestion}` : ""}\n  see \`gantry --help\` for the commands\n`,
  );
  return exitCodeOf("USAGE");
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [first, ...afterFirst] = argv;
  if (
    first === undefined ||
    first === "--help" ||
    first === "-h" ||
    (first === "help" && (afterFirst.length === 0 || afterFirst[0] === "help"))
  ) {
    (first === undefined ? io.stderr : io.stdout).write(usage());
    return first === undefined ? exitCodeOf("USAGE") : 0;
  }
  if (first === "--version" || first === "-v" || first === "version") {
    io.stdout.write(`${manifest.version}\n`);
    return 0;
  }
  // `gantry help COMMAND [SUBCOMMAND]` is `gantry COMMAND [SUBCOMMAND] --help`.
  const [name, rest] = first === "help" ? [afterFirst[0]!, [...afterFirst.slice(1), "--help"]] : [first, afterFirst];
  const entry = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!entry) return unknownCommand(name, io);
  try {
    const { command } = await entry.load();
    return await command(rest, io);
  } catch (error) {
    if (error instanceof HelpRequested) {
      io.stdout.write(error.text);
      return 0;
    }
    if (GantryError.isInstance(error)) {
      io.stderr.write(`gantry ${name}: error [${error.code}]: ${error.format()}\n`);
      const errorFile = io.env.GANTRY_ERROR_FILE;
      if (errorFile) {
        try {
          writeErrorDocument(resolve(io.cwd, errorFile), name, error);
        } catch (writeError) {
          io.stderr.write(
            `gantry ${name}: could not write GANTRY_ERROR_FILE ${errorFile}: ${(writeError as Error).message}\n`,
          );
        }
      }
      return error.exitCode;
    }
    throw error;
  }
}
