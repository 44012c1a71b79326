/** The best epoch's checkpoint inside checkpoint/ (saveCheckpoint's `best`), the shared choice of a run's model, and the split identity compare checks. */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { splitDifferences, splitIdentity } from '../../../src/core/runs/splitIdentity';
import { CHECKPOINT_FORMAT, loadCheckpoint, saveCheckpoint, type CheckpointState } from '../../../src/core/train/checkpoint';
import { runPaths } from '../../../src/core/train/runFolder';
import { resolveRunModel } from '../../../src/core/train/runModel';
import { applyDefaults } from '../../../src/core/config';
import type { Experiment } from '../../../src/core/config/schema';

const tinyExperiment = (): Experiment => applyDefaults({ data: { synthetic: {} }, user_tower: {}, item_tower: {}, training: {}, evaluation: {} }) as Experiment;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = (): string => {
  const d = mkdtempSync(path.join(tmpdir(), 'ttl-best-'));
  dirs.push(d);
  return d;
};

const state = (epoch: number): CheckpointState => ({
  format: CHECKPOINT_FORMAT,
  epoch,
  step: epoch * 10,
  elapsedSec: epoch,
  rng: { shuffle: [1, 2, 3, 4], rebalance: [5, 6, 7, 8], sampler: [9, 10, 11, 12] },
  samplers: {},
  earlyStopping: { best: 0.5, bestEpoch: 2, evalsWithoutImprovement: 0 },
  stoppedEarly: false,
});
const weights = (v: number) => ({ 'user/emb': { shape: [2], data: Float32Array.from([v, v]) } });

describe('checkpoint/best', () => {
  it('`this` makes the best this checkpoint (hard links, no copy); `keep` carries it into the next one', () => {
    const target = path.join(tempDir(), 'checkpoint');
    saveCheckpoint(target, weights(1), state(1), 'this');
    expect(loadCheckpoint(path.join(target, 'best'))?.state.epoch).toBe(1);
    expect(statSync(path.join(target, 'best', 'weights.bin')).ino).toBe(statSync(path.join(target, 'weights.bin')).ino);
    saveCheckpoint(target, weights(2), state(2), 'keep');
    saveCheckpoint(target, weights(3), state(3));
    const best = loadCheckpoint(path.join(target, 'best'));
    expect(best?.state.epoch).toBe(1);
    expect(Array.from(best!.weights['user/emb'].data)).toEqual([1, 1]);
    expect(loadCheckpoint(target)?.state.epoch).toBe(3);
    saveCheckpoint(target, weights(4), state(4), 'this');
    expect(loadCheckpoint(path.join(target, 'best'))?.state.epoch).toBe(4);
  });

  it('without a best, none appears', () => {
    const target = path.join(tempDir(), 'checkpoint');
    saveCheckpoint(target, weights(1), state(1));
    saveCheckpoint(target, weights(2), state(2));
    expect(loadCheckpoint(path.join(target, 'best'))).toBeUndefined();
  });
});

describe('resolveRunModel (what eval, export, compare and recommend use)', () => {
  it('is the best epoch when kept, the last with --last or without a best, and says which', () => {
    const paths = runPaths(tempDir(), 'r1');
    expect(resolveRunModel(paths)).toMatchObject({ which: 'last', checkpointDir: undefined, describe: 'no checkpoint yet' });
    saveCheckpoint(paths.checkpoint, weights(1), state(1));
    expect(resolveRunModel(paths)).toMatchObject({ which: 'last', epoch: 1, checkpointDir: paths.checkpoint, embeddingsDir: undefined });
    saveCheckpoint(paths.checkpoint, weights(2), state(2), 'this');
    saveCheckpoint(paths.checkpoint, weights(3), state(3));
    mkdirSync(path.join(paths.embeddings, 'best'), { recursive: true });
    writeFileSync(path.join(paths.embeddings, 'items.bin'), '');
    expect(resolveRunModel(paths)).toMatchObject({ which: 'best', epoch: 2, checkpointDir: path.join(paths.checkpoint, 'best'), embeddingsDir: path.join(paths.embeddings, 'best') });
    expect(resolveRunModel(paths).describe).toBe('best epoch 2 of 3 (checkpoint/best; --last for the last)');
    expect(resolveRunModel(paths, { last: true })).toMatchObject({ which: 'last', epoch: 3, embeddingsDir: paths.embeddings });
  });
});

describe('split identity (compare refuses runs on different splits)', () => {
  const dataset = { users: 10, items: 5, trainPositives: 40, testPositives: 10 };
  it('ignores what one compares (loss, sampling, training seed) and names what differs in the split', () => {
    const a = tinyExperiment();
    const b = tinyExperiment();
    b.training.loss = 'hinge';
    b.training.seed = 99;
    b.training.negatives.logq_correction = false;
    expect(splitDifferences(splitIdentity(a, { dataset }), splitIdentity(b, { dataset }))).toEqual([]);
    b.data.seed = 7;
    b.data.split = { method: 'random', test_fraction: 0.2, n: 1 };
    b.evaluation.max_users = 5;
    const diff = splitDifferences(splitIdentity(a, { dataset }), splitIdentity(b, { dataset: { ...dataset, testPositives: 9 } }));
    expect(diff.map((d) => d.split(':')[0])).toEqual(['data.split', 'data.seed', 'evaluation.max_users', 'dataset (users, items, train/test positives)']);
    expect(diff).toContain('data.seed: 42 vs 7');
  });
});
