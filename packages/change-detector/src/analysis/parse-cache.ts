/**
 * Parsed files by blob id: identical contents (hundreds of units often share one `terragrunt.hcl` text, and
 * every unit includes the same `root.hcl`) are parsed once per run. Errors are kept too, with their offset,
 * and re-located for each path that holds the blob.
 */
import type { HclFile } from "@gantry/hcl";
import { HclSyntaxError, parseHcl } from "@gantry/hcl";

export type ParseOutcome = { ok: true; hcl: HclFile } | { ok: false; message: string; offset: number; hint: string | undefined };

export class ParseCache {
  private readonly byBlob = new Map<string, ParseOutcome>();
  filesParsed = 0;

  /** Forgets a parsed file (a unit's own config, once the unit is analysed) to bound memory. */
  release(blob: string): void {
    this.byBlob.delete(blob);
  }

  parse(blob: string, path: string, text: string): ParseOutcome {
    let outcome = this.byBlob.get(blob);
    if (!outcome) {
      this.filesParsed++;
      try {
        outcome = { ok: true, hcl: parseHcl(text, path) };
      } catch (error) {
        if (!(error instanceof HclSyntaxError)) throw error;
        outcome = { ok: false, message: error.message, offset: error.offset, hint: error.hint };
      }
      this.byBlob.set(blob, outcome);
    }
    return outcome;
  }
}

const lineStartsCache = new WeakMap<HclFile, number[]>();
/** Below this offset the newlines before it are counted: no line table (nor weak-map entry) per unit config. */
const COUNTED_LINES_UP_TO = 2048;

/**
 * 1-based line of an offset: near the start of a file (a unit's `include` and `dependency` blocks) by counting
 * the newlines before it, elsewhere by binary search over the file's line starts (computed once per file).
 */
export function lineOf(hcl: HclFile, offset: number): number {
  if (offset < COUNTED_LINES_UP_TO && !lineStartsCache.has(hcl)) {
    let line = 1;
    for (let i = hcl.source.indexOf("\n"); i !== -1 && i < offset; i = hcl.source.indexOf("\n", i + 1)) line++;
    return line;
  }
  let starts = lineStartsCache.get(hcl);
  if (!starts) {
    starts = [0];
    const source = hcl.source;
    for (let i = source.indexOf("\n"); i !== -1; i = source.indexOf("\n", i + 1)) starts.push(i + 1);
    lineStartsCache.set(hcl, starts);
  }
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if ((starts[mid] as number) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}
