/**
 * Retrieval metrics of src/core/eval on fixed embeddings against python/two_tower_lab/metrics.py, to
 * 1e-6: exclude_seen on and off, K above the catalogue, a user sample, repeated and held-out-seen items.
 */
import { describe, expect, it } from 'vitest';

import { encodePerUser } from '../../src/core/eval/perUser';
import { evaluateRetrievalPerUser, planRetrieval, type RetrievalEvalInput } from '../../src/core/eval/retrieval';
import { dotScorer, popularityScorer } from '../../src/core/eval/scorers';
import { Rng } from '../../src/core/util/rng';
import { maxDiff, named, runPython, torchMissing } from './python';

const USERS = 40;
const ITEMS = 60;
const DIM = 4;

function fixture(seed: number) {
  const rng = new Rng(seed);
  const vectors = (rows: number) => Float32Array.from({ length: rows * DIM }, () => rng.normal());
  const pairs = (count: number) => {
    const users = new Int32Array(count);
    const items = new Int32Array(count);
    for (let k = 0; k < count; k++) {
      users[k] = 1 + rng.int(USERS - 1);
      // Skewed towards low indices, so the head and tail differ; item 0 (OOV) appears too, and must be ignored.
      items[k] = Math.floor(Math.pow(rng.next(), 2) * ITEMS);
    }
    return { users, items };
  };
  const train = pairs(400);
  const test = pairs(120);
  // A held-out item the user also trained on (a repeat interaction) stays rankable under exclude_seen.
  test.users[0] = train.users[0];
  test.items[0] = train.items[0];
  const clicks = new Float64Array(ITEMS);
  for (const i of train.items) clicks[i]++;
  return { userVectors: vectors(USERS), itemVectors: vectors(ITEMS), train, test, clicks };
}

describe.skipIf(torchMissing() !== undefined)(named('retrieval metrics: TypeScript = Python, to 1e-6'), () => {
  it('recall, ndcg, hit_rate, mrr, coverage and head/tail recall on fixed embeddings', () => {
    const variants: { seed: number; excludeSeen: boolean; ks: number[]; users?: Int32Array; popularity?: boolean }[] = [
      { seed: 1, excludeSeen: true, ks: [1, 5, 10, 100] },
      { seed: 2, excludeSeen: false, ks: [3, 20] },
      { seed: 3, excludeSeen: true, ks: [10, 2], users: Int32Array.of(3, 5, 8, 13, 21, 34) },
      // The popularity baseline: integer click counts, so ties at every cut-off (lower index first).
      { seed: 4, excludeSeen: true, ks: [5, 10, 50], popularity: true },
    ];
    const jobs = variants.map((v) => {
      const f = fixture(v.seed);
      const input: RetrievalEvalInput = {
        numItems: ITEMS,
        numUsers: USERS,
        train: f.train,
        test: f.test,
        itemClicks: f.clicks,
        ks: v.ks,
        metrics: ['recall', 'ndcg', 'hit_rate', 'mrr', 'coverage'],
        excludeSeen: v.excludeSeen,
        users: v.users,
        blockSize: 7,
      };
      const scorer = dotScorer((users) => Float32Array.from(Array.from(users).flatMap((u) => Array.from(f.userVectors.subarray(u * DIM, (u + 1) * DIM)))), f.itemVectors, DIM);
      const evaluated = evaluateRetrievalPerUser(planRetrieval(input), v.popularity ? popularityScorer(f.clicks) : scorer);
      const ts = evaluated.metrics;
      const py = {
        fn: 'metrics',
        numItems: ITEMS,
        numUsers: USERS,
        train: { users: Array.from(f.train.users), items: Array.from(f.train.items) },
        test: { users: Array.from(f.test.users), items: Array.from(f.test.items) },
        itemClicks: Array.from(f.clicks),
        ks: v.ks,
        metrics: input.metrics,
        excludeSeen: v.excludeSeen,
        users: v.users ? Array.from(v.users) : null,
        dim: DIM,
        userVectors: Array.from(f.userVectors),
        itemVectors: Array.from(f.itemVectors),
        popularity: v.popularity ?? false,
      };
      return { ts, perUser: evaluated.perUser, py };
    });
    const answers = runPython<{ metrics: Record<string, number>; perUser: { users: number[]; columns: string[]; values: number[][] } }>(jobs.map((j) => j.py));
    jobs.forEach(({ ts, perUser }, i) => {
      const py = answers[i].metrics;
      // The per-user values of eval/epoch-N.bin: the same users, columns and values in both engines.
      expect(answers[i].perUser.users).toEqual(Array.from(perUser.users));
      expect(answers[i].perUser.columns).toEqual(perUser.columns);
      perUser.columns.forEach((c, ci) => expect(maxDiff(answers[i].perUser.values[ci], perUser.values[ci]), `variant ${i} per-user ${c}`).toBeLessThan(1e-6));
      expect(Object.keys(py).sort()).toEqual(Object.keys(ts).sort());
      for (const k of Object.keys(ts)) expect(Math.abs(ts[k] - py[k]), `variant ${i} ${k}: ${ts[k]} vs ${py[k]}`).toBeLessThan(1e-6);
      // Not a comparison of zeros.
      expect(ts['recall@10'] ?? ts['recall@20'] ?? 0).toBeGreaterThan(0);
    });
  });
});

describe.skipIf(torchMissing() !== undefined)(named('eval/epoch-N.bin: one format, the same bytes from both engines'), () => {
  it('Python decodes what TypeScript wrote, and encodes the same values to the same bytes', () => {
    // Odd user count (the 4 padding bytes) and values that are not exact in float32.
    const values = { users: Int32Array.of(3, 17, 4), columns: ['recall@5', 'ndcg@5', 'mrr'], values: [Float64Array.of(0.5, 1, 0), Float64Array.of(0.1, 1 / 3, 0), Float64Array.of(1 / 7, 0.25, 0)] };
    const bytes = encodePerUser(4, values);
    const [py] = runPython<{ epoch: number; users: number[]; columns: string[]; values: number[][]; bytes: string }>([
      { fn: 'per_user_file', bytes: Buffer.from(bytes).toString('base64'), epoch: 4, users: Array.from(values.users), columns: values.columns, values: values.values.map((v) => Array.from(v)) },
    ]);
    expect(py.epoch).toBe(4);
    expect(py.users).toEqual([3, 17, 4]);
    expect(py.columns).toEqual(values.columns);
    expect(py.values).toEqual(values.values.map((v) => Array.from(v)));
    expect(Buffer.from(py.bytes, 'base64').equals(Buffer.from(bytes))).toBe(true);
  });
});
