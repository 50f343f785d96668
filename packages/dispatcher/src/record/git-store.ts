/**
 * The deployment record in a git ref, `refs/gantry/deployments/<deploy branch>`: each version is a commit whose
 * tree holds `record.json` and whose parent is the version it replaced, so `git log` of the ref is the
 * deployment history. Compare-and-swap is git's own:
 *
 * - in the repository's git directory (one machine): `git update-ref <ref> <new> <old>`, which locks the ref and
 *   checks its value;
 * - in a remote (the pipelines repository on GitHub, or any git URL): `git push --force-with-lease=<ref>:<old>`;
 *   the server's receive-pack compares the ref with `<old>` under its lock and refuses a stale one.
 *
 * The record's objects are written into `repo`'s object database (a few hundred bytes per version) and pushed
 * from there; they reference no commit of the repository as an object, so pushing them sends no code.
 */
import type { DeploymentRecord, StoredRecord } from "./document.js";
import { basicAuthConfig, git, runGit, type GitCall } from "@gantry/git";
import { parseRecord, recordDocument, type DeploymentRecordStore } from "./store.js";
import { parseDocument } from "@gantry/documents";
import { GantryError } from "@gantry/errors";

export interface GitRecordStoreOptions {
  /** A local git repository (the infrastructure-live checkout): git runs here and the objects are written here. */
  readonly repo: string;
  readonly deployBranch: string;
  /** A git URL or path holding the record; absent: the repository's own refs. */
  readonly remote?: string;
  /** For an https remote: sent as HTTP basic auth (`x-access-token`) through git's environment, never in a URL or argument. */
  readonly token?: string;
}

const recordFile = "record.json";

/** The record's commits are Gantry's: its identity, and no user configuration (signing, templates) applies. */
const RECORD_ENV = {
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_AUTHOR_NAME: "gantry",
  GIT_AUTHOR_EMAIL: "gantry@users.noreply.github.com",
  GIT_COMMITTER_NAME: "gantry",
  GIT_COMMITTER_EMAIL: "gantry@users.noreply.github.com",
};

export function recordRef(deployBranch: string): string {
  return `refs/gantry/deployments/${deployBranch}`;
}

/** Where a remote record is fetched to in the local repository (never a ref a user would push). */
function fetchedRef(deployBranch: string): string {
  return `refs/gantry/fetched-deployments/${deployBranch}`;
}

export function gitRecordStore(options: GitRecordStoreOptions): DeploymentRecordStore {
  const ref = recordRef(options.deployBranch);
  const { repo, remote } = options;
  const description = remote === undefined ? `${ref} in ${repo}` : `${ref} of ${redactUrl(remote)}`;
  const call: GitCall = { env: RECORD_ENV, ...(options.token ? { config: basicAuthConfig(options.token) } : {}) };
  const failed = (what: string, cause: unknown) =>
    new GantryError(
      "RECORD_STORE_FAILED",
      `could not ${what} the deployment record (${description}): ${(cause as Error).message ?? String(cause)}`,
      { hint: remote === undefined
        ? "check that the repository is a git repository you can write to"
        : "check the record remote's URL and that the token may read and push refs there (contents: write on the pipelines repository)", cause },
    );

  async function readVersion(): Promise<string | undefined> {
    if (remote === undefined) {
      // `--verify --quiet`: exit 1 for a missing ref; anything else (not a repository) is a failure.
      const output = await runGit(repo, ["rev-parse", "--verify", "--quiet", ref], { env: RECORD_ENV });
      if (output.exitCode === 0) return output.stdout.trim();
      if (output.exitCode === 1 && output.stderr.trim() === "") return undefined;
      throw new Error(output.stderr.trim() || `git rev-parse exit ${output.exitCode}`);
    }
    const listed = (await git(repo, ["ls-remote", "--refs", remote, ref], call)).trim();
    if (listed === "") return undefined;
    await git(repo, ["fetch", "--quiet", "--no-tags", "--no-write-fetch-head", remote, `+${ref}:${fetchedRef(options.deployBranch)}`], call);
    return (await git(repo, ["rev-parse", "--verify", fetchedRef(options.deployBranch)], { env: RECORD_ENV })).trim();
  }

  async function writeVersion(record: DeploymentRecord, parent: string | undefined, message: string): Promise<string> {
    const blob = (await git(repo, ["hash-object", "-w", "--stdin"], { env: RECORD_ENV, input: `${JSON.stringify(record, null, 2)}\n` })).trim();
    const tree = (await git(repo, ["mktree"], { env: RECORD_ENV, input: `100644 blob ${blob}\t${recordFile}\n` })).trim();
    return (await git(repo, ["commit-tree", tree, ...(parent ? ["-p", parent] : []), "-m", message], { env: RECORD_ENV })).trim();
  }

  return {
    description,
    async read(): Promise<StoredRecord | undefined> {
      let version: string | undefined;
      let text: string;
      try {
        version = await readVersion();
        if (version === undefined) return undefined;
        text = await git(repo, ["cat-file", "blob", `${version}:${recordFile}`], { env: RECORD_ENV });
      } catch (error) {
        throw failed("read", error);
      }
      return { record: parseDocument(text, recordDocument, description), version };
    },

    async compareAndSwap(expected, next, message) {
      let version: string;
      try {
        version = await writeVersion(parseRecord(next, "the record to write"), expected, message);
      } catch (error) {
        throw failed("write", error);
      }
      const swap =
        remote === undefined
          ? await runGit(repo, ["update-ref", "-m", message, ref, version, expected ?? ""], { env: RECORD_ENV })
          : await runGit(repo, ["push", "--porcelain", "--quiet", "--no-verify", `--force-with-lease=${ref}:${expected ?? ""}`, remote, `${version}:${ref}`], call);
      if (swap.exitCode === 0) return { swapped: true, version };
      // Refused: either another writer moved the ref (a lost race, not an error) or git failed.
      let current: string | undefined;
      try {
        current = await readVersion();
      } catch (error) {
        throw failed("write", error);
      }
      if (current !== expected) return { swapped: false };
      throw failed("write", new Error(swap.stderr.trim() || swap.stdout.trim() || `git exit ${swap.exitCode}`));
    },
  };
}

/** A URL without its userinfo, for messages. */
function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, "$1");
}
