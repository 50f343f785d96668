/**
 * The one place that touches `@gantry/hcl`'s evaluator API, so the analysis code stays small and the
 * adaptation to the evaluator lives in one file.
 */
import type { Expression, ExpressionOf } from "@gantry/hcl";
import { Unknown, evaluate, isUnknown as hclIsUnknown } from "@gantry/hcl";
import type { HclFile, HclFunction as HclFunctionType, HclValue as HclValueType } from "@gantry/hcl";

export type HclValue = HclValueType;
export type { Unknown };
export type HclFunction = HclFunctionType;
export type CallNode = ExpressionOf<"Call">;

/** Marks Gantry's functions as wanting unknown arguments: a read must be recorded even when its path is unknown. */
export function acceptingUnknown(
  functions: Record<string, (args: HclValue[], call: CallNode) => HclValue>,
): Record<string, HclFunction> {
  for (const fn of Object.values(functions)) (fn as HclFunction).acceptsUnknown = true;
  return functions as Record<string, HclFunction>;
}

export function isUnknown(value: unknown): value is Unknown {
  return hclIsUnknown(value as HclValue);
}

export function makeUnknown(reason: string, fragments?: Array<string | null>): Unknown {
  return new Unknown(reason, undefined, fragments);
}

export function unknownFragments(value: Unknown): ReadonlyArray<string | null> | undefined {
  return value.fragments;
}

export function evaluateExpression(
  expr: Expression,
  context: { variable: (name: string) => HclValue | undefined; functions: Record<string, HclFunction>; file?: HclFile },
): HclValue {
  return evaluate(expr, context);
}
