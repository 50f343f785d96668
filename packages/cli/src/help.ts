import { renderExitCodes } from "./exit-codes.js";

/**
 * A command's `--help` (or `gantry help COMMAND`): its own text, then the exit codes from the one table.
 * Thrown by `parseCommandArgs` and printed by `main`, so no command writes its help itself.
 */
export class HelpRequested {
  constructor(
    readonly text: string,
    /** The command's options (`repo: "string"`, `json: "boolean"`), for the completion scripts. */
    readonly options: Readonly<Record<string, "string" | "boolean">> = {},
  ) {}
}

export function commandHelp(command: string, help: string): string {
  const topCommand = command.split(" ")[0]!;
  return `${help.trimEnd()}\n\n${renderExitCodes(topCommand)}`;
}
