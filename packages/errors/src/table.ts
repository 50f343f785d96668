import { ERROR_CODES, EXIT_CODE_RANGES, type ErrorCode } from "./codes.js";

/** The registry as a markdown table, by exit code: what the README shows between its markers. */
export function renderErrorCodeTable(): string {
  const codes = (Object.keys(ERROR_CODES) as ErrorCode[]).sort(
    (a, b) => ERROR_CODES[a].exitCode - ERROR_CODES[b].exitCode,
  );
  const rows = codes.map((code) => {
    const { exitCode, meaning } = ERROR_CODES[code];
    const range =
      Object.entries(EXIT_CODE_RANGES).find(([, { first, last }]) => exitCode >= first && exitCode <= last)?.[0] ?? "";
    return `| ${exitCode} | ${range} | \`${code}\` | ${meaning.replaceAll("|", "\\|")} |`;
  });
  return ["| exit | range | code | meaning |", "| --- | --- | --- | --- |", "| 0 | ok | | success |", ...rows].join(
    "\n",
  );
}
