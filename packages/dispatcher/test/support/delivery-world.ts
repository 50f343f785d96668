/**
 * An in-memory infrastructure repository and its deployed state, for the delivery simulation: a linear deploy
 * branch of commits that change, add, break, fix and delete units; a detection of any range of it (the shape
 * `detectChanges` returns), planned by the real `classifyChanges` and `planJobs`; and a ledger of every apply
 * and destroy, which checks the promise as it goes (no unit ever applied at an older commit than before).
 */
import {
  classifyChanges,
  gantryConfigSchema,
  planJobs,
  type GantryConfig,
  type PlanDocument,
  type PlanJobsInput,
  type SkippedUnit,
} from "@gantry/classifier";

type DetectionResult = PlanJobsInput["detection"];
import type { CommitHistory } from "../../src/index.js";

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export class Random {
  private state: number;
  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  below(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }
}

interface UnitVersion {
  readonly version: number;
  /** This version fails to apply (a bad change, fixed by a later one). */
  readonly broken: boolean;
  readonly dependencies: readonly string[];
}

export interface WorldCommit {
  readonly sha: string;
  readonly index: number;
  readonly units: ReadonlyMap<string, UnitVersion>;
  /** Units whose code this commit changed, added or deleted. */
  readonly changed: ReadonlySet<string>;
}

export interface LedgerEntry {
  readonly unit: string;
  readonly action: "apply" | "destroy";
  readonly commit: number;
  readonly runner: string;
  /** `succeeded`; `failed` (nothing changed); `partial` (interrupted or killed mid-way: the state is unknown). */
  readonly outcome: "succeeded" | "failed" | "partial";
}

const environments = ["dev", "stage", "prod", "shared"];

export function shaOf(index: number): string {
  return index.toString(16).padStart(40, "0");
}

export class World {
  readonly commits: WorldCommit[] = [];
  readonly ledger: LedgerEntry[] = [];
  readonly violations: string[] = [];
  readonly config: GantryConfig = gantryConfigSchema.parse({
    environments: environments.map((name) => ({ name, paths: [`${name}/**`] })),
  });
  private readonly changesOf = new Map<string, number[]>();
  private readonly indexOfSha = new Map<string, number>();
  private nextUnit = 0;
  /** Per unit: the commit it was last successfully applied at (destroyed: -1). */
  readonly deployed = new Map<string, number>();

  constructor(
    private readonly random: Random,
    unitCount: number,
  ) {
    const units = new Map<string, UnitVersion>();
    const names: string[] = [];
    for (let i = 0; i < unitCount; i++) {
      const name = this.newUnitName();
      // Dependencies only on earlier units: a DAG, like a real repository's layers.
      const dependencies =
        names.length > 0 && random.chance(0.6) ? [...new Set([random.pick(names), random.pick(names)])] : [];
      units.set(name, { version: 0, broken: false, dependencies });
      names.push(name);
    }
    this.push(units, new Set(units.keys()));
    // The record starts at the first commit, as `gantry record mark` would: everything there is deployed.
    for (const name of units.keys()) this.deployed.set(name, 0);
  }

  get tip(): WorldCommit {
    return this.commits[this.commits.length - 1]!;
  }

  private newUnitName(): string {
    const index = this.nextUnit++;
    return `${environments[index % environments.length]}/unit-${index}`;
  }

  private push(units: Map<string, UnitVersion>, changed: Set<string>): WorldCommit {
    const index = this.commits.length;
    const commit: WorldCommit = { sha: shaOf(index), index, units, changed };
    this.commits.push(commit);
    this.indexOfSha.set(commit.sha, index);
    for (const unit of changed) this.changesOf.set(unit, [...(this.changesOf.get(unit) ?? []), index]);
    return commit;
  }

  /** A merge: changes (some breaking, some fixing), an added unit, a deleted leaf unit, or a shared file read by several. */
  merge(): WorldCommit {
    const random = this.random;
    const units = new Map(this.tip.units);
    const changed = new Set<string>();
    const names = [...units.keys()];
    const change = (name: string, broken: boolean) => {
      const current = units.get(name)!;
      units.set(name, { ...current, version: current.version + 1, broken });
      changed.add(name);
    };
    const kind = random.below(10);
    if (kind < 5) {
      for (let i = 0, n = 1 + random.below(3); i < n; i++) change(random.pick(names), random.chance(0.15));
    } else if (kind < 6) {
      // A shared file (an _envcommon include) read by several units.
      for (let i = 0, n = 3 + random.below(8); i < n; i++) change(random.pick(names), false);
    } else if (kind < 8) {
      // Fix every broken unit some time after it broke.
      const broken = names.filter((name) => units.get(name)!.broken);
      if (broken.length > 0) broken.forEach((name) => change(name, false));
      else change(random.pick(names), false);
    } else if (kind < 9) {
      const name = this.newUnitName();
      units.set(name, {
        version: 0,
        broken: random.chance(0.2),
        dependencies: random.chance(0.5) ? [random.pick(names)] : [],
      });
      changed.add(name);
    } else {
      const dependedOn = new Set([...units.values()].flatMap((unit) => unit.dependencies));
      const leaves = names.filter((name) => !dependedOn.has(name));
      const name = random.pick(leaves.length > 0 ? leaves : names);
      if (!dependedOn.has(name)) {
        units.delete(name);
        changed.add(name);
      } else {
        change(name, false);
      }
    }
    return this.push(units, changed);
  }

  /** A merge that fixes every broken unit (true when there was one). */
  fixBroken(): boolean {
    const broken = [...this.tip.units].filter(([, unit]) => unit.broken);
    if (broken.length === 0) return false;
    const units = new Map(this.tip.units);
    for (const [name, unit] of broken) units.set(name, { ...unit, version: unit.version + 1, broken: false });
    this.push(units, new Set(broken.map(([name]) => name)));
    return true;
  }

  index(sha: string): number {
    const index = this.indexOfSha.get(sha);
    if (index === undefined) throw new Error(`unknown commit ${sha}`);
    return index;
  }

  readonly history: CommitHistory = {
    isAncestor: async (ancestor, descendant) => this.index(ancestor) <= this.index(descendant),
  };

  /** Whether a commit in `(from, to]` changed the unit. */
  changedBetween(unit: string, from: number, to: number): boolean {
    return (this.changesOf.get(unit) ?? []).some((index) => index > from && index <= to);
  }

  detection(base: string, head: string): DetectionResult {
    const from = this.commits[this.index(base)]!;
    const to = this.commits[this.index(head)]!;
    const affected = new Set<string>();
    for (let index = from.index + 1; index <= to.index; index++)
      for (const unit of this.commits[index]!.changed) affected.add(unit);
    const units: DetectionResult["units"] = [];
    const changes: DetectionResult["changes"] = [];
    for (const unit of [...affected].sort()) {
      const before = from.units.has(unit);
      const after = to.units.has(unit);
      if (!before && !after) continue;
      const status = before && after ? "changed" : after ? "added" : "deleted";
      units.push({
        path: unit,
        status,
        reasons: [{ file: `${unit}/terragrunt.hcl`, chain: [{ file: `${unit}/terragrunt.hcl`, via: "unit" }] }],
        dynamic: [],
        problems: [],
        inStack: false,
      });
      changes.push({
        type: status === "changed" ? "modified" : status,
        files: [`${unit}/terragrunt.hcl`],
        insideUnit: unit,
        units: [unit],
      });
    }
    const dependencies: Record<string, string[]> = {};
    for (const [unit, version] of to.units) dependencies[unit] = [...version.dependencies];
    for (const unit of units)
      if (unit.status === "deleted") dependencies[unit.path] = [...from.units.get(unit.path)!.dependencies];
    return {
      apiVersion: "gantry/v1",
      kind: "Detection",
      event: "push",
      base,
      head,
      requestedBase: base,
      changes,
      units,
      graph: { dependencies },
      stacks: [],
      stats: { trackedFiles: 0, unitsInHead: to.units.size, filesParsed: 0, cacheHits: 0, elapsedMs: 0 },
    };
  }

  /** The real classifier and planner over this world's detection of `base..head`. */
  async plan(
    range: { base: string; head: string },
    skipUnits?: ReadonlyMap<string, Omit<SkippedUnit, "unit">>,
  ): Promise<PlanDocument> {
    const detection = this.detection(range.base, range.head);
    const classification = await classifyChanges(detection, {});
    return planJobs({
      detection,
      classification,
      config: this.config,
      branch: "main",
      ...(skipUnits ? { skipUnits } : {}),
    });
  }

  /** One unit's apply or destroy at `commit`: fails when that version is broken, or by chance (`flaky`). */
  attempt(
    unit: string,
    action: "apply" | "destroy",
    commit: number,
    runner: string,
    flaky: number,
  ): "succeeded" | "failed" {
    const version = this.commits[commit]!.units.get(unit);
    if (action === "apply") {
      if (!version) this.violations.push(`${runner}: apply of ${unit} at ${commit}, where it does not exist`);
      const last = this.deployed.get(unit);
      if (last !== undefined && last > commit)
        this.violations.push(`${runner}: ${unit} rolled back from commit ${last} to ${commit}`);
    } else if (this.tip.units.has(unit)) {
      this.violations.push(`${runner}: destroy of ${unit}, which exists at the tip`);
    }
    const failed = (action === "apply" && version?.broken === true) || this.random.chance(flaky);
    const outcome = failed ? "failed" : "succeeded";
    this.ledger.push({ unit, action, commit, runner, outcome });
    if (!failed) this.deployed.set(unit, action === "apply" ? commit : -1);
    return outcome;
  }

  /** An apply or destroy cut short (the run was cancelled or killed while the tool ran): its effect is unknown. */
  interrupted(unit: string, action: "apply" | "destroy", commit: number, runner: string): void {
    this.ledger.push({ unit, action, commit, runner, outcome: "partial" });
  }

  /**
   * The promise on the final state: every unit of the tip is deployed as of the tip, every deleted unit that was
   * ever deployed is destroyed, and no successful apply repeated one before it without a change in between
   * (unless an interrupted or failed attempt came between, or the first was never recorded because its run was killed).
   */
  checkFinalState(killedRunners: ReadonlySet<string>): string[] {
    const problems = [...this.violations];
    const tip = this.tip;
    for (const unit of tip.units.keys()) {
      const at = this.deployed.get(unit);
      if (at === undefined || at < 0) problems.push(`${unit} exists at the tip but is not deployed`);
      else if (this.changedBetween(unit, at, tip.index))
        problems.push(`${unit} is deployed as of commit ${at}, but changed before the tip ${tip.index}`);
    }
    for (const [unit, at] of this.deployed) {
      if (!tip.units.has(unit) && at >= 0)
        problems.push(`${unit} was deleted but its infrastructure (commit ${at}) was never destroyed`);
    }
    const previous = new Map<string, LedgerEntry>();
    const tainted = new Set<string>();
    for (const entry of this.ledger) {
      if (entry.outcome !== "succeeded") {
        tainted.add(entry.unit);
        continue;
      }
      const before = previous.get(entry.unit);
      if (
        before &&
        entry.action === "apply" &&
        before.action === "apply" &&
        !tainted.has(entry.unit) &&
        !killedRunners.has(before.runner) &&
        !this.changedBetween(entry.unit, before.commit, entry.commit)
      ) {
        problems.push(
          `${entry.unit} applied twice for the same change: commit ${before.commit} by ${before.runner}, then ${entry.commit} by ${entry.runner}`,
        );
      }
      previous.set(entry.unit, entry);
      tainted.delete(entry.unit);
    }
    return problems;
  }
}
