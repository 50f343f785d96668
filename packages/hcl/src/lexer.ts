/**
 * Token scanner for HCL native syntax. The parser pulls one token at a time; each token is three numbers
 * (kind, start, end) held in fields, so scanning allocates nothing. Template contents (quoted strings and
 * heredocs) are not tokens: the parser scans them itself from `pos`, because their meaning depends on the
 * nesting the parser tracks.
 */
import { HclSyntaxError } from "./errors.js";
import { positionAt } from "./position.js";

export const T_EOF = 0;
export const T_NL = 1;
export const T_IDENT = 2;
export const T_NUMBER = 3;
export const T_OQUOTE = 4;
export const T_HEREDOC = 5;
export const T_LBRACE = 6;
export const T_RBRACE = 7;
export const T_STRIP_RBRACE = 8; // `~}`
export const T_LBRACK = 9;
export const T_RBRACK = 10;
export const T_LPAREN = 11;
export const T_RPAREN = 12;
export const T_COMMA = 13;
export const T_DOT = 14;
export const T_ELLIPSIS = 15;
export const T_STAR = 16;
export const T_SLASH = 17;
export const T_PERCENT = 18;
export const T_PLUS = 19;
export const T_MINUS = 20;
export const T_ASSIGN = 21;
export const T_EQ = 22;
export const T_NEQ = 23;
export const T_LT = 24;
export const T_GT = 25;
export const T_LE = 26;
export const T_GE = 27;
export const T_AND = 28;
export const T_OR = 29;
export const T_BANG = 30;
export const T_QUESTION = 31;
export const T_COLON = 32;
export const T_ARROW = 33;
export const T_DCOLON = 34;
export const T_BAD = 35;

const PUNCT: Record<number, string> = {
  [T_LBRACE]: "'{'",
  [T_RBRACE]: "'}'",
  [T_STRIP_RBRACE]: "'~}'",
  [T_LBRACK]: "'['",
  [T_RBRACK]: "']'",
  [T_LPAREN]: "'('",
  [T_RPAREN]: "')'",
  [T_COMMA]: "','",
  [T_DOT]: "'.'",
  [T_ELLIPSIS]: "'...'",
  [T_STAR]: "'*'",
  [T_SLASH]: "'/'",
  [T_PERCENT]: "'%'",
  [T_PLUS]: "'+'",
  [T_MINUS]: "'-'",
  [T_ASSIGN]: "'='",
  [T_EQ]: "'=='",
  [T_NEQ]: "'!='",
  [T_LT]: "'<'",
  [T_GT]: "'>'",
  [T_LE]: "'<='",
  [T_GE]: "'>='",
  [T_AND]: "'&&'",
  [T_OR]: "'||'",
  [T_BANG]: "'!'",
  [T_QUESTION]: "'?'",
  [T_COLON]: "':'",
  [T_ARROW]: "'=>'",
  [T_DCOLON]: "'::'",
};

const ID_START = /[\p{ID_Start}_]/u;
const ID_CONTINUE = /[\p{ID_Continue}\-]/u;

/** ASCII character classes: 1 identifier start, 2 identifier continuation. */
const CHAR_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const letter = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
  const digit = c >= 48 && c <= 57;
  CHAR_CLASS[c] = (letter ? 1 : 0) | (letter || digit || c === 45 ? 2 : 0);
}

/** Tokens of one character that never depend on the next one (-1: not such a character). */
const SINGLE = new Int8Array(128).fill(-1);
SINGLE[34] = T_OQUOTE;
SINGLE[123] = T_LBRACE;
SINGLE[125] = T_RBRACE;
SINGLE[91] = T_LBRACK;
SINGLE[93] = T_RBRACK;
SINGLE[40] = T_LPAREN;
SINGLE[41] = T_RPAREN;
SINGLE[44] = T_COMMA;
SINGLE[42] = T_STAR;
SINGLE[37] = T_PERCENT;
SINGLE[43] = T_PLUS;
SINGLE[45] = T_MINUS;
SINGLE[63] = T_QUESTION;

function isAsciiIdStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}
function isAsciiIdContinue(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45;
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export class Lexer {
  readonly src: string;
  readonly len: number;
  readonly fileName: string;
  /** Next unread character. */
  pos = 0;
  /** Peeked token (-1: none) and its bounds. */
  tk = -1;
  ts = 0;
  te = 0;
  /** Where scanning for the peeked token began: rewinding here un-peeks it. */
  scanFrom = 0;
  /** End of the last consumed token: the end of the node being built. */
  lastEnd = 0;
  /** Whether newlines are tokens here (block bodies, object constructors) or skipped (parens, brackets). */
  nl = true;
  /** For T_HEREDOC: the marker, whether it is `<<-`, and where the content begins. */
  heredocMarker = "";
  heredocFlush = false;
  heredocContent = 0;

  constructor(src: string, fileName: string) {
    this.src = src;
    this.len = src.length;
    this.fileName = fileName;
    if (src.charCodeAt(0) === 0xfeff) this.pos = 1;
  }

  fail(message: string, offset: number, hint?: string): never {
    throw new HclSyntaxError(message, this.fileName, this.src, offset, hint);
  }

  where(offset: number): string {
    const p = positionAt(this.src, offset);
    return `${p.line}:${p.column}`;
  }

  /** Switch newline significance; un-peeks a token scanned under the other mode. */
  setNl(v: boolean): boolean {
    const old = this.nl;
    if (old !== v) {
      if (this.tk >= 0) {
        this.pos = this.scanFrom;
        this.tk = -1;
      }
      this.nl = v;
    }
    return old;
  }

  peek(): number {
    if (this.tk >= 0) return this.tk;
    this.scanFrom = this.pos;
    let k = this.scan();
    while (k === T_NL && !this.nl) k = this.scan();
    this.tk = k;
    return k;
  }

  next(): number {
    const k = this.peek();
    this.tk = -1;
    this.lastEnd = this.te;
    return k;
  }

  text(): string {
    return this.src.slice(this.ts, this.te);
  }

  /** Consume the peeked token if it is `kind`. */
  accept(kind: number): boolean {
    if (this.peek() === kind) {
      this.next();
      return true;
    }
    return false;
  }

  expect(kind: number, what: string): void {
    const k = this.peek();
    if (k !== kind) this.fail(`expected ${what}, found ${this.describe()}`, this.ts);
    this.next();
  }

  /** Human description of the peeked token, for "found ..." in messages. */
  describe(): string {
    const k = this.peek();
    switch (k) {
      case T_EOF:
        return "end of file";
      case T_NL:
        return this.src.charCodeAt(this.ts) === 10 || this.src.charCodeAt(this.ts) === 13
          ? "newline"
          : "comment (ends the line)";
      case T_IDENT:
        return `identifier '${this.text()}'`;
      case T_NUMBER:
        return `number ${this.text()}`;
      case T_OQUOTE:
        return "string";
      case T_HEREDOC:
        return "heredoc";
      case T_BAD:
        return `invalid character ${JSON.stringify(this.text())}`;
      default:
        return PUNCT[k] ?? "token";
    }
  }

  private tok(kind: number, start: number, end: number): number {
    this.ts = start;
    this.te = end;
    this.pos = end;
    return kind;
  }

  /** Scan one raw token starting at `pos` (skipping spaces and comments). */
  private scan(): number {
    const src = this.src;
    const len = this.len;
    let p = this.pos;
    for (;;) {
      if (p >= len) return this.tok(T_EOF, len, len);
      const c = src.charCodeAt(p);
      if (c === 32 || c === 9) {
        p++;
        continue;
      }
      if (c === 13) {
        if (src.charCodeAt(p + 1) === 10) return this.tok(T_NL, p, p + 2);
        // A carriage return alone is not whitespace in HCL.
        return this.tok(T_BAD, p, p + 1);
      }
      if (c === 10) return this.tok(T_NL, p, p + 1);
      if (c === 35 || (c === 47 && src.charCodeAt(p + 1) === 47)) {
        // A line comment absorbs its newline and so acts as one.
        const nlAt = src.indexOf("\n", p);
        if (nlAt === -1) {
          p = len;
          continue;
        }
        return this.tok(T_NL, p, nlAt + 1);
      }
      if (c === 47 && src.charCodeAt(p + 1) === 42) {
        const close = src.indexOf("*/", p + 2);
        if (close === -1)
          this.fail(`expected '*/' to close the comment opened at ${this.where(p)}, found end of file`, len);
        p = close + 2;
        continue;
      }
      break;
    }
    const c = src.charCodeAt(p);
    if (c < 128) {
      if (CHAR_CLASS[c]! & 1) {
        let e = p + 1;
        let d = src.charCodeAt(e);
        while (d < 128 && CHAR_CLASS[d]! & 2) d = src.charCodeAt(++e);
        if (d >= 128 && e < len) e = this.scanUnicodeIdent(e);
        return this.tok(T_IDENT, p, e);
      }
      const single = SINGLE[c]!;
      if (single >= 0) return this.tok(single, p, p + 1);
    }
    const c1 = src.charCodeAt(p + 1);
    if (isDigit(c)) return this.tok(T_NUMBER, p, this.scanNumber(p));
    switch (c) {
      case 34:
        return this.tok(T_OQUOTE, p, p + 1);
      case 123:
        return this.tok(T_LBRACE, p, p + 1);
      case 125:
        return this.tok(T_RBRACE, p, p + 1);
      case 91:
        return this.tok(T_LBRACK, p, p + 1);
      case 93:
        return this.tok(T_RBRACK, p, p + 1);
      case 40:
        return this.tok(T_LPAREN, p, p + 1);
      case 41:
        return this.tok(T_RPAREN, p, p + 1);
      case 44:
        return this.tok(T_COMMA, p, p + 1);
      case 46:
        if (c1 === 46 && src.charCodeAt(p + 2) === 46) return this.tok(T_ELLIPSIS, p, p + 3);
        return this.tok(T_DOT, p, p + 1);
      case 42:
        return this.tok(T_STAR, p, p + 1);
      case 47:
        return this.tok(T_SLASH, p, p + 1);
      case 37:
        return this.tok(T_PERCENT, p, p + 1);
      case 43:
        return this.tok(T_PLUS, p, p + 1);
      case 45:
        return this.tok(T_MINUS, p, p + 1);
      case 61:
        if (c1 === 61) return this.tok(T_EQ, p, p + 2);
        if (c1 === 62) return this.tok(T_ARROW, p, p + 2);
        return this.tok(T_ASSIGN, p, p + 1);
      case 33:
        if (c1 === 61) return this.tok(T_NEQ, p, p + 2);
        return this.tok(T_BANG, p, p + 1);
      case 60:
        if (c1 === 61) return this.tok(T_LE, p, p + 2);
        if (c1 === 60) return this.scanHeredocStart(p);
        return this.tok(T_LT, p, p + 1);
      case 62:
        if (c1 === 61) return this.tok(T_GE, p, p + 2);
        return this.tok(T_GT, p, p + 1);
      case 38:
        if (c1 === 38) return this.tok(T_AND, p, p + 2);
        break;
      case 124:
        if (c1 === 124) return this.tok(T_OR, p, p + 2);
        break;
      case 63:
        return this.tok(T_QUESTION, p, p + 1);
      case 58:
        if (c1 === 58) return this.tok(T_DCOLON, p, p + 2);
        return this.tok(T_COLON, p, p + 1);
      case 126:
        if (c1 === 125) return this.tok(T_STRIP_RBRACE, p, p + 2);
        break;
      default:
        if (c >= 128) {
          const cp = src.codePointAt(p)!;
          const ch = String.fromCodePoint(cp);
          if (ID_START.test(ch)) return this.tok(T_IDENT, p, this.scanUnicodeIdent(p + ch.length));
          return this.tok(T_BAD, p, p + ch.length);
        }
    }
    return this.tok(T_BAD, p, p + 1);
  }

  private scanUnicodeIdent(from: number): number {
    const src = this.src;
    let e = from;
    while (e < this.len) {
      const c = src.charCodeAt(e);
      if (c < 128) {
        if (isAsciiIdContinue(c)) {
          e++;
          continue;
        }
        break;
      }
      const ch = String.fromCodePoint(src.codePointAt(e)!);
      if (!ID_CONTINUE.test(ch)) break;
      e += ch.length;
    }
    return e;
  }

  private scanNumber(p: number): number {
    const src = this.src;
    let e = p + 1;
    while (isDigit(src.charCodeAt(e))) e++;
    if (src.charCodeAt(e) === 46 && isDigit(src.charCodeAt(e + 1))) {
      e += 2;
      while (isDigit(src.charCodeAt(e))) e++;
    }
    const x = src.charCodeAt(e);
    if (x === 101 || x === 69) {
      let f = e + 1;
      const s = src.charCodeAt(f);
      if (s === 43 || s === 45) f++;
      if (isDigit(src.charCodeAt(f))) {
        e = f + 1;
        while (isDigit(src.charCodeAt(e))) e++;
      }
    }
    if (src.charCodeAt(e) === 46 && isDigit(src.charCodeAt(e + 1))) {
      let f = e + 1;
      while (isDigit(src.charCodeAt(f)) || src.charCodeAt(f) === 46) f++;
      this.fail(`expected a number, found the invalid number literal '${src.slice(p, f)}'`, p);
    }
    return e;
  }

  /** `<<EOF` or `<<-EOF`, directly followed by a newline. */
  private scanHeredocStart(p: number): number {
    const src = this.src;
    let q = p + 2;
    const flush = src.charCodeAt(q) === 45;
    if (flush) q++;
    const idStart = q;
    if (
      !isAsciiIdStart(src.charCodeAt(q)) &&
      !(src.charCodeAt(q) >= 128 && ID_START.test(String.fromCodePoint(src.codePointAt(q)!)))
    ) {
      this.fail(
        `expected a heredoc marker such as 'EOF' after '${flush ? "<<-" : "<<"}', found ${q >= this.len ? "end of file" : JSON.stringify(src[q])}`,
        q,
      );
    }
    q++;
    while (q < this.len && (isAsciiIdContinue(src.charCodeAt(q)) || src.charCodeAt(q) >= 128)) {
      if (src.charCodeAt(q) >= 128) {
        const e = this.scanUnicodeIdent(q);
        if (e === q) break;
        q = e;
      } else q++;
    }
    const marker = src.slice(idStart, q);
    let content: number;
    if (src.charCodeAt(q) === 10) content = q + 1;
    else if (src.charCodeAt(q) === 13 && src.charCodeAt(q + 1) === 10) content = q + 2;
    else {
      this.fail(
        `expected a newline right after the heredoc marker '${src.slice(p, q)}', found ${q >= this.len ? "end of file" : JSON.stringify(src[q])}`,
        q,
        "a heredoc's content starts on the line after `<<MARKER`",
      );
    }
    this.heredocMarker = marker;
    this.heredocFlush = flush;
    this.heredocContent = content;
    return this.tok(T_HEREDOC, p, q);
  }
}
