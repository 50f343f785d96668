/**
 * The exit codes each command's help lists: ranges of the one registry in `@gantry/errors` (which also gives
 * every error code its exit code); the printed `error [CODE]` says which error within a range it was.
 */
import { EXIT_CODE_RANGES, type ExitCodeRange } from "@gantry/errors";

/** The ranges each command can end in (`internal` applies to every command). */
export const COMMAND_EXIT_CODES: Record<string, readonly ExitCodeRange[]> = {
  detect: ["ok", "usage", "detection", "analysis"],
  plan: ["ok", "usage", "detection", "configuration", "execution"],
  "fetch-deploy-branch": ["ok", "usage", "guard"],
  execute: ["ok", "usage", "configuration", "execution", "guard", "credentials", "interrupted"],
  run: ["ok", "usage", "detection", "configuration", "execution", "guard", "credentials", "interrupted"],
  record: ["ok", "usage", "configuration", "execution"],
  dispatch: ["ok", "usage", "configuration", "execution", "interrupted"],
  report: ["ok", "usage", "configuration", "execution", "interrupted"],
  iam: ["ok", "findings", "usage", "configuration"],
  init: ["ok", "usage", "configuration"],
  doctor: ["ok", "findings", "usage", "configuration"],
  completion: ["ok", "usage"],
};

/** `0`, `10-14`: a range as help prints it. */
export function rangeText(range: ExitCodeRange): string {
  const { first, last } = EXIT_CODE_RANGES[range];
  return first === last ? String(first) : `${first}-${last}`;
}

/** The "Exit codes:" section of a command's help. */
export function renderExitCodes(command: string): string {
  const ranges: readonly ExitCodeRange[] = [...(COMMAND_EXIT_CODES[command] ?? ["ok", "usage"]), "internal"];
  const width = Math.max(...ranges.map((range) => rangeText(range).length));
  const rows = ranges.map((range) =>
    wrap(EXIT_CODE_RANGES[range].meaning, 108 - width - 4)
      .map((line, index) => `  ${(index === 0 ? rangeText(range) : "").padEnd(width)}  ${line}`)
      .join("\n"),
  );
  return `Exit codes:\n${rows.join("\n")}\n`;
}

function wrap(text: string, width: number): string[] {
  const lines = [""];
  for (const word of text.split(" ")) {
    const last = lines.length - 1;
    if (lines[last] !== "" && lines[last]!.length + 1 + word.length > width) lines.push(word);
    else lines[last] = lines[last] === "" ? word : `${lines[last]} ${word}`;
  }
  return lines;
}
