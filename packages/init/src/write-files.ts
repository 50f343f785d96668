/**
 * Writing generated files without ever losing a user's edit. Each repository keeps a manifest,
 * `.gantry/init.json`, of what init last wrote there (a SHA-256 per file). A file on disk whose digest is the
 * recorded one was not touched since, and may be replaced by the new version; a file that differs from it, or
 * that init never wrote, is the user's, and is kept unless `force`. A symbolic link is never written through.
 */
import { createHash } from "node:crypto";
import { lstatSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseDocument, type DocumentSpec } from "@gantry/documents";
import { GantryError } from "@gantry/errors";
import { z } from "zod";
import type { GeneratedFile } from "./render-shared.js";

export const MANIFEST_FILE = ".gantry/init.json";

const manifestSchema = z.strictObject({
  apiVersion: z.literal("gantry/v1"),
  kind: z.literal("InitManifest"),
  /** The Gantry version that last wrote here. */
  gantryVersion: z.string(),
  /** Each file init wrote, by path relative to the repository, with the SHA-256 of what it wrote. */
  files: z.record(z.string(), z.strictObject({ sha256: z.string().regex(/^[0-9a-f]{64}$/) })),
});
export type InitManifest = z.infer<typeof manifestSchema>;

/**
 * - `create`: no such file. `update`: init wrote it and nobody changed it since. `unchanged`: already this content.
 * - `keep`: changed since init wrote it, or not init's (or a symbolic link): left alone. `overwrite`: the same, with force.
 */
export type FileAction = "create" | "update" | "unchanged" | "keep" | "overwrite";

export interface PlannedFile extends GeneratedFile {
  readonly action: FileAction;
  /** Why a file is kept or overwritten. */
  readonly reason?: string;
}

const sha256 = (content: string | Buffer) => createHash("sha256").update(content).digest("hex");

const manifestDocument = {
  kind: "InitManifest",
  schema: manifestSchema,
  code: "INIT_MANIFEST_INVALID",
  hint: "it records what gantry init wrote; delete it and every existing file counts as yours (kept unless --force)",
} as const satisfies DocumentSpec<typeof manifestSchema>;

function readManifest(dir: string): InitManifest | undefined {
  const path = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new GantryError("INIT_MANIFEST_UNREADABLE", `cannot read ${MANIFEST_FILE}: ${(error as Error).message}`, {
      location: { file: path },
    });
  }
  return parseDocument(text, manifestDocument, path);
}

function current(path: string): { kind: "missing" } | { kind: "link" } | { kind: "file"; content: Buffer } {
  try {
    if (lstatSync(path).isSymbolicLink()) return { kind: "link" };
    return { kind: "file", content: readFileSync(path) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { kind: "missing" };
    throw error;
  }
}

/** What writing `files` into `dir` would do to each, without writing anything. */
export function planWrites(dir: string, files: readonly GeneratedFile[], options: { force: boolean }): PlannedFile[] {
  const manifest = readManifest(dir);
  return files.map((file) => {
    const onDisk = current(join(dir, file.path));
    if (onDisk.kind === "missing") return { ...file, action: "create" };
    if (onDisk.kind === "link") return { ...file, action: "keep", reason: "a symbolic link: never written through" };
    if (onDisk.content.equals(Buffer.from(file.content))) return { ...file, action: "unchanged" };
    const recorded = manifest?.files[file.path]?.sha256;
    if (recorded !== undefined && recorded === sha256(onDisk.content)) return { ...file, action: "update" };
    const reason = recorded === undefined ? "not written by gantry init" : "changed since gantry init wrote it";
    return { ...file, action: options.force ? "overwrite" : "keep", reason };
  });
}

/**
 * Writes the planned files, then the manifest. A failure midway still records what was written (so it is not
 * mistaken for the user's next time) and names what was and was not written.
 */
export function writePlannedFiles(dir: string, planned: readonly PlannedFile[], gantryVersion: string): void {
  const previous = readManifest(dir)?.files ?? {};
  const files: InitManifest["files"] = { ...previous };
  const written: string[] = [];
  let failure: { path: string; error: Error } | undefined;
  for (const file of planned) {
    if (file.action === "keep") continue;
    if (file.action !== "unchanged") {
      try {
        mkdirSync(dirname(join(dir, file.path)), { recursive: true });
        writeFileSync(join(dir, file.path), file.content);
      } catch (error) {
        failure = { path: file.path, error: error as Error };
        break;
      }
      written.push(file.path);
    }
    files[file.path] = { sha256: sha256(file.content) };
  }
  const manifest: InitManifest = {
    apiVersion: "gantry/v1",
    kind: "InitManifest",
    gantryVersion,
    files: Object.fromEntries(Object.entries(files).sort(([a], [b]) => a.localeCompare(b))),
  };
  mkdirSync(join(dir, dirname(MANIFEST_FILE)), { recursive: true });
  writeFileSync(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  if (failure) {
    const notWritten = planned
      .filter((file) => file.action !== "keep" && file.action !== "unchanged" && !written.includes(file.path))
      .map((file) => file.path);
    throw new GantryError("INIT_WRITE_FAILED", `cannot write ${failure.path}: ${failure.error.message}`, {
      hint: `written: ${written.join(", ") || "nothing"}; not written: ${notWritten.join(", ")}. Fix the cause and run gantry init again (it resumes: what it wrote is recorded)`,
      location: { file: join(dir, failure.path) },
    });
  }
}
