/**
 * The convenience entry point: detect, load the configuration from the head commit, load plugins,
 * classify, plan.
 */
import { detectChanges } from "@gantry/change-detector";
import { classifyChanges } from "./classify.js";
import { loadConfig } from "./config/load-config.js";
import type { PlanDocument } from "./job.js";
import { planJobs, type PlanJobsInput } from "./plan-jobs.js";
import { loadClassifierPlugins } from "./plugins.js";

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
    const fromEvent = options.event === "pull_request" ? env["GITHUB_HEAD_REF"] || env["GITHUB_REF_NAME"] : env["GITHUB_REF_NAME"];
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
  const loaded = await loadConfig({ repo: options.repo, ref: detection.head });
  const configFile = loaded.files[0];
  const plugins = await loadClassifierPlugins(loaded.config.classifiers, { repo: options.repo, ...(configFile ? { configFile } : {}) });
  const classification = await classifyChanges(detection, { ignore: loaded.config.ignore, plugins });
  const branch = resolveBranch({ event: options.event, branch: options.branch, deployBranch: loaded.config.deployBranch, ...(options.env ? { env: options.env } : {}) });
  return planJobs({
    detection,
    classification,
    config: loaded.config,
    branch,
    ...(configFile ? { configFile } : {}),
    ...(options.skipUnits ? { skipUnits: options.skipUnits } : {}),
  });
}
