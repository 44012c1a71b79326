/**
 * The fast evaluation path: the blocked JavaScript kernel and the tfjs matMul kernel score like the plain
 * dot product, the metrics are those of the reference (one user at a time, full rank pass for MRR), and
 * `evaluation.sample_users` evaluates a seeded sample per epoch and every test user at the end.
 */
import { describe, expect, it } from 'vitest';

import { evaluateRetrieval, planRetrieval, type RetrievalEvalInput } from '../../../src/core/eval/retrieval';
import { dotScorer, jsDotKernel, type Scorer } from '../../../src/core/eval/scorers';
import { topK } from '../../../src/core/eval/topk';
import { initBackend } from '../../../src/core/train/backend';
import { matMulKernel } from '../../../src/core/train/matMulKernel';
import { RunEvaluator } from '../../../src/core/train/runEval';
import { Rng } from '../../../src/core/util/rng';
import type { Dataset } from '../../../src/core/data/dataset';
import { vocabularyOf } from '../../../src/core/data/vocabulary';

function randomVectors(rng: Rng, n: number, dim: number): Float32Array {
  return Float32Array.from({ length: n * dim }, () => rng.next() * 2 - 1);
}

/** The plain dot product, one user at a time (the kernel before this change). */
function referenceScorer(userVectors: Float32Array, items: Float32Array, dim: number): Scorer {
  const n = items.length / dim;
  return (users, out) => {
    for (let r = 0; r < users.length; r++) {
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let d = 0; d < dim; d++) s += userVectors[users[r] * dim + d] * items[i * dim + d];
        out[r * n + i] = s;
      }
    }
  };
}

describe('kernels', () => {
  const rng = new Rng(7);
  const dim = 5;
  const items = randomVectors(rng, 37, dim);
  const users = randomVectors(rng, 11, dim);

  it('the blocked JavaScript kernel gives the very same float32 scores (4-user tiles and the remainder)', () => {
    const out = new Float32Array(11 * 37);
    jsDotKernel(items, dim)(users, 11, out);
    const ref = new Float32Array(11 * 37);
    referenceScorer(users, items, dim)(Int32Array.from({ length: 11 }, (_, i) => i), ref);
    expect(Array.from(out)).toEqual(Array.from(ref));
  });

  it('the tfjs (wasm) matMul kernel agrees within float32 rounding', async () => {
    await initBackend('wasm');
    const prepared = matMulKernel(items, dim);
    const out = new Float32Array(11 * 37);
    prepared.kernel(users, 11, out);
    prepared.dispose();
    const ref = new Float32Array(11 * 37);
    referenceScorer(users, items, dim)(Int32Array.from({ length: 11 }, (_, i) => i), ref);
    for (let k = 0; k < ref.length; k++) expect(Math.abs(out[k] - ref[k])).toBeLessThan(1e-5);
  });
});

describe('topK against a full sort', () => {
  it('random scores with many ties, excluded and NaN items, every k up to n + 2', () => {
    const rng = new Rng(5);
    for (let trial = 0; trial < 50; trial++) {
      const n = 1 + Math.floor(rng.next() * 60);
      const scores = Float32Array.from({ length: n }, () => {
        const x = rng.next();
        return x < 0.1 ? -Infinity : x < 0.15 ? NaN : Math.floor(rng.next() * 6);
      });
      const ranked = Array.from({ length: n }, (_, i) => i)
        .filter((i) => scores[i] > -Infinity)
        .sort((a, b) => scores[b] - scores[a] || a - b);
      for (const k of [1, 2, 5, n, n + 2]) {
        const out = new Int32Array(k);
        const found = topK(scores, k, out);
        expect(found).toBe(Math.min(k, ranked.length));
        expect(Array.from(out.subarray(0, found))).toEqual(ranked.slice(0, k));
      }
    }
  });
});

describe('metrics through blocks equal the reference', () => {
  it('random model, 60 users in blocks of 7, several held-out items each: identical metrics', () => {
    const rng = new Rng(3);
    const numUsers = 61;
    const numItems = 80;
    const dim = 6;
    const trainU: number[] = [];
    const trainI: number[] = [];
    const testU: number[] = [];
    const testI: number[] = [];
    for (let u = 1; u < numUsers; u++) {
      for (let j = 0; j < 5; j++) {
        trainU.push(u);
        trainI.push(1 + Math.floor(rng.next() * (numItems - 1)));
      }
      for (let j = 0; j < 3; j++) {
        testU.push(u);
        testI.push(1 + Math.floor(rng.next() * (numItems - 1)));
      }
    }
    const clicks = new Float64Array(numItems);
    for (const i of trainI) clicks[i]++;
    const input: RetrievalEvalInput = {
      numItems,
      numUsers,
      train: { users: Int32Array.from(trainU), items: Int32Array.from(trainI) },
      test: { users: Int32Array.from(testU), items: Int32Array.from(testI) },
      itemClicks: clicks,
      ks: [1, 5, 20],
      metrics: ['recall', 'ndcg', 'hit_rate', 'mrr', 'coverage'],
      excludeSeen: true,
    };
    const items = randomVectors(rng, numItems, dim);
    const userVectors = randomVectors(rng, numUsers, dim);
    const reference = evaluateRetrieval(planRetrieval({ ...input, blockSize: 1 }), referenceScorer(userVectors, items, dim));
    const vectorsOf = (users: Int32Array) => Float32Array.from(Array.from(users).flatMap((u) => Array.from(userVectors.subarray(u * dim, (u + 1) * dim))));
    const fast = evaluateRetrieval(planRetrieval({ ...input, blockSize: 7 }), dotScorer(vectorsOf, items, dim));
    expect(fast).toEqual(reference);
    expect(reference.mrr).toBeGreaterThan(0);
  });
});

describe('evaluation.sample_users', () => {
  /** 40 users, each with one training and one held-out positive among 10 items. */
  function dataset(): Dataset {
    const users = 41;
    const train = { users: new Int32Array(40), items: new Int32Array(40) };
    const test = { users: new Int32Array(40), items: new Int32Array(40) };
    for (let u = 1; u < users; u++) {
      train.users[u - 1] = u;
      train.items[u - 1] = 1 + (u % 10);
      test.users[u - 1] = u;
      test.items[u - 1] = 1 + ((u + 3) % 10);
    }
    const clicks = new Float64Array(11);
    for (const i of train.items) clicks[i]++;
    return {
      users: vocabularyOf(Array.from({ length: 40 }, (_, i) => `u${i}`)),
      items: vocabularyOf(Array.from({ length: 10 }, (_, i) => `i${i}`)),
      userFeatures: { categorical: [], continuous: [] },
      itemFeatures: { categorical: [], continuous: [] },
      train,
      test,
      itemClicks: clicks,
      stats: { rows: 80, positives: 80, impressedNotClicked: 0, droppedTestUnseen: 0, source: '<test>', usersWithoutTrainingPositives: 0, warnings: [] },
    } as unknown as Dataset;
  }
  const model = {
    outputDim: 2,
    userVectors: (users: Int32Array) => Float32Array.from(Array.from(users).flatMap((u) => [Math.cos(u), Math.sin(u)])),
    itemVectors: () => Float32Array.from(Array.from({ length: 11 }, (_, i) => [Math.cos(i * 0.7), Math.sin(i * 0.7)]).flat()),
  };
  const evaluation = { k: [1, 3], metrics: ['recall', 'mrr'] as ('recall' | 'mrr')[], every: 1, exclude_seen: true, cold_start: 'drop' as const };

  it('per-epoch evaluations use the seeded sample, the final one every test user', () => {
    const evaluator = new RunEvaluator(dataset(), { ...evaluation, sample_users: 12 }, 42);
    const epoch = evaluator.evaluate(model, 'epoch');
    const final = evaluator.evaluate(model, 'final');
    expect(epoch).toMatchObject({ users: 12, sampled: true });
    expect(final).toMatchObject({ users: 40, sampled: false });
    // The same sample every time (seeded), within the final set, with its own baseline.
    expect(new RunEvaluator(dataset(), { ...evaluation, sample_users: 12 }, 42).sampleOf()!.users).toEqual(evaluator.sampleOf()!.users);
    expect(final.metrics).toEqual(new RunEvaluator(dataset(), evaluation, 42).evaluate(model).metrics);
    expect(epoch.metrics).not.toEqual(final.metrics);
    expect(epoch.baseline).not.toEqual(final.baseline);
  });

  it('a sample as large as the test set is no sample; max_users bounds the final set too', () => {
    expect(new RunEvaluator(dataset(), { ...evaluation, sample_users: 40 }, 42).evaluate(model, 'epoch')).toMatchObject({ users: 40, sampled: false });
    const capped = new RunEvaluator(dataset(), { ...evaluation, sample_users: 5, max_users: 20 }, 42);
    expect(capped.evaluate(model, 'final').users).toBe(20);
    expect(capped.evaluate(model, 'epoch').users).toBe(5);
    // The sample is drawn from the final set.
    const finalSet = new Set(capped.plan.users);
    for (const u of capped.sampleOf()!.users) expect(finalSet.has(u)).toBe(true);
  });
});
