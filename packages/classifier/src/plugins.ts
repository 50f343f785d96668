/**
 * Classifier plugins: the `ChangeClassifier` contract (versioned by `specificationVersion`) and loading
 * plugins by module name from the repository, as the configuration's `classifiers` list names them.
 *
 * A plugin sees each changed file (after the ignore list, before every built-in rule) and either claims it
 * with a change type of its own, or passes (returns nothing) so the next classifier looks at it.
 */
import { createRequire } from "node:module";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, isAbsolute, join, posix, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { FileChangeType, UnitStatus } from "@gantry/change-detector";
import { readTreeFiles } from "./git.js";
import { GantryError } from "@gantry/errors";

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
  classify(
    file: ChangedFile,
    context: ClassifierContext,
  ): ClassifierClaim | null | undefined | Promise<ClassifierClaim | null | undefined>;
}

export function isChangeClassifier(value: unknown): value is ChangeClassifier {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return (
    candidate["specificationVersion"] === "v1" &&
    typeof candidate["name"] === "string" &&
    candidate["name"] !== "" &&
    typeof candidate["classify"] === "function"
  );
}

export interface LoadPluginsOptions {
  /** The repository: file plugins are named relative to it. */
  repo: string;
  /**
   * The commit whose tree file plugins are read from (each is copied into a private temporary directory and
   * imported from there). Without it they are imported from the working tree.
   */
  ref?: string;
  /** Where package plugins are resolved from (its `node_modules`, and those above it); default `repo`. */
  packagesFrom?: string;
  /** The configuration file that names the plugins, for error locations. */
  configFile?: string;
}

/**
 * Loads each plugin named in the configuration. A name starting with `.` or `/` is a file relative to the
 * repository (read from `ref`'s tree when given); any other name is a package resolved from `packagesFrom`
 * (default: the repository directory, as `node` would from a script at the repository root).
 */
export async function loadClassifierPlugins(
  names: readonly string[],
  options: LoadPluginsOptions,
): Promise<ChangeClassifier[]> {
  const plugins: ChangeClassifier[] = [];
  for (const name of names) {
    const isFile = name.startsWith(".") || isAbsolute(name);
    const module =
      isFile && options.ref !== undefined
        ? await importFromTree(name, options.ref, options)
        : await importPlugin(name, resolvePluginModule(name, options), options);
    let candidate = module["default"] ?? module["classifier"];
    if (typeof candidate === "function") candidate = await (candidate as () => unknown)();
    if (!isChangeClassifier(candidate)) {
      throw new GantryError(
        "CONFIG_PLUGIN_INVALID",
        `classifier plugin '${name}' does not export a ChangeClassifier (needs specificationVersion "v1", a name and classify())`,
        {
          ...located(options),
          hint: 'export default { specificationVersion: "v1", name: "...", classify(file, context) { ... } }',
        },
      );
    }
    plugins.push(candidate);
  }
  return plugins;
}

const located = (options: LoadPluginsOptions) => (options.configFile ? { location: { file: options.configFile } } : {});

async function importPlugin(name: string, url: string, options: LoadPluginsOptions): Promise<Record<string, unknown>> {
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    throw new GantryError(
      "CONFIG_PLUGIN_INVALID",
      `classifier plugin '${name}' failed to load: ${(error as Error).message}`,
      {
        ...located(options),
        hint: "fix the plugin module, or remove it from `classifiers`",
        cause: error,
      },
    );
  }
}

/**
 * A file plugin as the commit has it, never as the working tree has it: its blob is copied into a private
 * temporary directory, imported, and the directory removed. So a file plugin is one self-contained ES module
 * (bundle it if it imports anything but Node's built-ins).
 */
async function importFromTree(
  name: string,
  ref: string,
  options: LoadPluginsOptions,
): Promise<Record<string, unknown>> {
  const path = posix.normalize(name);
  if (isAbsolute(name) || path === ".." || path.startsWith("../")) {
    throw new GantryError("CONFIG_PLUGIN_INVALID", `classifier plugin '${name}' is outside the repository`, {
      ...located(options),
      hint: "name a file inside the repository (./.gantry/classifiers/mine.js), or a package",
    });
  }
  const text = (await readTreeFiles(options.repo, ref, [path])).get(path);
  if (text === undefined) {
    throw new GantryError("CONFIG_PLUGIN_INVALID", `classifier plugin '${name}' does not exist at commit ${ref}`, {
      ...located(options),
      hint: "commit the plugin file together with the configuration that names it",
    });
  }
  const dir = mkdtempSync(join(tmpdir(), "gantry-plugin-"));
  try {
    const file = join(dir, basename(path));
    writeFileSync(file, text, { mode: 0o600 });
    // A `.js` file is an ES module, as it would be in a package with "type": "module".
    writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n', { mode: 0o600 });
    return await importPlugin(name, pathToFileURL(file).href, options);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function resolvePluginModule(name: string, options: LoadPluginsOptions): string {
  if (name.startsWith(".") || isAbsolute(name)) {
    const path = resolve(options.repo, name);
    if (!existsSync(path)) throw pluginNotFound(name, options.repo, options.configFile);
    return pathToFileURL(path).href;
  }
  const from = resolve(options.packagesFrom ?? options.repo);
  try {
    return pathToFileURL(createRequire(join(from, "package.json")).resolve(name)).href;
  } catch {
    // ESM-only packages export no `require` condition: read their package.json ourselves.
    const path = resolveEsmPackage(name, from);
    if (!path) throw pluginNotFound(name, from, options.configFile);
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
  return new GantryError("CONFIG_PLUGIN_INVALID", `classifier plugin '${name}' cannot be found from ${repo}`, {
    ...(configFile ? { location: { file: configFile } } : {}),
    hint: `install it in the repository (npm install ${name}) or name a file relative to the repository (./classifiers/mine.js)`,
  });
}
