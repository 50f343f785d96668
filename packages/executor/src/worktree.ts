/**
 * A git worktree of its own for each job: the job's commit is checked out detached in a temp directory,
 * so the user's working tree is never touched. Removal is forced (`.terragrunt-cache` and friends are
 * untracked) and followed by `git worktree prune`. Live worktrees are also removed synchronously when
 * the process exits, as a last line of defence.
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { promisify } from "node:util";
import { GantryError } from "@gantry/errors";
import { killLiveProcessGroups } from "./process.js";

const execFileAsync = promisify(execFile);

export interface JobWorktree extends AsyncDisposable {
  readonly dir: string;
  remove(): Promise<void>;
}

const liveWorktrees = new Map<string, { repo: string; parent: string }>(); // worktree dir -> owner
let exitHookInstalled = false;

function removeSync(dir: string, repo: string, parent: string): void {
  try {
    execFileSync("git", ["worktree", "remove", "--force", dir], { cwd: repo, stdio: "ignore" });
  } catch {
    // The directory may be half-made; remove it and let prune forget it.
  }
  rmSync(parent, { recursive: true, force: true });
  try {
    execFileSync("git", ["worktree", "prune"], { cwd: repo, stdio: "ignore" });
  } catch {
    // Nothing more can be done at exit.
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    // Tools still running in a worktree would keep writing into it while it is removed.
    killLiveProcessGroups();
    for (const [dir, { repo, parent }] of liveWorktrees) removeSync(dir, repo, parent);
  });
}

export async function git(repo: string, args: string[]): Promise<string> {
  const { stdout } = await execFileAsync("git", args, { cwd: repo, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/**
 * Git is not safe for a `worktree add` running while another `worktree remove` or `prune` deletes an entry of
 * `.git/worktrees` ("failed to read .git/worktrees/X/commondir": parallel jobs of one `gantry run` failed so,
 * about one job in 50 at 200 units). This process runs them one at a time; another process's are retried.
 */
let worktreeChanges: Promise<unknown> = Promise.resolve();
function oneAtATime<T>(change: () => Promise<T>): Promise<T> {
  const next = worktreeChanges.then(change, change);
  worktreeChanges = next.catch(() => undefined);
  return next;
}

async function addWorktree(repo: string, dir: string, ref: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await oneAtATime(() => git(repo, ["worktree", "add", "--detach", "--quiet", dir, ref]));
      return;
    } catch (error) {
      if (attempt >= 3 || !/\.git\/worktrees\//.test((error as Error).message)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}

export async function createJobWorktree(repo: string, ref: string, label = "job"): Promise<JobWorktree> {
  installExitHook();
  const parent = mkdtempSync(join(tmpdir(), `gantry-${label.replace(/[^a-z0-9._-]/gi, "-").slice(0, 40)}-`));
  // The worktree's name in .git/worktrees comes from its basename: a unique one keeps parallel jobs apart.
  const dir = join(realpathSync(parent), basename(parent));
  liveWorktrees.set(dir, { repo, parent });
  try {
    await addWorktree(repo, dir, ref);
  } catch (error) {
    liveWorktrees.delete(dir);
    rmSync(parent, { recursive: true, force: true });
    throw new GantryError("EXEC_WORKTREE_FAILED", `could not check out ${ref} into a worktree: ${(error as Error).message.trim()}`, {
      hint: "check that the commit exists in the repository (`git cat-file -t REF`) and that `git worktree` works there",
      cause: error,
    });
  }
  let removed = false;
  const remove = async () => {
    if (removed) return;
    removed = true;
    await oneAtATime(async () => {
      try {
        await git(repo, ["worktree", "remove", "--force", dir]);
      } catch {
        // Fall through: delete the directory and prune the registration.
      }
      rmSync(parent, { recursive: true, force: true });
      await git(repo, ["worktree", "prune"]).catch(() => undefined);
    });
    liveWorktrees.delete(dir);
  };
  return { dir, remove, [Symbol.asyncDispose]: remove };
}

/** The repository's shared git directory (the same for every worktree), absolute. */
export async function gitCommonDir(repo: string): Promise<string> {
  try {
    return (await git(repo, ["rev-parse", "--path-format=absolute", "--git-common-dir"])).trim();
  } catch (error) {
    throw new GantryError("EXEC_NOT_A_REPOSITORY", `${repo} is not inside a git repository`, {
      hint: "pass --repo with the directory of your infrastructure-live checkout",
      location: { file: repo },
      cause: error,
    });
  }
}
