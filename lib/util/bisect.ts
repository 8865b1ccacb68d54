// Binary search: the one implementation behind every sorted-array lookup in lib/ (code ranges,
// ELF symbols, mappings, line tables, line starts, token alignment).

/**
 * The first index in [lo, hi) for which `before(i)` is false, where `before` is true for a
 * prefix of the range and false after it; hi if it is true everywhere. "The last element
 * at or below x" is `bisect(n, (i) => a[i] <= x) - 1`.
 */
export function bisect(hi: number, before: (i: number) => boolean, lo = 0): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(mid)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
