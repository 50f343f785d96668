/**
 * Classifier plugins: the `ChangeClassifier` contract (versioned by `specificationVersion`) and loading
 * plugins by module name from the repository, as the configuration's `classifiers` list names them.
 *
 * A plugin sees each changed file (after the ignore list, before every built-in rule) and either claims it
 * with a change type of its own, or passes (returns nothing) so the next classifier looks at it.
 */
import { createRequire } from "node:module";
import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { FileChangeType, UnitStatus } from "@gantry/change-detector";
import { classifierError } from "./errors.js";

/** One changed path, as classifiers see it. */
export interface ChangedFile {
  /** The path to classify: the new path of a rename. */
  readonly path: string;
  /** Every path of the git change (`[from, to]` for a rename). */
  readonly files: readonly string[];
  readonly gitStatus: FileChangeType;
  /** The unit directory the file lives in, if any. */
  readonly insideUnit: string | null;
  /** The units that read this file, according to change detection. */
  readonly units: readonly string[];
}

export interface ClassifierContext {
  readonly event: "pull_request" | "push";
  /** Every unit of the head commit. */
  readonly headUnits: readonly string[];
  /** Detection's status for a unit (`undefined` when the change does not touch it). */
  unitStatus(unit: string): UnitStatus | undefined;
}

/**
 * A plugin's claim of a file. `type` is its own change type (PascalCase, not a built-in name).
 * `units`: `"affected"` (default) acts on the units detection found for the file, `"all"` on every unit
 * of the head commit, `"none"` on no unit (the change is only reported), or an explicit list of units.
 */
export interface ClassifierClaim {
  readonly type: string;
  readonly units?: "affected" | "all" | "none" | readonly string[];
}

export interface ChangeClassifier {
  readonly specificationVersion: "v1";
  readonly name: string;
  /** Claim the file, or return `undefined`/`null` to pass it on. */
  classify(file: ChangedFile, context: ClassifierContext): ClassifierClaim | null | undefined | Promise<ClassifierClaim | null | undefined>;
}

export function isChangeClassifier(value: unknown): value is ChangeClassifier {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return candidate["specificationVersion"] === "v1" && typeof candidate["name"] === "string" && candidate["name"] !== "" && typeof candidate["classify"] === "function";
}

/**
 * Loads each plugin named in the configuration. A name starting with `.` or `/` is a file path relative
 * to the repository; any other name is a package resolved from the repository directory (its
 * `node_modules`, as `node` would from a script at the repository root).
 */
export async function loadClassifierPlugins(names: readonly string[], options: { repo: string; configFile?: string }): Promise<ChangeClassifier[]> {
  const plugins: ChangeClassifier[] = [];
  for (const name of names) {
    const url = resolvePluginModule(name, options.repo, options.configFile);
    let module: Record<string, unknown>;
    try {
      module = (await import(url)) as Record<string, unknown>;
    } catch (error) {
      throw classifierError("CONFIG_PLUGIN_INVALID", `classifier plugin '${name}' failed to load: ${(error as Error).message}`, {
        ...(options.configFile ? { location: { file: options.configFile } } : {}),
        hint: "fix the plugin module, or remove it from `classifiers`",
        cause: error,
      });
    }
    let candidate = module["default"] ?? module["classifier"];
    if (typeof candidate === "function") candidate = await (candidate as () => unknown)();
    if (!isChangeClassifier(candidate)) {
      throw classifierError(
        "CONFIG_PLUGIN_INVALID",
        `classifier plugin '${name}' does not export a ChangeClassifier (needs specificationVersion "v1", a name and classify())`,
        {
          ...(options.configFile ? { location: { file: options.configFile } } : {}),
          hint: "export default { specificationVersion: \"v1\", name: \"...\", classify(file, context) { ... } }",
        },
      );
    }
    plugins.push(candidate);
  }
  return plugins;
}

function resolvePluginModule(name: string, repo: string, configFile: string | undefined): string {
  if (name.startsWith(".") || isAbsolute(name)) {
    const path = resolve(repo, name);
    if (!existsSync(path)) throw pluginNotFound(name, repo, configFile);
    return pathToFileURL(path).href;
  }
  try {
    return pathToFileURL(createRequire(join(resolve(repo), "package.json")).resolve(name)).href;
  } catch {
    // ESM-only packages export no `require` condition: read their package.json ourselves.
    const path = resolveEsmPackage(name, resolve(repo));
    if (!path) throw pluginNotFound(name, repo, configFile);
    return pathToFileURL(path).href;
  }
}

function resolveEsmPackage(name: string, from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const packageDir = join(dir, "node_modules", name);
    const manifestPath = join(packageDir, "package.json");
    if (existsSync(manifestPath)) {
      const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { exports?: unknown; main?: string };
      const entry = exportTarget(manifest.exports) ?? manifest.main ?? "index.js";
      return join(packageDir, entry);
    }
    if (dirname(dir) === dir) return undefined;
  }
}

function exportTarget(exports: unknown): string | undefined {
  if (typeof exports === "string") return exports;
  if (typeof exports !== "object" || exports === null) return undefined;
  const record = exports as Record<string, unknown>;
  const root = "." in record ? record["."] : record;
  if (typeof root === "string") return root;
  if (typeof root !== "object" || root === null) return undefined;
  for (const condition of ["import", "node", "default"]) {
    const target = exportTarget((root as Record<string, unknown>)[condition]);
    if (target) return target;
  }
  return undefined;
}

function pluginNotFound(name: string, repo: string, configFile: string | undefined) {
  return classifierError("CONFIG_PLUGIN_INVALID", `classifier plugin '${name}' cannot be found from ${repo}`, {
    ...(configFile ? { location: { file: configFile } } : {}),
    hint: `install it in the repository (npm install ${name}) or name a file relative to the repository (./classifiers/mine.js)`,
  });
}
