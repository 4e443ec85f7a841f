/**
 * Edit distance with adjacent transpositions (optimal string alignment), so that the two most
 * common typing slips, a missed letter (`n_sample`) and two swapped letters (`targte`), both cost 1.
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * How far a word may be from a known one and still be taken for a typo of it: one edit for short
 * words, one more per three letters. Wider than that, unrelated keys start to look alike
 * (`eta` and `n`), and a wrong suggestion misleads more than none.
 */
function maxDistance(word: string): number {
  return Math.max(1, Math.floor(word.length / 3));
}

/**
 * The known word closest to `word` (case-insensitive), or undefined when none is close enough to be a
 * likely typo. Ties go to the earlier candidate.
 * @example didYouMean('n_sample', ['n_samples', 'n_parallel']) // 'n_samples'
 */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate === word) continue;
    const distance = editDistance(w, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best !== undefined && bestDistance <= maxDistance(word) ? best : undefined;
}
