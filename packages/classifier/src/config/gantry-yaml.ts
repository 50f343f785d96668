/**
 * Reads `.gantry/config.yml`. The `yaml` parse tree is kept (not just the plain value) so every error can
 * name the line of the offending key.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from "yaml";
import type { GantryConfig } from "./schema.js";
import { validateConfig, type ConfigPath, type LocateKey } from "./validate.js";
import { GantryError } from "@gantry/errors";

export function parseYamlDocument(
  text: string,
  file: string,
): { document: Document; locate: LocateKey; toValue: () => unknown } {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true });
  const error = document.errors[0];
  if (error) {
    const position = error.linePos?.[0];
    throw new GantryError(
      "CONFIG_SYNTAX",
      `invalid YAML: ${(error.message.split("\n")[0] ?? "").replace(/\s*at line \d+, column \d+:?$/, "")}`,
      {
        location: { file, ...(position ? { line: position.line, column: position.col } : {}) },
        hint: "fix the YAML syntax at that line",
      },
    );
  }
  const positionOf = (offset: number) => {
    const position = lineCounter.linePos(offset);
    return { line: position.line, column: position.col };
  };
  const toValue = () => documentValue(document, file, positionOf);
  const locate: LocateKey = (path, options) => {
    const offset = findOffset(document.contents as Node | null, path, options?.key ?? false);
    if (offset === undefined) return undefined;
    const position = lineCounter.linePos(offset);
    return { line: position.line, column: position.col };
  };
  return { document, locate, toValue };
}

/** At most this many alias expansions: more is a "billion laughs" document, refused as a syntax error. */
const MAX_ALIAS_COUNT = 100;

/**
 * The plain value of the document. `yaml` throws a bare ReferenceError for an alias with no anchor and for
 * too many alias expansions; both become `CONFIG_SYNTAX` at the alias's line.
 */
function documentValue(
  document: Document,
  file: string,
  positionOf: (offset: number) => { line: number; column: number },
): unknown {
  try {
    return document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const unresolved = /Unresolved alias[^:]*: (.+)$/.exec((error as Error).message)?.[1];
    let offset: number | undefined;
    visit(document, {
      Alias(_, alias) {
        if (unresolved === undefined || alias.source === unresolved) {
          offset = alias.range?.[0];
          return visit.BREAK;
        }
        return undefined;
      },
    });
    const message =
      unresolved !== undefined
        ? `invalid YAML: the alias *${unresolved} has no anchor &${unresolved} before it`
        : `invalid YAML: more than ${MAX_ALIAS_COUNT} alias expansions (a document that expands without bound)`;
    throw new GantryError("CONFIG_SYNTAX", message, {
      location: { file, ...(offset !== undefined ? positionOf(offset) : {}) },
      hint:
        unresolved !== undefined
          ? `define the anchor (&${unresolved}) before using it, or write the value out`
          : "write the values out instead of nesting aliases",
      cause: error,
    });
  }
}

function findOffset(root: Node | null, path: ConfigPath, wantKey: boolean): number | undefined {
  let node: unknown = root;
  let keyOffset: number | undefined;
  for (const segment of path) {
    keyOffset = undefined;
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment),
      );
      if (!pair) return undefined;
      keyOffset = isScalar(pair.key) ? pair.key.range?.[0] : undefined;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === "number") {
      node = node.items[segment];
    } else {
      return undefined;
    }
  }
  if (wantKey && keyOffset !== undefined) return keyOffset;
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range?.[0] ?? keyOffset;
}

export function parseGantryConfigYaml(text: string, file: string): GantryConfig {
  const { locate, toValue } = parseYamlDocument(text, file);
  const value: unknown = toValue() ?? {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new GantryError(
      "CONFIG_INVALID",
      "the configuration must be a mapping of keys (deployBranch, environments, ...)",
      {
        location: { file, line: 1 },
        hint: "see packages/classifier/README.md for an example configuration",
      },
    );
  }
  return validateConfig(value, file, locate);
}
