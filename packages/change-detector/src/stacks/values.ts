/**
 * `values.*` in a configuration: what the `unit` or `stack` block that generated it passed (Terragrunt writes
 * them to `terragrunt.values.hcl` in the generated directory). Known for what the detector generates from
 * stack files; anywhere else `values` is only known at run time.
 */
import type { ConfigEvaluation } from "../analysis/config-evaluator.js";
import { makeUnknown, type HclValue } from "../analysis/hcl-adapter.js";
import { Snapshot } from "../analysis/snapshot.js";
import type { Tree } from "../git.js";

/** A snapshot whose tree holds generated stack components, with the values each generated directory gets. */
export class StackSnapshot extends Snapshot {
  /** Generated unit or stack directory → its `values`. */
  readonly values = new Map<string, HclValue>();

  constructor(tree: Tree, label: "head" | "base", contents?: ReadonlyMap<string, string>) {
    super(tree, label);
    if (contents) for (const [blob, text] of contents) this.contents.set(blob, text);
  }
}

/** The `values` variable for `caller` (its unit, or the stack file being evaluated). */
export function valuesOf(caller: ConfigEvaluation): HclValue {
  const snapshot = caller.run.snapshot;
  const values = snapshot instanceof StackSnapshot ? snapshot.values.get(caller.scope.unitDir) : undefined;
  if (values === undefined) return makeUnknown("values.* is only known at run time");
  // The result depends on the unit: an included file that uses it is not shared with other units.
  caller.reads.usedOriginalDir = true;
  return values;
}
