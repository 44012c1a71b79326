import { describe, expect, it, vi } from 'vitest';
import { AppendBatcher } from '../../../src/extension/plots/appendBatcher';
import { Column } from '../../../src/shared/column';
import { applyChunk, chunkBuffers, emptyRunColumns, RunColumnsFeed } from '../../../src/shared/runColumns';
import type { AppendRunDataMessage } from '../../../src/shared/webviewProtocol';
import { isHostToWebviewMessage, isWebviewToHostMessage, readLayout, readViewState, WEBVIEW_PROTOCOL_VERSION } from '../../../src/shared/webviewProtocol';
import { ev, evalEvent, started, step } from './helpers';

describe('Column', () => {
  it('grows past its capacity, truncates, pads, and copies a tail into a buffer of its own', () => {
    const c = new Column(2);
    [1, 2, 3].forEach((v) => c.push(v));
    expect(c.toArray()).toEqual([1, 2, 3]);
    c.truncate(1);
    expect(c.toArray()).toEqual([1]);
    expect(c.truncations).toBe(1);
    c.fillTo(3);
    expect(c.toArray()).toEqual([1, NaN, NaN]);
    const tail = c.copyFrom(1);
    expect(tail.length).toBe(2);
    expect(tail.byteOffset).toBe(0);
    expect(tail.buffer.byteLength).toBe(16);
  });
});

describe('RunColumnsFeed → applyChunk', () => {
  it('sends only the points added since the last chunk, and the receiver ends with the same columns', () => {
    const feed = new RunColumnsFeed();
    feed.add([started('a', {}), step('a', 1, 3), step('a', 2, 2)]);
    const first = feed.fullChunk();
    expect(first.steps?.from).toBe(0);
    expect([...first.steps!.loss]).toEqual([3, 2]);
    feed.add([step('a', 3, 1.5), evalEvent('a', 1, 3, { 'recall@10': 0.2 }, { 'recall@10': 0.1 })]);
    const second = feed.takeChunk();
    // Only step 3 travels; `started` did not change so it is left out.
    expect(second.steps?.from).toBe(2);
    expect([...second.steps!.step]).toEqual([3]);
    expect(second.started).toBeUndefined();
    expect(second.events).toBe(2);
    expect(feed.takeChunk()).toEqual({ events: 0 });

    const received = emptyRunColumns();
    applyChunk(received, first);
    applyChunk(received, second);
    expect(received.steps.step.toArray()).toEqual([1, 2, 3]);
    expect(received.steps.loss.toArray()).toEqual([3, 2, 1.5]);
    expect(received.evals.metrics.get('recall@10')!.toArray()).toEqual([0.2]);
    expect(received.evals.baseline.get('recall@10')!.toArray()).toEqual([0.1]);
    expect(received.eventCount).toBe(5);
    expect(received.started?.type).toBe('started');
  });

  it('sends a resume as the points from the checkpoint on, which replace what the receiver had after it', () => {
    const feed = new RunColumnsFeed();
    const received = emptyRunColumns();
    feed.add([step('a', 1, 5), step('a', 2, 4), step('a', 3, 3), ev('a', { type: 'ended', status: 'stopped', epoch: 1, step: 3, elapsedSec: 3 })]);
    applyChunk(received, feed.takeChunk());
    expect(received.ended?.status).toBe('stopped');
    // Resumed after step 1: a new started, then steps 2 and 3 again.
    feed.add([started('a', {}), step('a', 2, 4.5), step('a', 3, 3.5)]);
    const resumed = feed.takeChunk();
    expect(resumed.steps?.from).toBe(1);
    expect(resumed.ended).toBeNull();
    applyChunk(received, resumed);
    expect(received.steps.step.toArray()).toEqual([1, 2, 3]);
    expect(received.steps.loss.toArray()).toEqual([5, 4.5, 3.5]);
    expect(received.ended).toBeUndefined();
    expect(received.stepsGeneration).toBe(1);
  });

  it('pads a metric that appears late with NaN on the receiver too', () => {
    const feed = new RunColumnsFeed();
    const received = emptyRunColumns();
    feed.add([evalEvent('a', 1, 10, { mrr: 0.1 })]);
    applyChunk(received, feed.takeChunk());
    feed.add([evalEvent('a', 2, 20, { mrr: 0.2, 'recall@10': 0.3 })]);
    applyChunk(received, feed.takeChunk());
    expect(received.evals.metrics.get('recall@10')!.toArray()).toEqual([NaN, 0.3]);
    expect(received.evals.metrics.get('mrr')!.toArray()).toEqual([0.1, 0.2]);
  });

  it('refuses a chunk that would leave a hole, saying to send the run again', () => {
    const received = emptyRunColumns();
    const chunk = { events: 1, steps: { from: 4, step: new Float64Array([5]), epoch: new Float64Array([1]), loss: new Float64Array([1]), examplesPerSec: new Float64Array([1]), elapsedSec: new Float64Array([1]) } };
    expect(() => applyChunk(received, chunk)).toThrow(/steps starts at point 4 but the run has 0.*showRuns/);
  });

  it('lists one distinct buffer per array, so all of them can be transferred', () => {
    const feed = new RunColumnsFeed();
    feed.add([step('a', 1, 1), evalEvent('a', 1, 1, { mrr: 0.1 }, { mrr: 0.05 }), ev('a', { type: 'epoch', epoch: 1, step: 1, loss: 1, examplesPerSec: 1, durationSec: 1, elapsedSec: 1 })]);
    const buffers = chunkBuffers(feed.fullChunk());
    // 5 step columns + 3 eval columns + 1 metric + 1 baseline + 2 epoch columns.
    expect(buffers).toHaveLength(12);
    expect(new Set(buffers).size).toBe(12);
  });
});

describe('AppendBatcher', () => {
  it('gathers the new points of several runs into one message per interval', () => {
    vi.useFakeTimers();
    try {
      const feeds = new Map([
        ['a', new RunColumnsFeed()],
        ['b', new RunColumnsFeed()],
      ]);
      const sent: AppendRunDataMessage[] = [];
      const batcher = new AppendBatcher({ takeChunk: (id) => feeds.get(id)?.takeChunk() }, (m) => sent.push(m), 50);
      for (let s = 1; s <= 3; s++) {
        for (const [id, feed] of feeds) {
          feed.add([step(id, s, s)]);
          batcher.mark(id);
        }
      }
      expect(sent).toEqual([]);
      vi.advanceTimersByTime(50);
      expect(sent).toHaveLength(1);
      expect(sent[0].runs.map((r) => [r.runId, [...r.data.steps!.step]])).toEqual([
        ['a', [1, 2, 3]],
        ['b', [1, 2, 3]],
      ]);
      feeds.get('a')!.add([step('a', 4, 4)]);
      batcher.mark('a');
      batcher.flush();
      expect(sent).toHaveLength(2);
      expect(sent[1].runs.map((r) => r.runId)).toEqual(['a']);
      vi.advanceTimersByTime(100);
      expect(sent).toHaveLength(2);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('view state of an older version', () => {
  it('revives a state saved by protocol version 1 with its runs and controls', () => {
    const v1 = { protocolVersion: 1, runs: [{ runId: 'a', runDir: '/r/a', label: 'x' }], smoothing: 0.3, logScale: true, xAxis: 'epoch', selectedRunIds: ['a'], hiddenRunIds: [], sort: { column: 'loss', descending: false } };
    const state = readViewState(v1);
    expect(state).toMatchObject({ protocolVersion: WEBVIEW_PROTOCOL_VERSION, runs: v1.runs, smoothing: 0.3, logScale: true, xAxis: 'epoch', selectedRunIds: ['a'], sort: v1.sort });
  });

  it('reads the layout of a state defensively: defaults for what is missing or damaged', () => {
    expect(readLayout(undefined)).toEqual({ collapsedSections: [], chosenK: {}, allColumns: false });
    expect(readLayout({ collapsedSections: ['loss', 3], chosenK: { recall: 50, ndcg: -1, mrr: 'x' }, allColumns: true })).toEqual({ collapsedSections: ['loss'], chosenK: { recall: 50 }, allColumns: true });
  });

  it('reads the followed experiment of a saved state: a path, else null (pinned, older or damaged state)', () => {
    expect(readViewState({ followedExperiment: '/w/a.tower.yaml' }).followedExperiment).toBe('/w/a.tower.yaml');
    expect(readViewState({ followedExperiment: 3 }).followedExperiment).toBeNull();
    expect(readViewState({ followedExperiment: '' }).followedExperiment).toBeNull();
    expect(readViewState({ protocolVersion: 1, runs: [] }).followedExperiment).toBeNull();
    expect(isHostToWebviewMessage({ type: 'following', experiment: null })).toBe(true);
  });

  it('knows the layout messages in both directions', () => {
    expect(isWebviewToHostMessage({ type: 'saveLayout', layout: {} })).toBe(true);
    expect(isHostToWebviewMessage({ type: 'restoreLayout', layout: {} })).toBe(true);
    expect(isHostToWebviewMessage({ type: 'appendEvents' })).toBe(false);
  });
});
