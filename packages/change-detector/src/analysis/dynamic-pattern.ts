/**
 * Widening of unresolvable paths. An unknown value may still carry the known parts of a template
 * (`fragments`, with `null` for each unknown hole); the path is widened to a pattern where each hole is `**`.
 * In these patterns `**` matches ANY run of characters, `/` included (conservative: a hole may hold several
 * directories). Nothing known at all gives `**`, which matches every path.
 */
import { posix } from "node:path";
import { VIRTUAL_ROOT, toVirtual } from "../paths.js";

export function widenFragments(
  fragments: ReadonlyArray<string | null> | undefined,
  baseDir: string,
  asDirectory: boolean,
): string {
  if (!fragments || fragments.length === 0 || fragments.every((f) => f === null || f === "")) return "**";
  const parts: string[] = [];
  let first = true;
  for (const fragment of fragments) {
    if (fragment === null) {
      if (parts[parts.length - 1] !== "**") parts.push("**");
    } else if (fragment !== "") {
      if (first) {
        const prefix = anchorPrefix(fragment, baseDir);
        if (prefix === null) return "**";
        parts.push(prefix);
      } else {
        // `..` after a hole could climb anywhere: give up on precision.
        if (fragment.split("/").includes("..")) return "**";
        parts.push(fragment);
      }
    }
    first = false;
  }
  let pattern = parts.join("");
  if (asDirectory && !pattern.endsWith("**")) pattern = `${pattern.replace(/\/+$/, "")}/**`;
  return pattern === "" ? "**" : pattern;
}

/** Turns the known leading text of a path into a repository-relative prefix (keeping a trailing `/`). */
function anchorPrefix(fragment: string, baseDir: string): string | null {
  const absolute = fragment.startsWith("/") ? fragment : `${toVirtual(baseDir)}/${fragment}`;
  const trailingSlash = absolute.endsWith("/");
  // Only the part up to the last `/` is a complete path; the rest is the start of a name.
  const slash = absolute.lastIndexOf("/");
  const dirPart = posix.normalize(absolute.slice(0, slash + 1));
  const namePart = absolute.slice(slash + 1);
  if (dirPart !== `${VIRTUAL_ROOT}/` && !dirPart.startsWith(`${VIRTUAL_ROOT}/`)) return null;
  const relative = dirPart.slice(VIRTUAL_ROOT.length + 1);
  return `${relative}${namePart}${trailingSlash && namePart !== "" ? "/" : ""}`;
}

/** Compiles a widened pattern: literal text, with `**` matching anything. */
export function compileDynamicPattern(pattern: string): RegExp {
  const source = pattern
    .split("**")
    .map((literal) => literal.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${source}$`);
}
