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
