/**
 * The few git reads the classifier needs (configuration from the head commit's tree), through `@gantry/git`.
 * `-z` output so paths arrive byte-exact.
 */
import { GantryError } from "@gantry/errors";
import { git, readBlobs } from "@gantry/git";

const readFailed = (repo: string, cause: unknown) =>
  new GantryError("CONFIG_READ_FAILED", `${(cause as Error).message} (in ${repo})`, {
    hint: "pass --repo with a git repository and --head with a commit that exists in it",
    cause,
  });

/** Files directly inside each of `directories` at `ref` (not recursive), repository-relative, in one git call. */
export async function listTreeFiles(repo: string, ref: string, directories: readonly string[]): Promise<string[]> {
  const output = await git(repo, [
    "ls-tree",
    "-z",
    "--full-tree",
    `${ref}^{commit}`,
    "--",
    ...directories.map((directory) => `${directory}/`),
  ]).catch((error: unknown) => {
    throw readFailed(repo, error);
  });
  return output
    .split("\0")
    .filter((line) => line !== "")
    .flatMap((line) => {
      const [meta, path] = line.split("\t") as [string, string | undefined];
      return meta.split(" ")[1] === "blob" && path !== undefined ? [path] : [];
    });
}

/** The contents of `paths` at `ref`, read with one `git cat-file --batch` (one process, not one per file). */
export async function readTreeFiles(repo: string, ref: string, paths: readonly string[]): Promise<Map<string, string>> {
  const name = (path: string) => `${ref}^{commit}:${path}`;
  const contents = await readBlobs(repo, paths.map(name), { toError: (error) => readFailed(repo, error) });
  const files = new Map<string, string>();
  for (const path of paths) {
    const content = contents.get(name(path));
    if (content !== undefined) files.set(path, content);
  }
  return files;
}
