import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { checkExperimentTextSync } from '../../../src/core/config/check';
import type { SweepConfig } from '../../../src/core/config/schema';
import { describePoint, expandSweep, gridCombinations, randomTrials, sweepPoints, sweepSeeds } from '../../../src/core/sweep/expand';
import { planSweep } from '../../../src/trainer/sweep';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const sweep = (s: Partial<SweepConfig>): SweepConfig => ({ seeds: 1, goal: 'max', ...s });

describe('sweep expansion (core/sweep/expand)', () => {
  it('crosses grid × random trials × seeds, the last grid parameter fastest', () => {
    const s = sweep({
      grid: { 'training.loss': ['softmax', 'hinge'], 'training.negatives.source': ['in_batch', 'popularity', 'uniform'] },
      random: { trials: 4, seed: 1, parameters: { 'training.learning_rate': { distribution: 'log_uniform', min: 1e-4, max: 1e-1 } } },
      seeds: 2,
    });
    const runs = expandSweep(s, { baseSeed: 42 });
    expect(runs).toHaveLength(2 * 3 * 4 * 2);
    expect(sweepPoints(s)).toHaveLength(24);
    expect(gridCombinations(s.grid).slice(0, 4)).toEqual([
      { 'training.loss': 'softmax', 'training.negatives.source': 'in_batch' },
      { 'training.loss': 'softmax', 'training.negatives.source': 'popularity' },
      { 'training.loss': 'softmax', 'training.negatives.source': 'uniform' },
      { 'training.loss': 'hinge', 'training.negatives.source': 'in_batch' },
    ]);
    // Seeds 42 and 43 of point 0, as --set overrides (YAML values: JSON keeps strings strings).
    expect(runs[0].overrides.slice(0, 2)).toEqual(['training.loss="softmax"', 'training.negatives.source="in_batch"']);
    expect(runs.slice(0, 2).map((r) => r.overrides.at(-1))).toEqual(['training.seed=42', 'training.seed=43']);
    expect(runs[0].point.index).toBe(runs[1].point.index);
  });

  it('draws random trials reproducibly from sweep.random.seed, within bounds, rounding integer fields', () => {
    const random = {
      trials: 50,
      seed: 7,
      parameters: {
        'training.learning_rate': { distribution: 'log_uniform' as const, min: 1e-4, max: 1e-1 },
        'score.temperature': { distribution: 'uniform' as const, min: 0.05, max: 0.5 },
        'training.batch_size': { distribution: 'uniform' as const, min: 16, max: 64 },
        'training.optimizer': { distribution: 'choice' as const, values: ['adam', 'adagrad'] },
      },
    };
    const a = randomTrials(random, new Set(['training.batch_size']));
    expect(randomTrials(random, new Set(['training.batch_size']))).toEqual(a);
    expect(randomTrials({ ...random, seed: 8 }, new Set(['training.batch_size']))).not.toEqual(a);
    for (const t of a) {
      expect(t['training.learning_rate']).toBeGreaterThanOrEqual(1e-4);
      expect(t['training.learning_rate']).toBeLessThanOrEqual(1e-1);
      expect(Number.isInteger(t['training.batch_size'])).toBe(true);
      expect(['adam', 'adagrad']).toContain(t['training.optimizer']);
    }
    // log_uniform: about half the draws below the geometric middle 10^-2.5 (a uniform draw would put ~3% there).
    const low = a.filter((t) => (t['training.learning_rate'] as number) < 10 ** -2.5).length;
    expect(low).toBeGreaterThan(15);
    expect(low).toBeLessThan(35);
    expect(new Set(a.map((t) => t['training.optimizer'])).size).toBe(2);
  });

  it('repeats over a seed count or a seed list; no grid and no random is the file itself', () => {
    expect(sweepSeeds(3, 10)).toEqual([10, 11, 12]);
    expect(sweepSeeds([7, 1], 10)).toEqual([7, 1]);
    const runs = expandSweep(sweep({ seeds: [7, 1] }), { baseSeed: 0 });
    expect(runs.map((r) => r.overrides)).toEqual([['training.seed=7'], ['training.seed=1']]);
    expect(describePoint(runs[0].point.values)).toBe('(the file as written)');
  });
});

const BASE = `data: { synthetic: { users: 50, items: 30 } }
user_tower: { id_embedding_dim: 4, output_dim: 4 }
item_tower: { id_embedding_dim: 4, output_dim: 4 }
training: { mode: listwise, loss: softmax, epochs: 1, negatives: { source: in_batch, logq_correction: true } }
evaluation: { k: [5, 10] }
`;

describe('sweep rules (core/config/sweepRules)', () => {
  const codes = (sweepYaml: string) => checkExperimentTextSync(`${BASE}sweep:\n${sweepYaml}`, { filePath: '/x.tower.yaml' }).diagnostics.map((d) => `${d.code}@${d.range.start.line}: ${d.message}`);
  it('accepts a valid sweep', () => {
    expect(codes('  grid:\n    training.loss: [softmax, hinge]\n  seeds: 2\n')).toEqual([]);
  });
  it('refuses an unknown path, with the closest one', () => {
    const [d] = codes('  grid:\n    training.los: [softmax]\n');
    expect(d).toMatch(/^sweep-unknown-path@7: `training.los` is not a field of the experiment: `training` has no key `los`. Did you mean `loss`\?/);
    expect(codes('  grid:\n    sweep.seeds: [1]\n')[0]).toMatch(/sweep-unknown-path.*part of the sweep itself/);
  });
  it('refuses a value the field does not take, pointing at it', () => {
    const [d] = codes('  grid:\n    training.loss: [softmax, hingee]\n    training.learning_rate: [0.01, -1]\n');
    expect(d).toMatch(/^sweep-bad-value@7: "hingee" cannot be a value of `training.loss`/);
    expect(codes('  grid:\n    training.learning_rate: [0.01, -1]\n')[0]).toMatch(/sweep-bad-value.*-1 cannot be a value of `training.learning_rate`/);
  });
  it('checks distributions, seeds and the metric', () => {
    const r = (p: string) => codes(`  random:\n    trials: 3\n    parameters:\n      ${p}\n`);
    expect(r('training.learning_rate: { distribution: log_uniform, min: 0, max: 1 }')[0]).toMatch(/sweep-bad-distribution.*min > 0/);
    expect(r('training.learning_rate: { distribution: uniform, min: 1, max: 0.5 }')[0]).toMatch(/must be below max/);
    expect(r('training.learning_rate: { distribution: uniform }')[0]).toMatch(/needs `min` and `max`/);
    expect(r('training.loss: { distribution: uniform, min: 0, max: 1 }')[0]).toMatch(/not a number.*choice/);
    expect(r('training.loss: { distribution: choice }')[0]).toMatch(/needs `values`/);
    expect(r('training.loss: { distribution: choice, values: [softmax, nope] }')[0]).toMatch(/sweep-bad-value.*"nope"/);
    expect(codes('  grid:\n    training.seed: [1, 2]\n  seeds: 2\n')[0]).toMatch(/sweep-seed-conflict/);
    expect(codes('  seeds: [3, 3]\n')[0]).toMatch(/sweep-seed-conflict.*twice/);
    expect(codes('  metric: recall@50\n')[0]).toMatch(/sweep-metric.*recall@50.*recall@5, recall@10/);
  });
});

describe('planSweep: refused combinations are skipped and listed, not launched', () => {
  it('skips the points the experiment rules refuse, with the rule and the --set that made it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ttl-sweep-'));
    dirs.push(dir);
    const file = path.join(dir, 'x.tower.yaml');
    writeFileSync(file, `${BASE}sweep:\n  grid:\n    training.loss: [softmax, hinge]\n    training.negatives.source: [in_batch, popularity]\n  seeds: 2\n`);
    const plan = await planSweep(file, path.join(dir, 'runs'), undefined);
    expect(plan.points).toBe(4);
    // listwise + hinge does not fit the mode (loss-mode-mismatch): both hinge points skipped, for both seeds.
    expect(plan.runs.map((r) => `${describePoint(r.values)} s${r.seed}`)).toEqual([
      'training.loss=softmax training.negatives.source=in_batch s42',
      'training.loss=softmax training.negatives.source=in_batch s43',
      'training.loss=softmax training.negatives.source=popularity s42',
      'training.loss=softmax training.negatives.source=popularity s43',
    ]);
    expect(plan.skipped.map((s) => [s.point, s.seeds])).toEqual([
      [2, [42, 43]],
      [3, [42, 43]],
    ]);
    expect(plan.skipped[0].reasons[0]).toMatch(/x\.tower\.yaml:\d+:\d+: error loss-mode-mismatch: .*\(value set by --set training\.loss="hinge"\)/);
    expect(plan.metric).toBe('recall@10');
    expect(plan.runs[0].runId).toMatch(/^x-sweep-\d{8}-\d{6}-[0-9a-f]{4}-p0-s42$/);
  });
});

describe('sweep fields that shape the run of a sweep', () => {
  it('parallel and metric come from the file (the CLI flag overrides parallel); goal: min sorts the table lowest first', async () => {
    const { formatSweepTable } = await import('../../../src/trainer/sweep');
    const dir = mkdtempSync(path.join(tmpdir(), 'ttl-sweep-'));
    dirs.push(dir);
    const file = path.join(dir, 'x.tower.yaml');
    writeFileSync(file, `${BASE}sweep:\n  grid:\n    score.temperature: [0.05, 0.1, 0.2]\n  seeds: [1, 2]\n  metric: ndcg@10\n  goal: min\n  parallel: 3\n`);
    const plan = await planSweep(file, path.join(dir, 'runs'), undefined);
    expect([plan.parallel, plan.metric, plan.goal]).toEqual([3, 'ndcg@10', 'min']);
    expect((await planSweep(file, path.join(dir, 'runs'), 2)).parallel).toBe(2);
    const values = new Map(plan.runs.map((r) => [r.runId, r.point === 1 ? 0.1 + r.seed / 100 : r.point === 0 ? 0.3 : 0.2]));
    const table = formatSweepTable(plan, values);
    const order = table.split('\n').filter((l) => /^\d\s/.test(l)).map((l) => /score\.temperature=(\S+)/.exec(l)?.[1]);
    expect(order).toEqual(['0.1', '0.2', '0.05']);
    // Point 1's seeds 0.11 and 0.12: mean 0.115 ± t(1)·0.005/√2·√2 = 12.706 · 0.005.
    expect(table).toContain(`0.1150 ± ${(12.706 * 0.005).toFixed(4)}`);
    const { goal: _g, ...maxPlan } = plan;
    const maxTable = formatSweepTable({ ...maxPlan, goal: 'max' }, values);
    expect(maxTable.split('\n').filter((l) => /^\d\s/.test(l)).map((l) => /score\.temperature=(\S+)/.exec(l)?.[1])).toEqual(['0.05', '0.2', '0.1']);
  });

  it('random trials reach the runs as overrides, crossed with the grid', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ttl-sweep-'));
    dirs.push(dir);
    const file = path.join(dir, 'x.tower.yaml');
    writeFileSync(file, `${BASE}sweep:\n  grid:\n    training.optimizer: [adam, adagrad]\n  random:\n    trials: 3\n    seed: 4\n    parameters:\n      training.batch_size: { distribution: uniform, min: 8, max: 64 }\n`);
    const plan = await planSweep(file, path.join(dir, 'runs'), undefined);
    expect(plan.runs).toHaveLength(6);
    const sizes = plan.runs.map((r) => r.values['training.batch_size'] as number);
    // Integer field: rounded draws; the same three trials for each optimizer.
    expect(sizes.every((b) => Number.isInteger(b) && b >= 8 && b <= 64)).toBe(true);
    expect(sizes.slice(0, 3)).toEqual(sizes.slice(3));
    expect(plan.runs[0].overrides).toContain(`training.batch_size=${sizes[0]}`);
  });
});
