/**
 * The typed infrastructure changes a diff is classified into. Every change carries the changed files it
 * covers and the units it acts on (possibly none: a change that affects no unit is still reported so
 * users see that it was looked at).
 *
 * `Plugin` is the escape hatch for change types that classifier plugins add: its `name` is the change
 * type users see (`DocsChanged`, `PolicyChanged`), `unitScope` says which units it acts on.
 */

interface ChangeBase {
  /** Repository-relative paths; a rename lists both `from` and `to`. */
  readonly files: readonly string[];
  /** Unit directories this change acts on, sorted. */
  readonly units: readonly string[];
}

export interface UnitAdded extends ChangeBase {
  readonly type: "UnitAdded";
}
export interface UnitChanged extends ChangeBase {
  readonly type: "UnitChanged";
}
export interface UnitDeleted extends ChangeBase {
  readonly type: "UnitDeleted";
}
export interface EnvCommonChanged extends ChangeBase {
  readonly type: "EnvCommonChanged";
}
export interface HCLChanged extends ChangeBase {
  readonly type: "HCLChanged";
}
export interface LocalModuleChanged extends ChangeBase {
  readonly type: "LocalModuleChanged";
}
export interface FileChanged extends ChangeBase {
  readonly type: "FileChanged";
}
export interface AccountsRequested extends ChangeBase {
  readonly type: "AccountsRequested";
}
export interface AccountsChanged extends ChangeBase {
  readonly type: "AccountsChanged";
}
export interface AccountsDeleted extends ChangeBase {
  readonly type: "AccountsDeleted";
}
export interface AccountsAdded extends ChangeBase {
  readonly type: "AccountsAdded";
  readonly account: string;
}
export interface DriftDetected extends ChangeBase {
  readonly type: "DriftDetected";
}
/** Gantry's or Pipelines' own configuration, or CI workflows: never an infrastructure change. */
export interface ConfigChanged extends ChangeBase {
  readonly type: "ConfigChanged";
}
export interface PluginChange extends ChangeBase {
  readonly type: "Plugin";
  /** The change type the plugin named, e.g. `DocsChanged`. */
  readonly name: string;
  /** The plugin's `name`. */
  readonly classifier: string;
}

export type Change =
  | UnitAdded
  | UnitChanged
  | UnitDeleted
  | EnvCommonChanged
  | HCLChanged
  | LocalModuleChanged
  | FileChanged
  | AccountsRequested
  | AccountsChanged
  | AccountsDeleted
  | AccountsAdded
  | DriftDetected
  | ConfigChanged
  | PluginChange;

export type BuiltInChangeType = Exclude<Change["type"], "Plugin">;

export const builtInChangeTypes: readonly BuiltInChangeType[] = [
  "UnitAdded",
  "UnitChanged",
  "UnitDeleted",
  "EnvCommonChanged",
  "HCLChanged",
  "LocalModuleChanged",
  "FileChanged",
  "AccountsRequested",
  "AccountsChanged",
  "AccountsDeleted",
  "AccountsAdded",
  "DriftDetected",
  "ConfigChanged",
];

/** The name users see: the built-in type, or the plugin's own type name. */
export function changeTypeName(change: Change): string {
  return change.type === "Plugin" ? change.name : change.type;
}
