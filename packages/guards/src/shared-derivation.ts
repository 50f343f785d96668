/**
 * The jobs of one run share their source range and are checked against the same deploy-branch tip, so the
 * guards load the trusted configuration once per tip and re-derive once per (trusted configuration, source
 * range), whichever job asks first; re-derivation (detection and planning, uncached) is their largest cost.
 *
 * Nothing untrusted feeds what is shared. A configuration is read from the tip (a commit: immutable) and the
 * pipelines side's plugin directory, and shared only by jobs that resolved that same tip. A derivation is keyed
 * by that configuration object and the job's source commits (full SHAs: immutable), event and branch, and is
 * computed by the guards from the repository: what a job claims (units, action, ref, privileged fields) is never
 * part of it, it is compared with it. A load or derivation that fails is dropped, not remembered for the next
 * job. The configurations of the last few tips are kept (a run's, and the one a merge during the run brings).
 */
import { resolve } from "node:path";
import type { Job, PlanningConfiguration } from "@gantry/classifier";
import { rederiveWithClassifier, type RederiveJobs } from "./rederive.js";

const KEPT_TIPS = 4;

const configurations = new Map<string, Promise<PlanningConfiguration>>();
const derivations = new WeakMap<PlanningConfiguration, Map<string, Promise<Job[]>>>();

/** Calls `make` once per key while its promise is kept; a rejected promise is forgotten. */
function remember<T>(store: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> {
  const found = store.get(key);
  if (found) return found;
  const made = make();
  store.set(key, made);
  made.catch(() => {
    if (store.get(key) === made) store.delete(key);
  });
  return made;
}

/** The trusted configuration of `tip` (loaded by `load`), once per repository, tip and plugin directory. */
export function trustedConfigurationAt(
  key: { repo: string; tip: string; pluginPackages: string | undefined },
  load: () => Promise<PlanningConfiguration>,
): Promise<PlanningConfiguration> {
  const id = JSON.stringify([resolve(key.repo), key.tip, key.pluginPackages ? resolve(key.pluginPackages) : null]);
  const found = configurations.get(id);
  if (found) {
    // Most recently used last: the oldest tip goes first.
    configurations.delete(id);
    configurations.set(id, found);
    return found;
  }
  const loaded = remember(configurations, id, load);
  for (const oldest of configurations.keys()) {
    if (configurations.size <= KEPT_TIPS) break;
    configurations.delete(oldest);
  }
  return loaded;
}

/** `derive` (default `rederiveWithClassifier`), once per source range for a configuration. */
export function sharedRederivation(
  repo: string,
  configuration: PlanningConfiguration,
  derive: RederiveJobs = rederiveWithClassifier(repo, configuration),
): RederiveJobs {
  let byRange = derivations.get(configuration);
  if (!byRange) derivations.set(configuration, (byRange = new Map()));
  const ranges = byRange;
  return (job) =>
    remember(ranges, JSON.stringify([job.source.event, job.source.base, job.source.head, job.source.branch]), () =>
      derive(job),
    );
}
