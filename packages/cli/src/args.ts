import { parseArgs, type ParseArgsConfig } from "node:util";
import { formatDidYouMean, usageError } from "@gantry/errors";
import { HelpRequested, commandHelp } from "./help.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * `node:util` parseArgs with Gantry's error style: an unknown or malformed option is a usage error (exit code 2)
 * in our words, naming the option and the closest known ones; Node's own text never reaches the user.
 * `--help`/`-h` throws `HelpRequested` (printed by `main` with the command's exit codes).
 */
export function parseCommandArgs<T extends Options>(command: string, argv: string[], options: T, help: string) {
  const all = { ...options, help: { type: "boolean" as const, short: "h" } };
  const parse = () => parseArgs({ args: argv, options: all, allowPositionals: true, strict: true });
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse();
  } catch (error) {
    throw usageError(describeParseError(error as NodeJS.ErrnoException, all, argv), { command, hint: synopsis(help) });
  }
  if ((parsed.values as { help?: boolean }).help)
    throw new HelpRequested(
      commandHelp(command, help),
      Object.fromEntries(Object.entries(all).map(([name, option]) => [name, option.type])),
    );
  return parsed;
}

function describeParseError(error: NodeJS.ErrnoException, options: Options, argv: readonly string[]): string {
  // Node quotes the option: '--bsae', '-x', or '-h, --help' (the short and long names of a known one).
  const quoted = /'(-{1,2}[^' =,]+)/.exec(error.message)?.[1];
  const flag = quoted?.replace(/^-+/, "");
  const spelled = (name: string) => (options[name]?.type === "string" ? `--${name} VALUE` : `--${name}`);
  if (error.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && flag !== undefined) {
    if (quoted!.startsWith("--")) {
      const suggestion = formatDidYouMean(flag, Object.keys(options), spelled);
      return `unknown option ${quoted}${suggestion ? `: ${suggestion}` : ""}`;
    }
    // One dash: Node names one letter of the word. OpenTofu's habit (`-json`, `-out=FILE`) is a long option.
    const word = argv.find((arg) => /^-[^-]/.test(arg) && arg.slice(1).includes(flag))?.replace(/=.*$/, "") ?? quoted!;
    const name = word.slice(1);
    const suggestion = Object.hasOwn(options, name)
      ? `did you mean ${spelled(name)}?`
      : name.length > 1
        ? formatDidYouMean(name, Object.keys(options), spelled)
        : undefined;
    return `unknown option ${word}${suggestion ? `: ${suggestion}` : ""}`;
  }
  if (error.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && flag !== undefined) {
    const name = Object.entries(options).find(([long, option]) => long === flag || option.short === flag)?.[0] ?? flag;
    if (/does not take an argument/.test(error.message)) return `--${name} takes no value`;
    return `--${name} needs a value (${spelled(name)}); to pass a value that starts with '-', write --${name}=-VALUE`;
  }
  return "invalid arguments";
}

/** The usage lines of a command's help (its first paragraph), the hint of a usage error. */
export function synopsis(help: string): string {
  return help.split("\n\n")[0]!.trim();
}

export function requireOption(command: string, value: string | undefined, name: string): string {
  if (value === undefined || value === "") {
    throw usageError(`missing required option --${name}`, { command });
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
    const suggestion = formatDidYouMean(event, ["pull_request", "push"]);
    throw usageError(`--event must be pull_request or push, not '${event}'${suggestion ? `: ${suggestion}` : ""}`, {
      command,
    });
  }
  return event;
}
