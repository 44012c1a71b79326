/**
 * The real trainer: the best epoch's model kept (checkpoint/best, embeddings/best) and used by eval and
 * export unless --last; `compare` of two runs on the same split (paired bootstrap over their per-user
 * values), its refusal of runs on different splits, and of a run without per-user values.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { readPerUserEval } from '../../src/core/eval/perUser';
import { loadCheckpoint } from '../../src/core/train/checkpoint';
import { parseEventLines, type EndedEvent, type EvalEvent, type TrainerEvent } from '../../src/shared/events';
import type { Comparison } from '../../src/trainer/compare';
import { cleanup, runTrainer, tinySynthetic, workspace } from './trainerProcess';

afterAll(cleanup);

const events = (cwd: string, runId: string): TrainerEvent[] => parseEventLines(readFileSync(path.join(cwd, 'runs', runId, 'events.jsonl'), 'utf8')).events;
const evalAt = (evs: TrainerEvent[], epoch: number) => evs.find((e): e is EvalEvent => e.type === 'eval' && e.epoch === epoch)!.metrics;
const printed = (stdout: string, metric: string): number => Number(new RegExp(`^${metric}\\s+([0-9.]+)`, 'm').exec(stdout)?.[1]);

describe('the best model, not the last', () => {
  it('keeps the best epoch by the headline metric, says which, and eval/export use it unless --last', async () => {
    const cwd = workspace({ 'tiny.tower.yaml': tinySynthetic() });
    // On this seed and learning rate the MRR peaks at epoch 3 of 4: the best is not the last.
    const set = ['--set', 'training.learning_rate=0.2', '--set', 'training.early_stopping.metric=mrr', '--set', 'training.early_stopping.patience=10'];
    const r = await runTrainer(['train', 'tiny.tower.yaml', '--runs-dir', 'runs', '--run-id', 'b', '--epochs', '4', ...set], cwd);
    expect(r.code, r.stderr).toBe(0);
    const evs = events(cwd, 'b');
    const ended = evs.at(-1) as EndedEvent;
    expect(ended.best).toMatchObject({ metric: 'mrr', epoch: 3, checkpoint: 'checkpoint/best' });
    expect(r.stderr).toContain('best: epoch 3 by mrr');
    const dir = path.join(cwd, 'runs', 'b');
    // The checkpoint after epoch 4 carried epoch 3's over.
    expect(loadCheckpoint(path.join(dir, 'checkpoint', 'best'))?.state.epoch).toBe(3);
    expect(loadCheckpoint(path.join(dir, 'checkpoint'))?.state.epoch).toBe(4);
    // embeddings/best are the best epoch's item vectors, not the last's.
    const bestItems = readFileSync(path.join(dir, 'embeddings', 'best', 'items.bin'));
    expect(bestItems.byteLength).toBe(readFileSync(path.join(dir, 'embeddings', 'items.bin')).byteLength);
    expect(bestItems.equals(readFileSync(path.join(dir, 'embeddings', 'items.bin')))).toBe(false);

    const best = await runTrainer(['eval', 'b', '--runs-dir', 'runs'], cwd);
    expect(best.code, best.stderr).toBe(0);
    expect(best.stdout).toMatch(/checkpoint after epoch 3 .*best epoch 3 of 4/);
    expect(printed(best.stdout, 'mrr')).toBeCloseTo(evalAt(evs, 3).mrr, 4);
    const last = await runTrainer(['eval', 'b', '--runs-dir', 'runs', '--last'], cwd);
    expect(last.stdout).toMatch(/checkpoint after epoch 4 .*last checkpoint/);
    expect(printed(last.stdout, 'recall@10')).toBeCloseTo(evalAt(evs, 4)['recall@10'], 4);

    const ex = await runTrainer(['export', 'b', '--runs-dir', 'runs', '--out', 'out'], cwd);
    expect(ex.code, ex.stderr).toBe(0);
    expect(JSON.parse(readFileSync(path.join(cwd, 'out', 'model.json'), 'utf8'))).toMatchObject({ epoch: 3, model: 'best' });
    expect(readFileSync(path.join(cwd, 'out', 'items.bin')).equals(bestItems)).toBe(true);
    // A resumed run goes on from there: its best is whatever its ended event says, and that is what is kept.
    expect((await runTrainer(['train', '--resume', 'b', '--runs-dir', 'runs', '--epochs', '5'], cwd)).code).toBe(0);
    const resumedBest = (events(cwd, 'b').at(-1) as EndedEvent).best!;
    expect(loadCheckpoint(path.join(dir, 'checkpoint', 'best'))?.state.epoch).toBe(resumedBest.epoch);
  });

  it('a run that evaluates once keeps no separate best', async () => {
    const cwd = workspace({ 'tiny.tower.yaml': tinySynthetic() });
    expect((await runTrainer(['train', 'tiny.tower.yaml', '--runs-dir', 'runs', '--run-id', 'one', '--set', 'evaluation.every=2'], cwd)).code).toBe(0);
    expect(existsSync(path.join(cwd, 'runs', 'one', 'checkpoint', 'best'))).toBe(false);
    expect((events(cwd, 'one').at(-1) as EndedEvent).best?.checkpoint).toBeUndefined();
    const ev = await runTrainer(['eval', 'one', '--runs-dir', 'runs'], cwd);
    expect(ev.stdout).toMatch(/last checkpoint, epoch 2/);
  });
});

describe('two-tower-lab compare', () => {
  it('gives each metric a paired bootstrap interval, refuses other splits and says how to get missing per-user values', async () => {
    const cwd = workspace({ 'tiny.tower.yaml': tinySynthetic() });
    const train = (id: string, ...set: string[]) => runTrainer(['train', 'tiny.tower.yaml', '--runs-dir', 'runs', '--run-id', id, '--quiet', ...set.flatMap((s) => ['--set', s])], cwd);
    expect((await train('a')).code).toBe(0);
    expect((await train('b', 'training.negatives.logq_correction=false', 'training.seed=9')).code).toBe(0);
    expect((await train('other', 'data.seed=7')).code).toBe(0);

    const text = await runTrainer(['compare', 'a', 'b', '--runs-dir', 'runs', '--resamples', '1000'], cwd);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/1000 resamples, seed 1/);
    expect(text.stdout).toMatch(/^recall@10\s+0\.\d{4}\s+0\.\d{4}\s+[+−]0\.\d{4}\s+\[[+−]0\.\d{4}, [+−]0\.\d{4}\]/m);

    const json = await runTrainer(['compare', 'a', 'b', '--runs-dir', 'runs', '--json', '--seed', '4'], cwd);
    const c = JSON.parse(json.stdout) as Comparison;
    const best = (id: string) => (events(cwd, id).at(-1) as EndedEvent).best!.epoch;
    expect(c.a).toEqual({ runId: 'a', epoch: best('a'), model: 'best' });
    const recall = c.metrics.find((m) => m.metric === 'recall@10')!;
    // The difference is that of the runs' own metrics at the compared epochs; the interval contains it.
    expect(recall.a).toBeCloseTo(evalAt(events(cwd, 'a'), c.a.epoch)['recall@10'], 12);
    expect(recall.b).toBeCloseTo(evalAt(events(cwd, 'b'), c.b.epoch)['recall@10'], 12);
    expect(recall.difference).toBeCloseTo(recall.a - recall.b, 12);
    expect(recall.low).toBeLessThanOrEqual(recall.difference);
    expect(recall.high).toBeGreaterThanOrEqual(recall.difference);
    expect(recall.excludesZero).toBe(recall.low > 0 || recall.high < 0);
    expect(c.users).toBe(readPerUserEval(path.join(cwd, 'runs', 'a'), c.a.epoch)!.users.length);
    // A run compared with itself: every difference exactly zero, no mark.
    const self = JSON.parse((await runTrainer(['compare', 'a', 'a', '--runs-dir', 'runs', '--json'], cwd)).stdout) as Comparison;
    expect(self.metrics.every((m) => m.difference === 0 && m.low === 0 && m.high === 0 && !m.excludesZero)).toBe(true);

    const refused = await runTrainer(['compare', 'a', 'other', '--runs-dir', 'runs'], cwd);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/different splits[\s\S]*data\.seed: 42 vs 7/);

    rmSync(path.join(cwd, 'runs', 'b', 'eval'), { recursive: true });
    const missing = await runTrainer(['compare', 'a', 'b', '--runs-dir', 'runs'], cwd);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/Run b has no per-user values for epoch \d+ .*two-tower-lab eval b --runs-dir runs/);
    expect((await runTrainer(['eval', 'b', '--runs-dir', 'runs'], cwd)).code).toBe(0);
    expect((await runTrainer(['compare', 'a', 'b', '--runs-dir', 'runs'], cwd)).code).toBe(0);

    const usage = await runTrainer(['compare', 'a', 'b', '--resamples', '10'], cwd);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--resamples takes a whole number ≥ 1000/);
  });
});
