import { describe, expect, it } from 'vitest';
import { allCharts, evalChart, lossChart } from '../../../src/webview/model/chartData';
import { RunStore } from '../../../src/webview/model/runStore';
import { evalEvent, started, step, showEvents } from './helpers';

function twoRuns(): RunStore {
  const store = new RunStore();
  showEvents(store, { runId: 'a', runDir: '/r/a' }, [started('a', {}, 10), step('a', 5, 2, 1), step('a', 10, 1, 2), evalEvent('a', 1, 10, { 'recall@10': 0.3 }, { 'recall@10': 0.1 })]);
  showEvents(store, { runId: 'b', runDir: '/r/b' }, [started('b', {}, 10), step('b', 5, 4, 1.5), evalEvent('b', 1, 10, { 'recall@10': 0.2 }, { 'recall@10': 0.1 })]);
  return store;
}

describe('chart data', () => {
  it('overlays the loss of each run on the step axis', () => {
    const chart = lossChart(twoRuns().list(), { xAxis: 'step', smoothing: 0, logScale: false });
    expect(chart.x).toEqual([5, 10]);
    expect(chart.ys).toEqual([
      [2, 1],
      [4, null],
    ]);
    expect(chart.series.map((s) => s.colourIndex)).toEqual([0, 1]);
  });

  it('puts steps on the epoch axis as step / stepsPerEpoch', () => {
    // stepsPerEpoch = 10: steps 5 and 10 are epochs 0.5 and 1.
    expect(lossChart(twoRuns().list(), { xAxis: 'epoch', smoothing: 0, logScale: false }).x).toEqual([0.5, 1]);
  });

  it('uses elapsed seconds on the time axis', () => {
    expect(lossChart(twoRuns().list(), { xAxis: 'time', smoothing: 0, logScale: false }).x).toEqual([1, 1.5, 2]);
  });

  it('smooths the loss with the EMA weight', () => {
    // Run a, w = 0.5: [2, 1] → [2, (0.5·1 + 0.5·1)/0.75 = 1.3333]
    const chart = lossChart(twoRuns().list(), { xAxis: 'step', smoothing: 0.5, logScale: false });
    expect(chart.ys[0][1]).toBeCloseTo(4 / 3, 12);
  });

  it('draws one popularity baseline when the runs share a split', () => {
    const chart = evalChart('recall@10', twoRuns().list(), { xAxis: 'step', smoothing: 0, logScale: false });
    expect(chart.series.map((s) => `${s.kind}:${s.label}`)).toEqual(['run:a', 'run:b', 'baseline:popularity baseline']);
    expect(chart.ys[2]).toEqual([0.1]);
  });

  it('turns values <= 0 into gaps on a log scale', () => {
    const store = new RunStore();
    showEvents(store, { runId: 'a', runDir: '/r/a' }, [step('a', 1, 0), step('a', 2, 0.5)]);
    expect(lossChart(store.list(), { xAxis: 'step', smoothing: 0, logScale: true }).ys[0]).toEqual([null, 0.5]);
  });

  it('orders charts: loss, one per metric, examples/s', () => {
    expect(allCharts(twoRuns().list(), { xAxis: 'step', smoothing: 0.6, logScale: false }).map((c) => c.id)).toEqual(['loss', 'eval:recall@10', 'throughput']);
  });
});

describe('popularity baseline', () => {
  it('is one line for runs that stopped at different epochs on the same split, and two for different splits', () => {
    const store = new RunStore();
    showEvents(store, { runId: 'short', runDir: '/r/s' }, [evalEvent('short', 1, 10, { mrr: 0.3 }, { mrr: 0.1 })]);
    showEvents(store, { runId: 'long', runDir: '/r/l' }, [evalEvent('long', 1, 10, { mrr: 0.2 }, { mrr: 0.1 }), evalEvent('long', 2, 20, { mrr: 0.25 }, { mrr: 0.1 })]);
    let chart = evalChart('mrr', store.list(), { xAxis: 'step', smoothing: 0, logScale: false });
    expect(chart.series.filter((s) => s.kind === 'baseline').map((s) => s.label)).toEqual(['popularity baseline']);
    expect(chart.ys[2]).toEqual([0.1, 0.1]);
    showEvents(store, { runId: 'other', runDir: '/r/o' }, [evalEvent('other', 1, 10, { mrr: 0.2 }, { mrr: 0.05 })]);
    chart = evalChart('mrr', store.list(), { xAxis: 'step', smoothing: 0, logScale: false });
    expect(chart.series.filter((s) => s.kind === 'baseline').map((s) => s.label)).toEqual(['popularity baseline (long)', 'popularity baseline (other)']);
  });
});
