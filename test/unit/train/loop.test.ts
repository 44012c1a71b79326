import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyDefaults } from '../../../src/core/config';
import type { Experiment } from '../../../src/core/config/schema';
import { loadCheckpoint } from '../../../src/core/train/checkpoint';
import { EventWriter } from '../../../src/core/train/events';
import { NonFiniteLossError, runTrainingLoop, type TrainableModel, type TrainBatch } from '../../../src/core/train/loop';
import { createRunFolder, type RunPaths } from '../../../src/core/train/runFolder';
import type { WeightMap } from '../../../src/core/train/weightsFile';
import { parseEventLines, type EpochEvent, type EvalEvent, type TrainerEvent } from '../../../src/shared/events';
import { Rng } from '../../../src/core/util/rng';
import { tinyDataset } from './tinyDataset';

/**
 * A deterministic stand-in for the two-tower model: dot-product embeddings trained by plain SGD on
 * the sampled softmax / in-batch logits. Its losses depend on the order of the batches and on every
 * negative drawn, so equal losses across a resume mean the loop replayed the same stream.
 */
class FakeModel implements TrainableModel {
  readonly outputDim = 3;
  u: Float32Array;
  v: Float32Array;
  constructor(users: number, items: number, private readonly lr = 0.1, private readonly poison = Infinity) {
    const rng = new Rng(7);
    this.u = Float32Array.from({ length: users * 3 }, () => rng.normal() * 0.1);
    this.v = Float32Array.from({ length: items * 3 }, () => rng.normal() * 0.1);
  }
  private dot(u: number, i: number): number {
    let s = 0;
    for (let d = 0; d < 3; d++) s += this.u[u * 3 + d] * this.v[i * 3 + d];
    return s;
  }
  private steps = 0;
  trainStep(b: TrainBatch): number {
    if (++this.steps >= this.poison) return NaN;
    let loss = 0;
    for (let r = 0; r < b.users.length; r++) {
      const u = b.users[r];
      const negs: number[] = [];
      if (b.negItems) for (let k = 0; k < (b.negPerPositive ?? 0); k++) negs.push(b.negItems[r * (b.negPerPositive ?? 0) + k]);
      else for (let j = 0; j < b.posItems.length; j++) if (j !== r && !(b.hitMask && b.hitMask[r * b.posItems.length + j])) negs.push(b.posItems[j]);
      const pos = b.posItems[r];
      for (const n of negs) {
        const margin = this.dot(u, pos) - this.dot(u, n) - (b.logQ ? 0.01 * b.logQ[r] : 0);
        loss += Math.log1p(Math.exp(-margin));
        const g = this.lr / (1 + Math.exp(margin));
        for (let d = 0; d < 3; d++) {
          const du = g * (this.v[pos * 3 + d] - this.v[n * 3 + d]);
          this.v[pos * 3 + d] += g * this.u[u * 3 + d];
          this.v[n * 3 + d] -= g * this.u[u * 3 + d];
          this.u[u * 3 + d] += du;
        }
      }
    }
    return loss / b.users.length;
  }
  userVectors(users: Int32Array): Float32Array {
    const out = new Float32Array(users.length * 3);
    users.forEach((u, r) => out.set(this.u.subarray(u * 3, u * 3 + 3), r * 3));
    return out;
  }
  itemVectors(): Float32Array {
    return this.v.slice();
  }
  getWeights(): Promise<WeightMap> {
    return Promise.resolve({ u: { shape: [this.u.length / 3, 3], data: this.u.slice() }, v: { shape: [this.v.length / 3, 3], data: this.v.slice() } });
  }
  setWeights(w: WeightMap): void {
    this.u = w.u.data.slice();
    this.v = w.v.data.slice();
  }
}

function config(training: Record<string, unknown>): Experiment {
  return applyDefaults({
    data: { synthetic: {} },
    user_tower: {},
    item_tower: {},
    training: { batch_size: 8, epochs: 2, seed: 3, ...training },
    evaluation: { k: [2, 5] },
  }) as Experiment;
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function run(
  cfg: Experiment,
  opts: { runsDir?: string; runId?: string; resume?: boolean; stopAfter?: number; poison?: number; model?: FakeModel } = {},
): Promise<{ events: TrainerEvent[]; paths: RunPaths; model: FakeModel }> {
  const runsDir = opts.runsDir ?? mkdtempSync(path.join(tmpdir(), 'ttl-loop-'));
  if (!opts.runsDir) dirs.push(runsDir);
  const runId = opts.runId ?? 'r';
  const dataset = tinyDataset();
  const paths = opts.resume ? (await import('../../../src/core/train/runFolder')).runPaths(runsDir, runId) : createRunFolder(runsDir, runId);
  const model = opts.model ?? new FakeModel(dataset.users.size, dataset.items.size, 0.1, opts.poison);
  const ckpt = opts.resume ? loadCheckpoint(paths.checkpoint) : undefined;
  if (ckpt) model.setWeights(ckpt.weights);
  const writer = new EventWriter(paths.events, runId);
  let steps = 0;
  try {
    await runTrainingLoop({
      config: cfg,
      dataset,
      model,
      writer,
      paths,
      backend: 'cpu',
      experimentFile: '/x.tower.yaml',
      params: {},
      resume: ckpt?.state,
      shouldStop: () => opts.stopAfter !== undefined && steps >= opts.stopAfter,
      onStep: () => steps++,
    });
  } finally {
    writer.close();
  }
  return { events: parseEventLines(readFileSync(paths.events, 'utf8')).events, paths, model };
}

const epochLosses = (events: TrainerEvent[]): number[] => events.filter((e): e is EpochEvent => e.type === 'epoch').map((e) => e.loss);
const evals = (events: TrainerEvent[]): Record<string, number>[] => events.filter((e): e is EvalEvent => e.type === 'eval').map((e) => e.metrics);

describe.each([
  ['listwise in-batch with logQ', { mode: 'listwise', loss: 'softmax', negatives: { source: 'in_batch', logq_correction: true } }],
  ['pairwise uniform', { mode: 'pairwise', loss: 'hinge', negatives: { source: 'uniform', per_positive: 2 } }],
  ['pointwise popularity, rebalanced', { mode: 'pointwise', loss: 'bce', negatives: { source: 'popularity' }, positives: { rebalance: { method: 'exponent' } } }],
  ['pairwise in-batch, mixed with mined hard', { mode: 'pairwise', loss: 'hinge', negatives: { source: 'in_batch', per_positive: 2, hard: { source: 'mined', mine_top_k: 5, relatively_hard: [0, 5] } } }],
  [
    'listwise in-batch + logQ + mined hard, rebalanced',
    { mode: 'listwise', loss: 'softmax', negatives: { source: 'in_batch', logq_correction: true, per_positive: 2, hard: { source: 'mined', mine_top_k: 5, relatively_hard: [0, 5] } }, positives: { rebalance: { method: 'exponent' } } },
  ],
])('training loop (%s)', (_name, training) => {
  it('continues exactly after a resume at an epoch boundary and in the middle of an epoch', async () => {
    const straight = await run(config(training));
    expect(epochLosses(straight.events)).toHaveLength(2);

    // Stop after the first epoch's steps (36 positives / 8 = 5 steps), then resume.
    const runsDir = mkdtempSync(path.join(tmpdir(), 'ttl-loop-'));
    dirs.push(runsDir);
    const first = await run(config(training), { runsDir, stopAfter: 5 });
    expect(first.events.at(-1)).toMatchObject({ type: 'ended', status: 'stopped', epoch: 1, step: 5 });
    const resumed = await run(config(training), { runsDir, resume: true });
    expect(epochLosses(resumed.events)).toEqual(epochLosses(straight.events));
    expect(evals(resumed.events)).toEqual(evals(straight.events));
    expect(resumed.model.v).toEqual(straight.model.v);

    // Stop after 3 steps (mid-epoch), then resume: same losses, metrics and weights.
    const runsDir2 = mkdtempSync(path.join(tmpdir(), 'ttl-loop-'));
    dirs.push(runsDir2);
    const mid = await run(config(training), { runsDir: runsDir2, stopAfter: 3 });
    expect(mid.events.at(-1)).toMatchObject({ type: 'ended', status: 'stopped', epoch: 0, step: 3 });
    const midResumed = await run(config(training), { runsDir: runsDir2, resume: true });
    expect(epochLosses(midResumed.events)).toEqual(epochLosses(straight.events));
    expect(midResumed.model.v).toEqual(straight.model.v);
    expect(midResumed.events.at(-1)).toMatchObject({ type: 'ended', status: 'completed', epoch: 2, step: 10 });
  });
});

/** Records what each batch carried (copies: batches are views reused by the loop). */
class RecordingModel extends FakeModel {
  readonly batches: Array<{ items: number[]; logQ?: number[]; negItems?: number[] }> = [];
  override trainStep(b: TrainBatch): number {
    this.batches.push({ items: Array.from(b.posItems), logQ: b.logQ && Array.from(b.logQ), negItems: b.negItems && Array.from(b.negItems) });
    return super.trainStep(b);
  }
}

describe('logQ with rebalanced positives', () => {
  it('takes p_i from the rebalanced pairs that are batched, not from the raw train pairs', async () => {
    const model = new RecordingModel(13, 11);
    // β = 0 flattens the 36 positives to ≈ 3.6 per item, while raw train counts range from 1 to 6.
    await run(config({ mode: 'listwise', epochs: 1, negatives: { source: 'in_batch', logq_correction: true }, positives: { rebalance: { method: 'exponent', exponent: 0 } } }), { model });
    // With one epoch the batches hold exactly the epoch's rebalanced pairs: count them.
    const counts = new Map<number, number>();
    for (const b of model.batches) for (const i of b.items) counts.set(i, (counts.get(i) ?? 0) + 1);
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    const rawCounts = new Map<number, number>();
    for (const i of tinyDataset().train.items) rawCounts.set(i, (rawCounts.get(i) ?? 0) + 1);
    // p_i = 1 − (1 − c_i/N)^B with B = 8 (CountsCorrection).
    const logP = (c: number, n: number): number => Math.log(1 - Math.pow(1 - c / n, 8));
    let differsFromRaw = false;
    for (const b of model.batches) {
      expect(b.logQ).toBeDefined();
      b.items.forEach((item, r) => {
        expect(b.logQ![r]).toBeCloseTo(logP(counts.get(item)!, total), 5);
        if (Math.abs(logP(rawCounts.get(item)!, 36) - b.logQ![r]) > 1e-3) differsFromRaw = true;
      });
    }
    expect(differsFromRaw).toBe(true);
  });
});

describe('pointwise and pairwise with in-batch negatives', () => {
  it.each([
    ['pairwise', 'hinge'],
    ['pointwise', 'bce'],
  ])('%s draws its negatives from the batch (never the row\'s own item), without logQ, and counts them as in_batch', async (mode, loss) => {
    const model = new RecordingModel(13, 11);
    const { events } = await run(config({ mode, loss, epochs: 1, negatives: { source: 'in_batch', logq_correction: true, per_positive: 2 } }), { model });
    expect(events.at(-1)).toMatchObject({ type: 'ended', status: 'completed' });
    for (const b of model.batches) {
      expect(b.logQ).toBeUndefined();
      expect(b.negItems).toHaveLength(b.items.length * 2);
      b.negItems!.forEach((n, slot) => {
        const r = Math.floor(slot / 2);
        expect(n).not.toBe(b.items[r]);
        // From the batch, unless the row had no eligible column (then a uniform draw, counted as such).
        if (!b.items.includes(n)) expect(b.items.every((i) => i === b.items[r])).toBe(true);
      });
    }
    const sampling = events.find((e) => e.type === 'sampling');
    if (sampling?.type !== 'sampling') throw new Error('no sampling event');
    expect(sampling.distribution.negatives.in_batch.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });
});

describe('training loop events', () => {
  it('writes started, steps, epochs, evals with the baseline, checkpoints and ended, and the item embeddings', async () => {
    const { events, paths } = await run(config({ mode: 'listwise', negatives: { source: 'in_batch' } }));
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('started');
    expect(types.at(-1)).toBe('ended');
    expect(types.filter((t) => t === 'checkpoint')).toHaveLength(2);
    const ev = events.find((e): e is EvalEvent => e.type === 'eval');
    expect(Object.keys(ev?.metrics ?? {})).toContain('recall@5');
    // The baseline has every exact metric; the ANN index (serving.index, on by default) adds ann_recall@K and ann/… keys.
    const exactKeys = Object.keys(ev?.metrics ?? {}).filter((k) => !k.startsWith('ann'));
    expect(Object.keys(ev?.baseline ?? {}).sort()).toEqual(exactKeys.sort());
    expect(Object.keys(ev?.metrics ?? {})).toEqual(expect.arrayContaining(['ann_recall@5', 'ann/recall@5']));
    expect(ev?.index).toMatchObject({ items: 10, metric: 'cosine', connectivity: 16, quantization: 'f32' });
    expect(existsSync(path.join(paths.embeddings, 'items.usearch'))).toBe(true);
    // 11 item rows (OOV + 10) × 3 floats × 4 bytes.
    expect(readFileSync(path.join(paths.embeddings, 'items.bin')).byteLength).toBe(11 * 3 * 4);
    expect(JSON.parse(readFileSync(path.join(paths.embeddings, 'items.ids.json'), 'utf8'))).toHaveLength(11);
  });

  it('announces what sampling aims at in the started event, with rebalancing statistics when positives are rebalanced', async () => {
    const { events } = await run(config({ mode: 'pointwise', loss: 'bce', negatives: { source: 'popularity' }, positives: { rebalance: { method: 'exponent', exponent: 0 } } }));
    const started = events[0];
    if (started.type !== 'started') throw new Error('first event is not started');
    const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
    expect(sum(started.sampling?.distribution?.positives ?? [])).toBeCloseTo(1, 9);
    expect(Object.keys(started.sampling?.distribution?.negatives ?? {})).toEqual(['popularity']);
    // 36 positives in; β = 0 gives every clicked item the same share, so the Gini of positives per item drops.
    expect(started.sampling?.rebalance?.positivesBefore).toBe(36);
    expect(started.sampling?.rebalance?.giniAfter).toBeLessThan(started.sampling?.rebalance?.giniBefore ?? 0);
  });

  it('stops on a NaN loss with the step and what to try', async () => {
    await expect(run(config({ mode: 'listwise', negatives: { source: 'in_batch' } }), { poison: 4 })).rejects.toThrow(NonFiniteLossError);
    await expect(run(config({ mode: 'listwise', negatives: { source: 'in_batch' } }), { poison: 4 })).rejects.toThrow(/NaN at step 4 .*lower training\.learning_rate.*higher score\.temperature/);
  });

  it('stops early when the metric does not improve for `patience` evaluations', async () => {
    const { events } = await run(config({ epochs: 30, learning_rate: 0.001, early_stopping: { metric: 'recall@5', patience: 1, min_delta: 0.5 } }));
    const ended = events.at(-1);
    // min_delta 0.5 can never be beaten after the first evaluation: stop after the second.
    expect(ended).toMatchObject({ type: 'ended', status: 'completed', epoch: 2 });
  });

  it('refuses an early-stopping metric that evaluation does not compute', async () => {
    await expect(run(config({ early_stopping: { metric: 'recall@7' } }))).rejects.toThrow(/'recall@7'.*evaluation\.k/);
  });
});
