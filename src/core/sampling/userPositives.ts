/**
 * Each user's training positives as a sorted list (CSR layout), so that "is item i a positive of
 * user u?" is a binary search. Accidental-hit masking and hard-negative pools both need it.
 */
import type { Dataset, PositivePairs } from '../data/dataset';

export interface UserPositiveIndex {
  /** Items of user u are items[offsets[u] .. offsets[u + 1]), sorted ascending, without repeats. */
  readonly offsets: Int32Array;
  readonly items: Int32Array;
  has(user: number, item: number): boolean;
}

export function buildUserPositiveIndex(dataset: Pick<Dataset, 'users' | 'train'>): UserPositiveIndex {
  return userPositiveIndexFromPairs(dataset.train, dataset.users.size);
}

export function userPositiveIndexFromPairs(pairs: PositivePairs, userCount: number): UserPositiveIndex {
  const n = pairs.users.length;
  const counts = new Int32Array(userCount + 1);
  for (let r = 0; r < n; r++) {
    const u = pairs.users[r];
    if (u < 0 || u >= userCount) throw new Error(`Positive pair ${r}: user index ${u} is outside [0, ${userCount}); the dataset's train pairs and user vocabulary disagree.`);
    counts[u + 1]++;
  }
  const rawOffsets = new Int32Array(userCount + 1);
  for (let u = 0; u < userCount; u++) rawOffsets[u + 1] = rawOffsets[u] + counts[u + 1];
  const cursor = rawOffsets.slice(0, userCount);
  const raw = new Int32Array(n);
  for (let r = 0; r < n; r++) raw[cursor[pairs.users[r]]++] = pairs.items[r];

  // Sort each user's run and drop repeats (a user may click the same item twice).
  const offsets = new Int32Array(userCount + 1);
  const items = new Int32Array(n);
  let w = 0;
  for (let u = 0; u < userCount; u++) {
    offsets[u] = w;
    const run = raw.subarray(rawOffsets[u], rawOffsets[u + 1]).sort();
    for (let k = 0; k < run.length; k++) {
      if (k === 0 || run[k] !== run[k - 1]) items[w++] = run[k];
    }
  }
  offsets[userCount] = w;
  const compact = items.slice(0, w);

  return {
    offsets,
    items: compact,
    has(user: number, item: number): boolean {
      if (user < 0 || user >= userCount) return false;
      let lo = offsets[user];
      let hi = offsets[user + 1];
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const v = compact[mid];
        if (v === item) return true;
        if (v < item) lo = mid + 1;
        else hi = mid;
      }
      return false;
    },
  };
}
