/**
 * GitHub Actions annotations (`::error file=…,line=…,title=…::message`) for what failed: each failed unit
 * (at the file and line of its error when the tool named one, e.g. a unit's `terragrunt.hcl` or the module
 * file it copied), each unit that may be partially applied, each job refused or broken before its units, and
 * a pipeline that failed before any job (at the configuration file and line). Names and messages come from
 * the repository, so they are escaped as the runner reads them: no value can end the command or start another.
 */
import type { SecretMasker } from "../masking.js";
import { reportUnits, type RunReport } from "./model.js";

/** Escapes as @actions/core does: `%`, CR and LF in the message; also `:` and `,` in properties. */
function escapeData(value: string): string {
  return value.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

function escapeProperty(value: string): string {
  return escapeData(value).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

function annotation(
  properties: { file?: string | undefined; line?: number | undefined; title: string },
  message: string,
  level: "error" | "warning" = "error",
): string {
  const parts = [
    properties.file ? `file=${escapeProperty(properties.file)}` : "",
    properties.line ? `line=${properties.line}` : "",
    `title=${escapeProperty(properties.title)}`,
  ].filter(Boolean);
  return `::${level} ${parts.join(",")}::${escapeData(message)}`;
}

/** A `::warning` annotation (something went wrong beside the run, e.g. a report that could not be posted), escaped the same way. */
export function warningAnnotation(title: string, message: string): string {
  return annotation({ title }, message, "warning");
}

/** One annotation line per problem, masked; empty when everything succeeded. */
export function renderAnnotations(report: RunReport, options: { masker?: SecretMasker } = {}): string[] {
  const mask = (value: string) => options.masker?.mask(value) ?? value;
  const lines: string[] = [];
  if (report.error) {
    lines.push(
      annotation(
        { file: report.error.location?.file, line: report.error.location?.line, title: `Gantry: ${report.error.code}` },
        `${report.error.message}${report.error.hint ? ` (${report.error.hint})` : ""}`,
      ),
    );
  }
  for (const entry of report.jobs) {
    if (entry.result?.error && entry.status !== "superseded")
      lines.push(
        annotation({ title: `Gantry job ${entry.job.id}: ${entry.result.error.code}` }, entry.result.error.message),
      );
  }
  for (const row of reportUnits(report)) {
    const result = row.result;
    if (result === null || row.status !== "failed") continue;
    const title = `Gantry ${row.entry.job.action} of ${row.unit} failed`;
    if (result.mayBePartiallyApplied)
      lines.push(
        annotation(
          { file: `${row.unit}/terragrunt.hcl`, title: `${row.unit} may be partially applied` },
          result.reason ?? "the tool stopped during the apply",
        ),
      );
    const placed = (result.diagnostics ?? []).filter((diagnostic) => diagnostic.severity === "error");
    if (placed.length === 0)
      lines.push(
        annotation({ file: `${row.unit}/terragrunt.hcl`, title }, result.reason ?? "failed; see the unit's log"),
      );
    for (const diagnostic of placed)
      lines.push(annotation({ file: diagnostic.file, line: diagnostic.line, title }, diagnostic.summary));
  }
  return lines.map(mask);
}
