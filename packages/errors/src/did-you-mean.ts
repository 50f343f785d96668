/**
 * "Did you mean" suggestions for a mistyped name (a command, a flag, a configuration key).
 *
 * Written here rather than taken from a package: the usual small ones (`leven`, `fastest-levenshtein`) count a
 * swap of two letters (`--fromat`) as two edits, and this package has no dependencies.
 */

/** Edits between two strings (insert, delete, replace, or swap two neighbours), case-insensitive. */
export function editDistance(left: string, right: string): number {
  const a = left.toLowerCase();
  const b = right.toLowerCase();
  // rows[i][j]: distance between a[0..i) and b[0..j); three rows are enough for the swap.
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, before[j - 2]! + 1);
      current.push(best);
    }
    before = previous;
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The candidates close enough to `input` to be what was meant, closest first: within a third of the
 * input's length in edits (at least one), or starting with it (an abbreviation of three letters or more).
 */
export function didYouMean(input: string, candidates: Iterable<string>): string[] {
  const limit = Math.max(1, Math.floor(input.length / 3));
  const scored: Array<{ candidate: string; distance: number }> = [];
  for (const candidate of new Set(candidates)) {
    if (candidate === input) continue;
    const distance = editDistance(input, candidate);
    const abbreviation = input.length >= 3 && candidate.toLowerCase().startsWith(input.toLowerCase());
    if (distance <= limit || abbreviation)
      scored.push({ candidate, distance: abbreviation ? Math.min(distance, limit) : distance });
  }
  return scored
    .sort((x, y) => x.distance - y.distance || x.candidate.localeCompare(y.candidate))
    .map(({ candidate }) => candidate);
}

/** `did you mean 'x'?` / `did you mean 'x' or 'y'?`, or undefined when nothing is close. */
export function formatDidYouMean(
  input: string,
  candidates: Iterable<string>,
  quote: (name: string) => string = (name) => `'${name}'`,
): string | undefined {
  const matches = didYouMean(input, candidates).slice(0, 3).map(quote);
  if (matches.length === 0) return undefined;
  const last = matches.pop()!;
  return `did you mean ${matches.length > 0 ? `${matches.join(", ")} or ${last}` : last}?`;
}
