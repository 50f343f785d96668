/**
 * A git worktree of its own for each job: the job's commit is checked out detached in a temp directory,
 * so the user's working tree is never touched. Removal is forced (`.terragrunt-cache` and friends are
 * untracked) and followed by `git worktree prune`. Live worktrees are also removed synchronously when
 * the process exits, as a last line of defence.
 */
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { GantryError } from "@gantry/errors";
import { checkoutConfig, git, GitError, runGitSync } from "@gantry/git";
import { killLiveProcessGroups } from "./process.js";

export interface JobWorktree extends AsyncDisposable {
  readonly dir: string;
  remove(): Promise<void>;
}

const liveWorktrees = new Map<string, { repo: string; parent: string }>(); // worktree dir -> owner
let exitHookInstalled = false;

function removeSync(dir: string, repo: string, parent: string): void {
  // The directory may be half-made: remove it anyway, and let prune forget it.
  runGitSync(repo, ["worktree", "remove", "--force", dir]);
  rmSync(parent, { recursive: true, force: true });
  runGitSync(repo, ["worktree", "prune"]);
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

/** The checkout runs none of the filter drivers the repository's own configuration defines (see `checkoutConfig`). */
async function addWorktree(repo: string, dir: string, ref: string): Promise<void> {
  const config = await checkoutConfig(repo);
  for (let attempt = 1; ; attempt++) {
    try {
      await oneAtATime(() => git(repo, ["worktree", "add", "--detach", "--quiet", dir, ref], { config }));
      return;
    } catch (error) {
      const text = error instanceof GitError ? error.stderr : (error as Error).message;
      if (attempt >= 3 || !/\.git\/worktrees\//.test(text)) throw error;
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
    throw new GantryError(
      "EXEC_WORKTREE_FAILED",
      `could not check out ${ref} into a worktree: ${(error as Error).message.trim()}`,
      {
        hint: "check that the commit exists in the repository (`git cat-file -t REF`) and that `git worktree` works there",
        cause: error,
      },
    );
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
