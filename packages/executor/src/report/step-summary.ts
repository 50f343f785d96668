/** The GitHub step summary: the same markdown as the comment, appended to `$GITHUB_STEP_SUMMARY` when set. */
import { appendFileSync } from "node:fs";

/** Returns the file written to, or null when not running in GitHub Actions. */
export function appendStepSummary(markdown: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const file = env.GITHUB_STEP_SUMMARY;
  if (file === undefined || file === "") return null;
  appendFileSync(file, markdown.endsWith("\n") ? markdown : `${markdown}\n`);
  return file;
}
