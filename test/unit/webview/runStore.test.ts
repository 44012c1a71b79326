import { describe, expect, it } from 'vitest';
import { metricKeys, RunStore } from '../../../src/webview/model/runStore';
import { ev, evalEvent, started, step, showEvents, appendEvents } from './helpers';

const ref = (runId: string) => ({ runId, runDir: `/runs/${runId}` });

describe('RunStore', () => {
  it('collects steps, evals and sampling into columns', () => {
    const store = new RunStore();
    const distribution = { positives: Array(10).fill(0.1), negatives: { uniform: Array(10).fill(0.1) } };
    showEvents(store, ref('a'), [
      started('a', {}),
      step('a', 1, 2.0),
      step('a', 2, 1.5),
      evalEvent('a', 1, 2, { 'recall@10': 0.2 }, { 'recall@10': 0.1 }),
      ev('a', { type: 'sampling', epoch: 1, distribution }),
    ]);
    const run = store.get('a')!;
    expect(run.steps.step.toArray()).toEqual([1, 2]);
    expect(run.steps.loss.toArray()).toEqual([2.0, 1.5]);
    expect(run.evals.metrics.get('recall@10')!.toArray()).toEqual([0.2]);
    expect(run.evals.baseline.get('recall@10')!.toArray()).toEqual([0.1]);
    expect(run.sampling.map((s) => s.epoch)).toEqual([1]);
    expect(run.eventCount).toBe(5);
  });

  it('replaces the steps after a resume point so x stays ascending', () => {
    const store = new RunStore();
    showEvents(store, ref('a'), [step('a', 1, 5), step('a', 2, 4), step('a', 3, 3)]);
    // Resumed from the checkpoint after step 1: steps 2 and 3 are written again.
    appendEvents(store, 'a', [step('a', 2, 4.5), step('a', 3, 3.5)]);
    expect(store.get('a')!.steps.step.toArray()).toEqual([1, 2, 3]);
    expect(store.get('a')!.steps.loss.toArray()).toEqual([5, 4.5, 3.5]);
  });

  it('fills a metric that appears late with NaN for the earlier evals', () => {
    const store = new RunStore();
    showEvents(store, ref('a'), [evalEvent('a', 1, 10, { mrr: 0.1 }), evalEvent('a', 2, 20, { mrr: 0.2, 'recall@10': 0.3 })]);
    const recall = store.get('a')!.evals.metrics.get('recall@10')!.values();
    expect(recall[0]).toBeNaN();
    expect(recall[1]).toBe(0.3);
  });

  it('refuses events for a run it does not show, naming the run', () => {
    const store = new RunStore();
    expect(() => appendEvents(store, 'ghost', [step('ghost', 1, 1)])).toThrow(/run "ghost".*showRuns first/);
  });

  it('orders metric keys: recall, ndcg, ..., then by K', () => {
    const store = new RunStore();
    showEvents(store, ref('a'), [evalEvent('a', 1, 1, { mrr: 1, 'recall@50': 1, 'ndcg@10': 1, 'recall@10': 1 })]);
    expect(metricKeys(store.list())).toEqual(['recall@10', 'recall@50', 'ndcg@10', 'mrr']);
  });

  it('puts each metric through the ANN index (ann/…) right after its exact counterpart, and ann_recall after the retrieval metrics', () => {
    const store = new RunStore();
    showEvents(store, ref('a'), [evalEvent('a', 1, 1, { 'ann/mrr': 1, 'ann_recall@10': 1, mrr: 1, 'ann/recall@10': 1, 'recall@10': 1 })]);
    expect(metricKeys(store.list())).toEqual(['recall@10', 'ann/recall@10', 'mrr', 'ann/mrr', 'ann_recall@10']);
  });
});
