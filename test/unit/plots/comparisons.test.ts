/**
 * The runs table's comparisons as the plots host computes them (src/extension/plots/comparisons.ts):
 * real run folders (config.yaml, checkpoint/state.json, eval/epoch-N.bin) with per-user values small
 * enough to derive every interval by hand.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { writePerUserEval } from '../../../src/core/eval/perUser';
import { RunComparisons, type ComparedRunInput } from '../../../src/extension/plots/comparisons';
import type { RunComparison } from '../../../src/shared/webviewProtocol';
import { tinySynthetic } from '../../trainer/trainerProcess';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ttl-comparisons-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A run folder whose last checkpoint is `epoch` (and `best`, when given, its kept best epoch) with these per-user columns at `perUserEpoch`. */
function makeRun(runId: string, columns: Record<string, number[]>, options: { epoch?: number; best?: number; perUserEpoch?: number; config?: string; users?: number[] } = {}): ComparedRunInput {
  const runDir = join(dir, runId);
  mkdirSync(join(runDir, 'checkpoint'), { recursive: true });
  writeFileSync(join(runDir, 'config.yaml'), options.config ?? tinySynthetic());
  const epoch = options.epoch ?? 1;
  writeFileSync(join(runDir, 'checkpoint', 'state.json'), JSON.stringify({ epoch }));
  if (options.best !== undefined) {
    mkdirSync(join(runDir, 'checkpoint', 'best'));
    writeFileSync(join(runDir, 'checkpoint', 'best', 'state.json'), JSON.stringify({ epoch: options.best }));
  }
  const names = Object.keys(columns);
  const n = columns[names[0]].length;
  writePerUserEval(runDir, options.perUserEpoch ?? options.best ?? epoch, { users: Int32Array.from(options.users ?? Array.from({ length: n }, (_, i) => i)), columns: names, values: names.map((c) => Float64Array.from(columns[c])) });
  return { runId, runDir };
}

const byId = (runs: RunComparison[], id: string): RunComparison => runs.find((r) => r.runId === id)!;

describe('RunComparisons (the runs table against a reference run)', () => {
  it('gives each run its difference from the first run with the paired interval and the mark, derived by hand', async () => {
    // recall@10: every user gains 0.25, so every resample's mean difference is 0.25: the interval is [0.25, 0.25], excluding zero.
    // mrr: the users' differences are +0.5 and −0.5; a resample of two users has mean −0.5, 0 or +0.5 with chances ¼, ½, ¼,
    // so the 2.5% and 97.5% percentiles of 2000 resamples are −0.5 and +0.5: the interval holds zero.
    const reference = makeRun('ref', { 'recall@10': [0.25, 0.5], mrr: [0.5, 0.5] });
    const better = makeRun('better', { 'recall@10': [0.5, 0.75], mrr: [1, 0] });
    const message = (await new RunComparisons().compute([reference, better], null))!;
    expect(message.referenceRunId).toBe('ref');
    expect(message.resamples).toBe(2000);
    expect(message.seed).toBe(1);
    expect(byId(message.runs, 'ref')).toEqual({ runId: 'ref', status: 'reference', model: { which: 'last', epoch: 1 }, users: 2 });
    const b = byId(message.runs, 'better');
    expect(b.status).toBe('compared');
    if (b.status !== 'compared') return;
    expect(b.users).toBe(2);
    expect(b.metrics['recall@10']).toEqual({ difference: 0.25, low: 0.25, high: 0.25, excludesZero: true });
    expect(b.metrics.mrr).toEqual({ difference: 0, low: -0.5, high: 0.5, excludesZero: false });
  });

  it('compares with the chosen reference, at each run\'s best epoch when it kept one', async () => {
    const first = makeRun('first', { 'recall@10': [0, 0, 1] });
    // Last checkpoint epoch 3, best epoch 2: the best epoch's file (epoch-2.bin) is the one compared, as with compare.
    const chosen = makeRun('chosen', { 'recall@10': [1, 1, 1] }, { epoch: 3, best: 2 });
    const message = (await new RunComparisons().compute([first, chosen], 'chosen'))!;
    expect(message.referenceRunId).toBe('chosen');
    expect(byId(message.runs, 'chosen')).toMatchObject({ status: 'reference', model: { which: 'best', epoch: 2 } });
    const f = byId(message.runs, 'first');
    // Differences −1, −1, 0: mean −2/3; the resample means are k/3 − 1 for k users of the 0 among 3, the 97.5% percentile
    // is below zero unless a resample draws the third user three times (chance 1/27 = 3.7% > 2.5%), so the high end is 0.
    expect(f).toMatchObject({ status: 'compared', model: { which: 'last', epoch: 1 } });
    if (f.status !== 'compared') return;
    expect(f.metrics['recall@10'].difference).toBeCloseTo(-2 / 3, 12);
    expect(f.metrics['recall@10'].low).toBe(-1);
    expect(f.metrics['recall@10'].high).toBe(0);
    expect(f.metrics['recall@10'].excludesZero).toBe(false);
  });

  it('says why a run on another split, or without per-user values, has no interval', async () => {
    const reference = makeRun('ref', { 'recall@10': [0.5, 0.5] });
    const otherSplit = makeRun('other-split', { 'recall@10': [1, 1] }, { config: tinySynthetic().replace('data:\n', 'data:\n  seed: 7\n') });
    const otherUsers = makeRun('other-users', { 'recall@10': [1, 1] }, { users: [0, 5] });
    // Its checkpoint is epoch 2 but only epoch 1's values exist: trained before they were kept.
    const old = makeRun('old', { 'recall@10': [1, 1] }, { epoch: 2, perUserEpoch: 1 });
    const message = (await new RunComparisons().compute([reference, otherSplit, otherUsers, old], null))!;
    const split = byId(message.runs, 'other-split');
    expect(split.status).toBe('notComparable');
    expect(split.status !== 'compared' && split.status !== 'reference' && split.reason).toMatch(/different splits[\s\S]*data\.seed: 7 vs 42/);
    const users = byId(message.runs, 'other-users');
    expect(users).toMatchObject({ status: 'notComparable' });
    expect(users.status === 'notComparable' && users.reason).toMatch(/different test users/);
    const stale = byId(message.runs, 'old');
    expect(stale.status).toBe('unavailable');
    expect(stale.status === 'unavailable' && stale.reason).toMatch(/no per-user values for epoch 2.*two-tower-lab eval old/s);
  });

  it('reports every run as unavailable while the reference has no evaluated model yet', async () => {
    const queued = join(dir, 'queued');
    mkdirSync(queued);
    writeFileSync(join(queued, 'config.yaml'), tinySynthetic());
    const other = makeRun('other', { 'recall@10': [1] });
    const message = (await new RunComparisons().compute([{ runId: 'queued', runDir: queued }, other], null))!;
    expect(byId(message.runs, 'queued')).toMatchObject({ status: 'unavailable', reason: expect.stringMatching(/no checkpoint yet/) });
    expect(byId(message.runs, 'other')).toMatchObject({ status: 'unavailable', reason: expect.stringMatching(/reference run queued cannot be compared yet/) });
  });

  it('bootstraps a pair again only when one of its per-user files changed, and gives up a computation a newer one superseded', async () => {
    const reference = makeRun('ref', { 'recall@10': [0.25, 0.5] });
    const run = makeRun('run', { 'recall@10': [0.5, 0.75] });
    const comparisons = new RunComparisons();
    let bootstraps = 0;
    const counting = async (): Promise<void> => void bootstraps++;
    await comparisons.compute([reference, run], null, counting);
    await comparisons.compute([reference, run], null, counting);
    expect(bootstraps).toBe(1);
    // A new evaluation rewrites the file (a new eval of epoch 1 again, e.g. `two-tower-lab eval`): recomputed.
    await new Promise((resolve) => setTimeout(resolve, 20));
    makeRun('run', { 'recall@10': [1, 1] });
    const again = (await comparisons.compute([reference, run], null, counting))!;
    expect(bootstraps).toBe(2);
    // Differences 0.75 and 0.5: resample means 0.5, 0.625, 0.75 with chances ¼, ½, ¼, so the interval is [0.5, 0.75].
    expect(byId(again.runs, 'run')).toMatchObject({ metrics: { 'recall@10': { difference: 0.625, low: 0.5, high: 0.75, excludesZero: true } } });
    // Two computations at once: the first yields to the second and returns nothing (the second's result is the one sent).
    const late = makeRun('late', { 'recall@10': [0, 0] });
    const superseded = comparisons.compute([reference, late], null);
    const newest = comparisons.compute([reference, run], null);
    expect(await superseded).toBeUndefined();
    expect((await newest)!.runs.map((r) => r.runId)).toEqual(['ref', 'run']);
  });

  it('compares nothing with fewer than two runs', async () => {
    expect(await new RunComparisons().compute([makeRun('only', { 'recall@10': [1] })], null)).toBeUndefined();
  });
});
