/**
 * Synchronous access to one commit's files for the evaluator. Blob contents are loaded in batches by the
 * caller (one `git cat-file --batch` round trip per round); a content that is not loaded yet is reported as
 * pending and its blob id collected, and the unit is evaluated again once the round has fetched it.
 */
import type { Tree, TreeEntry } from "../git.js";
import { dirOf, joinRepo, resolveRepoPath } from "../paths.js";

export const SYMLINK_MODE = "120000";

export type ResolvedPath =
  | { kind: "ok"; path: string; entry: TreeEntry | undefined; links: Array<{ path: string; blob: string }> }
  | { kind: "escapes"; link: string; target: string; links: Array<{ path: string; blob: string }> }
  | { kind: "pending"; links: Array<{ path: string; blob: string }> };

export class Snapshot {
  /** Blob id → text; shared by every unit of the run. */
  readonly contents = new Map<string, string>();

  constructor(
    readonly tree: Tree,
    readonly label: "head" | "base",
  ) {}

  text(blob: string): string | undefined {
    return this.contents.get(blob);
  }

  /**
   * Follows symlinks on every segment of a path (git stores them as mode 120000 blobs holding the target).
   * A link whose target leaves the repository is reported, never followed.
   */
  resolve(path: string, misses: Set<string>): ResolvedPath {
    const links: Array<{ path: string; blob: string }> = [];
    let current = path;
    for (let hops = 0; hops < 40; hops++) {
      const direct = this.tree.get(current);
      if (direct && direct.mode !== SYMLINK_MODE) return { kind: "ok", path: current, entry: direct, links };
      if (this.tree.symlinks.size === 0) return { kind: "ok", path: current, entry: undefined, links };
      // Find the first segment that is a symlink (the full path itself included).
      const segments = current.split("/");
      let linkPath: string | undefined;
      let linkEntry: TreeEntry | undefined;
      let prefix = "";
      for (let i = 0; i < segments.length; i++) {
        prefix = joinRepo(prefix, segments[i] as string);
        const entry =
          i === segments.length - 1 ? direct : this.tree.symlinks.has(prefix) ? this.tree.get(prefix) : undefined;
        if (entry?.mode === SYMLINK_MODE) {
          linkPath = prefix;
          linkEntry = entry;
          break;
        }
      }
      if (!linkPath || !linkEntry) return { kind: "ok", path: current, entry: undefined, links };
      links.push({ path: linkPath, blob: linkEntry.blob });
      const target = this.contents.get(linkEntry.blob);
      if (target === undefined) {
        misses.add(linkEntry.blob);
        return { kind: "pending", links };
      }
      const rest = current.slice(linkPath.length + 1);
      const resolvedLink = resolveRepoPath(dirOf(linkPath), target);
      if (resolvedLink === null) return { kind: "escapes", link: linkPath, target, links };
      current = rest === "" ? resolvedLink : joinRepo(resolvedLink, rest);
    }
    return { kind: "escapes", link: path, target: "(symlink loop)", links };
  }
}
