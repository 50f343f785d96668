/**
 * What a `unit` or `stack` block's `source` names, read as Terragrunt does (go-getter's forms): a local
 * directory (in the repository, or elsewhere on disk), a git repository with an optional `//subdir` and
 * `?ref=`, or something Gantry cannot fetch (registry, S3, HTTP archives, ...).
 */
import { existsSync, statSync } from "node:fs";
import { posix } from "node:path";
import { VIRTUAL_ROOT, fromVirtual, toVirtual } from "../paths.js";

export type StackSource =
  /** A directory of the repository (`../units/vpc`, `${get_repo_root()}/units/vpc`). */
  | { kind: "repo"; dir: string }
  /** A directory outside the repository, read from disk. */
  | { kind: "disk"; dir: string }
  /** A git repository: fetched at `ref` (the default branch when empty), then `subdir` of it. */
  | { kind: "git"; url: string; ref: string; subdir: string }
  | { kind: "unsupported"; reason: string };

/**
 * `source` of a block in the stack file of directory `stackDir` (a repository path). `hasRepoDir` says
 * whether the repository holds a directory; a relative path that names none is not local for Terragrunt
 * either (it then tries it as a remote address and fails).
 */
export function parseStackSource(raw: string, stackDir: string, hasRepoDir: (dir: string) => boolean): StackSource {
  const local = localSource(raw, stackDir, hasRepoDir);
  if (local) return local;
  const forced = /^([a-z0-9]+)::(.*)$/i.exec(raw);
  const getter = forced ? forced[1]!.toLowerCase() : undefined;
  const [address, subdir] = splitSubdir(forced ? forced[2]! : raw);
  if (getter !== undefined && getter !== "git")
    return { kind: "unsupported", reason: `the ${getter}:: getter is not fetched by Gantry` };
  const question = address.indexOf("?");
  const location = question === -1 ? address : address.slice(0, question);
  const query = new URLSearchParams(question === -1 ? "" : address.slice(question + 1));
  const ref = query.get("ref") ?? "";
  const url = getter === "git" ? location : shorthandGitUrl(location);
  if (url === undefined)
    return {
      kind: "unsupported",
      reason: `'${raw}' is not a local path or a git address (registry, S3, GCS and HTTP sources are not fetched by Gantry)`,
    };
  if (!/^(https?|ssh|git|file):\/\//.test(url) && !/^[\w.-]+@[\w.-]+:/.test(url))
    return { kind: "unsupported", reason: `'${url}' is not a git URL Gantry fetches (https, ssh, git, file)` };
  return { kind: "git", url, ref, subdir: normalizeSubdir(subdir) };
}

function localSource(raw: string, stackDir: string, hasRepoDir: (dir: string) => boolean): StackSource | undefined {
  const path = raw.startsWith("file://") ? raw.slice("file://".length) : raw;
  const explicit = raw.startsWith("file://") || raw.startsWith("/") || raw.startsWith("./") || raw.startsWith("../");
  // `//` inside a local path only separates a subdirectory, which a copy of the joined path gives as well.
  const absolute = path.startsWith("/")
    ? posix.normalize(path)
    : posix.normalize(posix.join(toVirtual(stackDir), path));
  const inRepo = fromVirtual(absolute);
  if (inRepo !== null) {
    if (hasRepoDir(inRepo)) return { kind: "repo", dir: inRepo };
    return explicit ? { kind: "repo", dir: inRepo } : undefined;
  }
  if (absolute === VIRTUAL_ROOT || absolute.startsWith(`${VIRTUAL_ROOT}/`)) return undefined;
  if (existsSync(absolute) && statSync(absolute).isDirectory()) return { kind: "disk", dir: absolute };
  return explicit ? { kind: "disk", dir: absolute } : undefined;
}

/** go-getter's `SourceDirSubdir`: `address//subdir?query` → [`address?query`, `subdir`]; `://` is not a separator. */
export function splitSubdir(source: string): [string, string] {
  const question = source.indexOf("?");
  const stop = question === -1 ? source.length : question;
  const scheme = source.slice(0, stop).indexOf("://");
  const offset = scheme === -1 ? 0 : scheme + 3;
  const at = source.slice(offset, stop).indexOf("//");
  if (at === -1) return [source, ""];
  const split = offset + at;
  let subdir = source.slice(split + 2);
  let address = source.slice(0, split);
  const query = subdir.indexOf("?");
  if (query !== -1) {
    address += subdir.slice(query);
    subdir = subdir.slice(0, query);
  }
  return [address, subdir];
}

/** go-getter's detectors for git hosts written without a scheme; undefined for anything else. */
function shorthandGitUrl(location: string): string | undefined {
  const host = /^(github\.com|gitlab\.com)\/([^/]+\/[^/]+?)(\.git)?\/?$/.exec(location);
  if (host) return `https://${host[1]}/${host[2]}.git`;
  if (/^[\w.-]+@[\w.-]+:/.test(location)) return location; // git@github.com:org/repo.git
  if (/^(ssh|git):\/\//.test(location)) return location;
  return undefined;
}

function normalizeSubdir(subdir: string): string {
  const normalized = posix.normalize(subdir === "" ? "." : subdir).replace(/^\/+|\/+$/g, "");
  return normalized === "." ? "" : normalized;
}

/** A stable text for a source (it is part of each generated unit's fingerprint). */
export function describeSource(source: StackSource): string {
  switch (source.kind) {
    case "repo":
      return `repo:${source.dir}`;
    case "disk":
      return `disk:${source.dir}`;
    case "git":
      return `git:${source.url}//${source.subdir}?ref=${source.ref}`;
    case "unsupported":
      return `unsupported:${source.reason}`;
  }
}
