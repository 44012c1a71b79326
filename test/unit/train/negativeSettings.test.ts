/**
 * The negative-sampling knobs of the listwise softmax take effect in a real training run (the real
 * two-tower model trained by the loop on a small synthetic set with a ranking log): `mix` beside
 * in-batch columns, `logq_strength` γ, logQ for the sampled softmax, and mixed negative sampling
 * (`source: mixed`, `extra`, `extra_sampler`). Before these, each setting was recorded and ignored.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { applyDefaults } from '../../../src/core/config';
import type { Experiment } from '../../../src/core/config/schema';
import { loadDataset } from '../../../src/core/data/load';
import { TwoTowerModel } from '../../../src/core/model/twoTowerModel';
import { initBackend } from '../../../src/core/train/backend';
import { EventWriter } from '../../../src/core/train/events';
import { runTrainingLoop } from '../../../src/core/train/loop';
import { createRunFolder } from '../../../src/core/train/runFolder';
import { Rng } from '../../../src/core/util/rng';
import { parseEventLines, type SamplingEvent } from '../../../src/shared/events';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

type Negatives = Record<string, unknown>;

function config(negatives: Negatives): Experiment {
  const tower = { id_embedding_dim: 8, mlp: { hidden: [16] }, output_dim: 8 };
  return applyDefaults({
    data: { synthetic: { users: 200, items: 120, impressions_per_user: 30 }, seed: 5 },
    user_tower: tower,
    item_tower: tower,
    score: { temperature: 0.1 },
    training: { mode: 'listwise', loss: 'softmax', batch_size: 64, epochs: 2, seed: 3, learning_rate: 0.01, negatives },
    evaluation: { k: [10, 50], metrics: ['recall', 'ndcg'] },
  }) as Experiment;
}

interface Run {
  metrics: Record<string, number>;
  /** Negatives drawn per kind in the last epoch (shares per decile summed: 1 for each kind drawn). */
  drawnKinds: string[];
}

async function train(cfg: Experiment): Promise<Run> {
  const dataset = await loadDataset(cfg, '/virtual/x.tower.yaml');
  const runsDir = mkdtempSync(path.join(tmpdir(), 'ttl-neg-'));
  dirs.push(runsDir);
  const paths = createRunFolder(runsDir, 'r');
  const model = TwoTowerModel.create(cfg, dataset, new Rng(11));
  const writer = new EventWriter(paths.events, 'r');
  try {
    const result = await runTrainingLoop({ config: cfg, dataset, model, writer, paths, backend: 'cpu', experimentFile: '/virtual/x.tower.yaml', params: {}, shouldStop: () => false });
    expect(result.status).toBe('completed');
    const events = parseEventLines(readFileSync(paths.events, 'utf8')).events;
    const sampling = events.filter((e): e is SamplingEvent => e.type === 'sampling').at(-1);
    return { metrics: result.metrics ?? {}, drawnKinds: Object.keys(sampling?.distribution.negatives ?? {}).sort() };
  } finally {
    writer.close();
    model.dispose();
  }
}

describe('listwise negative settings take effect in a training run', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('mix beside in-batch columns: 50/50 draws uniform easy slots beside the hard ones, and the metrics differ from all-hard slots', async () => {
    const hard = { source: 'ranking_log' };
    const allHard = await train(config({ source: 'in_batch', per_positive: 4, hard, mix: { easy: 0, hard: 1 } }));
    const half = await train(config({ source: 'in_batch', per_positive: 4, hard, mix: { easy: 0.5, hard: 0.5 } }));
    expect(half.drawnKinds).toContain('uniform');
    expect(half.drawnKinds).toContain('hard_log');
    expect(half.metrics).not.toEqual(allHard.metrics);
  });

  it('logq_strength: γ = 0 is no correction at all (same run as logq_correction off); γ = 0.25 differs from γ = 1', async () => {
    const off = await train(config({ source: 'in_batch', logq_correction: false }));
    const zero = await train(config({ source: 'in_batch', logq_correction: true, logq_strength: 0 }));
    const quarter = await train(config({ source: 'in_batch', logq_correction: true, logq_strength: 0.25 }));
    const full = await train(config({ source: 'in_batch', logq_correction: true, logq_strength: 1 }));
    expect(zero.metrics).toEqual(off.metrics);
    expect(quarter.metrics).not.toEqual(full.metrics);
    expect(quarter.metrics).not.toEqual(off.metrics);
  });

  it('logQ of the sampled softmax: changes a popularity^α run; a uniform run stays the same within float rounding (constant Q)', async () => {
    const popOff = await train(config({ source: 'popularity', per_positive: 8 }));
    const popOn = await train(config({ source: 'popularity', per_positive: 8, logq_correction: true }));
    expect(popOn.metrics).not.toEqual(popOff.metrics);
    const uniOff = await train(config({ source: 'uniform', per_positive: 8 }));
    const uniOn = await train(config({ source: 'uniform', per_positive: 8, logq_correction: true }));
    for (const [k, v] of Object.entries(uniOff.metrics)) expect(uniOn.metrics[k]).toBeCloseTo(v, 2);
  });

  it('mixed negative sampling: extra columns are drawn (uniform or popularity), and extra and extra_sampler change the run', async () => {
    const inBatch = await train(config({ source: 'in_batch', logq_correction: true }));
    const mixed = await train(config({ source: 'mixed', extra: 32, logq_correction: true }));
    const fewer = await train(config({ source: 'mixed', extra: 4, logq_correction: true }));
    const popular = await train(config({ source: 'mixed', extra: 32, extra_sampler: 'popularity', logq_correction: true }));
    expect(mixed.drawnKinds).toEqual(['in_batch', 'uniform']);
    expect(popular.drawnKinds).toEqual(['in_batch', 'popularity']);
    expect(mixed.metrics).not.toEqual(inBatch.metrics);
    expect(fewer.metrics).not.toEqual(mixed.metrics);
    expect(popular.metrics).not.toEqual(mixed.metrics);
  });
});
