/**
 * Real git repositories in temporary directories, for tests: build one from a map of files, commit,
 * branch, and get SHAs back. Disposable with `await using` (removed when the test's scope ends).
 */
import { execFileSync } from "node:child_process";
import {
  mkdtempSync,
  mkdirSync,
  rmSync,
  writeFileSync,
  symlinkSync,
  unlinkSync,
  existsSync,
  renameSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** File contents by repository-relative path; `null` deletes the path. A `{ symlink }` value makes a link. */
export type FileMap = Record<string, string | null | { symlink: string }>;

export interface TempGitRepo extends AsyncDisposable {
  readonly dir: string;
  git(...args: string[]): string;
  /** Writes (or deletes, with null) the files, then commits everything; returns the new commit SHA. */
  commit(files: FileMap, message?: string): string;
  /** Writes files without committing. */
  write(files: FileMap): void;
  rename(from: string, to: string): void;
  checkout(ref: string, options?: { create?: boolean }): void;
  sha(ref?: string): string;
  remove(): void;
}

const gitEnv = {
  GIT_AUTHOR_NAME: "Gantry Test",
  GIT_AUTHOR_EMAIL: "test@gantry.invalid",
  GIT_COMMITTER_NAME: "Gantry Test",
  GIT_COMMITTER_EMAIL: "test@gantry.invalid",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
};

export function runGit(dir: string, args: string[]): string {
  return execFileSync("git", args, {
    cwd: dir,
    env: { ...process.env, ...gitEnv },
    encoding: "utf8",
    maxBuffer: 1024 * 1024 * 1024,
    stdio: ["ignore", "pipe", "pipe"],
  });
}

export function createTempGitRepo(
  files: FileMap = {},
  options: { prefix?: string; branch?: string } = {},
): TempGitRepo {
  const dir = mkdtempSync(join(tmpdir(), options.prefix ?? "gantry-test-"));
  const git = (...args: string[]) => runGit(dir, args).trimEnd();
  git("init", "-q", "-b", options.branch ?? "main");
  git("config", "commit.gpgsign", "false");
  git("config", "core.quotepath", "false");

  const write = (map: FileMap) => {
    for (const [path, content] of Object.entries(map)) {
      const full = join(dir, path);
      if (content === null) {
        if (existsSync(full)) rmSync(full, { recursive: true, force: true });
        continue;
      }
      mkdirSync(dirname(full), { recursive: true });
      if (typeof content === "string") {
        writeFileSync(full, content);
      } else {
        if (existsSync(full)) unlinkSync(full);
        symlinkSync(content.symlink, full);
      }
    }
  };

  const repo: TempGitRepo = {
    dir,
    git,
    write,
    commit(map, message = "change") {
      write(map);
      git("add", "-A");
      git("commit", "-q", "--allow-empty", "-m", message);
      return git("rev-parse", "HEAD");
    },
    rename(from, to) {
      mkdirSync(dirname(join(dir, to)), { recursive: true });
      renameSync(join(dir, from), join(dir, to));
    },
    checkout(ref, { create = false } = {}) {
      git("checkout", "-q", ...(create ? ["-b"] : []), ref);
    },
    sha(ref = "HEAD") {
      return git("rev-parse", `${ref}^{commit}`);
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
    async [Symbol.asyncDispose]() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
  if (Object.keys(files).length > 0) repo.commit(files, "initial");
  return repo;
}
