/**
 * The training loop reports what its hard negatives yield: per band in the `started` event (for
 * `mined`, empty pools until the first mining, then the yield in each mining epoch's `sampling`
 * event), and per epoch the share of hard slots that fell back to easy negatives. Real synthetic
 * data with its ranking log, the real loop and samplers; a stand-in model that does not learn.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyDefaults } from '../../../src/core/config';
import type { Experiment } from '../../../src/core/config/schema';
import { loadDataset } from '../../../src/core/data/load';
import { EventWriter } from '../../../src/core/train/events';
import { runTrainingLoop, type TrainableModel } from '../../../src/core/train/loop';
import { createRunFolder } from '../../../src/core/train/runFolder';
import type { WeightMap } from '../../../src/core/train/weightsFile';
import { Rng } from '../../../src/core/util/rng';
import { parseEventLines, type SamplingEvent, type StartedEvent, type TrainerEvent } from '../../../src/shared/events';

/** Fixed random embeddings: enough for evaluation and mining, and the loop's reports do not depend on learning. */
class StillModel implements TrainableModel {
  readonly outputDim = 4;
  private readonly u: Float32Array;
  private readonly v: Float32Array;
  constructor(users: number, items: number) {
    const rng = new Rng(11);
    this.u = Float32Array.from({ length: users * 4 }, () => rng.normal());
    this.v = Float32Array.from({ length: items * 4 }, () => rng.normal());
  }
  trainStep(): number {
    return 1;
  }
  userVectors(users: Int32Array): Float32Array {
    const out = new Float32Array(users.length * 4);
    users.forEach((u, r) => out.set(this.u.subarray(u * 4, u * 4 + 4), r * 4));
    return out;
  }
  itemVectors(): Float32Array {
    return this.v.slice();
  }
  getWeights(): Promise<WeightMap> {
    return Promise.resolve({ v: { shape: [this.v.length / 4, 4], data: this.v.slice() } });
  }
  setWeights(): void {}
}

/** 120 users × 80 items: the synthetic ranking log ranks 0..79, so [100, 500) lies beyond it. */
function config(hard: Record<string, unknown>, epochs = 2): Experiment {
  return applyDefaults({
    data: { synthetic: { users: 120, items: 80, latent_dim: 4, impressions_per_user: 30, ranking_log: true }, split: { method: 'leave_last_n', n: 1 } },
    user_tower: {},
    item_tower: {},
    training: { mode: 'pairwise', loss: 'hinge', negatives: { source: 'uniform', per_positive: 2, hard }, batch_size: 64, epochs, seed: 3 },
    evaluation: { k: [5] },
  }) as Experiment;
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function run(cfg: Experiment): Promise<TrainerEvent[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ttl-hard-'));
  dirs.push(dir);
  const dataset = await loadDataset(cfg, path.join(dir, 'x.tower.yaml'));
  const paths = createRunFolder(dir, 'r');
  const writer = new EventWriter(paths.events, 'r');
  try {
    await runTrainingLoop({ config: cfg, dataset, model: new StillModel(dataset.users.size, dataset.items.size), writer, paths, backend: 'cpu', experimentFile: '/x.tower.yaml', params: {}, shouldStop: () => false });
  } finally {
    writer.close();
  }
  return parseEventLines(readFileSync(paths.events, 'utf8')).events;
}

const startedOf = (events: TrainerEvent[]) => events.find((e): e is StartedEvent => e.type === 'started')!;
const samplingOf = (events: TrainerEvent[]) => events.filter((e): e is SamplingEvent => e.type === 'sampling');

describe('hard-negative reports of a run', () => {
  it('ranking_log, both bands: the started event gives each band\'s yield and the log\'s ranks; [100, 500) yields nothing', async () => {
    const events = await run(config({ source: 'ranking_log', band: 'both' }));
    const report = startedOf(events).hardNegatives!;
    expect(report.source).toBe('ranking_log');
    expect(report.logRanks).toEqual({ min: 0, max: 79 });
    const [relatively, extremely] = report.bands!;
    expect(relatively).toMatchObject({ band: 'relatively_hard', from: 10, to: 50 });
    expect(relatively.candidates).toBeGreaterThan(20 * relatively.users);
    expect(relatively.usersWithCandidates / relatively.users).toBeGreaterThan(0.95);
    expect(extremely).toEqual({ band: 'extremely_hard', from: 100, to: 500, candidates: 0, usersWithCandidates: 0, users: relatively.users });
    // The users with a pool are those of the relatively hard band.
    expect(report.usersWithPool).toBe(relatively.usersWithCandidates);
    expect(report.fallbackShare).toBeLessThan(0.05);
    expect(startedOf(events).sampling?.distribution?.hardFallback?.share).toBe(report.fallbackShare);
    // Every epoch says how many hard slots it drew and how many fell back: about half of the 2 slots per positive are hard.
    const sampling = samplingOf(events);
    expect(sampling).toHaveLength(2);
    for (const s of sampling) {
      const f = s.distribution.hardFallback!;
      expect(f.slots! / (2 * startedOf(events).dataset.trainPositives)).toBeGreaterThan(0.4);
      expect(f.fellBack).toBeLessThanOrEqual(f.slots!);
      expect(f.share).toBeCloseTo(f.fellBack! / f.slots!, 12);
      expect(f.share).toBeLessThan(0.1);
    }
  });

  it('ranking_log, extremely_hard [100, 500) alone: every hard slot falls back, expected and counted', async () => {
    const events = await run(config({ source: 'ranking_log', band: 'extremely_hard' }, 1));
    const report = startedOf(events).hardNegatives!;
    expect(report.bands).toEqual([{ band: 'extremely_hard', from: 100, to: 500, candidates: 0, usersWithCandidates: 0, users: report.users }]);
    expect(report.fallbackShare).toBe(1);
    const f = samplingOf(events)[0].distribution.hardFallback!;
    expect(f.slots).toBeGreaterThan(0);
    expect(f).toEqual({ share: 1, slots: f.slots, fellBack: f.slots });
  });

  it('mined: empty pools until the mining before epoch 2, whose yield the sampling event of epoch 2 reports', async () => {
    const events = await run(config({ source: 'mined', band: 'relatively_hard', relatively_hard: [5, 20], mine_top_k: 40 }, 3));
    const started = startedOf(events).hardNegatives!;
    expect(started).toMatchObject({ source: 'mined', usersWithPool: 0, fallbackShare: 1, firstMiningBeforeEpoch: 2, mineTopK: 40 });
    expect(started.bands).toEqual([{ band: 'relatively_hard', from: 5, to: 20, candidates: 0, usersWithCandidates: 0, users: started.users }]);
    const [first, second, third] = samplingOf(events);
    expect(first.hardNegatives).toBeUndefined();
    expect(first.distribution.hardFallback?.share).toBe(1);
    // Each user with positives keeps the 15 ranks 5..19 of its top 40 less its positives.
    for (const mined of [second.hardNegatives!, third.hardNegatives!]) {
      expect(mined.usersWithPool).toBe(started.users);
      expect(mined.bands![0]).toMatchObject({ candidates: 15 * started.users, usersWithCandidates: started.users });
      expect(mined.fallbackShare).toBe(0);
    }
    expect(second.distribution.hardFallback?.share).toBe(0);
  });

  it('says nothing about hard negatives when there are none', async () => {
    const events = await run(config({ source: 'none' }, 1));
    expect(startedOf(events).hardNegatives).toBeUndefined();
    expect(samplingOf(events)[0].distribution.hardFallback).toBeUndefined();
  });
});
