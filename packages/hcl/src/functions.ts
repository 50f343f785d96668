/**
 * Terraform's pure, path-free built-in functions over `HclValue`s. Errors are thrown without a range; the
 * evaluator attaches the call's position. Path and file functions (file, abspath, find_in_parent_folders...)
 * depend on where a file lives and are supplied by the caller.
 */
import { createHash } from "node:crypto";
import { valueToBool, valueToNumber, valueToString } from "./convert.js";
import { HclEvalError } from "./errors.js";
import { findJsonSyntaxError } from "@gantry/documents";
import type { HclFunction } from "./evaluate.js";
import {
  type HclValue,
  Unknown,
  collapseFragments,
  findUnknown,
  isObjectValue,
  isUnknown,
  numberToString,
  setKey,
  sortedKeys,
  typeName,
  valuesEqual,
} from "./values.js";

type Obj = { [key: string]: HclValue };

function fail(message: string): never {
  throw new HclEvalError(message);
}

function str(v: HclValue | undefined, what = "argument"): string {
  return valueToString(v ?? null, what, fail);
}
function num(v: HclValue | undefined, what = "argument"): number {
  return valueToNumber(v ?? null, what, fail);
}
function int(v: HclValue | undefined, what = "argument"): number {
  const n = num(v, what);
  if (!Number.isInteger(n)) fail(`${what} must be a whole number, found ${numberToString(n)}`);
  return n;
}
function list(v: HclValue | undefined, what = "argument"): HclValue[] {
  if (Array.isArray(v)) return v;
  return fail(`${what} must be a list, found a ${typeName(v ?? null)}`);
}
function obj(v: HclValue | undefined, what = "argument"): Obj {
  if (v !== undefined && isObjectValue(v)) return v;
  return fail(`${what} must be a map or object, found a ${typeName(v ?? null)}`);
}
function arity(args: HclValue[], min: number, max = min): void {
  if (args.length < min || args.length > max) {
    fail(
      `expects ${min === max ? min : `${min} to ${max === Infinity ? "any number of" : max}`} argument(s), got ${args.length}`,
    );
  }
}

/** Characters (code points) of a string: Terraform counts Unicode characters, not UTF-16 units. */
function chars(s: string): string[] {
  return Array.from(s);
}

/** RE2 syntax (as used by Terraform) to a JS RegExp: `(?P<name>` becomes `(?<name>`; `(?i)` becomes a flag. */
function compileRegex(pattern: string, global: boolean): RegExp {
  let p = pattern.replace(/\(\?P</g, "(?<");
  let flags = global ? "gu" : "u";
  const inline = /^\(\?([ims]+)\)/.exec(p);
  if (inline) {
    p = p.slice(inline[0].length);
    for (const f of inline[1]!) if (!flags.includes(f)) flags += f;
  }
  try {
    return new RegExp(p, flags);
  } catch (e) {
    return fail(`invalid regular expression ${JSON.stringify(pattern)}: ${(e as Error).message}`);
  }
}

function matchResult(m: RegExpExecArray): HclValue {
  if (m.groups && Object.keys(m.groups).length > 0) {
    const out: Obj = {};
    for (const [k, v] of Object.entries(m.groups)) out[k] = v ?? null;
    return out;
  }
  if (m.length > 1) return m.slice(1).map((g) => g ?? null);
  return m[0];
}

function jsonString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function jsonEncode(v: HclValue): string {
  if (isUnknown(v)) return fail("cannot encode an unknown value");
  if (typeof v === "number") return numberToString(v);
  // Go's encoding/json escapes <, > and & (and the JS line separators), as Terraform's jsonencode does.
  if (typeof v === "string") return jsonString(v);
  if (v === null || typeof v !== "object") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(jsonEncode).join(",")}]`;
  return `{${sortedKeys(v)
    .map((k) => `${jsonString(k)}:${jsonEncode(v[k]!)}`)
    .join(",")}}`;
}

function fromJson(v: unknown): HclValue {
  if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
  if (Array.isArray(v)) return v.map(fromJson);
  const out: Obj = {};
  for (const [k, x] of Object.entries(v as object)) setKey(out, k, fromJson(x));
  return out;
}

/** Go's `%q`-like quoting (JSON string escaping is the same for printable text). */
function quote(s: string): string {
  return JSON.stringify(s);
}

/** `format`: Go-style verbs %s %d %f %e %g %t %v %#v %q %%, flags `-+0 #`, width and precision. */
function formatString(spec: string, args: HclValue[]): string {
  return formatPieces(spec, args).join("");
}

/**
 * The formatted text, split at each unknown argument: known text, then `null` (or the argument's own
 * fragments) for each hole. Without unknown arguments, a single string.
 */
function formatPieces(spec: string, args: HclValue[]): (string | null)[] {
  const pieces: (string | null)[] = [];
  let out = "";
  let argIndex = 0;
  const re = /%([-+# 0]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])/g;
  let last = 0;
  for (let m = re.exec(spec); m; m = re.exec(spec)) {
    out += spec.slice(last, m.index);
    last = re.lastIndex;
    const [, flags = "", widthText, precText, verb] = m;
    if (verb === "%") {
      out += "%";
      continue;
    }
    if (argIndex >= args.length)
      fail(`not enough arguments for the format string ${JSON.stringify(spec)}: verb %${verb} has no argument`);
    const arg = args[argIndex++]!;
    if (findUnknown(arg)) {
      pieces.push(out, ...(isUnknown(arg) && arg.fragments ? arg.fragments : [null]));
      out = "";
      continue;
    }
    const prec = precText === undefined ? undefined : Number(precText);
    let text: string;
    switch (verb) {
      case "s":
        text = str(arg, `the argument for %s`);
        if (prec !== undefined) text = chars(text).slice(0, prec).join("");
        break;
      case "q":
        text = quote(str(arg, "the argument for %q"));
        break;
      case "d": {
        const n = num(arg, "the argument for %d");
        if (!Number.isInteger(n)) fail(`%d requires a whole number, found ${numberToString(n)}`);
        text = (n >= 0 && flags.includes("+") ? "+" : "") + numberToString(n);
        break;
      }
      case "f":
      case "F": {
        const n = num(arg, "the argument for %f");
        text = (n >= 0 && flags.includes("+") ? "+" : "") + toFixedHalfEven(n, prec ?? 6);
        break;
      }
      case "e":
      case "E": {
        const n = num(arg, "the argument for %e");
        text = n.toExponential(prec ?? 6).replace(/e([+-])(\d)$/, "e$10$2");
        if (verb === "E") text = text.toUpperCase();
        break;
      }
      case "g":
        text = numberToString(num(arg, "the argument for %g"));
        break;
      case "t":
        text = valueToBool(arg, "the argument for %t", fail) ? "true" : "false";
        break;
      case "v":
        text =
          flags.includes("#") || (arg !== null && typeof arg === "object")
            ? jsonEncode(arg)
            : arg === null
              ? "null"
              : str(arg);
        break;
      case "x":
      case "X": {
        const n = typeof arg === "number" ? arg : undefined;
        text = n !== undefined ? Math.trunc(n).toString(16) : Buffer.from(str(arg), "utf8").toString("hex");
        if (verb === "X") text = text.toUpperCase();
        break;
      }
      case "b":
        text = Math.trunc(num(arg, "the argument for %b")).toString(2);
        break;
      case "o":
        text = Math.trunc(num(arg, "the argument for %o")).toString(8);
        break;
      default:
        return fail(`unsupported format verb %${verb} in ${JSON.stringify(spec)}`);
    }
    const width = widthText === undefined ? 0 : Number(widthText);
    const length = chars(text).length;
    if (length < width) {
      const pad = width - length;
      if (flags.includes("-")) text += " ".repeat(pad);
      else if (flags.includes("0") && "dfFeEgxXbo".includes(verb!)) {
        const sign = /^[+-]/.test(text) ? text[0]! : "";
        text = sign + "0".repeat(pad) + text.slice(sign.length);
      } else text = " ".repeat(pad) + text;
    }
    out += text;
  }
  out += spec.slice(last);
  if (argIndex < args.length)
    fail(`too many arguments for the format string ${JSON.stringify(spec)}: ${args.length - argIndex} left unused`);
  pieces.push(out);
  return pieces;
}

/** `toFixed` with Go's rounding: an exact tie rounds to the even digit (2.25 -> "2.2", 2.5 -> "2"). */
function toFixedHalfEven(n: number, digits: number): string {
  const fixed = n.toFixed(digits);
  if (digits > 60) return fixed;
  const exact = n.toFixed(Math.min(100, digits + 40));
  const tail = exact.slice(exact.length - 40);
  if (tail !== `5${"0".repeat(39)}`) return fixed;
  // A tie: JS rounded away from zero; go back one unit in the last place when that made it odd.
  const lastDigit = Number(fixed[fixed.length - 1]);
  if (lastDigit % 2 === 0) return fixed;
  const unit = 10 ** -digits;
  return (n < 0 ? n + unit / 2 : n - unit / 2).toFixed(digits);
}

function hash(algorithm: string, text: string, encoding: "hex" | "base64"): string {
  return createHash(algorithm).update(text, "utf8").digest(encoding);
}

/** Go's `path.Base`/`filepath.Base` for slash paths. */
function basename(p: string): string {
  if (p === "") return ".";
  const trimmed = p.replace(/\/+$/, "");
  if (trimmed === "") return "/";
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

/** Go's `filepath.Dir` for slash paths (cleans the result). */
function dirname(p: string): string {
  const i = p.lastIndexOf("/");
  const dir = i === -1 ? "." : p.slice(0, i + 1);
  return cleanPath(dir);
}

function cleanPath(p: string): string {
  if (p === "") return ".";
  const rooted = p.startsWith("/");
  const out: string[] = [];
  for (const seg of p.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!rooted) out.push("..");
      continue;
    }
    out.push(seg);
  }
  const joined = out.join("/");
  return rooted ? `/${joined}` : joined || ".";
}

/**
 * Terraform gives a list one element type: mixing strings with numbers or bools converts them all to
 * strings (`tolist([1, "a"])` is `["1", "a"]`). Other mixes are left as they are.
 */
function unifyPrimitives(items: HclValue[]): HclValue[] {
  let hasString = false;
  let hasOther = false;
  for (const v of items) {
    if (typeof v === "string") hasString = true;
    else if (typeof v === "number" || typeof v === "boolean") hasOther = true;
    else if (v !== null) return items;
  }
  if (!hasString || !hasOther) return items;
  return items.map((v) => (v === null ? null : str(v)));
}

function distinct(items: HclValue[]): HclValue[] {
  const out: HclValue[] = [];
  for (const v of unifyPrimitives(items)) if (!out.some((x) => valuesEqual(x, v))) out.push(v);
  return out;
}

/** Terraform sets of primitives are ordered: strings lexicographically, numbers numerically. */
function toSet(items: HclValue[]): HclValue[] {
  const d = distinct(items);
  if (d.every((v) => typeof v === "string")) return (d as string[]).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (d.every((v) => typeof v === "number")) return (d as number[]).sort((a, b) => a - b);
  return d;
}

function flatten(items: HclValue[]): HclValue[] {
  const out: HclValue[] = [];
  for (const v of items) {
    if (Array.isArray(v)) out.push(...flatten(v));
    else out.push(v);
  }
  return out;
}

function lengthOf(v: HclValue | undefined): number {
  if (typeof v === "string") return chars(v).length;
  if (Array.isArray(v)) return v.length;
  if (v !== undefined && isObjectValue(v)) return Object.keys(v).length;
  return fail(`length() needs a string, list or map, found a ${typeName(v ?? null)}`);
}

function trimSet(s: string, cutset: string, start: boolean, end: boolean): string {
  const cut = new Set(chars(cutset));
  const cs = chars(s);
  let b = 0;
  let e = cs.length;
  if (start) while (b < e && cut.has(cs[b]!)) b++;
  if (end) while (e > b && cut.has(cs[e - 1]!)) e--;
  return cs.slice(b, e).join("");
}

function title(s: string): string {
  return s.replace(/(^|[^\p{L}\p{N}_])(\p{L})/gu, (_, pre: string, c: string) => pre + c.toUpperCase());
}

const fns: Record<string, HclFunction> = {
  // ---- strings
  format: Object.assign(
    (a: HclValue[]): HclValue => {
      arity(a, 1, Infinity);
      const spec = a[0]!;
      const unknown = findUnknown(a);
      if (unknown && (isUnknown(spec) || typeof spec !== "string")) return new Unknown(unknown.reason);
      const pieces = formatPieces(str(spec, "the format string"), a.slice(1));
      // Unknown arguments leave holes; the known text around them is kept, as for string templates.
      return unknown ? new Unknown(unknown.reason, undefined, collapseFragments(pieces)) : pieces.join("");
    },
    { acceptsUnknown: true },
  ),
  formatlist: (a) => {
    arity(a, 1, Infinity);
    const spec = str(a[0], "the format string");
    const rest = a.slice(1);
    let n = -1;
    for (const v of rest) {
      if (Array.isArray(v)) {
        if (n !== -1 && v.length !== n) fail("all list arguments must have the same length");
        n = v.length;
      }
    }
    if (n === -1) return [formatString(spec, rest)];
    const out: HclValue[] = [];
    for (let i = 0; i < n; i++)
      out.push(
        formatString(
          spec,
          rest.map((v) => (Array.isArray(v) ? v[i]! : v)),
        ),
      );
    return out;
  },
  join: Object.assign(
    (a: HclValue[]): HclValue => {
      arity(a, 2, Infinity);
      const unknown = findUnknown(a);
      if (unknown && (isUnknown(a[0]) || a.slice(1).some((l) => isUnknown(l)))) return new Unknown(unknown.reason);
      const sep = str(a[0], "the separator");
      // Unknown elements become holes between the known ones, as for string templates.
      const pieces: (string | null)[] = [];
      let first = true;
      for (const l of a.slice(1)) {
        for (const v of list(l, "each list to join")) {
          if (!first) pieces.push(sep);
          first = false;
          if (isUnknown(v)) pieces.push(...(v.fragments ?? [null]));
          else if (findUnknown(v)) pieces.push(null);
          else pieces.push(str(v, "a joined element"));
        }
      }
      return unknown ? new Unknown(unknown.reason, undefined, collapseFragments(pieces)) : pieces.join("");
    },
    { acceptsUnknown: true },
  ),
  split: (a) => {
    arity(a, 2);
    const sep = str(a[0], "the separator");
    const s = str(a[1]);
    return sep === "" ? chars(s) : s.split(sep);
  },
  replace: (a) => {
    arity(a, 3);
    const s = str(a[0]);
    const search = str(a[1]);
    const repl = str(a[2]);
    if (search.length >= 2 && search.startsWith("/") && search.endsWith("/")) {
      // Go's `${1}` / `$name` references become JS `$1` / `$<name>`.
      const jsRepl = repl.replace(/\$\{(\d+)\}/g, "$$$1").replace(/\$\{([A-Za-z_]\w*)\}/g, "$$<$1>");
      return s.replace(compileRegex(search.slice(1, -1), true), jsRepl);
    }
    return search === "" ? s : s.split(search).join(repl);
  },
  lower: (a) => (arity(a, 1), str(a[0]).toLowerCase()),
  upper: (a) => (arity(a, 1), str(a[0]).toUpperCase()),
  title: (a) => (arity(a, 1), title(str(a[0]))),
  trimspace: (a) => (arity(a, 1), str(a[0]).trim()),
  trim: (a) => (arity(a, 2), trimSet(str(a[0]), str(a[1]), true, true)),
  trimprefix: (a) => {
    arity(a, 2);
    const s = str(a[0]);
    const p = str(a[1]);
    return s.startsWith(p) ? s.slice(p.length) : s;
  },
  trimsuffix: (a) => {
    arity(a, 2);
    const s = str(a[0]);
    const p = str(a[1]);
    return p !== "" && s.endsWith(p) ? s.slice(0, s.length - p.length) : s;
  },
  chomp: (a) => (arity(a, 1), str(a[0]).replace(/(\r?\n)+$/, "")),
  indent: (a) => {
    arity(a, 2);
    const pad = " ".repeat(int(a[0], "the indentation"));
    return str(a[1]).replace(/\n/g, `\n${pad}`);
  },
  substr: (a) => {
    arity(a, 3);
    const cs = chars(str(a[0]));
    let offset = int(a[1], "the offset");
    let length = int(a[2], "the length");
    if (offset < 0) offset = Math.max(0, offset + cs.length);
    if (offset >= cs.length) return "";
    if (length < 0 || offset + length > cs.length) length = cs.length - offset;
    return cs.slice(offset, offset + length).join("");
  },
  strrev: (a) => (arity(a, 1), chars(str(a[0])).reverse().join("")),
  startswith: (a) => (arity(a, 2), str(a[0]).startsWith(str(a[1]))),
  endswith: (a) => (arity(a, 2), str(a[0]).endsWith(str(a[1]))),
  strcontains: (a) => (arity(a, 2), str(a[0]).includes(str(a[1]))),
  regex: (a) => {
    arity(a, 2);
    const m = compileRegex(str(a[0], "the pattern"), false).exec(str(a[1]));
    if (!m) return fail(`the pattern ${JSON.stringify(str(a[0]))} does not match ${JSON.stringify(str(a[1]))}`);
    return matchResult(m);
  },
  regexall: (a) => {
    arity(a, 2);
    const re = compileRegex(str(a[0], "the pattern"), true);
    return [...str(a[1]).matchAll(re)].map((m) => matchResult(m as RegExpExecArray));
  },
  base64encode: (a) => (arity(a, 1), Buffer.from(str(a[0]), "utf8").toString("base64")),
  base64decode: (a) => {
    arity(a, 1);
    const s = str(a[0]);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) fail("the argument is not valid base64");
    const bytes = Buffer.from(s, "base64");
    const text = bytes.toString("utf8");
    if (!Buffer.from(text, "utf8").equals(bytes)) fail("the decoded bytes are not valid UTF-8");
    return text;
  },
  // Go's url.QueryEscape: space is "+", only A-Z a-z 0-9 - _ . ~ stay as they are.
  urlencode: (a) => (
    arity(a, 1),
    encodeURIComponent(str(a[0]))
      .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
      .replace(/%20/g, "+")
  ),
  basename: (a) => (arity(a, 1), basename(str(a[0], "the path"))),
  dirname: (a) => (arity(a, 1), dirname(str(a[0], "the path"))),

  md5: (a) => (arity(a, 1), hash("md5", str(a[0]), "hex")),
  sha1: (a) => (arity(a, 1), hash("sha1", str(a[0]), "hex")),
  sha256: (a) => (arity(a, 1), hash("sha256", str(a[0]), "hex")),
  sha512: (a) => (arity(a, 1), hash("sha512", str(a[0]), "hex")),
  base64sha256: (a) => (arity(a, 1), hash("sha256", str(a[0]), "base64")),
  base64sha512: (a) => (arity(a, 1), hash("sha512", str(a[0]), "base64")),

  // ---- collections
  length: (a) => (arity(a, 1), lengthOf(a[0])),
  concat: (a) => (arity(a, 1, Infinity), a.flatMap((l) => list(l, "each argument of concat"))),
  merge: (a) => {
    const out: Obj = {};
    for (const o of a) {
      if (o === null) continue;
      const from = obj(o, "each argument of merge");
      for (const k of Object.keys(from)) setKey(out, k, from[k]!);
    }
    return out;
  },
  lookup: (a) => {
    arity(a, 2, 3);
    const o = obj(a[0]);
    const k = str(a[1], "the key");
    if (Object.hasOwn(o, k)) return o[k]!;
    if (a.length === 3) return a[2]!;
    return fail(`the map has no key ${JSON.stringify(k)} and no default was given`);
  },
  element: (a) => {
    arity(a, 2);
    const l = list(a[0]);
    const i = int(a[1], "the index");
    if (l.length === 0) fail("cannot use element() on an empty list");
    // Indexes wrap around; a negative one counts from the end (as in OpenTofu).
    return l[((i % l.length) + l.length) % l.length]!;
  },
  index: (a) => {
    arity(a, 2);
    const i = list(a[0]).findIndex((v) => valuesEqual(v, a[1]!));
    if (i === -1) fail("the value is not in the list");
    return i;
  },
  keys: (a) => (arity(a, 1), sortedKeys(obj(a[0]))),
  values: (a) => {
    arity(a, 1);
    const o = obj(a[0]);
    return sortedKeys(o).map((k) => o[k]!);
  },
  contains: (a) => (arity(a, 2), list(a[0]).some((v) => valuesEqual(v, a[1]!))),
  coalesce: (a) => {
    for (const v of unifyPrimitives(a)) if (v !== null && v !== "") return v;
    return fail("no non-null, non-empty argument");
  },
  coalescelist: (a) => {
    for (const v of a) if (list(v).length > 0) return v;
    return fail("no non-empty list argument");
  },
  compact: (a) => (
    arity(a, 1),
    list(a[0])
      .filter((v) => v !== null && v !== "")
      .map((v) => str(v, "a list element"))
  ),
  distinct: (a) => (arity(a, 1), distinct(list(a[0]))),
  flatten: (a) => (arity(a, 1), flatten(list(a[0]))),
  reverse: (a) => (arity(a, 1), [...list(a[0])].reverse()),
  slice: (a) => {
    arity(a, 3);
    const l = list(a[0]);
    const s = int(a[1], "the start index");
    const e = int(a[2], "the end index");
    if (s < 0 || e > l.length || s > e) fail(`slice indexes ${s}..${e} are out of range for a list of ${l.length}`);
    return l.slice(s, e);
  },
  sort: (a) => {
    arity(a, 1);
    return list(a[0])
      .map((v) => str(v, "a list element"))
      .sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  },
  range: (a) => {
    arity(a, 1, 3);
    const start = a.length === 1 ? 0 : num(a[0]);
    const limit = a.length === 1 ? num(a[0]) : num(a[1]);
    // Without a step, a range counts down when the limit is below the start.
    const step = a.length === 3 ? num(a[2]) : start > limit ? -1 : 1;
    if (step === 0) fail("the step must not be zero");
    if ((step > 0 && start > limit) || (step < 0 && start < limit)) fail("the step goes away from the limit");
    const out: number[] = [];
    for (let v = start; step > 0 ? v < limit : v > limit; v += step) {
      out.push(v);
      if (out.length > 1024) fail("range() would produce more than 1024 elements");
    }
    return out;
  },
  zipmap: (a) => {
    arity(a, 2);
    const ks = list(a[0]);
    const vs = list(a[1]);
    if (ks.length !== vs.length) fail("the key and value lists must have the same length");
    const out: Obj = {};
    ks.forEach((k, i) => {
      setKey(out, str(k, "a key"), vs[i]!);
    });
    return out;
  },
  one: (a) => {
    arity(a, 1);
    const l = list(a[0]);
    if (l.length > 1) fail("the list has more than one element");
    return l[0] ?? null;
  },
  sum: (a) => (arity(a, 1), list(a[0]).reduce<number>((s, v) => s + num(v, "a list element"), 0)),
  alltrue: (a) => (arity(a, 1), list(a[0]).every((v) => valueToBool(v, "a list element", fail))),
  anytrue: (a) => (arity(a, 1), list(a[0]).some((v) => valueToBool(v, "a list element", fail))),
  chunklist: (a) => {
    arity(a, 2);
    const l = list(a[0]);
    const size = int(a[1], "the chunk size");
    if (size < 0) fail("the chunk size must not be negative");
    if (size === 0) return [l];
    const out: HclValue[] = [];
    for (let i = 0; i < l.length; i += size) out.push(l.slice(i, i + size));
    return out;
  },
  setunion: (a) => toSet(a.flatMap((l) => list(l))),
  setintersection: (a) => {
    if (a.length === 0) return [];
    const [first, ...rest] = a.map((l) => list(l));
    return toSet(first!.filter((v) => rest.every((r) => r.some((x) => valuesEqual(x, v)))));
  },
  setsubtract: (a) => {
    arity(a, 2);
    const b = list(a[1]);
    return toSet(list(a[0]).filter((v) => !b.some((x) => valuesEqual(x, v))));
  },

  // ---- conversions
  tostring: (a) => (arity(a, 1), a[0] === null ? null : str(a[0])),
  tonumber: (a) => (arity(a, 1), a[0] === null ? null : num(a[0])),
  tobool: (a) => (arity(a, 1), a[0] === null ? null : valueToBool(a[0]!, "argument", fail)),
  tolist: (a) => (arity(a, 1), a[0] === null ? null : unifyPrimitives(list(a[0]))),
  toset: (a) => (arity(a, 1), a[0] === null ? null : toSet(list(a[0]))),
  tomap: (a) => (arity(a, 1), a[0] === null ? null : obj(a[0])),
  jsonencode: (a) => (arity(a, 1), jsonEncode(a[0]!)),
  jsondecode: (a) => {
    arity(a, 1);
    try {
      return fromJson(JSON.parse(str(a[0])));
    } catch {
      // Our own reason, never V8's: see `findJsonSyntaxError` in @gantry/documents.
      const error = findJsonSyntaxError(str(a[0]));
      return fail(
        error
          ? `the argument is not valid JSON: expected ${error.expected} at line ${error.line}, column ${error.column}`
          : "the argument is not valid JSON",
      );
    }
  },
  sensitive: (a) => (arity(a, 1), a[0]!),
  nonsensitive: (a) => (arity(a, 1), a[0]!),

  // ---- numbers
  min: (a) => (arity(a, 1, Infinity), Math.min(...a.map((v) => num(v)))),
  max: (a) => (arity(a, 1, Infinity), Math.max(...a.map((v) => num(v)))),
  abs: (a) => (arity(a, 1), Math.abs(num(a[0]))),
  ceil: (a) => (arity(a, 1), Math.ceil(num(a[0]))),
  floor: (a) => (arity(a, 1), Math.floor(num(a[0]))),
  signum: (a) => (arity(a, 1), Math.sign(num(a[0]))),
  pow: (a) => (arity(a, 2), num(a[0]) ** num(a[1])),
  log: (a) => (arity(a, 2), Math.log(num(a[0])) / Math.log(num(a[1]))),
  parseint: (a) => {
    arity(a, 2);
    const base = int(a[1], "the base");
    const s = str(a[0]);
    if (base < 2 || base > 62) fail("the base must be between 2 and 62");
    const n = Number.parseInt(s, base);
    if (Number.isNaN(n) || !new RegExp(`^[-+]?[0-9a-z]+$`, "i").test(s))
      fail(`cannot parse ${JSON.stringify(s)} as a base ${base} integer`);
    return n;
  },

  // ---- errors (the evaluator handles try/can lazily; these eager forms serve direct callers)
  try: (a) => {
    for (const v of a) if (!findUnknown(v)) return v;
    return a[0] ?? fail("try() needs at least one argument");
  },
  can: (a) => (arity(a, 1), !findUnknown(a[0]!)),
};

/** Terraform's pure, path-free built-in functions. */
export const standardFunctions: Readonly<Record<string, HclFunction>> = Object.freeze(fns);
