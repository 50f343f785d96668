/**
 * Reads Gruntwork Pipelines' legacy `.gruntwork/config.yml` so its users can switch without rewriting it.
 * Honoured keys (under `pipelines:`): `deploy-branch-name`, `ignore-list` (comma-separated string or list),
 * `env` (a list of `{name, value}` or a mapping). Every other key (tool versions, repository URLs) has no
 * meaning for Gantry and is ignored. The legacy format has no environments: one `default` environment
 * covers every unit, without AWS authentication.
 */
import { parseYamlDocument } from "./gantry-yaml.js";
import type { GantryConfig, GantryConfigInput } from "./schema.js";
import { validateConfig, type ConfigPath } from "./validate.js";
import { GantryError } from "@gantry/errors";

export function parseGruntworkConfigYaml(text: string, file: string): GantryConfig {
  const { locate, toValue } = parseYamlDocument(text, file);
  const root: unknown = toValue() ?? {};
  const fail = (path: ConfigPath, message: string): never => {
    throw new GantryError("CONFIG_INVALID", `key ${path.join(".")}: ${message}`, {
      location: { file, ...(locate(path) ?? {}) },
      hint: "see Gruntwork's config.yml reference; Gantry honours deploy-branch-name, ignore-list and env",
    });
  };
  if (!isRecord(root)) return fail([], "the file must be a mapping with a `pipelines` key");
  const pipelines = root["pipelines"] ?? {};
  if (!isRecord(pipelines)) return fail(["pipelines"], "must be a mapping");

  const input: GantryConfigInput = {};
  const branch = pipelines["deploy-branch-name"];
  if (branch !== undefined) {
    if (typeof branch !== "string" || branch === "")
      return fail(["pipelines", "deploy-branch-name"], "must be a branch name");
    input.deployBranch = branch;
  }
  const ignore = pipelines["ignore-list"];
  if (ignore !== undefined) {
    const list = parseIgnoreList(ignore);
    if (!list)
      return fail(["pipelines", "ignore-list"], "must be a comma-separated string of globs or a list of globs");
    input.ignore = list;
  }
  const env = pipelines["env"];
  if (env !== undefined) {
    const variables: Record<string, string> = {};
    if (Array.isArray(env)) {
      env.forEach((entry: unknown, index) => {
        if (
          !isRecord(entry) ||
          typeof entry["name"] !== "string" ||
          entry["value"] === undefined ||
          entry["value"] === null
        ) {
          fail(["pipelines", "env", index], "each entry needs `name` and `value`");
        } else {
          variables[entry["name"] as string] = String(entry["value"]);
        }
      });
    } else if (isRecord(env)) {
      for (const [name, value] of Object.entries(env)) variables[name] = String(value);
    } else {
      return fail(["pipelines", "env"], "must be a list of {name, value}");
    }
    input.terragrunt = { env: variables };
  }
  return validateConfig(input, file, () => locate(["pipelines"]));
}

/** Gruntwork's ignore list: a comma-separated string (the original form) or a list of globs. */
export function parseIgnoreList(value: unknown): string[] | undefined {
  if (typeof value === "string") {
    return value
      .split(",")
      .map((glob) => glob.trim())
      .filter((glob) => glob !== "");
  }
  if (Array.isArray(value) && value.every((glob) => typeof glob === "string")) return value.map((glob) => glob.trim());
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
