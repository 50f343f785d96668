/**
 * The git layer: everything detection knows about the repository comes from git objects (commits, trees,
 * blobs), never from the working tree. git runs through `@gantry/git` (one hardened environment, argument
 * arrays, no shell), with `-z` output so paths with spaces, quotes or non-ASCII characters arrive byte-exact.
 */
import { existsSync, statSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { lowerBound } from "./paths.js";
import { GantryError } from "@gantry/errors";
import { BlobReader, GitError, runGit, type GitOutput } from "@gantry/git";

export type { BlobReader };

/** git's output as the detector reads it: bytes (paths arrive byte-exact); a non-zero exit is returned, not thrown. */
export async function runGitRaw(cwd: string, args: string[]): Promise<GitOutput<Buffer>> {
  try {
    return await runGit(cwd, args, { encoding: "buffer" });
  } catch (error) {
    throw gitFailed(error);
  }
}

/** git could not run at all (not installed, not on PATH). */
function gitFailed(error: unknown): GantryError {
  const notInstalled = error instanceof GitError && error.notInstalled;
  return new GantryError(
    "DETECT_GIT_FAILED",
    notInstalled ? "git is not installed or not on PATH" : (error as Error).message,
    {
      hint: notInstalled
        ? "install git (2.30 or newer) and make sure `git --version` works"
        : "check that the repository is not corrupt (`git fsck`) and that the commits are present",
      cause: error,
    },
  );
}

/** An opened repository: a directory inside it (git runs there) and its git common dir (where the cache lives). */
export class GitRepository {
  private constructor(
    readonly dir: string,
    readonly commonDir: string,
    readonly shallow: boolean,
  ) {}

  static async open(dir: string): Promise<GitRepository> {
    const absolute = resolve(dir);
    if (!existsSync(absolute) || !statSync(absolute).isDirectory()) {
      throw new GantryError("DETECT_NOT_A_REPO", `${absolute} does not exist or is not a directory`, {
        hint: "pass --repo with the path of a git repository (a clone of your infrastructure repository)",
        location: { file: absolute },
      });
    }
    // Works in a work tree, any of its subdirectories, and bare repositories (nothing here needs files on disk).
    const result = await runGitRaw(absolute, ["rev-parse", "--git-common-dir", "--is-shallow-repository"]);
    if (result.exitCode !== 0) {
      throw new GantryError(
        "DETECT_NOT_A_REPO",
        `${absolute} is not inside a git repository (${firstLine(result.stderr)})`,
        {
          hint: "run gantry detect in a clone of your infrastructure repository, or pass --repo DIR",
          location: { file: absolute },
        },
      );
    }
    const [commonDir = ".git", shallow = "false"] = result.stdout.toString("utf8").trimEnd().split("\n");
    return GitRepository.fromRevParse(absolute, commonDir, shallow);
  }

  /** From the lines `rev-parse --git-common-dir --is-shallow-repository` printed in `absolute`. */
  private static fromRevParse(absolute: string, commonDir: string, shallow: string): GitRepository {
    return new GitRepository(
      absolute,
      isAbsolute(commonDir) ? commonDir : resolve(absolute, commonDir),
      shallow === "true",
    );
  }

  /**
   * Opens the repository and resolves refs to commit SHAs with ONE `git rev-parse` (detection used to
   * start three processes in a row, a few ms each, before any real work). When anything is wrong (not a
   * repository, an unknown ref, a shallow clone) the step-by-step path runs instead, for its precise errors.
   */
  static async openAndResolve<const Refs extends ReadonlyArray<{ ref: string; role: "base" | "head" }>>(
    dir: string,
    refs: Refs,
  ): Promise<{ repo: GitRepository; commits: { [K in keyof Refs]: string } }> {
    type Commits = { [K in keyof Refs]: string };
    const absolute = resolve(dir);
    const plain =
      existsSync(absolute) && statSync(absolute).isDirectory() && refs.every(({ ref }) => !ref.startsWith("-"));
    if (plain) {
      // No --end-of-options (rev-parse would echo it without --verify): refs starting with "-" took the slow path.
      const args = [
        "rev-parse",
        "--git-common-dir",
        "--is-shallow-repository",
        ...refs.map(({ ref }) => `${ref}^{commit}`),
      ];
      const result = await runGitRaw(absolute, args);
      const lines = result.stdout.toString("utf8").trimEnd().split("\n");
      if (
        result.exitCode === 0 &&
        lines.length === refs.length + 2 &&
        lines.slice(2).every((line) => /^[0-9a-f]{40,64}$/.test(line))
      ) {
        const [commonDir = ".git", shallow = "false", ...commits] = lines;
        return {
          repo: GitRepository.fromRevParse(absolute, commonDir, shallow),
          commits: commits as unknown as Commits,
        };
      }
    }
    const repo = await GitRepository.open(absolute);
    const commits = await Promise.all(refs.map(({ ref, role }) => repo.resolveCommit(ref, role)));
    return { repo, commits: commits as unknown as Commits };
  }

  async run(args: string[]): Promise<Buffer> {
    const result = await runGitRaw(this.dir, args);
    if (result.exitCode !== 0) {
      throw new GantryError("DETECT_GIT_FAILED", `git ${args.join(" ")} failed: ${firstLine(result.stderr)}`, {
        hint: "check that the repository is not corrupt (`git fsck`) and that the commits are present",
      });
    }
    return result.stdout;
  }

  /** Resolves a ref (branch, tag, SHA, `HEAD~2`...) to a commit SHA, with a precise error when it cannot. */
  async resolveCommit(ref: string, role: "base" | "head"): Promise<string> {
    if (ref.startsWith("-")) {
      throw new GantryError("DETECT_UNKNOWN_REF", `--${role} '${ref}' is not a git ref`, {
        hint: "pass a branch, tag or commit SHA",
      });
    }
    const result = await runGitRaw(this.dir, [
      "rev-parse",
      "--verify",
      "--quiet",
      "--end-of-options",
      `${ref}^{commit}`,
    ]);
    if (result.exitCode === 0) return result.stdout.toString("utf8").trim();
    if (this.shallow) {
      throw new GantryError(
        "DETECT_SHALLOW_CLONE",
        `the ${role} commit '${ref}' is not in this shallow clone (its history was truncated)`,
        {
          hint: "fetch the full history first: `git fetch --unshallow` (in GitHub Actions: actions/checkout with `fetch-depth: 0`)",
        },
      );
    }
    throw new GantryError(
      "DETECT_UNKNOWN_REF",
      `unknown ${role} ref '${ref}': no such branch, tag or commit in ${this.dir}`,
      {
        hint: `check the spelling, or fetch it first (\`git fetch origin ${ref}\`); \`git log --oneline -5 ${ref}\` must work`,
      },
    );
  }

  async mergeBase(base: string, head: string): Promise<string> {
    const result = await runGitRaw(this.dir, ["merge-base", base, head]);
    if (result.exitCode === 0) return result.stdout.toString("utf8").trim();
    if (this.shallow) {
      throw new GantryError(
        "DETECT_SHALLOW_CLONE",
        `no merge-base of ${base.slice(0, 12)} and ${head.slice(0, 12)} in this shallow clone`,
        {
          hint: "fetch the full history first: `git fetch --unshallow` (in GitHub Actions: actions/checkout with `fetch-depth: 0`)",
        },
      );
    }
    throw new GantryError(
      "DETECT_NO_MERGE_BASE",
      `${base.slice(0, 12)} and ${head.slice(0, 12)} have no common ancestor`,
      {
        hint: "for unrelated histories use --event push to compare the two trees directly",
      },
    );
  }

  /**
   * Changed paths between two commits, with renames (`-M`) and type changes. With `fromMergeBase`, from
   * their merge-base (git computes it: no `merge-base` process to wait for first); git refuses when there
   * are several merge-bases.
   */
  async diffTree(base: string, head: string, options: { fromMergeBase?: boolean } = {}): Promise<DiffEntry[]> {
    const args = ["diff-tree", "-r", "-z", "-M", "--no-commit-id", "--no-abbrev", "--raw"];
    if (options.fromMergeBase) args.push("--merge-base");
    const out = await this.run([...args, base, head]);
    return parseRawDiff(out);
  }

  /** Every file of a commit's tree (`--full-tree`: independent of the current directory). */
  async listTree(commit: string): Promise<Tree> {
    const out = await this.run(["ls-tree", "-r", "-z", "-l", "--full-tree", commit]);
    return parseLsTree(out);
  }

  openBlobReader(): BlobReader {
    return new BlobReader(this.dir, { toError: gitFailed });
  }
}

function firstLine(text: string): string {
  return text.split("\n")[0] ?? "";
}

export interface DiffEntry {
  status: "A" | "M" | "D" | "R" | "T" | "C";
  oldPath: string;
  newPath: string;
  oldMode: string;
  newMode: string;
  oldBlob: string;
  newBlob: string;
}

/** Parses `git diff-tree --raw -z`: `:oldmode newmode oldsha newsha status\0path\0[path2\0]`. */
export function parseRawDiff(out: Buffer): DiffEntry[] {
  const fields = out.toString("utf8").split("\0");
  const entries: DiffEntry[] = [];
  let i = 0;
  while (i < fields.length) {
    const meta = fields[i++];
    if (!meta || !meta.startsWith(":")) continue;
    const [oldMode = "", newMode = "", oldBlob = "", newBlob = "", statusField = ""] = meta.slice(1).split(" ");
    const status = statusField.charAt(0) as DiffEntry["status"];
    const first = fields[i++] ?? "";
    if (status === "R" || status === "C") {
      const second = fields[i++] ?? "";
      entries.push({ status, oldPath: first, newPath: second, oldMode, newMode, oldBlob, newBlob });
    } else {
      entries.push({ status, oldPath: first, newPath: first, oldMode, newMode, oldBlob, newBlob });
    }
  }
  return entries;
}

export interface TreeEntry {
  mode: string;
  blob: string;
  /** Size in bytes (from `ls-tree -l`), so prefetching can skip large files. */
  size: number;
}

/** A commit's files: path → mode and blob id, plus the sorted path list for prefix and glob queries. */
export class Tree {
  private sortedCache: string[] | undefined;
  /** Paths of symlinks (mode 120000); usually empty, which lets path resolution skip prefix checks. */
  readonly symlinks = new Set<string>();
  constructor(readonly entries: Map<string, TreeEntry>) {
    for (const [path, entry] of entries) if (entry.mode === "120000") this.symlinks.add(path);
  }

  get(path: string): TreeEntry | undefined {
    return this.entries.get(path);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Paths sorted by UTF-16 order; directory queries use binary search on it. */
  sortedPaths(): string[] {
    this.sortedCache ??= [...this.entries.keys()].sort();
    return this.sortedCache;
  }

  /** Every file under `dir/` (recursive); `""` is the whole tree. */
  filesUnder(dir: string): string[] {
    const paths = this.sortedPaths();
    if (dir === "") return paths;
    const prefix = `${dir}/`;
    const result: string[] = [];
    for (let k = lowerBound(paths, prefix); k < paths.length; k++) {
      const path = paths[k] as string;
      if (!path.startsWith(prefix)) break;
      result.push(path);
    }
    return result;
  }

  /** Files directly in `dir` (not recursive). */
  filesIn(dir: string): string[] {
    const depth = dir === "" ? 0 : dir.length + 1;
    return this.filesUnder(dir).filter((path) => path.indexOf("/", depth) === -1);
  }

  /** True when `dir` holds at least one file (git has no empty directories). */
  hasDirectory(dir: string): boolean {
    return dir === "" || this.filesUnder(dir).length > 0;
  }
}

/** Parses `git ls-tree -r -z -l`: `mode SP type SP sha SP+ size TAB path \0`. Submodules are skipped. */
export function parseLsTree(out: Buffer): Tree {
  const entries = new Map<string, TreeEntry>();
  const text = out.toString("utf8");
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("\0", start);
    if (end === -1) end = text.length;
    const tab = text.indexOf("\t", start);
    if (tab !== -1 && tab < end) {
      const mode = text.slice(start, start + 6);
      const typeEnd = text.indexOf(" ", start + 7);
      const type = text.slice(start + 7, typeEnd);
      if (type === "blob") {
        const shaEnd = text.indexOf(" ", typeEnd + 1);
        const hasSize = shaEnd !== -1 && shaEnd < tab;
        entries.set(text.slice(tab + 1, end), {
          mode,
          blob: text.slice(typeEnd + 1, hasSize ? shaEnd : tab),
          size: hasSize ? Number(text.slice(shaEnd + 1, tab).trim()) : 0,
        });
      }
    }
    start = end + 1;
  }
  return new Tree(entries);
}
