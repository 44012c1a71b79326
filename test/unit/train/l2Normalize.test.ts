/** `l2_normalize` end to end: the real two-tower model trained by the loop, its metrics and its exported item embeddings. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { applyDefaults } from '../../../src/core/config';
import type { Experiment } from '../../../src/core/config/schema';
import { TwoTowerModel } from '../../../src/core/model/twoTowerModel';
import { initBackend } from '../../../src/core/train/backend';
import { EventWriter } from '../../../src/core/train/events';
import { runTrainingLoop } from '../../../src/core/train/loop';
import { createRunFolder } from '../../../src/core/train/runFolder';
import { Rng } from '../../../src/core/util/rng';
import { tinyDataset } from './tinyDataset';

function config(userNormalized: boolean, itemNormalized: boolean): Experiment {
  const tower = (l2: boolean) => ({ id_embedding_dim: 8, mlp: { hidden: [8] }, output_dim: 4, l2_normalize: l2 });
  return applyDefaults({
    data: { synthetic: {} },
    user_tower: tower(userNormalized),
    item_tower: tower(itemNormalized),
    training: { batch_size: 8, epochs: 2, seed: 3, learning_rate: 0.05 },
    evaluation: { k: [2, 5], metrics: ['recall', 'ndcg', 'mrr'] },
  }) as Experiment;
}

function norms(v: Float32Array, dim: number): number[] {
  return Array.from({ length: v.length / dim }, (_, r) => Math.hypot(...v.subarray(r * dim, (r + 1) * dim)));
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Trains from the same seed; returns the last metrics and the user and exported item vectors. */
async function train(cfg: Experiment): Promise<{ metrics: Record<string, number>; items: Float32Array; users: Float32Array }> {
  const dataset = tinyDataset();
  const runsDir = mkdtempSync(path.join(tmpdir(), 'ttl-l2-'));
  dirs.push(runsDir);
  const paths = createRunFolder(runsDir, 'r');
  const model = TwoTowerModel.create(cfg, dataset, new Rng(11));
  const writer = new EventWriter(paths.events, 'r');
  try {
    const result = await runTrainingLoop({ config: cfg, dataset, model, writer, paths, backend: 'cpu', experimentFile: '/x.tower.yaml', params: {}, shouldStop: () => false });
    const bin = readFileSync(path.join(paths.embeddings, 'items.bin'));
    const items = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
    const users = model.userVectors(Int32Array.from({ length: dataset.users.size }, (_, u) => u));
    return { metrics: result.metrics ?? {}, items, users };
  } finally {
    writer.close();
    model.dispose();
  }
}

describe('l2_normalize in a training run', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('true: exported item vectors and user vectors have unit norm', async () => {
    const run = await train(config(true, true));
    for (const n of [...norms(run.items, 4), ...norms(run.users, 4)]) expect(n).toBeCloseTo(1, 5);
  });

  it('false on both towers: raw vectors (norms not all 1) and other metrics than with true', async () => {
    const unit = await train(config(true, true));
    const raw = await train(config(false, false));
    const itemNorms = norms(raw.items, 4);
    const userNorms = norms(raw.users, 4);
    expect(itemNorms.filter((n) => Math.abs(n - 1) > 1e-3).length).toBeGreaterThan(itemNorms.length / 2);
    expect(userNorms.filter((n) => Math.abs(n - 1) > 1e-3).length).toBeGreaterThan(userNorms.length / 2);
    expect(raw.metrics).not.toEqual(unit.metrics);
    expect(Object.keys(raw.metrics).sort()).toEqual(Object.keys(unit.metrics).sort());
  });

  it('false on the user tower only: raw user vectors, unit item vectors', async () => {
    const run = await train(config(false, true));
    for (const n of norms(run.items, 4)) expect(n).toBeCloseTo(1, 5);
    expect(norms(run.users, 4).some((n) => Math.abs(n - 1) > 1e-3)).toBe(true);
  });
});
