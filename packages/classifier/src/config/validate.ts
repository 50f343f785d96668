/**
 * Validates a configuration value against the schema and turns the first zod issue into a GantryError that
 * names the file, the line (through the format's own `locate`), and the key path.
 */
import type { z } from "zod";
import { formatDidYouMean } from "@gantry/errors";
import { isSecretName, looksLikeSecretValue } from "@gantry/secrets";
import { reservedToolVariable } from "../tool-variables.js";
import { gantryConfigSchema, type GantryConfig } from "./schema.js";
import { formatFieldPath } from "@gantry/documents";
import { GantryError } from "@gantry/errors";

export type ConfigPath = readonly (string | number)[];

/** Maps a key path to where it is written; `undefined` when the format cannot tell. */
export type LocateKey = (path: ConfigPath, options?: { key?: boolean }) => ConfigPosition | undefined;

/** A line and column, and the file when it differs from the one being validated (multi-file configs). */
export interface ConfigPosition {
  file?: string;
  line: number;
  column: number;
}

export function formatConfigPath(path: ConfigPath): string {
  return formatFieldPath(path, "(top level)");
}

export function validateConfig(value: unknown, file: string, locate: LocateKey, hint?: string): GantryConfig {
  const result = gantryConfigSchema.safeParse(value);
  if (result.success) {
    refuseSecrets(result.data, file, locate);
    refuseReservedVariables(result.data, file, locate);
    return result.data;
  }
  const [first, ...others] = result.error.issues.map((issue) => describeIssue(issue, value, locate));
  const also = others
    .slice(0, 5)
    .map((other) => `${other.position ? `line ${other.position.line}: ` : ""}${other.text}`);
  const more = others.length > 5 ? [`and ${others.length - 5} more`] : [];
  throw new GantryError("CONFIG_INVALID", first!.text, {
    location: { file, ...(first!.position ?? {}) },
    hint: [
      hint ?? "fix the key as described; the JSON Schema packages/classifier/config.schema.json lists every key",
      ...(also.length > 0 ? [`also: ${[...also, ...more].join("; ")}`] : []),
    ].join("\n  "),
  });
}

/** `terragrunt.env` is copied into every job document, plan output and CI log: a secret there is refused. */
function refuseSecrets(config: GantryConfig, file: string, locate: LocateKey): void {
  for (const [name, value] of Object.entries(config.terragrunt.env)) {
    const byName = isSecretName(name) && value !== "";
    if (!byName && !looksLikeSecretValue(value)) continue;
    const path = ["terragrunt", "env", name];
    throw new GantryError(
      "CONFIG_INVALID",
      `key ${formatConfigPath(path)}: ${byName ? `'${name}' names a secret` : "the value looks like a credential"}, and terragrunt.env is copied into every job document, plan output and CI log`,
      {
        location: { file, ...(locate(path) ?? locate(path, { key: true }) ?? {}) },
        hint: "remove it from the configuration and give it to the executor through your CI's secret store (terragrunt inherits the executor's environment)",
      },
    );
  }
}

/** `terragrunt.env` sets tool settings; what decides privilege belongs to the pipelines side (see `tool-variables.ts`). */
function refuseReservedVariables(config: GantryConfig, file: string, locate: LocateKey): void {
  for (const name of Object.keys(config.terragrunt.env)) {
    const reason = reservedToolVariable(name);
    if (reason === null) continue;
    const path = ["terragrunt", "env", name];
    throw new GantryError(
      "CONFIG_INVALID",
      `key ${formatConfigPath(path)}: ${reason}, which the repository's configuration may not set`,
      {
        location: { file, ...(locate(path, { key: true }) ?? locate(path) ?? {}) },
        hint: "remove it; set it in the pipelines repository's workflow if the pipelines side really needs it",
      },
    );
  }
}

function describeIssue(
  issue: z.core.$ZodIssue,
  value: unknown,
  locate: LocateKey,
): { text: string; position: ConfigPosition | undefined } {
  const path = issue.path.filter((segment): segment is string | number => typeof segment !== "symbol");
  let keyPath: ConfigPath = path;
  let position = locate(path);
  let message = issue.message;
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0] ?? "";
    keyPath = [...path, key];
    position = locate(keyPath, { key: true }) ?? position;
    const suggestion =
      issue.keys.length === 1 ? formatDidYouMean(key, knownKeysAt(gantryConfigSchema, path)) : undefined;
    message = `unknown key${issue.keys.length > 1 ? `s ${issue.keys.map((k) => `'${k}'`).join(", ")}` : ` '${key}'`}${suggestion ? `: ${suggestion}` : ""}`;
  } else if (issue.code === "invalid_type" && valueAt(value, path) === undefined) {
    message = "is required";
    // A missing key has no position of its own: point at its parent.
    for (let length = path.length - 1; position === undefined && length >= 0; length--)
      position = locate(path.slice(0, length), { key: true });
  }
  return { text: `key ${formatConfigPath(keyPath)}: ${message}`, position };
}

/** The keys the schema allows in the object at `path` (for "did you mean"), through lists, maps and defaults. */
function knownKeysAt(schema: z.core.$ZodType, path: ConfigPath): string[] {
  let current: z.core.$ZodType | undefined = schema;
  for (let index = 0; current !== undefined;) {
    const def = current._zod.def as unknown as Record<string, z.core.$ZodType | undefined> & {
      type: string;
      shape?: Record<string, z.core.$ZodType>;
    };
    if ("innerType" in def) current = def.innerType;
    else if (def.type === "pipe") current = def.in;
    else if (index === path.length) return def.type === "object" ? Object.keys(def.shape ?? {}) : [];
    else if (def.type === "object") current = def.shape?.[String(path[index++])];
    else if (def.type === "array") ((current = def.element), index++);
    else if (def.type === "record") ((current = def.valueType), index++);
    else return [];
  }
  return [];
}

function valueAt(value: unknown, path: ConfigPath): unknown {
  let current = value;
  for (const segment of path) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}
