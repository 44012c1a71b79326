/** "Did you mean …": the closest candidate by edit distance, when it is close enough to be a plausible typo (keys, enum values, columns). */

/** Levenshtein distance (insert, delete, substitute), case-insensitive, with adjacent transpositions costing 1. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const rows = s.length + 1;
  const cols = t.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[s.length]![t.length]!;
}

/**
 * The candidate closest to `word`, or undefined when none is within a third of the word's length,
 * rounded up (at least 1, at most 4 edits): beyond that a suggestion is more confusing than helpful.
 * A candidate that equals the word up to case or separators (`batchSize` → `batch_size`) always wins.
 */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[-_\s]/g, '');
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    if (c === word) continue;
    const dist = norm(c) === norm(word) ? 0 : editDistance(word, c);
    if (dist < bestDistance) {
      best = c;
      bestDistance = dist;
    }
  }
  const limit = Math.min(4, Math.max(1, Math.ceil(word.length / 3)));
  return bestDistance <= limit ? best : undefined;
}

/** " Did you mean `x`?" or "". */
export function didYouMean(word: string, candidates: Iterable<string>): { text: string; suggestion?: string } {
  const suggestion = closest(word, candidates);
  return suggestion === undefined ? { text: '' } : { text: ` Did you mean \`${suggestion}\`?`, suggestion };
}
