/**
 * Parsed files by blob id: identical contents (hundreds of units often share one `terragrunt.hcl` text, and
 * every unit includes the same `root.hcl`) are parsed once per run. Errors are kept too, with their offset,
 * and re-located for each path that holds the blob.
 */
import type { HclFile, JsonBodySchema } from "@gantry/hcl";
import { HclSyntaxError, parseHcl, parseHclJson } from "@gantry/hcl";

/** The blocks of a Terragrunt configuration in HCL's JSON syntax (`terragrunt.hcl.json`, `root.hcl.json`). */
const TERRAGRUNT_JSON: JsonBodySchema = {
  include: { labels: 1, bare: true },
  locals: { labels: 0 },
  terraform: {
    labels: 0,
    body: {
      extra_arguments: { labels: 1 },
      before_hook: { labels: 1 },
      after_hook: { labels: 1 },
      error_hook: { labels: 1 },
    },
  },
  dependency: { labels: 1 },
  dependencies: { labels: 0 },
  generate: { labels: 1 },
  remote_state: { labels: 0 },
  feature: { labels: 1 },
  exclude: { labels: 0 },
  errors: { labels: 0, body: { retry: { labels: 1 }, ignore: { labels: 1 } } },
  engine: { labels: 0 },
  catalog: { labels: 0 },
  unit: { labels: 1 },
  stack: { labels: 1 },
};
/** The blocks of Terraform code in JSON syntax (`*.tf.json`). */
const TERRAFORM_JSON: JsonBodySchema = {
  module: { labels: 1 },
  resource: { labels: 2 },
  data: { labels: 2 },
  variable: { labels: 1 },
  output: { labels: 1 },
  locals: { labels: 0 },
  provider: { labels: 1 },
  terraform: { labels: 0 },
  moved: { labels: 0 },
  import: { labels: 0 },
  removed: { labels: 0 },
  check: { labels: 1 },
};

/** Native syntax, or HCL's JSON syntax for a `.json` file (with the Terraform or Terragrunt block schema). */
function parseAny(text: string, path: string): HclFile {
  if (!path.endsWith(".json")) return parseHcl(text, path);
  return parseHclJson(
    text,
    path,
    path.endsWith(".tf.json") || path.endsWith(".tofu.json") ? TERRAFORM_JSON : TERRAGRUNT_JSON,
  );
}

export type ParseOutcome =
  { ok: true; hcl: HclFile } | { ok: false; message: string; offset: number; hint: string | undefined };

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
        outcome = { ok: true, hcl: parseAny(text, path) };
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
