import { mkdtemp, appendFile, writeFile, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EVENTS_SCHEMA_VERSION, type TrainerEvent } from '../../../src/shared/events';
import { EventTail } from '../../../src/core/runs/eventTail';
import { headlineMetric, headlineMetricOf as headlineMetricName } from '../../../src/shared/headline';
import { summarizeRun } from '../../../src/core/runs/runSummary';
import { listRunFolders } from '../../../src/core/runs/runsDir';

const base = { schemaVersion: EVENTS_SCHEMA_VERSION, runId: 'r1' };
const started = (time: string, pid = 4242): TrainerEvent => ({
  ...base, type: 'started', time, experiment: '/w/a.tower.yaml', mode: 'listwise', loss: 'softmax', backend: 'wasm', pid,
  epochs: 3, stepsPerEpoch: 10, batchSize: 8, resumedFromEpoch: 0,
  dataset: { users: 5, items: 7, trainPositives: 20, testPositives: 5 }, params: { 'training.loss': 'softmax' },
});
const evalAt = (epoch: number, recall: number, time: string): TrainerEvent => ({
  ...base, type: 'eval', time, epoch, step: epoch * 10, metrics: { 'recall@10': recall / 2, 'recall@50': recall }, baseline: { 'recall@50': 0.1 }, elapsedSec: epoch,
});
const endedAt = (status: 'completed' | 'failed' | 'stopped', time: string): TrainerEvent => ({
  ...base, type: 'ended', time, status, epoch: 3, step: 30, elapsedSec: 9, ...(status === 'failed' ? { error: 'boom' } : {}),
});

describe('summarizeRun', () => {
  it('folds a completed run: best headline metric, not the last one; duration from started to ended', () => {
    const s = summarizeRun('r1', [
      started('2026-01-01T00:00:00.000Z'),
      evalAt(1, 0.2, '2026-01-01T00:00:01.000Z'),
      evalAt(2, 0.4, '2026-01-01T00:00:02.000Z'),
      evalAt(3, 0.3, '2026-01-01T00:00:03.000Z'),
      endedAt('completed', '2026-01-01T00:00:04.500Z'),
    ]);
    expect(s.status).toBe('completed');
    expect(s.headline).toEqual({ metric: 'recall@50', value: 0.4, epoch: 2, baseline: 0.1 });
    expect(s.durationSec).toBeCloseTo(4.5, 6);
    expect(s.mode).toBe('listwise');
  });

  it('reports a run whose process died as failed with an error naming the run, never running', () => {
    const s = summarizeRun('r1', [started('2026-01-01T00:00:00.000Z', 999999)], { isAlive: () => false });
    expect(s.status).toBe('failed');
    expect(s.error).toMatch(/pid 999999.*r1/);
    const live = summarizeRun('r1', [started('2026-01-01T00:00:00.000Z')], { isAlive: () => true, now: Date.parse('2026-01-01T00:00:10.000Z') });
    expect(live.status).toBe('running');
    expect(live.durationSec).toBe(10);
  });

  it('a resumed run (started after ended) is running again', () => {
    const s = summarizeRun('r1', [started('2026-01-01T00:00:00.000Z'), endedAt('stopped', '2026-01-01T00:00:05.000Z'), started('2026-01-01T00:01:00.000Z')], { isAlive: () => true });
    expect(s.status).toBe('running');
  });

  it('the duration counts training only: not the time a run sat stopped, nor after a killed process\'s last event', () => {
    const stoppedThenResumed = [started('2026-01-01T00:00:00.000Z'), endedAt('stopped', '2026-01-01T00:00:20.000Z'), started('2026-01-01T00:05:00.000Z'), endedAt('completed', '2026-01-01T00:05:10.000Z')];
    expect(summarizeRun('r1', stoppedThenResumed).durationSec).toBe(30);
    // The first process was killed (its last event at 8 s, no `ended`); the resume trained 10 s more.
    const killedThenResumed = [started('2026-01-01T00:00:00.000Z'), evalAt(1, 0.2, '2026-01-01T00:00:08.000Z'), started('2026-01-01T01:00:00.000Z'), endedAt('completed', '2026-01-01T01:00:10.000Z')];
    expect(summarizeRun('r1', killedThenResumed).durationSec).toBe(18);
    // While the resume runs: its time so far is added to the earlier processes' time.
    const live = summarizeRun('r1', stoppedThenResumed.slice(0, 3), { isAlive: () => true, now: Date.parse('2026-01-01T00:05:04.000Z') });
    expect(live.durationSec).toBe(24);
  });

  it('picks the headline metric: recall@50, else the largest recall@K ≤ 100, else ndcg, else mrr', () => {
    expect(headlineMetricName({ 'recall@10': 1, 'recall@50': 1 })).toBe('recall@50');
    expect(headlineMetricName({ 'recall@10': 1, 'recall@100': 1, 'recall@200': 1 })).toBe('recall@100');
    expect(headlineMetricName({ 'recall@500': 1 })).toBe('recall@500');
    expect(headlineMetricName({ 'ndcg@10': 1, mrr: 1 })).toBe('ndcg@10');
    expect(headlineMetricName({ mrr: 1 })).toBe('mrr');
    expect(headlineMetricName({})).toBeUndefined();
    // Early stopping's metric wins when the run reported it.
    expect(headlineMetricName({ 'recall@50': 1, 'ndcg@10': 1 }, 'ndcg@10')).toBe('ndcg@10');
    // The trainer's side (ended.best, early stopping, the end-of-run line) uses the same rule on evaluation.k.
    expect(headlineMetric([10, 50, 100])).toBe('recall@50');
    expect(headlineMetric([10, 20])).toBe('recall@20');
    expect(headlineMetric([200, 500])).toBe('recall@200');
    expect(headlineMetric([10, 50], 'mrr')).toBe('mrr');
  });
});

describe('EventTail and listRunFolders', () => {
  let dir: string;
  beforeEach(async () => { dir = await mkdtemp(path.join(tmpdir(), 'ttl-runs-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  it('returns only new events, holds back a partial last line, and survives a multi-byte character split across reads', async () => {
    const file = path.join(dir, 'events.jsonl');
    const tail = new EventTail(file);
    expect(await tail.read()).toEqual([]); // no file yet
    const first = JSON.stringify(started('2026-01-01T00:00:00.000Z'));
    const withUnicode = JSON.stringify({ ...endedAt('failed', '2026-01-01T00:00:01.000Z'), error: 'loss is NaN — τ too small' });
    await appendFile(file, first + '\n' + withUnicode.slice(0, 10));
    expect((await tail.read()).map((e) => e.type)).toEqual(['started']);
    expect(tail.partialLine).toBe(withUnicode.slice(0, 10));
    // Split the rest in the middle of the 3-byte '—'.
    const rest = Buffer.from(withUnicode.slice(10) + '\n', 'utf8');
    const cut = rest.indexOf(Buffer.from('—', 'utf8')) + 1;
    await appendFile(file, rest.subarray(0, cut));
    expect(await tail.read()).toEqual([]);
    await appendFile(file, rest.subarray(cut));
    const events = await tail.read();
    expect(events).toHaveLength(1);
    expect(events[0].type === 'ended' && events[0].error).toBe('loss is NaN — τ too small');
    await appendFile(file, '{not json}\n');
    expect(await tail.read()).toEqual([]);
    expect(tail.badLines).toEqual([3]);
  });

  it('lists run folders newest first and tolerates a truncated last line', async () => {
    for (const [id, time] of [['old', '2026-01-01T00:00:00.000Z'], ['new', '2026-02-01T00:00:00.000Z']] as const) {
      await mkdir(path.join(dir, id));
      await writeFile(path.join(dir, id, 'events.jsonl'), JSON.stringify({ ...started(time), runId: id }) + '\n' + '{"schemaVersion":1,"type":"ep');
    }
    await mkdir(path.join(dir, 'empty'));
    // A hidden folder is a run folder being made (or a dead creator's leftover), not a run.
    await mkdir(path.join(dir, '.making.tmp-1'));
    const runs = await listRunFolders(dir, { isAlive: () => true });
    expect(runs.map((r) => r.runId)).toEqual(['new', 'old', 'empty']);
    expect(runs[0].summary.status).toBe('running');
    // No events and no trainer owns it: nothing will ever start there.
    expect(runs[2].summary.status).toBe('failed');
    expect(runs[2].summary.error).toMatch(/holds no run.*it is empty.*--run-id empty/);
    expect(await listRunFolders(path.join(dir, 'missing'))).toEqual([]);
  });
});
