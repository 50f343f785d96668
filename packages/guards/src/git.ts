/**
 * The guards' git calls, all through `@gantry/git` (one hardened environment). Every call takes the check's
 * abort signal: an interrupted check kills its git processes at once.
 */
import { basicAuthConfig, git, readBlobs as readObjects, runGit } from "@gantry/git";

export { git, isAncestor, resolveCommit, runGit } from "@gantry/git";

export interface TreeEntry {
  mode: string;
  type: string;
  object: string;
  path: string;
}

function parseLsTree(output: string): TreeEntry[] {
  return output
    .split("\0")
    .filter(Boolean)
    .map((line) => {
      const tab = line.indexOf("\t");
      const [mode = "", type = "", object = ""] = line.slice(0, tab).split(" ");
      return { mode, type, object, path: line.slice(tab + 1) };
    });
}

/** Every blob and symlink in the whole tree of a commit. */
export async function listTree(repo: string, commit: string, signal?: AbortSignal): Promise<TreeEntry[]> {
  return parseLsTree(await git(repo, ["ls-tree", "-r", "-z", "--full-tree", commit], { signal }));
}

/** Several blobs at once (one `git cat-file --batch`), by object id. */
export function readBlobs(repo: string, objects: string[], signal?: AbortSignal): Promise<Map<string, string>> {
  return readObjects(repo, objects, { signal });
}

export async function hasRemote(repo: string, name: string, signal?: AbortSignal): Promise<boolean> {
  const result = await runGit(repo, ["remote"], { signal });
  return result.exitCode === 0 && result.stdout.split("\n").includes(name);
}

/**
 * The fetch's credentials, for this one git call: `GANTRY_CODE_READ_TOKEN` as the HTTP `Authorization` header
 * GitHub accepts (what actions/checkout writes to `.git/config`; here it is passed as the call's configuration,
 * so it is never on disk, in argv, or in any tool's environment).
 */
export function fetchCredentials(token: string | undefined): Record<string, string> {
  return token ? basicAuthConfig(token) : {};
}
