/**
 * Expression evaluator with HCL/Terraform semantics over plain JS values (see `HclValue`). Values that
 * cannot be known statically are `Unknown` and propagate like cty unknowns.
 */
import type { Expression, ExpressionOf, Range, TemplatePart } from "./ast.js";
import { GantryError } from "@gantry/errors";
import { HclEvalError } from "./errors.js";
import { valueToBool, valueToNumber, valueToString } from "./convert.js";
import { standardFunctions } from "./functions.js";
import {
  type HclValue,
  Unknown,
  collapseFragments,
  findUnknown,
  isUnknown,
  isObjectValue,
  numberToString,
  setKey,
  sortedKeys,
  typeName,
  valuesEqual,
} from "./values.js";

export type HclFunction = ((args: HclValue[], call: ExpressionOf<"Call">) => HclValue) & {
  /**
   * Set to `true` on a function that wants to see `Unknown` arguments (for example to keep a partial
   * path). Otherwise a call with any unknown argument (also nested in a list or object) is unknown
   * without calling the function.
   */
  acceptsUnknown?: boolean;
};

export interface EvalContext {
  /** The value of a root variable (`local`, `dependency`, `var`...), or undefined when it does not exist. */
  variable(name: string): HclValue | undefined;
  /** Functions by name; names not found here fall back to `standardFunctions`. */
  functions: Readonly<Record<string, HclFunction>>;
  /** Where the expression comes from, so errors carry file:line:column. */
  file?: { fileName: string; source: string };
}

/** Evaluate an expression. Throws `HclEvalError` for errors HCL reports at evaluation time. */
export function evaluate(expr: Expression, ctx: EvalContext): HclValue {
  return new Evaluator(ctx).eval(expr);
}

/** Local names introduced by for expressions and splats, innermost last. */
interface Scope {
  names: Map<string, HclValue>;
  parent: Scope | null;
}

const SPLAT_ITEM = "\u0000splat";

class Evaluator {
  private scope: Scope | null = null;

  constructor(private readonly ctx: EvalContext) {}

  fail(message: string, range: Range, hint?: string): never {
    throw new HclEvalError(
      message,
      range,
      this.ctx.file ? { file: this.ctx.file.fileName, source: this.ctx.file.source } : undefined,
      hint,
    );
  }

  private src(e: { range: Range }): string {
    return this.ctx.file ? this.ctx.file.source.slice(e.range.start, e.range.end) : "";
  }

  eval(e: Expression): HclValue {
    switch (e.type) {
      case "Literal":
        return e.value;
      case "Template":
        return this.template(e);
      case "Variable":
        return this.variable(e.name, e.range);
      case "SplatItem":
        return this.variable(SPLAT_ITEM, e.range);
      case "Parens":
        return this.eval(e.expr);
      case "GetAttr":
        return this.getAttr(this.eval(e.object), e.name, e.range);
      case "Index":
        return this.index(this.eval(e.object), this.eval(e.key), e);
      case "Splat":
        return this.splat(e);
      case "Call":
        return this.call(e);
      case "Tuple":
        return e.items.map((i) => this.eval(i));
      case "Object":
        return this.object(e);
      case "Conditional":
        return this.conditional(e);
      case "Binary":
        return this.binary(e);
      case "Unary":
        return this.unary(e);
      case "For":
        return this.forExpr(e);
    }
  }

  private variable(name: string, range: Range): HclValue {
    for (let s = this.scope; s; s = s.parent) {
      if (s.names.has(name)) return s.names.get(name)!;
    }
    const v = this.ctx.variable(name);
    if (v === undefined)
      this.fail(`unknown variable '${name}'`, range, "define it (for example in `locals`) or check the spelling");
    return v;
  }

  private withNames<T>(names: Map<string, HclValue>, run: () => T): T {
    const saved = this.scope;
    this.scope = { names, parent: saved };
    try {
      return run();
    } finally {
      this.scope = saved;
    }
  }

  // ---------------------------------------------------------- templates

  private template(e: ExpressionOf<"Template">): HclValue {
    const parts = e.parts;
    const only = parts[0];
    if (parts.length === 1 && only!.type === "TemplateInterpolation" && !e.heredoc) {
      // `"${x}"` is x itself, not its string form (HCL's template-wrap rule).
      return this.eval(only!.expr);
    }
    const out: Fragments = { text: [], unknown: undefined };
    this.renderParts(parts, out);
    if (out.unknown) return new Unknown(out.unknown.reason, e.range, collapseFragments(out.text));
    return (out.text as string[]).join("");
  }

  private renderParts(parts: TemplatePart[], out: Fragments): void {
    for (const part of parts) {
      switch (part.type) {
        case "TemplateLiteral":
          out.text.push(part.value);
          break;
        case "TemplateInterpolation": {
          const v = this.eval(part.expr);
          if (isUnknown(v)) {
            out.unknown ??= v;
            if (v.fragments) out.text.push(...v.fragments);
            else out.text.push(null);
          } else {
            out.text.push(
              valueToString(v, `the interpolated value '${this.src(part.expr)}'`, (m) => this.fail(m, part.expr.range)),
            );
          }
          break;
        }
        case "TemplateIf": {
          const c = this.eval(part.condition);
          if (isUnknown(c)) {
            out.unknown ??= c;
            out.text.push(null);
            break;
          }
          const ok = valueToBool(c, "the template if condition", (m) => this.fail(m, part.condition.range));
          if (ok) this.renderParts(part.then, out);
          else if (part.else) this.renderParts(part.else, out);
          break;
        }
        case "TemplateFor": {
          const coll = this.eval(part.collection);
          if (isUnknown(coll)) {
            out.unknown ??= coll;
            out.text.push(null);
            break;
          }
          for (const [k, v] of this.iterate(coll, part.collection.range)) {
            const names = new Map<string, HclValue>([[part.valueVar, v]]);
            if (part.keyVar) names.set(part.keyVar, k);
            this.withNames(names, () => this.renderParts(part.body, out));
          }
          break;
        }
      }
    }
  }

  // ------------------------------------------------------------ access

  private getAttr(obj: HclValue, name: string, range: Range): HclValue {
    if (isUnknown(obj)) return obj;
    if (isObjectValue(obj)) {
      if (Object.hasOwn(obj, name)) return obj[name]!;
      return this.fail(
        `this object has no attribute '${name}'`,
        range,
        `available: ${Object.keys(obj).slice(0, 20).join(", ") || "(none)"}`,
      );
    }
    if (obj === null) return this.fail(`cannot read attribute '${name}' of a null value`, range);
    return this.fail(`cannot read attribute '${name}' of a ${typeName(obj)}; only objects have attributes`, range);
  }

  private index(obj: HclValue, key: HclValue, e: { range: Range }): HclValue {
    if (isUnknown(obj)) return obj;
    if (isUnknown(key)) return new Unknown(key.reason, e.range);
    if (Array.isArray(obj)) {
      const n = valueToNumber(key, "the list index", (m) => this.fail(m, e.range));
      if (!Number.isInteger(n) || n < 0 || n >= obj.length) {
        return this.fail(`index ${numberToString(n)} is out of range for a list of ${obj.length} element(s)`, e.range);
      }
      return obj[n]!;
    }
    if (isObjectValue(obj)) {
      const k = valueToString(key, "the map key", (m) => this.fail(m, e.range));
      if (Object.hasOwn(obj, k)) return obj[k]!;
      return this.fail(`this map has no element for the key ${JSON.stringify(k)}`, e.range);
    }
    if (obj === null) return this.fail("cannot index a null value", e.range);
    return this.fail(`cannot index a ${typeName(obj)}; only lists and maps can be indexed`, e.range);
  }

  private splat(e: ExpressionOf<"Splat">): HclValue {
    const src = this.eval(e.object);
    if (isUnknown(src)) return src;
    if (src === null) return [];
    // A splat over a single non-list value treats it as a one-element list.
    const items = Array.isArray(src) ? src : [src];
    return items.map((item) => this.withNames(new Map([[SPLAT_ITEM, item]]), () => this.eval(e.each)));
  }

  // ------------------------------------------------------------- calls

  private call(e: ExpressionOf<"Call">): HclValue {
    if (e.name === "try") return this.tryCall(e);
    if (e.name === "can") return this.canCall(e);
    // Own properties only: `toString(x)` must not find Object.prototype.toString.
    const fn = Object.hasOwn(this.ctx.functions, e.name)
      ? this.ctx.functions[e.name]
      : Object.hasOwn(standardFunctions, e.name)
        ? standardFunctions[e.name]
        : undefined;
    if (!fn)
      return this.fail(
        `unknown function '${e.name}'`,
        e.range,
        "only Terraform's pure functions and Terragrunt's path functions are supported",
      );
    let args = e.args.map((a) => this.eval(a));
    if (e.expandFinal) {
      const last = args[args.length - 1];
      if (isUnknown(last)) return new Unknown(last.reason, e.range);
      if (!Array.isArray(last))
        return this.fail(
          `the final argument expanded with '...' must be a list, found a ${typeName(last ?? null)}`,
          e.range,
        );
      args = [...args.slice(0, -1), ...last];
    }
    if (!fn.acceptsUnknown) {
      for (const a of args) {
        const u = findUnknown(a);
        if (u) return new Unknown(u.reason, e.range);
      }
    }
    try {
      return fn(args, e);
    } catch (err) {
      if (err instanceof HclEvalError) {
        // Functions throw without a position; the call's position is the useful one.
        if (err.range === undefined) return this.fail(`${e.name}(): ${err.message}`, e.range, err.hint);
        throw err;
      }
      // A GantryError from a caller's function keeps its own code; anything else becomes an eval error.
      if (GantryError.isInstance(err)) throw err;
      return this.fail(`${e.name}(): ${err instanceof Error ? err.message : String(err)}`, e.range);
    }
  }

  /** `try(a, b, ...)`: the first argument that evaluates without error. An unknown one makes it unknown. */
  private tryCall(e: ExpressionOf<"Call">): HclValue {
    if (e.args.length === 0) return this.fail("try() needs at least one argument", e.range);
    let lastError: unknown;
    for (const arg of e.args) {
      try {
        const v = this.eval(arg);
        const u = findUnknown(v);
        // We cannot tell whether an unknown value would have failed, so the result is unknown.
        if (u) return new Unknown(u.reason, e.range);
        return v;
      } catch (err) {
        if (!isEvaluationFailure(err)) throw err;
        lastError = err;
      }
    }
    return this.fail(
      `try(): no argument could be evaluated; the last failed with: ${(lastError as Error).message}`,
      e.range,
    );
  }

  private canCall(e: ExpressionOf<"Call">): HclValue {
    if (e.args.length !== 1) return this.fail("can() takes exactly one argument", e.range);
    try {
      const v = this.eval(e.args[0]!);
      const u = findUnknown(v);
      if (u) return new Unknown(u.reason, e.range);
      return true;
    } catch (err) {
      if (!isEvaluationFailure(err)) throw err;
      return false;
    }
  }

  // ------------------------------------------------------- collections

  private object(e: ExpressionOf<"Object">): HclValue {
    const out: { [k: string]: HclValue } = {};
    let unknownKey: Unknown | undefined;
    for (const { key, value } of e.items) {
      const k = this.eval(key);
      if (isUnknown(k)) {
        unknownKey ??= k;
        continue;
      }
      setKey(
        out,
        valueToString(k, "the object key", (m) => this.fail(m, key.range)),
        this.eval(value),
      );
    }
    // With an unknown key, the object's attributes are unknown.
    if (unknownKey) return new Unknown(unknownKey.reason, e.range);
    return out;
  }

  /** Key/value pairs of a list (index, element) or object (key, value in lexicographic key order). */
  private iterate(coll: HclValue, range: Range): [HclValue, HclValue][] {
    if (Array.isArray(coll)) return coll.map((v, i) => [i, v]);
    if (isObjectValue(coll)) return sortedKeys(coll).map((k) => [k, coll[k]!]);
    if (coll === null) return this.fail("cannot iterate over a null value", range);
    return this.fail(`cannot iterate over a ${typeName(coll)}; a list, set, map or object is required`, range);
  }

  private forExpr(e: ExpressionOf<"For">): HclValue {
    const coll = this.eval(e.collection);
    if (isUnknown(coll)) return new Unknown(coll.reason, e.range);
    const pairs = this.iterate(coll, e.collection.range);
    const list: HclValue[] = [];
    const obj: { [k: string]: HclValue } = {};
    let unknown: Unknown | undefined;
    for (const [k, v] of pairs) {
      const names = new Map<string, HclValue>([[e.valueVar, v]]);
      if (e.keyVar) names.set(e.keyVar, k);
      this.withNames(names, () => {
        if (e.condition) {
          const c = this.eval(e.condition);
          if (isUnknown(c)) {
            unknown ??= c;
            return;
          }
          if (!valueToBool(c, "the for expression's if condition", (m) => this.fail(m, e.condition!.range))) return;
        }
        if (!e.keyExpr) {
          list.push(this.eval(e.valueExpr));
          return;
        }
        const key = this.eval(e.keyExpr);
        if (isUnknown(key)) {
          unknown ??= key;
          return;
        }
        const ks = valueToString(key, "the for expression's key", (m) => this.fail(m, e.keyExpr!.range));
        const value = this.eval(e.valueExpr);
        if (e.grouping) {
          if (!Object.hasOwn(obj, ks)) setKey(obj, ks, []);
          (obj[ks] as HclValue[]).push(value);
        } else {
          if (Object.hasOwn(obj, ks)) {
            this.fail(
              `duplicate key ${JSON.stringify(ks)} in the for expression`,
              e.keyExpr!.range,
              "add '...' after the value to group values by key",
            );
          }
          setKey(obj, ks, value);
        }
      });
    }
    if (unknown) return new Unknown(unknown.reason, e.range);
    return e.keyExpr ? obj : list;
  }

  // --------------------------------------------------------- operators

  private conditional(e: ExpressionOf<"Conditional">): HclValue {
    const c = this.eval(e.condition);
    if (isUnknown(c)) return new Unknown(c.reason, e.range);
    const ok = valueToBool(c, "the condition", (m) => this.fail(m, e.condition.range));
    return ok ? this.eval(e.then) : this.eval(e.else);
  }

  private unary(e: ExpressionOf<"Unary">): HclValue {
    const v = this.eval(e.operand);
    if (isUnknown(v)) return v;
    if (e.op === "-") return -valueToNumber(v, "the operand of '-'", (m) => this.fail(m, e.operand.range));
    return !valueToBool(v, "the operand of '!'", (m) => this.fail(m, e.operand.range));
  }

  private binary(e: ExpressionOf<"Binary">): HclValue {
    const op = e.op;
    if (op === "&&" || op === "||") {
      const l = this.eval(e.left);
      // Short-circuit on a known deciding left side, as HCL does.
      if (!isUnknown(l)) {
        const lb = valueToBool(l, `the left operand of '${op}'`, (m) => this.fail(m, e.left.range));
        if (op === "&&" ? !lb : lb) return lb;
      }
      const r = this.eval(e.right);
      if (isUnknown(r)) return r;
      const rb = valueToBool(r, `the right operand of '${op}'`, (m) => this.fail(m, e.right.range));
      if (isUnknown(l)) {
        // `unknown && false` is false, `unknown || true` is true; otherwise unknown.
        if (op === "&&" ? !rb : rb) return rb;
        return l;
      }
      return rb;
    }
    const l = this.eval(e.left);
    const r = this.eval(e.right);
    if (op === "==" || op === "!=") {
      const u = findUnknown(l) ?? findUnknown(r);
      if (u) return new Unknown(u.reason, e.range);
      const eq = valuesEqual(l, r);
      return op === "==" ? eq : !eq;
    }
    if (isUnknown(l)) return l;
    if (isUnknown(r)) return r;
    const a = valueToNumber(l, `the left operand of '${op}'`, (m) => this.fail(m, e.left.range));
    const b = valueToNumber(r, `the right operand of '${op}'`, (m) => this.fail(m, e.right.range));
    switch (op) {
      case "+":
        return a + b;
      case "-":
        return a - b;
      case "*":
        return a * b;
      case "/":
        // As in cty, dividing by zero gives an infinity rather than an error.
        return a / b;
      case "%":
        if (b === 0) return this.fail("modulo by zero", e.range);
        return a % b;
      case "<":
        return a < b;
      case ">":
        return a > b;
      case "<=":
        return a <= b;
      case ">=":
        return a >= b;
    }
  }
}

/**
 * What `try` and `can` catch: evaluation errors, and any GantryError a caller's function throws (a
 * `file()` of a missing file inside `try(file(...), "")` must fall back, as in Terraform).
 */
function isEvaluationFailure(err: unknown): boolean {
  return err instanceof HclEvalError || GantryError.isInstance(err);
}

interface Fragments {
  text: (string | null)[];
  unknown: Unknown | undefined;
}
