/**
 * The convenience entry point: detect, load the configuration and its plugins from one commit, classify,
 * plan.
 *
 * Which commit's configuration: on a pull request the base's (the deploy branch, reviewed): a pull request
 * that changes `.gantry/` is planned with the configuration it would replace, and its change takes effect
 * once merged. On a push the pushed commit's. The guards pass the configuration of the deploy branch's tip
 * instead (`configuration`), so nothing that decides privilege comes from the change being checked.
 */
import { detectChanges } from "@gantry/change-detector";
import { classifyChanges } from "./classify.js";
import { loadConfig, type LoadedConfig } from "./config/load-config.js";
import type { PlanDocument } from "./job.js";
import { planJobs, type PlanJobsInput } from "./plan-jobs.js";
import { loadClassifierPlugins, type ChangeClassifier } from "./plugins.js";

/** A configuration and its plugins, read from one commit. */
export interface PlanningConfiguration {
  loaded: LoadedConfig;
  /** The commit they were read from. */
  commit: string;
  plugins: readonly ChangeClassifier[];
}

/**
 * The configuration at `ref` and its plugins: file plugins from the same commit's tree (never the working
 * tree), package plugins resolved from `pluginPackages` (default: the repository directory).
 */
export async function loadPlanningConfiguration(options: {
  repo: string;
  ref: string;
  pluginPackages?: string;
}): Promise<PlanningConfiguration> {
  const loaded = await loadConfig({ repo: options.repo, ref: options.ref });
  const configFile = loaded.files[0];
  const plugins = await loadClassifierPlugins(loaded.config.classifiers, {
    repo: options.repo,
    ref: options.ref,
    ...(options.pluginPackages ? { packagesFrom: options.pluginPackages } : {}),
    ...(configFile ? { configFile } : {}),
  });
  return { loaded, commit: options.ref, plugins };
}

export interface PlanChangeOptions {
  repo: string;
  base: string;
  head: string;
  event: "pull_request" | "push";
  /** The event's branch; see `resolveBranch` for the default. */
  branch?: string;
  /** Use detection's parse cache (default true). */
  cache?: boolean;
  /** Environment variables consulted for the default branch (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Units the deployment record says are already deployed (see `PlanJobsInput.skipUnits`). */
  skipUnits?: PlanJobsInput["skipUnits"];
  /** The commit whose configuration and plugins are used; default: the base on a pull request, else the head. */
  configRef?: string;
  /** A configuration already loaded (the guards' trusted one); `configRef` is then ignored. */
  configuration?: PlanningConfiguration;
  /** Where package plugins are resolved from (see `loadPlanningConfiguration`). */
  pluginPackages?: string;
}

/**
 * The event's branch when none is given: inside GitHub Actions (`GITHUB_ACTIONS=true`) the pull request's
 * head branch (`GITHUB_HEAD_REF`) or the pushed branch (`GITHUB_REF_NAME`); elsewhere the deploy branch
 * (a local `gantry plan` previews what the deploy branch would run).
 */
export function resolveBranch(options: {
  event: "pull_request" | "push";
  branch?: string | undefined;
  deployBranch: string;
  env?: Readonly<Record<string, string | undefined>>;
}): string {
  if (options.branch) return options.branch;
  const env = options.env ?? process.env;
  if (env["GITHUB_ACTIONS"] === "true") {
    const fromEvent =
      options.event === "pull_request" ? env["GITHUB_HEAD_REF"] || env["GITHUB_REF_NAME"] : env["GITHUB_REF_NAME"];
    if (fromEvent) return fromEvent;
  }
  return options.deployBranch;
}

export async function planChange(options: PlanChangeOptions): Promise<PlanDocument> {
  const detection = await detectChanges({
    repo: options.repo,
    base: options.base,
    head: options.head,
    event: options.event,
    cache: options.cache ?? true,
  });
  const configuration =
    options.configuration ??
    (await loadPlanningConfiguration({
      repo: options.repo,
      ref: options.configRef ?? (options.event === "pull_request" ? detection.base : detection.head),
      ...(options.pluginPackages ? { pluginPackages: options.pluginPackages } : {}),
    }));
  const { config, files } = configuration.loaded;
  const configFile = files[0];
  const classification = await classifyChanges(detection, { ignore: config.ignore, plugins: configuration.plugins });
  const branch = resolveBranch({
    event: options.event,
    branch: options.branch,
    deployBranch: config.deployBranch,
    ...(options.env ? { env: options.env } : {}),
  });
  return planJobs({
    detection,
    classification,
    config,
    branch,
    ...(configFile ? { configFile } : {}),
    ...(options.skipUnits ? { skipUnits: options.skipUnits } : {}),
  });
}
