/**
 * The differential test's machinery: repositories made from Terragrunt's own test fixtures, one-file edits,
 * and the classification of every disagreement between Gantry and `terragrunt find` by its known cause,
 * with who is right. `terragrunt-differential.slow.test.ts` runs it; the change-detector README lists the
 * causes.
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, chmodSync, cpSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { AffectedUnit, DetectionResult } from "../src/index.js";

/** Every fixture directory (each is one repository of the corpus). */
export function allFixtures(fixtures: string): string[] {
  return readdirSync(fixtures, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

/** Copies a fixture into `dir` (a fresh git repository), writable, as it is in Terragrunt's repository. */
export function copyFixture(fixtures: string, name: string, dir: string): void {
  cpSync(join(fixtures, name), dir, { recursive: true });
  // The module cache is read-only; the copies are edited.
  const makeWritable = (path: string): void => {
    const stat = statSync(path);
    chmodSync(path, stat.mode | 0o200);
    if (stat.isDirectory()) for (const entry of readdirSync(path)) makeWritable(join(path, entry));
  };
  makeWritable(dir);
}

/**
 * The files to edit, at most `limit`: files outside unit directories first (shared configuration, modules,
 * data: where detectors differ), then files in a unit's subdirectories, then unit files, each group in path
 * order. `units` are the unit directories Terragrunt found.
 */
export function filesToEdit(dir: string, units: readonly string[], limit: number): string[] {
  const files = execFileSync("git", ["ls-files", "-z"], { cwd: dir, encoding: "utf8" }).split("\0").filter(Boolean);
  const unitOf = (file: string) =>
    units.filter((unit) => unit === "." || file.startsWith(`${unit}/`)).sort((a, b) => b.length - a.length)[0];
  const rank = (file: string): number => {
    const unit = unitOf(file);
    if (unit === undefined || unit === ".") return 0;
    return file.slice(unit.length + 1).includes("/") ? 1 : 2;
  };
  return [...files].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1)).slice(0, limit);
}

/** An edit every format survives (HCL, Terraform, JSON, YAML, scripts): one more trailing newline. */
export function editFile(dir: string, file: string): void {
  appendFileSync(join(dir, file), "\n");
}

/** Why Gantry and Terragrunt disagree about a unit, and who is right. */
export interface Cause {
  right: "gantry" | "terragrunt" | "neither";
  why: string;
}

/** Every known cause of a disagreement (the README lists them). A disagreement with no known cause fails the test. */
export const CAUSES = {
  "file-function": {
    right: "gantry",
    why: "the unit reads the file with file(), templatefile(), fileset() or as a -var-file (in its configuration or its module's code); Terragrunt records none of these (terragrunt#6952)",
  },
  "module-code": {
    right: "gantry",
    why: 'the file is the code of a local module the unit\'s module calls (module { source = "../x" }), which Terragrunt does not record',
  },
  "unit-subdirectory": {
    right: "gantry",
    why: "the file sits in a subdirectory of the unit's directory; Terragrunt's filter maps only files directly in a unit's directory to it",
  },
  "unresolved-read": {
    right: "gantry",
    why: "the unit has a read Gantry cannot resolve statically (run_cmd, a path from get_env or a run-time value), so every change that may match it affects the unit (conservative); Terragrunt records what one evaluation read",
  },
  "broken-unit": {
    right: "gantry",
    why: "Gantry cannot analyse the unit (a parse or evaluation error, often a fixture written to fail): a broken unit is affected by every change so that its plan shows the error",
  },
  "file-in-another-unit": {
    right: "gantry",
    why: "the unit includes or reads a file that sits in another unit's directory; Terragrunt's filter maps a changed file inside a unit's directory to that unit only, not to the units that read it",
  },
  "module-directory": {
    right: "gantry",
    why: 'conservative: the file is in the unit\'s module directory (`source = "."` or a subdirectory of the module), which Gantry reads as a whole, subdirectories included; Terragrunt does not record it',
  },
  "excluded-by-terragrunt": {
    right: "gantry",
    why: "the unit (or a file it includes) has an `exclude` block that takes it out of Terragrunt's runs, and `find --filter` leaves it out; the change does touch it: Gantry's detection reports it with its `exclude` block, and Gantry's plan leaves it out of the actions the block names, as Terragrunt's run does",
  },
  "unrecorded-config-read": {
    right: "gantry",
    why: "Terragrunt did not record the unit's include or read_terragrunt_config of the file (`find --reading` leaves it out: it stopped evaluating the unit at an error, e.g. deprecated `dependency.*.inputs`); Gantry follows it",
  },
  "terragrunt-failed": {
    right: "neither",
    why: "`terragrunt find --filter` itself fails on the repository (it cannot generate a stack or parse a unit in its worktree), so there is nothing to compare; Gantry reports the changed units",
  },
  "not-listed-by-terragrunt": {
    right: "gantry",
    why: "`terragrunt find` leaves the unit out altogether: it drops units in a dependency cycle, and units whose included dependency block has an empty placeholder config_path (which it turns into a self-edge, a cycle)",
  },
  "root-configuration": {
    right: "gantry",
    why: "Terragrunt lists a root terragrunt.hcl that units include as unit `.`, so a change to it marks `.` and not the units that include it; it is their configuration (Terragrunt's own test of this layout excludes `.` with --queue-exclude-dir=.)",
  },
} as const satisfies Record<string, Cause>;
export type CauseName = keyof typeof CAUSES;

/** What the test knows of Terragrunt's view of the repository, for classifying. */
export interface TerragruntView {
  /** Units `terragrunt find` lists, with what `--reading` says each read. */
  reading: ReadonlyMap<string, readonly string[]>;
  /** True when the unit's configuration (or a file it includes) has an `exclude` block. */
  hasExcludeBlock(unit: AffectedUnit): boolean;
}

/** The cause of a unit Gantry reports and Terragrunt does not, from the reasons Gantry gives; undefined: unknown. */
export function causeOfGantryOnly(
  unit: AffectedUnit,
  terragrunt: TerragruntView,
  units: ReadonlySet<string>,
): CauseName | undefined {
  const read = terragrunt.reading.get(unit.path);
  if (read === undefined) return "not-listed-by-terragrunt";
  if (unit.problems.length > 0) return "broken-unit";
  if (terragrunt.hasExcludeBlock(unit)) return "excluded-by-terragrunt";
  const causes = new Set<CauseName>();
  for (const reason of unit.reasons) {
    const last = reason.chain.at(-1)!;
    if (last.file === "terragrunt.hcl" && last.via === "include") return "root-configuration";
    const owner = unitOf(reason.file, units);
    if (last.via === "dynamic") causes.add("unresolved-read");
    else if (owner !== undefined && owner !== unit.path && last.via !== "unit") causes.add("file-in-another-unit");
    else if (last.via === "file" || last.via === "templatefile" || last.via === "fileset") causes.add("file-function");
    else if (last.via === "module") causes.add("module-code");
    else if (last.via === "terraform.source") causes.add("module-directory");
    else if (last.via === "unit" && directoryOf(reason.file) !== (unit.path === "." ? "" : unit.path))
      causes.add("unit-subdirectory");
    else if ((last.via === "include" || last.via === "read_terragrunt_config") && !read.includes(reason.file))
      causes.add("unrecorded-config-read");
  }
  // The most specific cause first: a unit with an unresolved read is affected whatever else it reads.
  const order = [
    "file-in-another-unit",
    "file-function",
    "module-code",
    "module-directory",
    "unit-subdirectory",
    "unrecorded-config-read",
    "unresolved-read",
  ] as const;
  for (const cause of order) if (causes.has(cause)) return cause;
  return undefined;
}

/** The unit directory (`.` for the root) a file lies in, by Terragrunt's rule: directly in it. */
function unitOf(file: string, units: ReadonlySet<string>): string | undefined {
  const dir = directoryOf(file);
  const unit = dir === "" ? "." : dir;
  return units.has(unit) ? unit : undefined;
}

/** The cause of a unit Terragrunt reports and Gantry does not; undefined: unknown. */
export function causeOfTerragruntOnly(unit: string, detection: DetectionResult): CauseName | undefined {
  if (unit === "." && !(unit in detection.graph.dependencies)) return "root-configuration";
  return undefined;
}

function directoryOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash === -1 ? "" : path.slice(0, slash);
}
