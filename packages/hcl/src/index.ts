/**
 * @gantry/hcl: HCL2 native-syntax parser (`parseHcl`) and expression evaluator (`evaluate`) with
 * Terraform's semantics and unknown values. See README.md.
 */
export type {
  Attribute,
  BinaryOperator,
  Block,
  Body,
  Expression,
  ExpressionOf,
  HclFile,
  Range,
  TemplatePart,
} from "./ast.js";
export { positionAt } from "./position.js";
export { parseHcl } from "./parser.js";
export { parseHclJson, type JsonBodySchema } from "./json-syntax.js";
export { HclSyntaxError, HclEvalError } from "./errors.js";
export { expressionSource, walkExpression } from "./walk.js";
export { Unknown, isUnknown, type HclValue } from "./values.js";
export { evaluate, type EvalContext, type HclFunction } from "./evaluate.js";
export { standardFunctions } from "./functions.js";
