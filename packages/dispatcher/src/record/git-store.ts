/**
 * The deployment record in a git ref: each version is a commit whose tree holds `record.json` and whose parent
 * is the version it replaced, so `git log` of the ref is the deployment history. In the repository's own git
 * directory the ref is `refs/gantry/deployments/<deploy branch>`; in a remote, which several
 * infrastructure-live repositories may share (one pipelines repository for many), it is keyed by the live
 * repository too: `refs/gantry/repositories/<owner>/<name>/deployments/<deploy branch>` (`recordRef`). A
 * remote's record under the old, unkeyed name is read once and continued under the keyed one (its history kept
 * as the parent), but only when its commit is in this repository: under the old name two live repositories
 * overwrote each other's record. Compare-and-swap is git's own:
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
  /**
   * `owner/name` of the infrastructure-live repository whose record this is: keys the ref in a remote (required
   * with `remote`, see `liveRepositoryOfOrigin`); unused in the repository's own git directory.
   */
  readonly liveRepository?: string;
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

/**
 * The record's ref: `refs/gantry/deployments/<deploy branch>`, or, keyed by the live repository (`owner/name`,
 * case-insensitive as on GitHub), `refs/gantry/repositories/<owner>/<name>/deployments/<deploy branch>`.
 */
export function recordRef(deployBranch: string, liveRepository?: string): string {
  if (liveRepository === undefined) return `refs/gantry/deployments/${deployBranch}`;
  const [owner, name] = checkedLiveRepository(liveRepository);
  // A ref component may not start with "." nor end with ".lock" (repository names such as `.github` may).
  const component = (part: string) => part.toLowerCase().replaceAll(".", "%2e");
  return `refs/gantry/repositories/${component(owner)}/${component(name)}/deployments/${deployBranch}`;
}

const liveRepositoryPattern = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/;

function checkedLiveRepository(liveRepository: string): [string, string] {
  const match = liveRepositoryPattern.exec(liveRepository);
  if (!match || match[1] === "." || match[1] === ".." || match[2] === "." || match[2] === "..") {
    throw new GantryError(
      "RECORD_LIVE_REPOSITORY_UNKNOWN",
      `'${liveRepository}' is not an infrastructure-live repository name (OWNER/NAME)`,
      { hint: "pass --repository OWNER/NAME" },
    );
  }
  return [match[1]!, match[2]!];
}

/**
 * `owner/name` of the repository `repo`'s `origin` remote points at (the last two segments of its URL or path,
 * without `.git`), or undefined without an origin. In the pipelines repository's apply workflow the origin is
 * the infrastructure-live repository the workflow checked out: set by the workflow, not by the checked-out code.
 */
export async function liveRepositoryOfOrigin(repo: string): Promise<string | undefined> {
  const output = await runGit(repo, ["config", "--get", "remote.origin.url"], { env: RECORD_ENV });
  if (output.exitCode !== 0) return undefined;
  const path = output.stdout
    .trim()
    .replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, "")
    .replace(/^[^/:]*@[^/:]*:/, "")
    .replace(/\/+$/, "")
    .replace(/\.git$/, "");
  const [owner, name] = path.split(/[/:]/).filter(Boolean).slice(-2);
  const candidate = `${owner ?? ""}/${name ?? ""}`;
  return liveRepositoryPattern.test(candidate) ? candidate : undefined;
}

/** Where a remote record is fetched to in the local repository (never a ref a user would push). */
function fetchedRef(ref: string): string {
  return ref.replace(/^refs\/gantry\//, "refs/gantry/fetched/");
}

export function gitRecordStore(options: GitRecordStoreOptions): DeploymentRecordStore {
  const { repo, remote } = options;
  if (remote !== undefined && options.liveRepository === undefined) {
    throw new GantryError(
      "RECORD_LIVE_REPOSITORY_UNKNOWN",
      `a deployment record in a remote (${redactUrl(remote)}) is kept per infrastructure-live repository, and this one's name is unknown`,
      {
        hint: "pass --repository OWNER/NAME, or check out infrastructure-live with an origin remote (actions/checkout sets it)",
      },
    );
  }
  const ref = recordRef(options.deployBranch, remote === undefined ? undefined : options.liveRepository);
  // The name every live repository sharing a remote wrote before the ref was keyed: read once, never written.
  const legacyRef = remote === undefined ? undefined : recordRef(options.deployBranch);
  /** Versions read under `legacyRef`: a compare-and-swap from one of them creates `ref` with it as the parent. */
  const legacyVersions = new Set<string>();
  const description = remote === undefined ? `${ref} in ${repo}` : `${ref} of ${redactUrl(remote)}`;
  const call: GitCall = { env: RECORD_ENV, ...(options.token ? { config: basicAuthConfig(options.token) } : {}) };
  const failed = (what: string, cause: unknown) =>
    new GantryError(
      "RECORD_STORE_FAILED",
      `could not ${what} the deployment record (${description}): ${(cause as Error).message ?? String(cause)}`,
      {
        hint:
          remote === undefined
            ? "check that the repository is a git repository you can write to"
            : "check the record remote's URL and that the token may read and push refs there (contents: write on the pipelines repository)",
        cause,
      },
    );

  async function readVersion(name = ref): Promise<string | undefined> {
    if (remote === undefined) {
      // `--verify --quiet`: exit 1 for a missing ref; anything else (not a repository) is a failure.
      const output = await runGit(repo, ["rev-parse", "--verify", "--quiet", name], { env: RECORD_ENV });
      if (output.exitCode === 0) return output.stdout.trim();
      if (output.exitCode === 1 && output.stderr.trim() === "") return undefined;
      throw new Error(output.stderr.trim() || `git rev-parse exit ${output.exitCode}`);
    }
    const listed = (await git(repo, ["ls-remote", "--refs", remote, name], call)).trim();
    if (listed === "") return undefined;
    await git(
      repo,
      ["fetch", "--quiet", "--no-tags", "--no-write-fetch-head", remote, `+${name}:${fetchedRef(name)}`],
      call,
    );
    return (await git(repo, ["rev-parse", "--verify", fetchedRef(name)], { env: RECORD_ENV })).trim();
  }

  function readText(version: string): Promise<string> {
    return git(repo, ["cat-file", "blob", `${version}:${recordFile}`], { env: RECORD_ENV });
  }

  /** The record under the old name, when it is this repository's (its commit is one of this repository's). */
  async function readLegacy(): Promise<StoredRecord | undefined> {
    if (legacyRef === undefined) return undefined;
    const version = await readVersion(legacyRef);
    if (version === undefined) return undefined;
    const text = await readText(version);
    const commit = recordedCommit(text);
    if (commit === undefined) return undefined;
    if ((await runGit(repo, ["cat-file", "-e", `${commit}^{commit}`], { env: RECORD_ENV })).exitCode !== 0)
      return undefined;
    legacyVersions.add(version);
    return { record: parseDocument(text, recordDocument, `${legacyRef} of ${redactUrl(remote!)}`), version };
  }

  async function writeVersion(record: DeploymentRecord, parent: string | undefined, message: string): Promise<string> {
    const blob = (
      await git(repo, ["hash-object", "-w", "--stdin"], {
        env: RECORD_ENV,
        input: `${JSON.stringify(record, null, 2)}\n`,
      })
    ).trim();
    const tree = (
      await git(repo, ["mktree"], { env: RECORD_ENV, input: `100644 blob ${blob}\t${recordFile}\n` })
    ).trim();
    return (
      await git(repo, ["commit-tree", tree, ...(parent ? ["-p", parent] : []), "-m", message], { env: RECORD_ENV })
    ).trim();
  }

  return {
    description,
    async read(): Promise<StoredRecord | undefined> {
      let version: string | undefined;
      let text: string;
      try {
        version = await readVersion();
        if (version === undefined) return await readLegacy();
        text = await readText(version);
      } catch (error) {
        if (GantryError.isInstance(error)) throw error;
        throw failed("read", error);
      }
      return { record: parseDocument(text, recordDocument, description), version };
    },

    async compareAndSwap(expected, next, message) {
      let version: string;
      try {
        // "Only if there is no record": a record under the old name is one.
        if (expected === undefined && (await readLegacy()) !== undefined) return { swapped: false };
        version = await writeVersion(parseRecord(next, "the record to write"), expected, message);
      } catch (error) {
        if (GantryError.isInstance(error)) throw error;
        throw failed("write", error);
      }
      // A version read under the old name: the keyed ref must not exist yet (its history continues from it).
      const old = expected !== undefined && legacyVersions.has(expected) ? "" : (expected ?? "");
      const swap =
        remote === undefined
          ? await runGit(repo, ["update-ref", "-m", message, ref, version, old], { env: RECORD_ENV })
          : await runGit(
              repo,
              [
                "push",
                "--porcelain",
                "--quiet",
                "--no-verify",
                `--force-with-lease=${ref}:${old}`,
                remote,
                `${version}:${ref}`,
              ],
              call,
            );
      if (swap.exitCode === 0) return { swapped: true, version };
      // Refused: either another writer moved the ref (a lost race, not an error) or git failed.
      let current: string | undefined;
      try {
        current = await readVersion();
      } catch (error) {
        throw failed("write", error);
      }
      if (current !== (old === "" ? undefined : old)) return { swapped: false };
      throw failed("write", new Error(swap.stderr.trim() || swap.stdout.trim() || `git exit ${swap.exitCode}`));
    },
  };
}

/** The `commit` a stored record names, read without validating the rest (a legacy record may be another repository's). */
function recordedCommit(text: string): string | undefined {
  try {
    const commit = (JSON.parse(text) as { commit?: unknown } | null)?.commit;
    return typeof commit === "string" && /^[0-9a-f]{40}$/.test(commit) ? commit : undefined;
  } catch {
    return undefined;
  }
}

/** A URL without its userinfo, for messages. */
function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, "$1");
}
