import { parseArgs, type ParseArgsConfig } from "node:util";
import { GantryError } from "@gantry/errors";

/**
 * `node:util` parseArgs with Gantry's error style: an unknown or malformed option is a usage error
 * (exit code 2) that names the option.
 */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig["options"]>>(
  command: string,
  argv: string[],
  options: T,
  help: string,
) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new GantryError("USAGE", `${(error as Error).message}`, { hint: `see \`gantry ${command} --help\`\n\n${help}`, exitCode: 2 });
  }
}

export function requireOption(command: string, value: string | undefined, name: string): string {
  if (value === undefined || value === "") {
    throw new GantryError("USAGE", `missing required option --${name}`, { hint: `see \`gantry ${command} --help\``, exitCode: 2 });
  }
  return value;
}

/** The options every command that looks at a change between two commits takes. */
export const changeRangeOptions = {
  repo: { type: "string" },
  base: { type: "string" },
  head: { type: "string" },
  event: { type: "string" },
  branch: { type: "string" },
} as const;

export type ChangeEvent = "pull_request" | "push";

/** `--event`, checked: a usage error (exit 2) names the bad value. `fallback` makes the option optional. */
export function parseEvent(command: string, value: string | undefined, fallback?: ChangeEvent): ChangeEvent {
  const event = value ?? fallback ?? requireOption(command, value, "event");
  if (event !== "pull_request" && event !== "push") {
    throw new GantryError("USAGE", `--event must be pull_request or push, not '${event}'`, { hint: `see \`gantry ${command} --help\``, exitCode: 2 });
  }
  return event;
}
