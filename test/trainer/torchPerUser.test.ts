/**
 * The torch engine (real torchrun workers) writes the same run-folder parts as tfjs: eval/epoch-N.bin of
 * per-user values in the one format, checkpoint/best and embeddings/best of the best epoch; the
 * TypeScript `eval` of the torch checkpoint gives the same per-user values, and `compare` pairs a torch
 * run with a tfjs run. Skipped, with the reason, where /usr/bin/python3 has no torch.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { readPerUserEval } from '../../src/core/eval/perUser';
import { loadCheckpoint } from '../../src/core/train/checkpoint';
import { parseEventLines, type EndedEvent, type EvalEvent } from '../../src/shared/events';
import type { Comparison } from '../../src/trainer/compare';
import { cleanup, runTrainer, tinySynthetic, workspace } from './trainerProcess';

afterAll(cleanup);

const PYTHON = '/usr/bin/python3';
const hasTorch = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8' }).status === 0;

describe.skipIf(!hasTorch)('torch engine: per-user values and the best model (skipped without torch in /usr/bin/python3)', () => {
  it('writes eval/epoch-N.bin and checkpoint/best like tfjs; TS eval of it agrees; compare pairs it with a tfjs run', async () => {
    const cwd = workspace({ 'tiny.tower.yaml': tinySynthetic() });
    const common = ['--runs-dir', 'runs', '--epochs', '3', '--quiet', '--set', 'training.early_stopping.metric=mrr', '--set', 'training.early_stopping.patience=10'];
    const torch = await runTrainer(['train', 'tiny.tower.yaml', '--run-id', 't', '--engine', 'torch', '--python', PYTHON, ...common], cwd);
    expect(torch.code, torch.stderr).toBe(0);
    const dir = path.join(cwd, 'runs', 't');
    const events = parseEventLines(readFileSync(path.join(dir, 'events.jsonl'), 'utf8')).events;
    const evals = events.filter((e): e is EvalEvent => e.type === 'eval');
    expect(evals.map((e) => e.epoch)).toEqual([1, 2, 3]);
    for (const e of evals) {
      const perUser = readPerUserEval(dir, e.epoch)!;
      for (const [ci, column] of perUser.columns.entries()) expect(perUser.values[ci].reduce((a, b) => a + b, 0) / perUser.users.length, `epoch ${e.epoch} ${column}`).toBeCloseTo(e.metrics[column], 9);
    }
    const best = (events.at(-1) as EndedEvent).best!;
    expect(best).toMatchObject({ metric: 'mrr', checkpoint: 'checkpoint/best' });
    expect(loadCheckpoint(path.join(dir, 'checkpoint', 'best'))?.state).toMatchObject({ engine: 'torch', epoch: best.epoch });
    expect(existsSync(path.join(dir, 'embeddings', 'best', 'items.bin'))).toBe(true);

    const fromPython = readPerUserEval(dir, best.epoch)!;
    const ev = await runTrainer(['eval', 't', '--runs-dir', 'runs'], cwd);
    expect(ev.code, ev.stderr).toBe(0);
    expect(ev.stdout).toMatch(new RegExp(`checkpoint after epoch ${best.epoch} .*best epoch ${best.epoch} of 3`));
    const fromTs = readPerUserEval(dir, best.epoch)!;
    expect(Array.from(fromTs.users)).toEqual(Array.from(fromPython.users));
    expect(fromTs.columns).toEqual(fromPython.columns);
    // Float32 scores from two engines: a tie may break differently for a user or two, the means agree.
    fromTs.columns.forEach((c, ci) => {
      const mean = (v: Float64Array) => v.reduce((a, b) => a + b, 0) / v.length;
      expect(Math.abs(mean(fromTs.values[ci]) - mean(fromPython.values[ci])), c).toBeLessThan(0.01);
    });

    expect((await runTrainer(['train', 'tiny.tower.yaml', '--run-id', 'j', ...common], cwd)).code).toBe(0);
    const cmp = await runTrainer(['compare', 't', 'j', '--runs-dir', 'runs', '--json'], cwd);
    expect(cmp.code, cmp.stderr).toBe(0);
    const c = JSON.parse(cmp.stdout) as Comparison;
    expect(c.users).toBe(fromPython.users.length);
    expect(c.metrics.map((m) => m.metric)).toContain('recall@10');
  }, 180_000);
});
