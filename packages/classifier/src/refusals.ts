/**
 * Changes the planner refuses, with errors that name what to fix: deleting a unit that a remaining unit
 * still depends on, and (on a pull request) a new account directory mixed with other infrastructure changes.
 */
import type { DetectionResult, UnitStatus } from "@gantry/change-detector";
import { changeTypeName, type Change } from "./changes.js";
import { unitsActedOn } from "./units-acted-on.js";
import { GantryError } from "@gantry/errors";

export function refuseDeletingDependedOnUnits(
  detection: DetectionResult,
  deleted: ReadonlySet<string>,
  status: ReadonlyMap<string, UnitStatus>,
): void {
  if (deleted.size === 0) return;
  const problems: string[] = [];
  for (const [unit, dependencies] of Object.entries(detection.graph.dependencies)) {
    if (status.get(unit) === "deleted") continue;
    for (const dependency of dependencies) {
      if (deleted.has(dependency)) problems.push(`${unit} still depends on ${dependency}, which this change deletes`);
    }
  }
  if (problems.length === 0) return;
  problems.sort();
  throw new GantryError("PLAN_DELETED_UNIT_STILL_USED", problems.join("; "), {
    location: { file: `${problems[0]!.split(" ")[0]}/terragrunt.hcl` },
    hint: "remove the dependency block from the remaining unit in the same change (or keep the deleted unit until nothing depends on it)",
  });
}

export function refuseAccountsAddedWithOthers(changes: readonly Change[]): void {
  const added = changes.filter((change) => change.type === "AccountsAdded");
  if (added.length === 0) return;
  // Changes whose units all belong to the new accounts (their _envcommon, modules...) are part of adding them.
  const newAccounts = added.map((change) => (change.type === "AccountsAdded" ? `${change.account}/` : ""));
  const outside = (unit: string) => !newAccounts.some((prefix) => unit.startsWith(prefix));
  const others = changes.filter((change) => change.type !== "AccountsAdded" && unitsActedOn(change).some(outside));
  if (others.length === 0) return;
  const accounts = added.map((change) => (change.type === "AccountsAdded" ? change.account : "")).join(", ");
  throw new GantryError(
    "PLAN_ACCOUNTS_ADDED_NOT_ALONE",
    `this pull request adds the account directory ${accounts} and also changes other infrastructure (${others.map(changeTypeName).join(", ")}: ${others
      .flatMap((change) => change.files)
      .slice(0, 5)
      .join(", ")})`,
    {
      hint: "a new account directory must be the only infrastructure change of its pull request: move the other changes to their own pull request",
    },
  );
}
