/**
 * The files of a stack component's source that is not in the repository: a directory elsewhere on disk, or a
 * git repository fetched as Terragrunt's go-getter does (the repository at `ref`, then its `subdir`).
 *
 * Fetches are kept in `<git common dir>/gantry/stack-sources/`, one checkout per (url, ref), and reused by
 * later runs: a ref that is a moving branch is not fetched again while its checkout is there (pin catalog
 * sources to tags or commits, as Gruntwork recommends). The URL comes from a stack file anyone may change in
 * a pull request: git runs as `@gantry/git` runs it for every call (the plain transports only, no `ext::`, which
 * runs commands; no hooks, no submodules; never prompts).
 */
import { createHash } from "node:crypto";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import { runGit } from "@gantry/git";
import type { TreeEntry } from "../git.js";

/** A file of a source directory: its mode as git writes it, and its bytes (a symlink's target text). */
export interface SourceFile {
  mode: "100644" | "100755" | "120000";
  content: Buffer;
}

/** Limits on a source directory read into memory (a catalog is small; a whole monorepo is not a unit). */
const MAX_FILES = 5000;
const MAX_BYTES = 64 * 1024 * 1024;

/**
 * Sources outside the repository for one run: each git source fetched once per (url, ref), and each directory
 * read once, however many blocks name it (a catalog unit is the source of thousands of units).
 */
export class SourceFetcher {
  private readonly fetches = new Map<string, Promise<{ dir: string; commit: string } | { error: string }>>();
  private readonly directories = new Map<string, ReturnType<typeof readSourceDirectory>>();

  constructor(private readonly cacheRoot: string) {}

  /** The checkout of `url` at `ref` (the remote's default branch when empty), fetched unless kept. */
  checkout(url: string, ref: string): Promise<{ dir: string; commit: string } | { error: string }> {
    const key = `${url}\n${ref}`;
    let fetch = this.fetches.get(key);
    if (!fetch) this.fetches.set(key, (fetch = this.fetch(url, ref, key)));
    return fetch;
  }

  /** `readSourceDirectory(root, subdir)`, read once per run. */
  directory(root: string, subdir = ""): ReturnType<typeof readSourceDirectory> {
    const key = `${root}\0${subdir}`;
    let read = this.directories.get(key);
    if (!read) this.directories.set(key, (read = readSourceDirectory(root, subdir)));
    return read;
  }

  private async fetch(
    url: string,
    ref: string,
    key: string,
  ): Promise<{ dir: string; commit: string } | { error: string }> {
    const dir = join(this.cacheRoot, createHash("sha256").update(key).digest("hex").slice(0, 32));
    // A kept checkout is detached: its HEAD file holds the commit (no git process for it).
    const kept = existsSync(join(dir, ".git", "HEAD")) ? readFileSync(join(dir, ".git", "HEAD"), "utf8").trim() : "";
    if (/^[0-9a-f]{40,64}$/.test(kept)) return { dir, commit: kept };
    rmSync(dir, { recursive: true, force: true });
    const temporary = `${dir}.${process.pid}.tmp`;
    rmSync(temporary, { recursive: true, force: true });
    mkdirSync(temporary, { recursive: true });
    try {
      const steps = [
        ["init", "-q"],
        ["fetch", "-q", "--depth", "1", "--no-tags", "--no-recurse-submodules", "--", url, ref === "" ? "HEAD" : ref],
        ["checkout", "-q", "--detach", "FETCH_HEAD"],
      ];
      for (const step of steps) {
        const result = await runGit(temporary, step);
        if (result.exitCode !== 0)
          return {
            error: `git ${step[0]} of ${url}${ref ? ` at ${ref}` : ""} failed: ${result.stderr.split("\n")[0] ?? ""}`,
          };
      }
      const head = await runGit(temporary, ["rev-parse", "HEAD"]);
      rmSync(dir, { recursive: true, force: true });
      renameSync(temporary, dir);
      return { dir, commit: head.stdout.trim() };
    } catch (error) {
      return { error: `fetching ${url} failed: ${error instanceof Error ? error.message : String(error)}` };
    } finally {
      rmSync(temporary, { recursive: true, force: true });
    }
  }
}

/**
 * Every file under `root/subdir` (paths relative to it, `/`-separated), `.git` excepted; symlinks as their
 * target text. An error when the directory is missing or larger than a source can be.
 */
export function readSourceDirectory(
  root: string,
  subdir = "",
): { files: Map<string, SourceFile>; copy: SourceCopy } | { error: string } {
  const top = resolve(root, subdir);
  if (relative(root, top).startsWith("..")) return { error: `${subdir} leaves the source` };
  if (!existsSync(top) || !statSync(top).isDirectory()) return { error: `${top} is not a directory` };
  const files = new Map<string, SourceFile>();
  let bytes = 0;
  const walk = (dir: string): string | undefined => {
    for (const name of readdirSync(dir).sort()) {
      if (name === ".git") continue;
      const full = join(dir, name);
      const stat = lstatSync(full);
      const path = relative(top, full).split(sep).join("/");
      if (stat.isDirectory()) {
        const problem = walk(full);
        if (problem) return problem;
        continue;
      }
      if (stat.isSymbolicLink()) files.set(path, { mode: "120000", content: Buffer.from(readlinkSync(full)) });
      // An empty file is not read: a pseudo-file (`/proc`) says it is empty and may never end.
      else if (stat.isFile())
        files.set(path, {
          mode: stat.mode & 0o111 ? "100755" : "100644",
          content: stat.size === 0 ? Buffer.alloc(0) : readFileSync(full),
        });
      else continue;
      bytes += stat.size;
      if (files.size > MAX_FILES || bytes > MAX_BYTES)
        return `${top} holds more than ${MAX_FILES} files or ${MAX_BYTES / 1048576} MB`;
    }
    return undefined;
  };
  let problem: string | undefined;
  try {
    problem = walk(top);
  } catch (error) {
    problem = `${top} could not be read: ${error instanceof Error ? error.message : String(error)}`;
  }
  return problem ? { error: problem } : { files, copy: copyOf(files) };
}

/** A source directory as overlay entries of the tree: blob ids of its contents, and a digest of them all. */
export interface SourceCopy {
  entries: Map<string, TreeEntry>;
  /** By blob id: the texts, already here (never asked of git). */
  contents: Map<string, string>;
  digest: string;
}

function copyOf(files: Map<string, SourceFile>): SourceCopy {
  const entries = new Map<string, TreeEntry>();
  const contents = new Map<string, string>();
  const digest = createHash("sha1");
  for (const [path, file] of files) {
    // Not a git blob id (a prefix git never prints), so never mistaken for one.
    const blob = `stack-${createHash("sha1").update(file.content).digest("hex")}`;
    entries.set(path, { mode: file.mode, blob, size: file.content.length });
    contents.set(blob, file.content.toString("utf8"));
    digest.update(`${path}\0${blob}\0`);
  }
  return { entries, contents, digest: digest.digest("hex") };
}
