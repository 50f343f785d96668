import { match, P } from "ts-pattern";
import type { Change } from "./changes.js";

/** The units a change acts on (an empty list: report only). Exhaustive over every change type. */
export function unitsActedOn(change: Change): readonly string[] {
  return match(change)
    .with(
      {
        type: P.union(
          "UnitAdded",
          "UnitChanged",
          "UnitDeleted",
          "EnvCommonChanged",
          "HCLChanged",
          "LocalModuleChanged",
          "FileChanged",
          "AccountsAdded",
          "DriftDetected",
        ),
      },
      (acting) => acting.units,
    )
    .with({ type: P.union("AccountsRequested", "AccountsChanged", "AccountsDeleted", "ConfigChanged") }, () => [])
    .with({ type: "Plugin" }, (plugin) => plugin.units)
    .exhaustive();
}
