/**
 * Templates: quoted strings and heredocs. Their text is scanned here character by character (the lexer
 * only sees the opening `"` or `<<MARKER`); `${ }` and `%{ }` sequences hand back to the expression parser.
 * Parts are first collected flat, then strip markers and `<<-` indentation are applied and directives
 * nested, in that order, as hashicorp/hcl does.
 */
import type { Expression, TemplatePart } from "./ast.js";
import { type Lexer, T_COMMA, T_IDENT, T_RBRACE, T_STRIP_RBRACE } from "./lexer.js";

/** What template parsing needs from the expression parser. */
export interface ExpressionParser {
  readonly lx: Lexer;
  parseExpression(): Expression;
  expectIdent(what: string): string;
}

// Flat template items, before directives are nested and strip markers applied.
const I_LIT = 0;
const I_INTERP = 1;
const I_IF = 2;
const I_ELSE = 3;
const I_ENDIF = 4;
const I_FOR = 5;
const I_ENDFOR = 6;

interface TemplateItem {
  kind: number;
  start: number;
  end: number;
  stripLeft: boolean;
  stripRight: boolean;
  value: string; // I_LIT
  expr: Expression | null; // I_INTERP, I_IF condition, I_FOR collection
  keyVar: string | null;
  valueVar: string;
}

function item(kind: number, start: number, end: number): TemplateItem {
  return { kind, start, end, stripLeft: false, stripRight: false, value: "", expr: null, keyVar: null, valueVar: "" };
}

const DIRECTIVE_NAMES = ["", "", "%{ if }", "%{ else }", "%{ endif }", "%{ for }", "%{ endfor }"];

/** Go's `unicode.IsSpace`, which HCL trims with (strip markers, `<<-` indentation). */
function isSpaceCode(c: number): boolean {
  if (c < 0x80) return c === 32 || (c >= 9 && c <= 13);
  return (
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

/**
 * Template text as HCL gives it: NFC-normalised (cty normalises every string). Text without a character
 * from U+0300 up (combining marks start there) is already in NFC.
 */
function literalText(text: string): string {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x300) return text.normalize("NFC");
  return text;
}

/** After the opening `"` (at `open`); scans up to and including the closing `"`. */
export function parseQuotedTemplate(ps: ExpressionParser, open: number): Expression {
  const lx: Lexer = ps.lx;
  const src = ps.lx.src;
  const len = src.length;
  const plain = plainQuotedString(lx, open);
  if (plain !== null) return plain;
  let p = lx.pos;
  const items: TemplateItem[] = [];
  let litStart = p;
  let chunkStart = p;
  let value = "";
  const flush = (end: number): void => {
    if (end > litStart) {
      const it = item(I_LIT, litStart, end);
      it.value = value + src.slice(chunkStart, end);
      items.push(it);
    }
    value = "";
  };
  for (;;) {
    if (p >= len) lx.fail(`expected '"' to close the string opened at ${lx.where(open)}, found end of file`, p);
    const c = src.charCodeAt(p);
    if (c === 34) {
      flush(p);
      p++;
      break;
    }
    if (c === 10 || (c === 13 && src.charCodeAt(p + 1) === 10)) {
      lx.fail(
        `expected '"' to close the string opened at ${lx.where(open)}, found newline`,
        p,
        "quoted strings end on their line; use a heredoc (<<EOF) for multi-line text",
      );
    }
    if (c === 92) {
      value += src.slice(chunkStart, p);
      const [decoded, width] = decodeEscape(ps, p);
      value += decoded;
      p += width;
      chunkStart = p;
      continue;
    }
    if ((c === 36 || c === 37) && src.charCodeAt(p + 1) === 123) {
      flush(p);
      p = parseTemplateSequence(ps, p, items);
      litStart = chunkStart = p;
      continue;
    }
    if ((c === 36 || c === 37) && src.charCodeAt(p + 1) === c && src.charCodeAt(p + 2) === 123) {
      // `$${` and `%%{` are the literal `${` and `%{`.
      value += src.slice(chunkStart, p + 1);
      p += 2;
      chunkStart = p;
      continue;
    }
    p++;
  }
  lx.pos = p;
  lx.tk = -1;
  lx.lastEnd = p;
  return {
    type: "Template",
    parts: buildTemplate(ps, items, false, false),
    heredoc: false,
    range: { start: open, end: p },
  };
}

/**
 * The fast path: most strings are plain text without escapes or template sequences. Its own function, so
 * that the frame of `parseQuotedTemplate`, which recurses through nested templates, stays small.
 */
function plainQuotedString(lx: Lexer, open: number): Expression | null {
  const src = lx.src;
  const p = lx.pos;
  let codes = 0; // every character code OR-ed: below 0x300, the text is surely in NFC
  for (let q = p; q < src.length; q++) {
    const c = src.charCodeAt(q);
    codes |= c;
    if (c === 34) {
      lx.pos = q + 1;
      lx.tk = -1;
      lx.lastEnd = q + 1;
      const text = src.slice(p, q);
      const parts: TemplatePart[] =
        q === p
          ? []
          : [{ type: "TemplateLiteral", value: codes < 0x300 ? text : literalText(text), range: { start: p, end: q } }];
      return { type: "Template", parts, heredoc: false, range: { start: open, end: q + 1 } };
    }
    if (c === 92 || c === 36 || c === 37 || c === 10 || c === 13) return null;
  }
  return null;
}

function decodeEscape(ps: ExpressionParser, p: number): [string, number] {
  const src = ps.lx.src;
  const c = src.charCodeAt(p + 1);
  switch (c) {
    case 110:
      return ["\n", 2];
    case 114:
      return ["\r", 2];
    case 116:
      return ["\t", 2];
    case 34:
      return ['"', 2];
    case 92:
      return ["\\", 2];
    case 117:
    case 85: {
      const digits = c === 117 ? 4 : 8;
      const hex = src.slice(p + 2, p + 2 + digits);
      if (hex.length === digits && /^[0-9a-fA-F]+$/.test(hex)) {
        const cp = Number.parseInt(hex, 16);
        if (cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff)) return [String.fromCodePoint(cp), 2 + digits];
      }
      return ps.lx.fail(
        `expected ${digits} hexadecimal digits of a Unicode code point after '\\${String.fromCharCode(c)}', found ${JSON.stringify(hex)}`,
        p,
      );
    }
    default:
      return ps.lx.fail(
        `expected an escape sequence (\\n \\r \\t \\" \\\\ \\uNNNN \\UNNNNNNNN) after '\\', found ${Number.isNaN(c) ? "end of file" : JSON.stringify(String.fromCharCode(c))}`,
        p,
      );
  }
}

/** At `${` or `%{`: parses the sequence up to its closing `}`; returns the offset after it. */
function parseTemplateSequence(ps: ExpressionParser, p: number, items: TemplateItem[]): number {
  const lx: Lexer = ps.lx;
  const src = ps.lx.src;
  const isInterp = src.charCodeAt(p) === 36;
  let q = p + 2;
  const stripLeft = src.charCodeAt(q) === 126;
  if (stripLeft) q++;
  lx.pos = q;
  lx.tk = -1;
  const saved = lx.setNl(false);
  let it: TemplateItem;
  if (isInterp) {
    it = item(I_INTERP, p, 0);
    it.expr = ps.parseExpression();
  } else {
    const kw = lx.peek() === T_IDENT ? lx.text() : "";
    switch (kw) {
      case "if":
        lx.next();
        it = item(I_IF, p, 0);
        it.expr = ps.parseExpression();
        break;
      case "else":
        lx.next();
        it = item(I_ELSE, p, 0);
        break;
      case "endif":
        lx.next();
        it = item(I_ENDIF, p, 0);
        break;
      case "endfor":
        lx.next();
        it = item(I_ENDFOR, p, 0);
        break;
      case "for": {
        lx.next();
        it = item(I_FOR, p, 0);
        const first = ps.expectIdent("a variable name after 'for'");
        it.valueVar = first;
        if (lx.accept(T_COMMA)) {
          it.keyVar = first;
          it.valueVar = ps.expectIdent("a value variable name after ','");
        }
        if (lx.peek() !== T_IDENT || lx.text() !== "in")
          lx.fail(`expected 'in' in the template for directive, found ${lx.describe()}`, lx.ts);
        lx.next();
        it.expr = ps.parseExpression();
        break;
      }
      default:
        lx.fail(
          `expected a template directive (if, else, endif, for, endfor) after '%{', found ${lx.describe()}`,
          lx.ts,
        );
    }
  }
  const k = lx.peek();
  if (k !== T_RBRACE && k !== T_STRIP_RBRACE) {
    lx.fail(
      `expected '}' to close the '${isInterp ? "${" : "%{"}' opened at ${lx.where(p)}, found ${lx.describe()}`,
      lx.ts,
    );
  }
  lx.next();
  it.stripLeft = stripLeft;
  it.stripRight = k === T_STRIP_RBRACE;
  it.end = lx.te;
  lx.setNl(saved);
  items.push(it);
  return lx.te;
}

/** After the `<<MARKER` token at `open`: content lines up to the closing marker line. */
export function parseHeredoc(ps: ExpressionParser, open: number): Expression {
  const lx: Lexer = ps.lx;
  const src = ps.lx.src;
  const len = src.length;
  const marker = lx.heredocMarker;
  const flushIndent = lx.heredocFlush;
  const items: TemplateItem[] = [];
  let p = lx.heredocContent;
  let lineStart = true;
  let end = -1;
  let litStart = p;
  let chunkStart = p;
  let value = "";
  const flush = (at: number): void => {
    if (at > litStart) {
      const it = item(I_LIT, litStart, at);
      it.value = value + src.slice(chunkStart, at);
      items.push(it);
    }
    value = "";
  };
  for (;;) {
    if (lineStart) {
      let q = p;
      while (src.charCodeAt(q) === 32 || src.charCodeAt(q) === 9) q++;
      if (src.startsWith(marker, q)) {
        // The closing marker may be indented and followed by spaces, but must end its line.
        const after = q + marker.length;
        let r = after;
        while (src.charCodeAt(r) === 32 || src.charCodeAt(r) === 9) r++;
        const c = src.charCodeAt(r);
        if (c === 10 || (c === 13 && src.charCodeAt(r + 1) === 10)) {
          end = after;
          break;
        }
        if (r >= len) {
          lx.fail(
            `expected a newline after the heredoc's closing marker '${marker}', found end of file`,
            r,
            "end the file with a newline after the marker",
          );
        }
      }
      lineStart = false;
    }
    if (p >= len)
      lx.fail(
        `expected '${marker}' on a line of its own to close the heredoc opened at ${lx.where(open)}, found end of file`,
        p,
      );
    const c = src.charCodeAt(p);
    if (c === 10) {
      p++;
      // Each line is its own literal, as the `<<-` indentation rule works line by line.
      flush(p);
      litStart = chunkStart = p;
      lineStart = true;
      continue;
    }
    if ((c === 36 || c === 37) && src.charCodeAt(p + 1) === 123) {
      flush(p);
      p = parseTemplateSequence(ps, p, items);
      litStart = chunkStart = p;
      continue;
    }
    if ((c === 36 || c === 37) && src.charCodeAt(p + 1) === c && src.charCodeAt(p + 2) === 123) {
      value += src.slice(chunkStart, p + 1);
      p += 2;
      chunkStart = p;
      continue;
    }
    p++;
  }
  flush(p);
  lx.pos = end;
  lx.tk = -1;
  lx.lastEnd = end;
  return {
    type: "Template",
    parts: buildTemplate(ps, items, true, flushIndent),
    heredoc: true,
    range: { start: open, end },
  };
}

/** Apply strip markers and `<<-` indentation, merge literals, then nest directives. */
function buildTemplate(
  ps: ExpressionParser,
  items: TemplateItem[],
  heredoc: boolean,
  flushIndent: boolean,
): TemplatePart[] {
  if (!heredoc && simpleItems(items)) {
    // Only literals and interpolations without strip markers: nothing to trim, merge or nest.
    const parts: TemplatePart[] = [];
    for (const it of items) {
      const range = { start: it.start, end: it.end };
      if (it.kind === I_LIT) parts.push({ type: "TemplateLiteral", value: literalText(it.value), range });
      else parts.push({ type: "TemplateInterpolation", expr: it.expr!, stripLeft: false, stripRight: false, range });
    }
    return parts;
  }
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!;
    if (it.kind === I_LIT) continue;
    if (it.stripLeft) {
      const prev = items[i - 1];
      if (prev && prev.kind === I_LIT) prev.value = trimEndSpace(prev.value);
    }
    if (it.stripRight) {
      const next = items[i + 1];
      if (next && next.kind === I_LIT) next.value = trimStartSpace(next.value);
    }
  }
  if (flushIndent) dedentHeredoc(items);
  // Merge adjacent literals (heredoc lines, pieces around escapes).
  const merged: TemplateItem[] = [];
  for (const it of items) {
    const last = merged[merged.length - 1];
    if (it.kind === I_LIT && last && last.kind === I_LIT) {
      last.value += it.value;
      last.end = it.end;
    } else merged.push(it);
  }
  const state = { i: 0 };
  const parts = nestTemplate(ps, merged, state, -1);
  return parts;
}

function nestTemplate(
  ps: ExpressionParser,
  items: TemplateItem[],
  state: { i: number },
  opener: number,
): TemplatePart[] {
  const lx: Lexer = ps.lx;
  const parts: TemplatePart[] = [];
  while (state.i < items.length) {
    const it = items[state.i]!;
    switch (it.kind) {
      case I_LIT:
        state.i++;
        if (it.value !== "")
          parts.push({
            type: "TemplateLiteral",
            value: literalText(it.value),
            range: { start: it.start, end: it.end },
          });
        break;
      case I_INTERP:
        state.i++;
        parts.push({
          type: "TemplateInterpolation",
          expr: it.expr!,
          stripLeft: it.stripLeft,
          stripRight: it.stripRight,
          range: { start: it.start, end: it.end },
        });
        break;
      case I_IF: {
        state.i++;
        const then = nestTemplate(ps, items, state, I_IF);
        let otherwise: TemplatePart[] | null = null;
        let closer = items[state.i];
        if (closer && closer.kind === I_ELSE) {
          state.i++;
          otherwise = nestTemplate(ps, items, state, I_ELSE);
          closer = items[state.i];
        }
        if (!closer || closer.kind !== I_ENDIF) {
          lx.fail(
            `expected '%{ endif }' to close the '%{ if }' opened at ${lx.where(it.start)}, found ${closer ? `'${DIRECTIVE_NAMES[closer.kind]}'` : "the end of the template"}`,
            closer ? closer.start : it.start,
          );
        }
        state.i++;
        parts.push({
          type: "TemplateIf",
          condition: it.expr!,
          then,
          else: otherwise,
          stripLeft: it.stripLeft,
          stripRight: closer.stripRight,
          range: { start: it.start, end: closer.end },
        });
        break;
      }
      case I_FOR: {
        state.i++;
        const body = nestTemplate(ps, items, state, I_FOR);
        const closer = items[state.i];
        if (!closer || closer.kind !== I_ENDFOR) {
          lx.fail(
            `expected '%{ endfor }' to close the '%{ for }' opened at ${lx.where(it.start)}, found ${closer ? `'${DIRECTIVE_NAMES[closer.kind]}'` : "the end of the template"}`,
            closer ? closer.start : it.start,
          );
        }
        state.i++;
        parts.push({
          type: "TemplateFor",
          keyVar: it.keyVar,
          valueVar: it.valueVar,
          collection: it.expr!,
          body,
          stripLeft: it.stripLeft,
          stripRight: closer.stripRight,
          range: { start: it.start, end: closer.end },
        });
        break;
      }
      default: {
        // else / endif / endfor: ends the enclosing directive's part list, if it is the right one.
        const fits =
          (it.kind === I_ELSE && opener === I_IF) ||
          (it.kind === I_ENDIF && (opener === I_IF || opener === I_ELSE)) ||
          (it.kind === I_ENDFOR && opener === I_FOR);
        if (!fits) {
          lx.fail(
            `expected ${opener === I_FOR ? "'%{ endfor }'" : opener === I_IF || opener === I_ELSE ? "'%{ endif }'" : "template text or '${'"}, found '${DIRECTIVE_NAMES[it.kind]}' with no matching opening directive`,
            it.start,
          );
        }
        return parts;
      }
    }
  }
  return parts;
}

/** Literals (never two adjacent, never empty) and interpolations without strip markers. */
function simpleItems(items: TemplateItem[]): boolean {
  let prevLit = false;
  for (const it of items) {
    if (it.kind === I_LIT) {
      if (prevLit) return false;
      prevLit = true;
    } else if (it.kind === I_INTERP && !it.stripLeft && !it.stripRight) prevLit = false;
    else return false;
  }
  return true;
}

function trimEndSpace(s: string): string {
  let e = s.length;
  while (e > 0 && isSpaceCode(s.charCodeAt(e - 1))) e--;
  return s.slice(0, e);
}

function trimStartSpace(s: string): string {
  let b = 0;
  while (b < s.length && isSpaceCode(s.charCodeAt(b))) b++;
  return s.slice(b);
}

/**
 * `<<-` heredocs: remove the smallest indentation found at the start of any line. As in HCL, indentation is
 * any Unicode space (Go's `unicode.IsSpace`), a blank line does not count, and a line starting with an
 * interpolation has zero indentation.
 */
function dedentHeredoc(items: TemplateItem[]): void {
  let min = Number.MAX_SAFE_INTEGER;
  let atLineStart = true;
  const adjust: TemplateItem[] = [];
  for (const it of items) {
    if (atLineStart) {
      atLineStart = false;
      if (it.kind === I_LIT) {
        const v = it.value;
        // Unicode spaces count, one each (none is outside the BMP, so one UTF-16 unit each).
        let n = 0;
        while (n < v.length && isSpaceCode(v.charCodeAt(n))) n++;
        const blank = v.length > 0 && v.endsWith("\n") && trimStartSpace(v) === "";
        if (!blank) {
          adjust.push(it);
          if (n < min) min = n;
        }
      } else min = 0;
    }
    if (it.kind === I_LIT && it.value.endsWith("\n")) atLineStart = true;
  }
  if (min === Number.MAX_SAFE_INTEGER || min === 0) return;
  for (const it of adjust) {
    it.value = it.value.slice(min);
    it.start += min;
  }
}
