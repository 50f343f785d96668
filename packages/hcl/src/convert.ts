import { type HclValue, numberToString, typeName } from "./values.js";

/** String conversion for templates and string functions (null and collections are errors). */
export function valueToString(v: HclValue, what: string, fail: (m: string) => never): string {
  if (typeof v === "string") return v;
  if (typeof v === "number") return numberToString(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  if (v === null) return fail(`${what} is null; a string is required`);
  return fail(`${what} is a ${typeName(v)}; a string is required`);
}

/** Number conversion (numeric strings convert, as in cty). */
export function valueToNumber(v: HclValue, what: string, fail: (m: string) => never): number {
  if (typeof v === "number") return v;
  if (typeof v === "string" && /^-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(v)) return Number(v);
  if (v === null) return fail(`${what} is null; a number is required`);
  return fail(
    `${what} is ${typeof v === "string" ? `the string ${JSON.stringify(v)}` : `a ${typeName(v)}`}; a number is required`,
  );
}

export function valueToBool(v: HclValue, what: string, fail: (m: string) => never): boolean {
  if (typeof v === "boolean") return v;
  if (v === "true") return true;
  if (v === "false") return false;
  if (v === null) return fail(`${what} is null; a bool is required`);
  return fail(
    `${what} is ${typeof v === "string" ? `the string ${JSON.stringify(v)}` : `a ${typeName(v)}`}; a bool is required`,
  );
}
