import type { Range } from "./ast.js";

/**
 * A value that cannot be known statically (a dependency output, an environment lookup, a function the
 * caller does not provide...). Like cty's unknowns it propagates: anything computed from it is unknown.
 */
const unknownMarker = Symbol.for("gantry.hcl.unknown");

export class Unknown {
  /** Recognised across duplicated copies of this package (as `GantryError` is), not only by `instanceof`. */
  readonly [unknownMarker] = true;

  constructor(
    /** Why the value is unknown, for reports ("dependency output vpc.outputs.id is only known at apply"). */
    readonly reason: string,
    readonly range?: Range,
    /**
     * For a string template with unknown parts: the known literal text, `null` for each unknown hole.
     * `"${get_terragrunt_dir()}/${local.x}.yaml"` -> `["/repo/a/b/", null, ".yaml"]`.
     */
    readonly fragments?: (string | null)[],
  ) {}
}

export type HclValue = null | string | number | boolean | HclValue[] | { [key: string]: HclValue } | Unknown;

export function isUnknown(v: unknown): v is Unknown {
  return typeof v === "object" && v !== null && (v as Record<symbol, unknown>)[unknownMarker] === true;
}

/** Whether an Unknown appears anywhere inside `v`; returns the first one found. */
export function findUnknown(v: HclValue): Unknown | undefined {
  if (v === null || typeof v !== "object") return undefined;
  if (isUnknown(v)) return v;
  if (Array.isArray(v)) {
    for (const item of v) {
      const u = findUnknown(item);
      if (u) return u;
    }
    return undefined;
  }
  for (const key in v) {
    const u = findUnknown(v[key]!);
    if (u) return u;
  }
  return undefined;
}

export function isObjectValue(v: HclValue): v is { [key: string]: HclValue } {
  return v !== null && typeof v === "object" && !Array.isArray(v) && !isUnknown(v);
}

/** HCL type name of a value, for error messages. */
export function typeName(v: HclValue): string {
  if (v === null) return "null";
  if (typeof v === "string") return "string";
  if (typeof v === "number") return "number";
  if (typeof v === "boolean") return "bool";
  if (isUnknown(v)) return "unknown value";
  if (Array.isArray(v)) return "list";
  return "object";
}

/**
 * Terraform's number-to-string: plain decimal, never exponent notation (1e21 -> "1000000000000000000000").
 * Non-integers are rounded to 15 significant digits to hide binary floating-point noise, matching what
 * Terraform's arbitrary-precision numbers print (0.1 + 0.2 -> "0.3").
 */
export function numberToString(n: number): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? "NaN" : n > 0 ? "+Inf" : "-Inf";
  if (Object.is(n, -0)) return "-0";
  const v = Number.isInteger(n) ? n : Number(n.toPrecision(15));
  const s = String(v);
  const e = s.indexOf("e");
  if (e === -1) return s;
  return expandExponent(s.slice(0, e), Number(s.slice(e + 1)));
}

function expandExponent(mantissa: string, exponent: number): string {
  const negative = mantissa.startsWith("-");
  const m = negative ? mantissa.slice(1) : mantissa;
  const dot = m.indexOf(".");
  const digits = dot === -1 ? m : m.slice(0, dot) + m.slice(dot + 1);
  const point = (dot === -1 ? m.length : dot) + exponent;
  let out: string;
  if (point <= 0) out = `0.${"0".repeat(-point)}${digits}`;
  else if (point >= digits.length) out = digits + "0".repeat(point - digits.length);
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return negative ? `-${out}` : out;
}

/** cty deep equality: no type conversion (`1 == "1"` is false); object key order does not matter. */
export function valuesEqual(a: HclValue, b: HclValue): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!valuesEqual(a[i]!, b[i]!)) return false;
    return true;
  }
  if (Array.isArray(b) || isUnknown(a) || isUnknown(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (!Object.hasOwn(b, k) || !valuesEqual(a[k]!, b[k]!)) return false;
  }
  return true;
}

/**
 * Set an object attribute. A `__proto__` key is defined as an own property: plain assignment would
 * change the object's prototype instead of storing the value.
 */
export function setKey(o: { [key: string]: HclValue }, key: string, value: HclValue): void {
  if (key === "__proto__")
    Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  else o[key] = value;
}

/** Object keys in cty's (lexicographic) iteration order. */
export function sortedKeys(o: { [key: string]: HclValue }): string[] {
  return Object.keys(o).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
}

/** Merge adjacent known text so fragments read `["/repo/a/", null, ".yaml"]`. */
export function collapseFragments(parts: (string | null)[]): (string | null)[] {
  const out: (string | null)[] = [];
  for (const p of parts) {
    if (p === "") continue;
    const last = out.length - 1;
    if (p !== null && out.length > 0 && out[last] !== null) out[last] = (out[last] as string) + p;
    else out.push(p);
  }
  return out;
}
