/**
 * Classification: every changed file of a `DetectionResult` goes through an ordered chain, first match
 * wins:
 *
 *   ignore list → plugins (in configuration order) → accounts added → Gantry/Pipelines' own config and
 *   CI workflows → `_envcommon/` → `_new-account-requests/` → drift markers → unit files → other `.hcl`
 *   → files of local modules → other files.
 *
 * Files are then grouped into typed changes (same type and same units → one change). A unit detection
 * found but that no classified file accounts for (a stack-generated unit, a conservative dynamic read) is
 * still reported as UnitAdded/UnitChanged/UnitDeleted, unless every file that put it there is ignored or
 * was claimed by a plugin.
 */
import type { DetectionResult, FileChange, UnitStatus } from "@gantry/change-detector";
import type { BuiltInChangeType, Change } from "./changes.js";
import { builtInChangeTypes } from "./changes.js";
import { compileGlobs } from "./globs.js";
import type { ChangeClassifier, ChangedFile, ClassifierClaim, ClassifierContext } from "./plugins.js";
import { GantryError } from "@gantry/errors";

export interface Classification {
  changes: Change[];
  /** Changed files dropped by the ignore list. */
  ignoredFiles: string[];
}

export interface ClassifyOptions {
  /** Globs from the configuration's `ignore`. */
  ignore?: readonly string[];
  /** Plugins, tried in order before the built-in rules. */
  plugins?: readonly ChangeClassifier[];
}

/** Files named like this beside a unit's `terragrunt.hcl` mark it as drifted (written by drift runs). */
export const driftMarkerNames: readonly string[] = [".gantry-drift", ".drift-detected"];

const ownConfigPattern = /^(\.gantry|\.gruntwork|\.github)\//;
const envCommonPattern = /(^|\/)_envcommon\//;
const accountRequestsPattern = /(^|\/)_new-account-requests\//;
const lockFileName = ".terraform.lock.hcl";
const stackFileName = "terragrunt.stack.hcl";

interface Verdict {
  type: BuiltInChangeType | { name: string; classifier: string };
  units: readonly string[];
}

export async function classifyChanges(
  detection: DetectionResult,
  options: ClassifyOptions = {},
): Promise<Classification> {
  const isIgnored = compileGlobs(options.ignore ?? []);
  const plugins = options.plugins ?? [];
  const unitStatus = new Map(detection.units.map((unit) => [unit.path, unit.status]));
  const deleted = new Set(detection.units.filter((unit) => unit.status === "deleted").map((unit) => unit.path));
  const headUnits = Object.keys(detection.graph.dependencies)
    .filter((unit) => !deleted.has(unit))
    .sort();
  const context: ClassifierContext = { event: detection.event, headUnits, unitStatus: (unit) => unitStatus.get(unit) };
  const localModuleReads = collectLocalModuleReads(detection);
  const newAccounts = findNewAccountDirectories(detection.changes);

  const ignoredFiles: string[] = [];
  const handledFiles = new Set<string>();
  const groups = new Map<string, { verdict: Verdict; files: Set<string> }>();

  for (const change of detection.changes) {
    const file = toChangedFile(change);
    if (change.files.every((path) => isIgnored(path))) {
      ignoredFiles.push(...change.files);
      change.files.forEach((path) => handledFiles.add(path));
      continue;
    }
    const pluginVerdict = plugins.length > 0 ? await classifyWithPlugins(plugins, file, context) : undefined;
    const verdicts = pluginVerdict
      ? [pluginVerdict]
      : classifyBuiltIn(file, { unitStatus, headUnits, newAccounts, localModuleReads });
    change.files.forEach((path) => handledFiles.add(path));
    for (const verdict of verdicts) {
      const key = `${JSON.stringify(verdict.type)}\0${verdict.units.join("\0")}`;
      const group = groups.get(key) ?? { verdict, files: new Set<string>() };
      change.files.forEach((path) => group.files.add(path));
      groups.set(key, group);
    }
  }

  const changes = [...groups.values()].map(({ verdict, files }) => toChange(verdict, [...files].sort()));
  changes.push(...reportUncoveredUnits(detection, changes, handledFiles));
  return { changes: sortChanges(changes), ignoredFiles: ignoredFiles.sort() };
}

function toChangedFile(change: FileChange): ChangedFile {
  return {
    path: change.files[change.files.length - 1] ?? "",
    files: change.files,
    gitStatus: change.type,
    insideUnit: change.insideUnit,
    units: change.units,
  };
}

async function classifyWithPlugins(
  plugins: readonly ChangeClassifier[],
  file: ChangedFile,
  context: ClassifierContext,
): Promise<Verdict | undefined> {
  for (const plugin of plugins) {
    let claim: ClassifierClaim | null | undefined;
    try {
      claim = await plugin.classify(file, context);
    } catch (error) {
      throw new GantryError(
        "PLAN_CLASSIFIER_FAILED",
        `classifier plugin '${plugin.name}' threw on ${file.path}: ${(error as Error).message}`,
        {
          hint: "fix the plugin, or remove it from `classifiers` in the configuration",
          cause: error,
        },
      );
    }
    if (claim === null || claim === undefined) continue;
    return {
      type: { name: validateClaimType(plugin, file, claim), classifier: plugin.name },
      units: claimedUnits(plugin, file, claim, context),
    };
  }
  return undefined;
}

function validateClaimType(plugin: ChangeClassifier, file: ChangedFile, claim: ClassifierClaim): string {
  const type = (claim as { type?: unknown }).type;
  if (
    typeof type !== "string" ||
    !/^[A-Z][A-Za-z0-9]*$/.test(type) ||
    (builtInChangeTypes as readonly string[]).includes(type)
  ) {
    throw new GantryError(
      "PLAN_CLASSIFIER_FAILED",
      `classifier plugin '${plugin.name}' claimed ${file.path} with type ${JSON.stringify(type)}: a claim's type must be a PascalCase name that is not a built-in change type`,
      { hint: 'return { type: "DocsChanged", units: "none" } or similar from classify()' },
    );
  }
  return type;
}

function claimedUnits(
  plugin: ChangeClassifier,
  file: ChangedFile,
  claim: ClassifierClaim,
  context: ClassifierContext,
): readonly string[] {
  const units = claim.units ?? "affected";
  if (units === "affected") return uniqueSorted([...file.units, ...(file.insideUnit ? [file.insideUnit] : [])]);
  if (units === "all") return context.headUnits;
  if (units === "none") return [];
  if (Array.isArray(units)) {
    const known = new Set(context.headUnits);
    const unknown = units.filter(
      (unit) => typeof unit !== "string" || (!known.has(unit) && context.unitStatus(unit) === undefined),
    );
    if (unknown.length === 0) return uniqueSorted(units);
    throw new GantryError(
      "PLAN_CLASSIFIER_FAILED",
      `classifier plugin '${plugin.name}' claimed ${file.path} for units that do not exist: ${unknown.join(", ")}`,
      {
        hint: "return unit directories of the head commit (repository-relative, no trailing slash)",
      },
    );
  }
  throw new GantryError(
    "PLAN_CLASSIFIER_FAILED",
    `classifier plugin '${plugin.name}' claimed ${file.path} with units ${JSON.stringify(units)}`,
    {
      hint: 'units must be "affected", "all", "none" or a list of unit directories',
    },
  );
}

interface BuiltInContext {
  unitStatus: ReadonlyMap<string, UnitStatus>;
  headUnits: readonly string[];
  newAccounts: ReadonlySet<string>;
  localModuleReads: ReadonlySet<string>;
}

/**
 * The built-in chain, in the documented order (after the ignore list and plugins). Only a unit file can
 * give several verdicts: a unit moved to another directory is a deletion of the old unit and an addition
 * of the new one, from the same renamed files.
 */
function classifyBuiltIn(file: ChangedFile, context: BuiltInContext): Verdict[] {
  return [classifyBuiltInRule(file, context)].flat();
}

function classifyBuiltInRule(file: ChangedFile, context: BuiltInContext): Verdict | Verdict[] {
  const affected = uniqueSorted([...file.units, ...(file.insideUnit ? [file.insideUnit] : [])]);
  const account = file.path.split("/")[0] ?? "";
  if (file.path.includes("/") && context.newAccounts.has(account)) {
    return { type: "AccountsAdded", units: context.headUnits.filter((unit) => unit.startsWith(`${account}/`)) };
  }
  if (ownConfigPattern.test(file.path)) return { type: "ConfigChanged", units: [] };
  if (envCommonPattern.test(file.path)) return { type: "EnvCommonChanged", units: affected };
  if (accountRequestsPattern.test(file.path)) {
    const type =
      file.gitStatus === "added"
        ? "AccountsRequested"
        : file.gitStatus === "deleted"
          ? "AccountsDeleted"
          : "AccountsChanged";
    return { type, units: [] };
  }
  const unit = file.insideUnit;
  const status = unit ? context.unitStatus.get(unit) : undefined;
  if (unit && status !== "deleted" && driftMarkerNames.includes(baseName(file.path)))
    return { type: "DriftDetected", units: [unit] };
  if (unit) {
    const byType = new Map<BuiltInChangeType, string[]>();
    for (const affectedUnit of affected) {
      const type = unitChangeType(context.unitStatus.get(affectedUnit));
      byType.set(type, [...(byType.get(type) ?? []), affectedUnit]);
    }
    return [...byType].map(([type, units]) => ({ type, units }));
  }
  if (baseName(file.path) === stackFileName) {
    // A stack file generates units: those it adds or removes are units added or deleted.
    const byType = new Map<BuiltInChangeType, string[]>();
    for (const affectedUnit of affected) {
      const status = context.unitStatus.get(affectedUnit);
      const type = status === "added" || status === "deleted" ? unitChangeType(status) : "HCLChanged";
      byType.set(type, [...(byType.get(type) ?? []), affectedUnit]);
    }
    return byType.size === 0
      ? { type: "HCLChanged", units: [] }
      : [...byType].map(([type, units]) => ({ type, units }));
  }
  if (file.path.endsWith(".hcl") && baseName(file.path) !== lockFileName)
    return { type: "HCLChanged", units: affected };
  if (file.files.some((path) => context.localModuleReads.has(path)))
    return { type: "LocalModuleChanged", units: affected };
  return { type: "FileChanged", units: affected };
}

/** Files that some unit reads as (part of) its OpenTofu module: `terraform.source` or a `module` block. */
function collectLocalModuleReads(detection: DetectionResult): Set<string> {
  const files = new Set<string>();
  for (const unit of detection.units) {
    for (const reason of unit.reasons) {
      if (reason.chain.some((link) => link.via === "terraform.source" || link.via === "module")) files.add(reason.file);
    }
  }
  return files;
}

/**
 * A new account: a top-level directory whose `account.hcl` this change adds (Gruntwork's layout puts one
 * account per top-level directory, marked by `account.hcl`).
 */
function findNewAccountDirectories(changes: readonly FileChange[]): Set<string> {
  const accounts = new Set<string>();
  for (const change of changes) {
    const path = change.files[change.files.length - 1] ?? "";
    const match = /^([^/]+)\/account\.hcl$/.exec(path);
    if (
      match?.[1] &&
      (change.type === "added" || (change.type === "renamed" && !change.files[0]?.startsWith(`${match[1]}/`)))
    ) {
      accounts.add(match[1]);
    }
  }
  return accounts;
}

function reportUncoveredUnits(
  detection: DetectionResult,
  changes: readonly Change[],
  handledFiles: ReadonlySet<string>,
): Change[] {
  const covered = new Set(changes.flatMap((change) => change.units));
  const extra = new Map<BuiltInChangeType, { files: Set<string>; units: string[] }>();
  for (const unit of detection.units) {
    if (covered.has(unit.path)) continue;
    const files = unit.reasons.map((reason) => reason.file).filter((file) => !handledFiles.has(file));
    if (unit.reasons.length > 0 && files.length === 0) continue; // only ignored or plugin-claimed files put it here
    const type = unitChangeType(unit.status);
    const entry = extra.get(type) ?? { files: new Set<string>(), units: [] };
    files.forEach((file) => entry.files.add(file));
    entry.units.push(unit.path);
    extra.set(type, entry);
  }
  return [...extra].map(([type, { files, units }]) =>
    toChange({ type, units: uniqueSorted(units) }, [...files].sort()),
  );
}

function unitChangeType(status: UnitStatus | undefined): "UnitAdded" | "UnitDeleted" | "UnitChanged" {
  return status === "added" ? "UnitAdded" : status === "deleted" ? "UnitDeleted" : "UnitChanged";
}

function toChange(verdict: Verdict, files: string[]): Change {
  const units = [...verdict.units];
  if (typeof verdict.type === "object")
    return { type: "Plugin", name: verdict.type.name, classifier: verdict.type.classifier, files, units };
  if (verdict.type === "AccountsAdded")
    return { type: "AccountsAdded", account: files[0]?.split("/")[0] ?? "", files, units };
  return { type: verdict.type, files, units };
}

function sortChanges(changes: Change[]): Change[] {
  const order = (change: Change) => {
    const index = builtInChangeTypes.indexOf(change.type as BuiltInChangeType);
    return index === -1 ? builtInChangeTypes.length : index;
  };
  return changes.sort(
    (a, b) =>
      order(a) - order(b) ||
      (a.files[0] ?? "").localeCompare(b.files[0] ?? "") ||
      (a.units[0] ?? "").localeCompare(b.units[0] ?? ""),
  );
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

function uniqueSorted(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}
