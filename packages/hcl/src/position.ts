/** Line-start offsets of the most recently used source: reports often ask for many positions in one file. */
let cachedSource: string | undefined;
let cachedLineStarts: number[] = [];

function lineStarts(source: string): number[] {
  if (source === cachedSource) return cachedLineStarts;
  const starts = [0];
  for (let i = source.indexOf("\n"); i !== -1; i = source.indexOf("\n", i + 1)) starts.push(i + 1);
  cachedSource = source;
  cachedLineStarts = starts;
  return starts;
}

/**
 * 1-based line and column of a UTF-16 offset. Computed on demand (errors, reports) so the parser's hot
 * path only stores offsets. Columns count UTF-16 code units, as editors such as VS Code do.
 */
export function positionAt(source: string, offset: number): { line: number; column: number } {
  const at = Math.max(0, Math.min(offset, source.length));
  const starts = lineStarts(source);
  // Last line start <= at (binary search).
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= at) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: at - starts[lo]! + 1 };
}
