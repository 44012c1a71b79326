/**
 * Retrieval through the approximate index, as a serving system does it: the index is asked for the
 * K + |seen| nearest items of each user (so that removing the user's training positives still leaves
 * K), and only what it returns is ranked. Beside the exact evaluation this gives
 * - `ann/<metric>` — every retrieval metric computed through the index;
 * - `ann_recall@K` — the share of the exact top K that the index's top K holds (mean over users;
 *   for a user with fewer than K rankable items, of those).
 */
import { ANN_METRIC_PREFIX, ANN_RECALL_METRIC } from '../../shared/events';
import type { ItemIndex } from '../serving/annIndex';
import type { PerUserValues } from './perUser';
import { evaluateRetrieval, evaluateRetrievalPerUser, type RetrievalPlan } from './retrieval';
import type { Scorer } from './scorers';

/** Scores only the items the index returns for each user (their index scores); every other item −∞. */
export function annScorer(plan: RetrievalPlan, index: ItemIndex, userVectorsOf: (users: Int32Array) => Float32Array): Scorer {
  const n = plan.input.numItems;
  const maxK = Math.max(...plan.input.ks);
  const dim = index.dim;
  return (users, out) => {
    const vectors = userVectorsOf(users);
    for (let r = 0; r < users.length; r++) {
      const u = users[r];
      const seen = plan.input.excludeSeen ? plan.trainByUser.offsets[u + 1] - plan.trainByUser.offsets[u] : 0;
      const row = out.subarray(r * n, (r + 1) * n);
      row.fill(-Infinity);
      const hits = index.search(vectors.subarray(r * dim, (r + 1) * dim), maxK + seen);
      for (let j = 0; j < hits.items.length; j++) row[hits.items[j]] = hits.scores[j];
    }
  };
}

/**
 * The metrics of `exact` (the model's exact scorer), then the same through `index` under `ann/`, and
 * `ann_recall@K` for each K of the plan.
 */
export function evaluateWithIndex(plan: RetrievalPlan, exact: Scorer, index: ItemIndex, userVectorsOf: (users: Int32Array) => Float32Array): { metrics: Record<string, number>; perUser: PerUserValues } {
  const exactTop = new Map<number, Int32Array>();
  // The per-user values are the exact ones: paired comparisons of runs are about the model, not its index.
  const { metrics, perUser } = evaluateRetrievalPerUser(plan, exact, (u, top, found) => exactTop.set(u, top.slice(0, found)));
  Object.assign(metrics, indexMetrics(plan, index, userVectorsOf, exactTop));
  return { metrics, perUser };
}

/**
 * Only the index's figures (`ann/<metric>`, `ann_recall@K`), against exact top lists computed elsewhere
 * (a torch run's rank 0 sends its own with the vectors): each evaluated user's exact top items, best
 * first; a user without one is left out of `ann_recall@K`.
 */
export function indexMetrics(plan: RetrievalPlan, index: ItemIndex, userVectorsOf: (users: Int32Array) => Float32Array, exactTop: ReadonlyMap<number, Int32Array>): Record<string, number> {
  const ks = [...plan.input.ks].sort((a, b) => a - b);
  const overlap = new Float64Array(ks.length);
  let users = 0;
  const annMetrics = evaluateRetrieval(plan, annScorer(plan, index, userVectorsOf), (u, top, found) => {
    const truth = exactTop.get(u);
    if (!truth) return;
    users++;
    ks.forEach((k, i) => overlap[i] += sharedShare(truth.subarray(0, Math.min(k, truth.length)), top.subarray(0, Math.min(k, found))));
  });
  const metrics: Record<string, number> = {};
  for (const [key, value] of Object.entries(annMetrics)) metrics[`${ANN_METRIC_PREFIX}${key}`] = value;
  ks.forEach((k, i) => (metrics[`${ANN_RECALL_METRIC}@${k}`] = users > 0 ? overlap[i] / users : 0));
  return metrics;
}

/** |truth ∩ got| / |truth| (1 when truth is empty: nothing was missed). */
export function sharedShare(truth: Int32Array, got: Int32Array): number {
  if (truth.length === 0) return 1;
  const wanted = new Set(truth);
  let shared = 0;
  for (const item of got) if (wanted.has(item)) shared++;
  return shared / truth.length;
}
