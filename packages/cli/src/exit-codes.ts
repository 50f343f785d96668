/**
 * Every exit code of the `gantry` command, in one table: each command's help lists the rows that apply to it
 * (`COMMAND_EXIT_CODES`), and the README's ranges are these. The packages choose the code of each error
 * (`GantryError.exitCode`); the printed `error [CODE]` says which error within a range it was.
 */
export const EXIT_CODES = {
  ok: { codes: "0", meaning: "success" },
  findings: { codes: "1", meaning: "the check ran and found problems (listed above the exit)" },
  usage: { codes: "2", meaning: "usage: an unknown command or option, a missing or invalid value" },
  detection: { codes: "10-14", meaning: "detection could not run: not a git repository (10), unknown ref (11), shallow clone lacking a commit (12), no merge-base (13), git failed (14)" },
  analysis: { codes: "15-19", meaning: "the document was printed, but some unit could not be analysed: HCL syntax (15), evaluation (16), include cycle (17), symlink leaving the repository (18), unreadable file (19)" },
  configuration: { codes: "20-29", meaning: "configuration or planning: an invalid configuration or document, a unit in no environment, a dependency cycle, ..." },
  execution: { codes: "30-39", meaning: "execution: a job or unit failed, was skipped or did not run (30), or setting it up or a GitHub call failed (31-39)" },
  guard: { codes: "40-59", meaning: "refused by a guard (nothing was run)" },
  credentials: { codes: "60-69", meaning: "no cloud credentials: the OIDC token or the STS exchange failed" },
  internal: { codes: "70", meaning: "internal error: a bug in Gantry, please report it" },
  interrupted: { codes: "130", meaning: "interrupted (SIGINT or SIGTERM)" },
} as const;

export type ExitCodeName = keyof typeof EXIT_CODES;

/** The rows of `EXIT_CODES` each command can end with (`internal` applies to every command). */
export const COMMAND_EXIT_CODES: Record<string, readonly ExitCodeName[]> = {
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

/** The "Exit codes:" section of a command's help. */
export function renderExitCodes(command: string): string {
  const names: readonly ExitCodeName[] = [...(COMMAND_EXIT_CODES[command] ?? ["ok", "usage"]), "internal"];
  const width = Math.max(...names.map((name) => EXIT_CODES[name].codes.length));
  const rows = names.map((name) => wrap(EXIT_CODES[name].meaning, 108 - width - 4).map((line, index) => `  ${(index === 0 ? EXIT_CODES[name].codes : "").padEnd(width)}  ${line}`).join("\n"));
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
