/**
 * The few git reads the classifier needs (configuration from the head commit's tree). Argument arrays,
 * no shell, `-z` output so paths arrive byte-exact.
 */
import { execFile, spawn } from "node:child_process";
import { GantryError } from "@gantry/errors";

function git(repo: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      args,
      { cwd: repo, encoding: "utf8", maxBuffer: 64 * 1024 * 1024, env: { ...process.env, LC_ALL: "C", GIT_OPTIONAL_LOCKS: "0" } },
      (error, stdout, stderr) => {
        if (error) {
          reject(
            new GantryError("CONFIG_READ_FAILED", `git ${args[0]} failed in ${repo}: ${String(stderr).trim().split("\n")[0] || error.message}`, {
              hint: "pass --repo with a git repository and --head with a commit that exists in it",
              cause: error,
            }),
          );
        } else {
          resolve(stdout);
        }
      },
    );
  });
}

/** Files directly inside each of `directories` at `ref` (not recursive), repository-relative, in one git call. */
export async function listTreeFiles(repo: string, ref: string, directories: readonly string[]): Promise<string[]> {
  const output = await git(repo, ["ls-tree", "-z", "--full-tree", `${ref}^{commit}`, "--", ...directories.map((directory) => `${directory}/`)]);
  return output
    .split("\0")
    .filter((line) => line !== "")
    .flatMap((line) => {
      const [meta, path] = line.split("\t") as [string, string | undefined];
      return meta.split(" ")[1] === "blob" && path !== undefined ? [path] : [];
    });
}

/** The contents of `paths` at `ref`, read with one `git cat-file --batch` (one process, not one per file). */
export function readTreeFiles(repo: string, ref: string, paths: readonly string[]): Promise<Map<string, string>> {
  if (paths.length === 0) return Promise.resolve(new Map());
  return new Promise((resolve, reject) => {
    const child = spawn("git", ["cat-file", "--batch"], { cwd: repo, env: { ...process.env, LC_ALL: "C", GIT_OPTIONAL_LOCKS: "0" } });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) {
        reject(new GantryError("CONFIG_READ_FAILED", `git cat-file failed in ${repo} (exit ${code})`, { hint: "check that --repo is a git repository" }));
        return;
      }
      const output = Buffer.concat(chunks);
      const files = new Map<string, string>();
      let offset = 0;
      for (const path of paths) {
        const newline = output.indexOf(10, offset);
        const header = output.subarray(offset, newline).toString("utf8");
        offset = newline + 1;
        const size = /^[0-9a-f]+ blob (\d+)$/.exec(header)?.[1];
        if (size === undefined) continue; // "missing" (or not a blob): nothing to read
        files.set(path, output.subarray(offset, offset + Number(size)).toString("utf8"));
        offset += Number(size) + 1;
      }
      resolve(files);
    });
    child.stdin.end(paths.map((path) => `${ref}^{commit}:${path}\n`).join(""));
  });
}
