import { describe, expect, it } from 'vitest';
import { evaluateRetrieval, evaluateRetrievalPerUser, planRetrieval, type RetrievalEvalInput } from '../../../src/core/eval/retrieval';
import { dotScorer, popularityScorer, type Scorer } from '../../../src/core/eval/scorers';
import { headItemMask } from '../../../src/core/eval/grouping';
import { rankOf, topK } from '../../../src/core/eval/topk';

describe('topK', () => {
  it('keeps the k best, best first, ties to the lower index, skipping excluded items', () => {
    const scores = Float32Array.from([1, 3, 3, -Infinity, 2]);
    const out = new Int32Array(3);
    expect(topK(scores, 3, out)).toBe(3);
    // 3 (item 1), 3 (item 2, the tie goes to the lower index first), 2 (item 4).
    expect(Array.from(out)).toEqual([1, 2, 4]);
    const all = new Int32Array(10);
    // Only 4 items are not excluded.
    expect(topK(scores, 10, all)).toBe(4);
    expect(Array.from(all.subarray(0, 4))).toEqual([1, 2, 4, 0]);
  });

  it('gives the full-corpus rank with the same tie rule', () => {
    const scores = Float32Array.from([1, 3, 3, -Infinity, 2]);
    expect(rankOf(scores, 4)).toBe(2); // items 1 and 2 rank before it
    expect(rankOf(scores, 2)).toBe(1); // only item 1 (equal score, lower index)
    expect(rankOf(scores, 0)).toBe(3);
  });
});

describe('scorers', () => {
  it('scores by dot product', () => {
    // items (0,0), (1,0), (0,1); user (2,3) → 0, 2, 3.
    const items = Float32Array.from([0, 0, 1, 0, 0, 1]);
    const scorer = dotScorer(() => Float32Array.from([2, 3]), items, 2);
    const out = new Float32Array(3);
    scorer(Int32Array.from([1]), out);
    expect(Array.from(out)).toEqual([0, 2, 3]);
  });
});

describe('headItemMask', () => {
  it('marks the top 20% of real items by clicks, never the OOV row', () => {
    // 10 real items: ceil(0.2 × 10) = 2 head items, the two most clicked (items 7 and 3).
    const clicks = Float64Array.from([100, 1, 2, 9, 0, 0, 0, 10, 1, 1, 1]);
    expect(Array.from(headItemMask(clicks))).toEqual([0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
  });
});

/**
 * Users 1 and 2, real items 1..4 (0 is the OOV row), clicks [_, 3, 2, 1, 0] so the head is item 1.
 * Train: u1→1, u2→2. Test: u1→{2, 3}, u2→{1}.
 */
function tinyInput(overrides: Partial<RetrievalEvalInput> = {}): RetrievalEvalInput {
  return {
    numItems: 5,
    numUsers: 3,
    train: { users: Int32Array.from([1, 2]), items: Int32Array.from([1, 2]) },
    test: { users: Int32Array.from([1, 1, 2]), items: Int32Array.from([2, 3, 1]) },
    itemClicks: Float64Array.from([0, 3, 2, 1, 0]),
    ks: [2, 1],
    metrics: ['recall', 'ndcg', 'hit_rate', 'mrr', 'coverage'],
    excludeSeen: true,
    blockSize: 1,
    ...overrides,
  };
}

// u1 scores items [OOV 9, 5, 1, 3, 4]; u2 scores [9, 2, 8, 0, 1].
const fixedScores: Scorer = (users, out) => {
  const rows: Record<number, number[]> = { 1: [9, 5, 1, 3, 4], 2: [9, 2, 8, 0, 1] };
  users.forEach((u, r) => out.set(rows[u], r * 5));
};

describe('evaluateRetrieval', () => {
  it('computes every metric as derived by hand', () => {
    const m = evaluateRetrieval(planRetrieval(tinyInput()), fixedScores);
    // Seen items removed: u1 ranks 4, 3, 2 (item 1 seen, OOV never); u2 ranks 1, 4, 3 (item 2 seen).
    // u1 @1: [4] no hit. @2: [4, 3] one of two → recall 0.5, dcg 1/log2(3) = 0.63093, idcg 1 + 0.63093.
    // u2 @1 and @2: item 1 first → recall 1, ndcg 1.
    expect(m['recall@1']).toBeCloseTo((0 + 1) / 2, 10);
    expect(m['recall@2']).toBeCloseTo((0.5 + 1) / 2, 10);
    expect(m['ndcg@1']).toBeCloseTo(0.5, 10);
    const u1ndcg2 = 1 / Math.log2(3) / (1 + 1 / Math.log2(3)); // 0.386853
    expect(m['ndcg@2']).toBeCloseTo((u1ndcg2 + 1) / 2, 10);
    expect(m['hit_rate@1']).toBeCloseTo(0.5, 10);
    expect(m['hit_rate@2']).toBeCloseTo(1, 10);
    // MRR: u1's best held-out item (3) is at rank 1 → 1/2; u2's at rank 0 → 1. Mean 0.75.
    expect(m.mrr).toBeCloseTo(0.75, 10);
    // Coverage@1: {4, 1} of 4 real items; @2: {4, 3, 1}.
    expect(m['coverage@1']).toBeCloseTo(0.5, 10);
    expect(m['coverage@2']).toBeCloseTo(0.75, 10);
    // Head pairs: (u2, 1), retrieved at @1. Tail pairs: (u1, 2), (u1, 3); (u1, 3) retrieved at @2 only.
    expect(m['recall_head@1']).toBe(1);
    expect(m['recall_tail@1']).toBe(0);
    expect(m['recall_tail@2']).toBeCloseTo(0.5, 10);
  });

  it('keeps each user\'s values, whose means are the metrics (eval/epoch-N.bin)', () => {
    const { metrics, perUser } = evaluateRetrievalPerUser(planRetrieval(tinyInput()), fixedScores);
    expect(Array.from(perUser.users)).toEqual([1, 2]);
    expect(perUser.columns).toEqual(['recall@1', 'ndcg@1', 'hit_rate@1', 'recall@2', 'ndcg@2', 'hit_rate@2', 'mrr']);
    const col = (name: string): number[] => Array.from(perUser.values[perUser.columns.indexOf(name)]);
    // The same hand derivation as above, user by user: u1 then u2.
    expect(col('recall@1')).toEqual([0, 1]);
    expect(col('recall@2')).toEqual([0.5, 1]);
    expect(col('ndcg@2')[0]).toBeCloseTo(1 / Math.log2(3) / (1 + 1 / Math.log2(3)), 12);
    expect(col('hit_rate@1')).toEqual([0, 1]);
    expect(col('mrr')).toEqual([0.5, 1]);
    for (const c of perUser.columns) expect((col(c)[0] + col(c)[1]) / 2, c).toBeCloseTo(metrics[c], 12);
    // Coverage and head/tail recall are pooled, never per user.
    expect(perUser.columns.some((c) => c.startsWith('coverage') || c.startsWith('recall_'))).toBe(false);
  });

  it('ranks seen items too when exclude_seen is off', () => {
    const m = evaluateRetrieval(planRetrieval(tinyInput({ excludeSeen: false })), fixedScores);
    // u1 ranks 1, 4, 3, 2 → no hit in the top 2. u2 ranks 2, 1, … → its item at position 1.
    expect(m['recall@1']).toBe(0);
    expect(m['recall@2']).toBeCloseTo(0.5, 10);
    // MRR: u1 best held-out rank 2 → 1/3; u2 rank 1 → 1/2.
    expect(m.mrr).toBeCloseTo((1 / 3 + 1 / 2) / 2, 10);
  });

  it('scores the popularity baseline the same way', () => {
    const m = evaluateRetrieval(planRetrieval(tinyInput()), popularityScorer(Float64Array.from([0, 3, 2, 1, 0])));
    // u1 (item 1 seen): 2, 3, 4 → @1 one of two, @2 both. u2 (item 2 seen): 1, 3, 4 → hit at once.
    expect(m['recall@1']).toBeCloseTo(0.75, 10);
    expect(m['recall@2']).toBeCloseTo(1, 10);
    expect(m.mrr).toBeCloseTo(1, 10);
  });

  it('does not count users without held-out positives, and returns only the metrics asked for', () => {
    // User 2 has no held-out positive left; only u1 counts.
    const input = tinyInput({
      test: { users: Int32Array.from([1, 1]), items: Int32Array.from([2, 3]) },
      metrics: ['recall'],
    });
    const m = evaluateRetrieval(planRetrieval(input), fixedScores);
    expect(m['recall@2']).toBeCloseTo(0.5, 10);
    expect(Object.keys(m).sort()).toEqual(['recall@1', 'recall@2', 'recall_head@1', 'recall_head@2', 'recall_tail@1', 'recall_tail@2']);
  });

  it('gives the same result for any block size', () => {
    const a = evaluateRetrieval(planRetrieval(tinyInput({ blockSize: 1 })), fixedScores);
    const b = evaluateRetrieval(planRetrieval(tinyInput({ blockSize: 64 })), fixedScores);
    expect(b).toEqual(a);
  });
});
