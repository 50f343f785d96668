/**
 * Reads `.gantry/config.yml`. The `yaml` parse tree is kept (not just the plain value) so every error can
 * name the line of the offending key.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml";
import { classifierError } from "../errors.js";
import type { GantryConfig } from "./schema.js";
import { validateConfig, type ConfigPath, type LocateKey } from "./validate.js";

export function parseYamlDocument(text: string, file: string): { document: Document; locate: LocateKey } {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true });
  const error = document.errors[0];
  if (error) {
    const position = error.linePos?.[0];
    throw classifierError("CONFIG_SYNTAX", `invalid YAML: ${(error.message.split("\n")[0] ?? "").replace(/\s*at line \d+, column \d+:?$/, "")}`, {
      location: { file, ...(position ? { line: position.line, column: position.col } : {}) },
      hint: "fix the YAML syntax at that line",
    });
  }
  const locate: LocateKey = (path, options) => {
    const offset = findOffset(document.contents as Node | null, path, options?.key ?? false);
    if (offset === undefined) return undefined;
    const position = lineCounter.linePos(offset);
    return { line: position.line, column: position.col };
  };
  return { document, locate };
}

function findOffset(root: Node | null, path: ConfigPath, wantKey: boolean): number | undefined {
  let node: unknown = root;
  let keyOffset: number | undefined;
  for (const segment of path) {
    keyOffset = undefined;
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
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
  const { document, locate } = parseYamlDocument(text, file);
  const value: unknown = document.toJS() ?? {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw classifierError("CONFIG_INVALID", "the configuration must be a mapping of keys (deployBranch, environments, ...)", {
      location: { file, line: 1 },
      hint: "see packages/classifier/README.md for an example configuration",
    });
  }
  return validateConfig(value, file, locate);
}
