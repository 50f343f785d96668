/**
 * Measures classification + planning alone at 10,000 units on synthetic detection results (run after
 * `pnpm exec turbo run build --filter @gantry/classifier`): `node packages/classifier/scripts/bench-planning.mjs`.
 * Scenarios: 1% of units changed; every unit affected (a root config change); both consolidation modes.
 */
import { classifyChanges, gantryConfigSchema, planJobs } from "../dist/index.js";

const UNITS = Number(process.env.UNITS ?? 10_000);
const accounts = ["dev", "stage", "prod", "shared"];
const units = Array.from(
  { length: UNITS },
  (_, index) => `${accounts[index % accounts.length]}/region-${index % 7}/service-${index}`,
);
// Each unit depends on up to three earlier units of the same account: a layered DAG.
const dependencies = Object.fromEntries(
  units.map((unit, index) => [
    unit,
    [index - 4, index - 12, index - 40].filter((dep) => dep >= 0).map((dep) => units[dep]),
  ]),
);

function detection(changed) {
  return {
    apiVersion: "gantry/v1",
    kind: "Detection",
    event: "push",
    base: "a".repeat(40),
    head: "b".repeat(40),
    requestedBase: "a".repeat(40),
    changes: changed.every((unit) => unit !== null)
      ? changed.map((unit) => ({
          type: "modified",
          files: [`${unit}/terragrunt.hcl`],
          insideUnit: unit,
          units: [unit],
        }))
      : [{ type: "modified", files: ["root.hcl"], insideUnit: null, units }],
    units: (changed.every((unit) => unit !== null) ? changed : units).map((unit) => ({
      path: unit,
      status: "changed",
      reasons: [{ file: `${unit}/terragrunt.hcl`, chain: [] }],
      dynamic: [],
      problems: [],
      inStack: false,
    })),
    graph: { dependencies },
    stacks: [],
    stats: { trackedFiles: 0, unitsInHead: UNITS, filesParsed: 0, cacheHits: 0, elapsedMs: 0 },
  };
}

const environments = accounts.map((name) => ({ name, paths: [`${name}/**`] }));
const scenarios = [
  ["1% changed", detection(units.filter((_, index) => index % 100 === 0))],
  ["all affected (root.hcl)", detection([null])],
];
for (const consolidation of ["environment", "unit"]) {
  const config = gantryConfigSchema.parse({ environments, consolidation });
  for (const [name, result] of scenarios) {
    const started = performance.now();
    const classification = await classifyChanges(result, {});
    const plan = planJobs({ detection: result, classification, config, branch: "main" });
    const elapsed = performance.now() - started;
    console.log(
      `${UNITS} units, ${name}, consolidation ${consolidation}: ${plan.jobs.length} jobs in ${elapsed.toFixed(1)} ms`,
    );
  }
}
