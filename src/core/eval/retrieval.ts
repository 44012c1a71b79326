/**
 * Full-corpus top-K retrieval metrics for held-out positives. Every item is ranked for every test
 * user (no candidate sampling), the OOV row never, and with `excludeSeen` the user's training
 * positives are removed first, as a serving system would do.
 *
 * Definitions (averaged over test users, except head/tail recall):
 * - recall@K = |top K ∩ held-out| / |held-out|
 * - ndcg@K = Σ_{hits at 0-based rank r < K} 1/log2(r + 2) ÷ Σ_{r < min(K, |held-out|)} 1/log2(r + 2)
 * - hit_rate@K = 1 when at least one held-out item is in the top K
 * - mrr = 1/(1 + full-corpus rank of the best-ranked held-out item) (not cut at K)
 * - coverage@K = distinct items in anyone's top K ÷ real items in the catalogue
 * - recall_head@K / recall_tail@K = share of held-out (user, item) pairs whose item is a head (top
 *   20% by training clicks) / tail item and that is in that user's top K (pooled over pairs, so that
 *   users with no tail positive do not count as zeros).
 * - recall_cold@K (when `coldItems` is given: `evaluation.cold_start: score`) = the same pooled share
 *   for the pairs whose item has no training positive.
 */
import type { PositivePairs } from '../data/dataset';
import { groupByUser, headItemMask, type ItemsByUser } from './grouping';
import type { Scorer } from './scorers';
import { perUserColumns, type PerUserValues } from './perUser';
import { rankOf, topK } from './topk';

/** Users scored per block: large enough for the matMul to run at speed, small enough for memory (128 × items floats). */
const DEFAULT_BLOCK = 128;

export type RetrievalMetric = 'recall' | 'ndcg' | 'hit_rate' | 'mrr' | 'coverage';

export interface RetrievalEvalInput {
  /** Items including the OOV row 0 (= the item vocabulary size). */
  numItems: number;
  numUsers: number;
  train: PositivePairs;
  test: PositivePairs;
  /** Training positives per item: defines head and tail. */
  itemClicks: Float64Array;
  ks: readonly number[];
  metrics: readonly RetrievalMetric[];
  excludeSeen: boolean;
  /** Evaluate only these test users (e.g. a seeded sample); default every user with a held-out positive. */
  users?: Int32Array;
  /** 1 for each cold item (no training positive): adds `recall_cold@K`. */
  coldItems?: Uint8Array;
  /** Users scored at once; bounds memory at blockSize × numItems floats. */
  blockSize?: number;
}

/** What evaluation precomputes once per split and reuses every epoch and for the baseline. */
export interface RetrievalPlan {
  input: RetrievalEvalInput;
  users: Int32Array;
  trainByUser: ItemsByUser;
  testByUser: ItemsByUser;
  head: Uint8Array;
}

export function planRetrieval(input: RetrievalEvalInput): RetrievalPlan {
  const testByUser = groupByUser(input.test, input.numUsers);
  const trainByUser = groupByUser(input.train, input.numUsers);
  let users = input.users;
  if (users === undefined) {
    const list: number[] = [];
    for (let u = 0; u < input.numUsers; u++) if (testByUser.offsets[u + 1] > testByUser.offsets[u]) list.push(u);
    users = Int32Array.from(list);
  }
  return { input, users, trainByUser, testByUser, head: headItemMask(input.itemClicks) };
}

/** Receives each evaluated user's ranked top max(K) items (`found` of them), e.g. to compare two rankings. */
export type TopListener = (user: number, top: Int32Array, found: number) => void;

/** Runs the metrics for one scorer (the model, or the popularity baseline). Keys like `recall@10`, `mrr`. */
export function evaluateRetrieval(plan: RetrievalPlan, scorer: Scorer, onTop?: TopListener): Record<string, number> {
  return runRetrieval(plan, scorer, undefined, onTop);
}

/**
 * The same metrics, and each evaluated user's value of every per-user metric (perUserColumns: the means
 * over users are exactly the metrics), for paired comparisons of runs on the same split.
 */
export function evaluateRetrievalPerUser(plan: RetrievalPlan, scorer: Scorer, onTop?: TopListener): { metrics: Record<string, number>; perUser: PerUserValues } {
  const columns = perUserColumns(plan.input.ks, plan.input.metrics);
  const collected = { users: [] as number[], values: columns.map(() => [] as number[]) };
  const metrics = runRetrieval(plan, scorer, collected, onTop);
  return { metrics, perUser: { users: Int32Array.from(collected.users), columns, values: collected.values.map((v) => Float64Array.from(v)) } };
}

interface PerUserCollector {
  users: number[];
  /** One list per column of perUserColumns, in that order. */
  values: number[][];
}

function runRetrieval(plan: RetrievalPlan, scorer: Scorer, collect: PerUserCollector | undefined, onTop: TopListener | undefined): Record<string, number> {
  const { input, users, trainByUser, testByUser, head } = plan;
  const n = input.numItems;
  const ks = [...input.ks].sort((a, b) => a - b);
  const maxK = ks[ks.length - 1];
  const want = new Set(input.metrics);
  const block = Math.max(1, input.blockSize ?? DEFAULT_BLOCK);

  const sums = { recall: new Float64Array(ks.length), ndcg: new Float64Array(ks.length), hit: new Float64Array(ks.length) };
  const headHits = new Float64Array(ks.length);
  const tailHits = new Float64Array(ks.length);
  const cold = input.coldItems;
  const coldHits = new Float64Array(ks.length);
  let coldTotal = 0;
  let headTotal = 0;
  let tailTotal = 0;
  let mrrSum = 0;
  let evaluated = 0;
  const covered = ks.map(() => new Uint8Array(n));

  const scores = new Float32Array(block * n);
  const top = new Int32Array(maxK);
  const isTest = new Uint8Array(n);

  for (let start = 0; start < users.length; start += block) {
    const blockUsers = users.subarray(start, Math.min(users.length, start + block));
    scorer(blockUsers, scores);
    for (let r = 0; r < blockUsers.length; r++) {
      const u = blockUsers[r];
      const t0 = testByUser.offsets[u];
      const t1 = testByUser.offsets[u + 1];
      // Held-out positives of the OOV item cannot be retrieved; the reader drops them, this guards.
      let testCount = 0;
      for (let j = t0; j < t1; j++) {
        const it = testByUser.items[j];
        if (it > 0 && isTest[it] === 0) {
          isTest[it] = 1;
          testCount++;
        }
      }
      if (testCount === 0) continue;
      evaluated++;
      const row = scores.subarray(r * n, (r + 1) * n);
      row[0] = -Infinity;
      if (input.excludeSeen) {
        // An item both seen and held out (a repeat interaction) stays rankable: it is what we test.
        for (let j = trainByUser.offsets[u]; j < trainByUser.offsets[u + 1]; j++) {
          const it = trainByUser.items[j];
          if (isTest[it] === 0) row[it] = -Infinity;
        }
      }
      const found = topK(row, maxK, top);
      onTop?.(u, top, found);
      const userValues = collect ? new Float64Array(ks.length * 3 + 1) : undefined;
      let ki = 0;
      let hits = 0;
      let dcg = 0;
      let headHitCount = 0;
      let tailHitCount = 0;
      let coldHitCount = 0;
      for (let pos = 0; pos <= found && ki < ks.length; pos++) {
        // Close every cut-off K that ends here, before counting the item at `pos`.
        while (ki < ks.length && (pos === ks[ki] || pos === found)) {
          const k = ks[ki];
          sums.recall[ki] += hits / testCount;
          sums.hit[ki] += hits > 0 ? 1 : 0;
          let idcg = 0;
          for (let p = 0; p < Math.min(k, testCount); p++) idcg += 1 / Math.log2(p + 2);
          sums.ndcg[ki] += dcg / idcg;
          if (userValues) {
            userValues[ki * 3] = hits / testCount;
            userValues[ki * 3 + 1] = dcg / idcg;
            userValues[ki * 3 + 2] = hits > 0 ? 1 : 0;
          }
          headHits[ki] += headHitCount;
          tailHits[ki] += tailHitCount;
          coldHits[ki] += coldHitCount;
          for (let p = 0; p < Math.min(k, found); p++) covered[ki][top[p]] = 1;
          ki++;
        }
        if (pos === found) break;
        const it = top[pos];
        if (isTest[it] === 1) {
          hits++;
          dcg += 1 / Math.log2(pos + 2);
          if (head[it] === 1) headHitCount++;
          else tailHitCount++;
          if (cold?.[it] === 1) coldHitCount++;
        }
      }
      if (want.has('mrr')) {
        // The best-ranked held-out item has the smallest rank: find it by score (same tie rule as topK), then
        // take its rank from the top-K list when it is there, else count once over the corpus.
        let bestItem = -1;
        for (let j = t0; j < t1; j++) {
          const it = testByUser.items[j];
          if (it > 0 && row[it] !== -Infinity && !Number.isNaN(row[it]) && (bestItem < 0 || row[it] > row[bestItem] || (row[it] === row[bestItem] && it < bestItem))) bestItem = it;
        }
        if (bestItem >= 0) {
          let rank = -1;
          for (let pos = 0; pos < found; pos++) {
            if (top[pos] === bestItem) {
              rank = pos;
              break;
            }
          }
          if (rank < 0) rank = rankOf(row, bestItem);
          mrrSum += 1 / (rank + 1);
          if (userValues) userValues[ks.length * 3] = 1 / (rank + 1);
        }
      }
      if (collect && userValues) {
        collect.users.push(u);
        let c = 0;
        ks.forEach((_, i) => {
          if (want.has('recall')) collect.values[c++].push(userValues[i * 3]);
          if (want.has('ndcg')) collect.values[c++].push(userValues[i * 3 + 1]);
          if (want.has('hit_rate')) collect.values[c++].push(userValues[i * 3 + 2]);
        });
        if (want.has('mrr')) collect.values[c++].push(userValues[ks.length * 3]);
      }
      for (let j = t0; j < t1; j++) {
        const it = testByUser.items[j];
        if (it > 0 && isTest[it] === 1) {
          if (head[it] === 1) headTotal++;
          else tailTotal++;
          if (cold?.[it] === 1) coldTotal++;
          isTest[it] = 0;
        }
      }
    }
  }

  const out: Record<string, number> = {};
  const mean = (s: number): number => (evaluated > 0 ? s / evaluated : 0);
  ks.forEach((k, i) => {
    if (want.has('recall')) {
      out[`recall@${k}`] = mean(sums.recall[i]);
      out[`recall_head@${k}`] = headTotal > 0 ? headHits[i] / headTotal : 0;
      out[`recall_tail@${k}`] = tailTotal > 0 ? tailHits[i] / tailTotal : 0;
      if (cold) out[`recall_cold@${k}`] = coldTotal > 0 ? coldHits[i] / coldTotal : 0;
    }
    if (want.has('ndcg')) out[`ndcg@${k}`] = mean(sums.ndcg[i]);
    if (want.has('hit_rate')) out[`hit_rate@${k}`] = mean(sums.hit[i]);
    if (want.has('coverage')) {
      let c = 0;
      for (let it = 1; it < n; it++) c += covered[i][it];
      out[`coverage@${k}`] = n > 1 ? c / (n - 1) : 0;
    }
  });
  if (want.has('mrr')) out.mrr = mean(mrrSum);
  return out;
}
