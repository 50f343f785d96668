/**
 * The trust root: everything that decides privilege comes from the pipelines side or from the deploy
 * branch's tip as fetched from origin, never from the job document or a branch.
 *
 * - The deploy branch's name: the pipelines side's setting (`deployBranch` option, else
 *   `GANTRY_DEPLOY_BRANCH`, else `main`).
 * - The configuration (environments, role ARNs, Terragrunt flags and environment, parallelism,
 *   pipelinesRepository) and the classifier plugins: read from the tip's tree (plugins copied from it into a
 *   private directory; package plugins only from `pluginPackages`, a directory the pipelines side installs).
 *
 * A job only names what to run (action, units, ref, source). The privileged values it carries must equal
 * what the trusted configuration gives for its units, or the job is refused before anything else runs.
 */
import { isDeepStrictEqual } from "node:util";
import { resolve, sep } from "node:path";
import {
  authenticationOf,
  loadConfig,
  loadPlanningConfiguration,
  matchEnvironments,
  type Job,
  type PlanningConfiguration,
} from "@gantry/classifier";
import { GantryError } from "@gantry/errors";
import { resolveDeployBranchTip, type DeployBranchFetch, type DeployBranchTip } from "./deploy-branch.js";
import { GuardRefusedError } from "./errors.js";
import { trustedConfigurationAt } from "./shared-derivation.js";

export const DEFAULT_DEPLOY_BRANCH = "main";

export interface TrustRoot {
  tip: DeployBranchTip;
  /** The configuration and plugins of the tip. */
  configuration: PlanningConfiguration;
}

/** The pipelines side's deploy branch name. */
export function trustedDeployBranch(option: string | undefined, env: NodeJS.ProcessEnv): string {
  return option || env["GANTRY_DEPLOY_BRANCH"] || DEFAULT_DEPLOY_BRANCH;
}

const refuse = (job: Job | null, message: string, hint: string, cause?: unknown) =>
  new GuardRefusedError(
    { guard: "trusted-settings", unit: job?.units[0] ?? null, commit: job?.ref ?? null, message, hint },
    { cause },
  );

export async function loadTrustRoot(
  repo: string,
  options: {
    deployBranch: string;
    fetch?: DeployBranchFetch;
    pluginPackages?: string | undefined;
    signal?: AbortSignal | undefined;
  },
): Promise<TrustRoot> {
  if (options.pluginPackages && isInside(resolve(options.pluginPackages), resolve(repo))) {
    throw refuse(
      null,
      `GANTRY_PLUGIN_PACKAGES (${options.pluginPackages}) is inside the checkout being checked`,
      "install plugin packages outside the checkout, in the pipelines side's own directory",
    );
  }
  const tip = await resolveDeployBranchTip(repo, options.deployBranch, {
    ...(options.fetch ?? { fetch: true }),
    signal: options.signal,
  });
  let configuration: PlanningConfiguration;
  try {
    configuration = await trustedConfigurationAt(
      { repo, tip: tip.commit, pluginPackages: options.pluginPackages },
      async () => {
        if (!options.pluginPackages) {
          // Resolved from the checkout, a package plugin would be the change's own code (a committed node_modules).
          const packages = (await loadConfig({ repo, ref: tip.commit })).config.classifiers.filter(
            (name) => !name.startsWith("."),
          );
          if (packages.length > 0) {
            throw refuse(
              null,
              `the configuration at the tip of '${tip.branch}' names classifier plugin package(s) ${packages.map((name) => `'${name}'`).join(", ")}, and no GANTRY_PLUGIN_PACKAGES says where the pipelines side installed them`,
              "install the plugins in the pipelines workflow (outside the checkout) and set GANTRY_PLUGIN_PACKAGES to that directory; packages are never loaded from the checkout being checked",
            );
          }
        }
        return loadPlanningConfiguration({
          repo,
          ref: tip.commit,
          ...(options.pluginPackages ? { pluginPackages: options.pluginPackages } : {}),
        });
      },
    );
  } catch (cause) {
    if (GuardRefusedError.isGuardRefusal(cause)) throw cause;
    const reason = GantryError.isInstance(cause) ? cause.format() : (cause as Error).message;
    throw refuse(
      null,
      `the configuration at the tip of '${tip.branch}' (${tip.commit}) cannot be used: ${reason}`,
      "fix the configuration on the deploy branch; nothing is run until it loads",
      cause,
    );
  }
  const named = configuration.loaded.config.deployBranch;
  if (named !== tip.branch) {
    throw refuse(
      null,
      `the configuration at the tip of '${tip.branch}' names '${named}' as the deploy branch`,
      `set GANTRY_DEPLOY_BRANCH=${named} in the pipelines repository's workflow if '${named}' is the branch that deploys, or fix the configuration`,
    );
  }
  return { tip, configuration };
}

const isInside = (path: string, directory: string) => path === directory || path.startsWith(`${directory}${sep}`);

/** The job's privileged fields must be exactly what the trusted configuration gives its units. */
export function checkTrustedSettings(job: Job, trust: TrustRoot): void {
  const { config, files } = trust.configuration.loaded;
  const where = `the configuration at the tip of '${trust.tip.branch}' (${files[0] ?? "defaults"})`;
  const hint =
    "plan the job again; its privileged settings come only from the deploy branch's configuration, which changes through a reviewed pull request";
  if (job.source.deployBranch !== trust.tip.branch) {
    throw refuse(
      job,
      `the job names '${job.source.deployBranch}' as the deploy branch; the pipelines side deploys '${trust.tip.branch}'`,
      hint,
    );
  }
  let environments;
  try {
    environments = matchEnvironments(job.units, config.environments, files[0]);
  } catch (cause) {
    throw refuse(job, `the job's units do not match ${where}: ${(cause as Error).message}`, hint, cause);
  }
  const names = new Set([...environments.values()].map((environment) => environment.name));
  const environment = [...environments.values()][0]!;
  if (names.size !== 1 || environment.name !== job.environment) {
    throw refuse(
      job,
      `field environment: the job says '${job.environment}', ${where} puts its units in ${[...names].map((name) => `'${name}'`).join(", ")}`,
      hint,
    );
  }
  const expected: Array<[string, unknown, unknown]> = [
    ["authentication", job.authentication, authenticationOf(environment)],
    [
      "terragrunt",
      job.terragrunt,
      { flags: config.terragrunt.flags, env: config.terragrunt.env, parallelism: config.parallelism },
    ],
  ];
  for (const [field, actual, trusted] of expected) {
    if (!isDeepStrictEqual(actual, trusted))
      throw refuse(job, `field ${field} differs from what ${where} gives environment '${environment.name}'`, hint);
  }
}
