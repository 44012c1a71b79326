/** The sampling chart's note on hard slots that fell back to easy negatives, and old events without it. */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEventLines } from '../../../src/shared/events';
import { RunStore } from '../../../src/webview/model/runStore';
import { pickSnapshot, samplingChartData } from '../../../src/webview/model/samplingData';
import { ev, showEvents } from './helpers';

const deciles = () => Array(10).fill(0.1);

describe('hard-slot fallback on the sampling chart', () => {
  it('says the expected share at start and the counted share of each epoch', () => {
    const store = new RunStore();
    showEvents(store, { runId: 'a', runDir: '/r/a' }, [
      ev('a', {
        type: 'started',
        experiment: '/w/a.tower.yaml',
        mode: 'pairwise',
        loss: 'hinge',
        backend: 'cpu',
        pid: 1,
        epochs: 1,
        stepsPerEpoch: 1,
        batchSize: 4,
        resumedFromEpoch: 0,
        dataset: { users: 3, items: 5, trainPositives: 6, testPositives: 2 },
        params: {},
        sampling: { distribution: { positives: deciles(), negatives: { uniform: deciles() }, hardFallback: { share: 0.25 } } },
      }),
      ev('a', { type: 'sampling', epoch: 1, distribution: { positives: deciles(), negatives: { uniform: deciles(), hard_log: deciles() }, hardFallback: { share: 0.3, slots: 1000, fellBack: 300 } } }),
    ]);
    const run = store.get('a')!;
    expect(samplingChartData('a', pickSnapshot(run, 0)!).hardFallback).toBe('hard slots expected to fall back to easy negatives (users without a hard candidate): 25.0%');
    expect(samplingChartData('a', pickSnapshot(run, 1)!).hardFallback).toBe('hard slots that fell back to easy negatives (users without a hard candidate): 30.0% (300 of 1,000)');
  });

  it('has no note for runs without hard negatives, such as the recorded fixture runs from before the field existed', () => {
    const fixtures = path.resolve(__dirname, '../../fixtures/events/20261120-0920-bce-uniform/events.jsonl');
    const { events, badLines } = parseEventLines(readFileSync(fixtures, 'utf8'));
    expect(badLines).toEqual([]);
    const store = new RunStore();
    showEvents(store, { runId: 'old', runDir: '/r/old' }, events);
    const run = store.get('old')!;
    expect(run.sampling.length).toBeGreaterThan(0);
    for (const s of run.sampling) expect(samplingChartData('old', s).hardFallback).toBeUndefined();
  });
});
