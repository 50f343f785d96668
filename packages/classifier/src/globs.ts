/**
 * Path globs (picomatch): `*` stays inside one path segment, `**` crosses `/`, dotfiles match (a
 * `.github/**` ignore must work). The root unit, `.`, is the repository root: matched as the empty path, so
 * `**` (every path) covers it, as does `.` itself. Matchers are compiled once per glob list.
 */
import picomatch from "picomatch";

export type PathMatcher = (path: string) => boolean;

export function compileGlobs(globs: readonly string[]): PathMatcher {
  if (globs.length === 0) return () => false;
  // Plain regular expressions: paths here are already clean, `/`-separated and repository-relative, so
  // picomatch's per-call normalisation is not needed (10,000 units × every environment are matched).
  const expressions = globs.map((glob) => picomatch.makeRe(glob, { dot: true }));
  return (path) => expressions.some((expression) => expression.test(path) || (path === "." && expression.test("")));
}
