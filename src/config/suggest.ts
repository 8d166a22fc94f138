/**
 * Did-you-mean for names a user types: sources, channels, jobs, configuration keys. A name is
 * suggested when it is within max(2, a third of the word's length) edits.
 */

/** The nearest name within max(2, a third of its length) edits, if any. */
export function closest(word: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const n of names) {
    const d = editDistance(word.toLowerCase(), n.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [n, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/** ` (did you mean "x"?)`, or nothing when no name is close. */
export function didYouMean(word: string, names: readonly string[]): string {
  const near = closest(word, names);
  return near ? ` (did you mean "${near}"?)` : '';
}
