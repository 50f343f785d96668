/**
 * Finds and reads the configuration from a commit's tree (never the working tree: the plan must be
 * reproducible from the commits alone). Precedence, first found wins:
 *
 * 1. `.gantry/config.yml` (or `.yaml`): Gantry's own format;
 * 2. `.gruntwork/*.hcl`: Gruntwork Pipelines' HCL configuration;
 * 3. `.gruntwork/config.yml` (or `.yaml`): Pipelines' legacy YAML (ignored when any HCL config exists,
 *    as Pipelines does);
 * 4. none: defaults (deploy branch `main`, one `default` environment covering every unit, no AWS auth).
 */
import { listTreeFiles, readTreeFiles } from "../git.js";
import { parseGantryConfigYaml } from "./gantry-yaml.js";
import { parseGruntworkConfigHcl, type ConfigFileText } from "./gruntwork-hcl.js";
import { parseGruntworkConfigYaml } from "./gruntwork-yaml.js";
import { gantryConfigSchema, type GantryConfig } from "./schema.js";

export type ConfigSource = "gantry" | "gruntwork-hcl" | "gruntwork-yaml" | "default";

export interface LoadedConfig {
  config: GantryConfig;
  source: ConfigSource;
  /** The files read, repository-relative. */
  files: string[];
}

export function defaultConfig(): GantryConfig {
  return gantryConfigSchema.parse({});
}

/** Picks the configuration among the candidate files (from `.gantry/` and `.gruntwork/`) and parses it. */
export function parseConfigFiles(files: readonly ConfigFileText[]): LoadedConfig {
  const byPath = new Map(files.map((file) => [file.path, file]));
  const gantry = byPath.get(".gantry/config.yml") ?? byPath.get(".gantry/config.yaml");
  if (gantry)
    return { config: parseGantryConfigYaml(gantry.text, gantry.path), source: "gantry", files: [gantry.path] };
  const hcl = files
    .filter((file) => /^\.gruntwork\/[^/]+\.hcl$/.test(file.path))
    .sort((a, b) => a.path.localeCompare(b.path));
  if (hcl.length > 0)
    return { config: parseGruntworkConfigHcl(hcl), source: "gruntwork-hcl", files: hcl.map((file) => file.path) };
  const legacy = byPath.get(".gruntwork/config.yml") ?? byPath.get(".gruntwork/config.yaml");
  if (legacy)
    return {
      config: parseGruntworkConfigYaml(legacy.text, legacy.path),
      source: "gruntwork-yaml",
      files: [legacy.path],
    };
  return { config: defaultConfig(), source: "default", files: [] };
}

/** Reads the configuration from the tree of `ref` (normally the head commit) in `repo`: two git calls. */
export async function loadConfig(options: { repo: string; ref: string }): Promise<LoadedConfig> {
  const candidates = (await listTreeFiles(options.repo, options.ref, [".gantry", ".gruntwork"])).filter(
    (path) => /^\.gantry\/config\.ya?ml$/.test(path) || /^\.gruntwork\/([^/\n]+\.hcl|config\.ya?ml)$/.test(path),
  );
  const texts = await readTreeFiles(options.repo, options.ref, candidates);
  return parseConfigFiles([...texts].map(([path, text]) => ({ path, text })));
}
