import { resolve } from "node:path";
import { GantryError } from "@gantry/errors";
import { writeErrorDocument } from "./error-document.js";
import type { CliIO, Command } from "./io.js";

/**
 * Each command is one module exporting `command`; loaded on demand so `gantry detect` never pays for the
 * executor's imports.
 */
const commands: Record<string, { summary: string; load: () => Promise<{ command: Command }> }> = {
  detect: { summary: "which units a change between two commits affects", load: () => import("./commands/detect.js") },
  plan: { summary: "classify the change and plan ordered jobs", load: () => import("./commands/plan.js") },
  execute: { summary: "run one job from `gantry plan`", load: () => import("./commands/execute.js") },
  run: { summary: "detect, plan and execute every job locally, then report", load: () => import("./commands/run.js") },
  record: { summary: "show the deployment record, or mark the commit deployed today", load: () => import("./commands/record.js") },
  dispatch: { summary: "dispatch a plan's jobs to the pipelines repository's GitHub Actions workflow", load: () => import("./commands/dispatch.js") },
  report: { summary: "render job results as a PR comment / step summary, optionally publish it", load: () => import("./commands/report.js") },
  iam: { summary: "print or lint IAM trust policies for the plan and apply roles", load: () => import("./commands/iam.js") },
  doctor: { summary: "check tokens, tools and configuration", load: () => import("./commands/doctor.js") },
};

export const USAGE_EXIT_CODE = 2;

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const lines = Object.entries(commands).map(([name, { summary }]) => `  ${name.padEnd(width)}  ${summary}`);
  return `usage: gantry <command> [options]\n\ncommands:\n${lines.join("\n")}\n\nRun \`gantry <command> --help\` for a command's options.\n`;
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.stdout.write(usage());
    return name === undefined ? USAGE_EXIT_CODE : 0;
  }
  if (name === "--version") {
    const { createRequire } = await import("node:module");
    const pkg = createRequire(import.meta.url)("../package.json") as { version: string };
    io.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  const entry = commands[name];
  if (!entry) {
    io.stderr.write(`gantry: unknown command '${name}'\n\n${usage()}`);
    return USAGE_EXIT_CODE;
  }
  try {
    const { command } = await entry.load();
    return await command(rest, io);
  } catch (error) {
    if (GantryError.isInstance(error)) {
      io.stderr.write(`gantry ${name}: error [${error.code}]: ${error.format()}\n`);
      const errorFile = io.env.GANTRY_ERROR_FILE;
      if (errorFile) {
        try {
          writeErrorDocument(resolve(io.cwd, errorFile), name, error);
        } catch (writeError) {
          io.stderr.write(`gantry ${name}: could not write GANTRY_ERROR_FILE ${errorFile}: ${(writeError as Error).message}\n`);
        }
      }
      return error.exitCode;
    }
    throw error;
  }
}
