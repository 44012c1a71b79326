/**
 * The top K items of one user, as a serving system computes them: by exact search over every item (the
 * model's score against each item vector) or through the ANN index; the OOV row never, and the
 * `excluded` items (the user's training positives, with `--exclude-seen`) removed. The index is asked
 * for K + |excluded| so that K remain after removing them.
 */
import { topK } from '../eval/topk';
import type { ItemIndex } from './annIndex';

export interface Recommended {
  /** Item rows, best first. */
  items: Int32Array;
  scores: Float32Array;
}

/** Exact top K of `user` (dim floats) against `items` (rows × dim, row 0 OOV). */
export function exactTopK(user: Float32Array, items: Float32Array, dim: number, k: number, excluded: ReadonlySet<number> = new Set()): Recommended {
  const n = items.length / dim;
  const scores = new Float32Array(n);
  for (let i = 1; i < n; i++) {
    let s = 0;
    const o = i * dim;
    for (let d = 0; d < dim; d++) s += user[d] * items[o + d];
    scores[i] = s;
  }
  scores[0] = -Infinity;
  for (const i of excluded) scores[i] = -Infinity;
  const top = new Int32Array(Math.min(k, n));
  const found = topK(scores, top.length, top);
  const out = top.slice(0, found);
  return { items: out, scores: Float32Array.from(out, (i) => scores[i]) };
}

/** Top K of `user` through the ANN index, without the excluded items. */
export function annTopK(user: Float32Array, index: ItemIndex, k: number, excluded: ReadonlySet<number> = new Set()): Recommended {
  const hits = index.search(user, k + excluded.size);
  const items: number[] = [];
  const scores: number[] = [];
  for (let j = 0; j < hits.items.length && items.length < k; j++) {
    if (excluded.has(hits.items[j])) continue;
    items.push(hits.items[j]);
    scores.push(hits.scores[j]);
  }
  return { items: Int32Array.from(items), scores: Float32Array.from(scores) };
}
