import { describe, expect, it } from 'vitest';
import { summarizeRun } from '../../../src/core/runs/runSummary';
import { changedLabel, escapeMarkdown, formatDuration, progressText, runView } from '../../../src/extension/runs/runView';
import type { TrainerEvent } from '../../../src/shared/events';

const base = { schemaVersion: 1, runId: 'exp-20260101-120000-abcd' };
const started: TrainerEvent = {
  ...base, type: 'started', time: '2026-01-01T12:00:00.000Z', experiment: '/ws/exp.tower.yaml', mode: 'listwise', loss: 'softmax', backend: 'wasm', pid: 42,
  epochs: 10, stepsPerEpoch: 5, batchSize: 16, resumedFromEpoch: 0, dataset: { users: 5, items: 4, trainPositives: 10, testPositives: 5 },
  params: { 'training.loss': 'softmax', 'training.batch_size': 16 },
};
const epoch3: TrainerEvent = { ...base, type: 'epoch', time: '2026-01-01T12:00:30.000Z', epoch: 3, step: 15, loss: 4.3149, examplesPerSec: 22_400, durationSec: 10, elapsedSec: 30 };
const eval1: TrainerEvent = { ...base, type: 'eval', time: '2026-01-01T12:00:31.000Z', epoch: 3, step: 15, metrics: { 'recall@50': 0.3124, 'ndcg@10': 0.1 }, baseline: { 'recall@50': 0.2, 'ndcg@10': 0.05 }, elapsedSec: 31 };
const eval2: TrainerEvent = { ...eval1, epoch: 4, metrics: { 'recall@50': 0.29, 'ndcg@10': 0.11 } };
const ended: TrainerEvent = { ...base, type: 'ended', time: '2026-01-01T12:04:05.000Z', status: 'failed', error: 'Out of memory in step 9 [see log]', epoch: 4, step: 20, elapsedSec: 245 };

describe('runView', () => {
  it('shows a live run with the spinning icon, mode/loss, the epoch in progress, best recall@50 and duration', () => {
    // now = 12:01:05 → 65 s since the start.
    const summary = summarizeRun(base.runId, [started, epoch3, eval1, eval2], { now: Date.parse('2026-01-01T12:01:05.000Z') });
    const v = runView(summary, 'exp');
    expect(v.label).toBe('20260101-120000-abcd');
    expect(v.icon).toEqual({ id: 'sync~spin', color: 'charts.blue' });
    expect(v.contextValue).toBe('run.running');
    // Best recall@50 is 0.3124 (epoch 3), not the later 0.29; epoch 4 of 10 is in progress after 3 completed.
    // The metric first (the default sidebar width cuts the end of the row), then the epoch in progress.
    expect(v.description).toBe('recall@50 0.312 · epoch 4/10 · listwise/softmax · 1m 05s');
    expect(progressText(summary)).toBe('epoch 4/10 · loss 4.31 · 22k ex/s');
  });

  it('shows a failed run with its status in words and its error in the tooltip, escaped for Markdown', () => {
    const summary = summarizeRun(base.runId, [started, epoch3, eval1, ended]);
    const v = runView(summary, 'other');
    expect(v.label).toBe(base.runId);
    expect(v.icon.id).toBe('error');
    expect(v.contextValue).toBe('run.failed');
    // 12:00:00 → 12:04:05 = 245 s.
    expect(v.description).toBe('recall@50 0.312 · failed · listwise/softmax · 4m 05s');
    expect(v.tooltipMarkdown).toContain('**Error:** Out of memory in step 9 \\[see log\\]');
    // Not the ~100 parameters: those are in the plots' runs table.
    expect(v.tooltipMarkdown).not.toContain('training\\.batch\\_size');
    expect(v.tooltipMarkdown).toContain('best recall@50 **0.312** at epoch 3 (popularity 0.200)');
  });

  it('labels a run by its name, else by what it changes from its experiment file, else by its id', () => {
    const summary = summarizeRun(base.runId, [started, epoch3, eval1, ended]);
    const changed = { 'training.loss': 'hinge', 'training.mode': 'pairwise', 'training.learning_rate': 0.01 };
    expect(runView(summary, 'exp', { changed }).label).toBe('pairwise · hinge · lr 0.01');
    expect(runView(summary, 'exp', { name: 'baseline', changed }).label).toBe('baseline');
    expect(runView(summary, 'exp', { changed: {} }).label).toBe('20260101-120000-abcd');
    expect(changedLabel({ 'training.epochs': 3, 'training.seed': 2, 'training.batch_size': 64, 'training.negatives.source': 'popularity' })).toBe('epochs 3 · seed 2 · batch 64 +1');
    const tip = runView(summary, 'exp', { name: 'baseline', changed }).tooltipMarkdown;
    expect(tip).toContain('**baseline** (exp\\-20260101\\-120000\\-abcd)');
    expect(tip).toContain('| training\\.learning\\_rate | 0\\.01 |');
    // The headline metrics of the last evaluation, not every metric.
    expect(tip).toContain('| recall@50 | 0.312 |');
    expect(runView(summary, 'exp', { changed: {} }).tooltipMarkdown).toContain('the experiment file as it is');
  });

  it('formats durations and escapes Markdown', () => {
    expect(formatDuration(59.4)).toBe('59s');
    expect(formatDuration(7_380)).toBe('2h 03m');
    expect(escapeMarkdown('a*b_c')).toBe('a\\*b\\_c');
  });
});

describe('runView of a torch run', () => {
  const torchStarted: TrainerEvent = { ...started, backend: 'torch', engine: 'torch', device: 'cpu', processes: 2, worldSize: 2, threads: 1, torch: '1.13.0' };

  it('names the engine, device and ranks in the row and the tooltip, as the tfjs backend is named', () => {
    const summary = summarizeRun(base.runId, [torchStarted, epoch3, eval1], { now: Date.parse('2026-01-01T12:01:05.000Z') });
    expect(summary.engine).toBe('torch · cpu × 2');
    const v = runView(summary, 'exp');
    expect(v.description).toBe('recall@50 0.312 · epoch 4/10 · listwise/softmax · torch · cpu × 2 · 1m 05s');
    expect(v.tooltipMarkdown).toContain('listwise/softmax on torch · cpu × 2');
    // Everything else reads the same as for tfjs: the status bar text too.
    expect(progressText(summary)).toBe('epoch 4/10 · loss 4.31 · 22k ex/s');
  });

  it('keeps tfjs rows as they were, and says the backend in the tooltip', () => {
    const v = runView(summarizeRun(base.runId, [started, epoch3, eval1, ended]), 'exp');
    expect(v.description).toBe('recall@50 0.312 · failed · listwise/softmax · 4m 05s');
    expect(v.tooltipMarkdown).toContain('listwise/softmax on tfjs · wasm');
  });
});
