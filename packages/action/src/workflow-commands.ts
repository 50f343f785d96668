/**
 * The two runner interfaces the Action uses: step outputs (the GITHUB_OUTPUT file) and an error annotation.
 * Written here rather than taken from @actions/core, which would add undici (770 KiB, for OIDC calls the
 * Action never makes) to the bundle. Formats: GitHub's "Workflow commands for GitHub Actions".
 */
import { randomUUID } from "node:crypto";
import { appendFileSync } from "node:fs";

/** Appends `name<<DELIMITER\nvalue\nDELIMITER` to the GITHUB_OUTPUT file; does nothing outside a runner. */
export function setOutput(env: NodeJS.ProcessEnv, name: string, value: string): void {
  const file = env.GITHUB_OUTPUT;
  if (!file) return;
  const delimiter = `ghadelimiter_${randomUUID()}`;
  // A random delimiter cannot occur in the value by chance; the checks make sure it cannot by design either.
  if (name.includes(delimiter) || value.includes(delimiter))
    throw new Error(`output ${name}: its value contains the delimiter`);
  appendFileSync(file, `${name}<<${delimiter}\n${value}\n${delimiter}\n`);
}

/** `::error::message`, escaped as the runner expects, so the failure shows on the run's summary. */
export function errorAnnotation(message: string): string {
  return `::error::${message.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A")}\n`;
}
