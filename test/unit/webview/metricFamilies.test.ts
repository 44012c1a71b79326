import { describe, expect, it } from 'vitest';
import { lossCharts } from '../../../src/webview/model/chartData';
import { headlineOf, metricFamilies, parseMetricKey, sectionOfFamily, shownK } from '../../../src/webview/model/metricFamilies';
import { RunStore } from '../../../src/webview/model/runStore';
import { buildRunsTable } from '../../../src/webview/model/runsTable';
import { ev, evalEvent, showEvents, started, step } from './helpers';

describe('metric families', () => {
  it('reads family and K from the key alone, namespaces included', () => {
    expect(parseMetricKey('recall@10')).toEqual({ family: 'recall', k: 10 });
    expect(parseMetricKey('ann/recall@50')).toEqual({ family: 'ann/recall', k: 50 });
    expect(parseMetricKey('mrr')).toEqual({ family: 'mrr' });
    // Not a K: stays part of the name.
    expect(parseMetricKey('odd@x')).toEqual({ family: 'odd@x' });
  });

  it('puts each family in a section by its name: head/tail and coverage, timings in System, the rest Retrieval@K', () => {
    expect(['recall', 'ndcg', 'hit_rate', 'mrr', 'ann_recall', 'ann/recall'].map(sectionOfFamily)).toEqual(Array(6).fill('retrieval'));
    expect(['recall_head', 'recall_tail', 'coverage', 'ann/recall_tail'].map(sectionOfFamily)).toEqual(Array(4).fill('headTail'));
    expect(['ann/build_sec', 'ann/query_ms', 'ann/index_bytes'].map(sectionOfFamily)).toEqual(Array(3).fill('system'));
  });

  it('groups the Ks of a family, plain metrics before their ann/ counterparts', () => {
    const families = metricFamilies(['recall@50', 'ann/recall@10', 'mrr', 'recall@10', 'ndcg@10', 'ann_recall@10', 'ann_recall@100', 'recall@100']);
    expect(families.map((f) => [f.family, f.ks])).toEqual([
      ['recall', [10, 50, 100]],
      ['ann/recall', [10]],
      ['ndcg', [10]],
      ['mrr', []],
      ['ann_recall', [10, 100]],
    ]);
  });

  it('shows the chosen K, else the headline metric\'s K in its family, else the smallest', () => {
    const [recall, ndcg] = metricFamilies(['recall@10', 'recall@50', 'ndcg@10', 'ndcg@20']);
    expect(shownK(recall, { recall: 10 }, 'recall@50')).toBe(10);
    expect(shownK(recall, { recall: 7 }, 'recall@50')).toBe(50);
    expect(shownK(ndcg, {}, 'recall@50')).toBe(10);
  });

  it('shows a namespaced twin (ann/recall) at the K of its plain family until it is given its own', () => {
    const families = metricFamilies(['ann/recall@10', 'ann/recall@50', 'ann_recall@10', 'ann_recall@50']);
    const annRecall = families.find((f) => f.family === 'ann/recall')!;
    const annRecallShare = families.find((f) => f.family === 'ann_recall')!;
    // The headline recall@50: exact and ANN recall at 50; ann_recall (the index's share of the exact top K) is another metric.
    expect(shownK(annRecall, {}, 'recall@50')).toBe(50);
    expect(shownK(annRecallShare, {}, 'recall@50')).toBe(10);
    // The user picked recall@10: its twin follows; a K picked for the twin itself wins.
    expect(shownK(annRecall, { recall: 10 }, 'recall@50')).toBe(10);
    expect(shownK(annRecall, { recall: 10, 'ann/recall': 50 }, 'recall@50')).toBe(50);
  });

  it('takes the trainer\'s headline (ended.best) when logged, else recall@50, else the first metric', () => {
    expect(headlineOf([undefined, 'ndcg@10'], ['recall@10', 'ndcg@10'])).toBe('ndcg@10');
    expect(headlineOf([undefined], ['recall@10', 'recall@50'])).toBe('recall@50');
    expect(headlineOf(['gone@5'], ['mrr', 'recall@10'])).toBe('recall@10');
  });
});

function mixedRuns(): RunStore {
  const s = new RunStore();
  showEvents(s, { runId: 'sm', runDir: '/r/sm' }, [started('sm', { 'training.loss': 'softmax', lr: 0.1 }), step('sm', 1, 5), evalEvent('sm', 1, 1, { 'recall@10': 0.3, 'recall@50': 0.5, mrr: 0.2 }, { 'recall@10': 0.1, 'recall@50': 0.2, mrr: 0.05 })]);
  const hinge = started('hi', { 'training.loss': 'hinge', lr: 0.1 });
  showEvents(s, { runId: 'hi', runDir: '/r/hi' }, [{ ...hinge, loss: 'hinge' } as typeof hinge, step('hi', 1, 0.1), evalEvent('hi', 1, 1, { 'recall@10': 0.2, 'recall@50': 0.4, mrr: 0.1 }, { 'recall@10': 0.1, 'recall@50': 0.2, mrr: 0.05 })]);
  showEvents(s, { runId: 'sm2', runDir: '/r/sm2' }, [started('sm2', { 'training.loss': 'softmax', lr: 0.2 }), step('sm2', 1, 4), ev('sm2', { type: 'ended', status: 'completed', epoch: 1, step: 1, elapsedSec: 1, best: { metric: 'recall@10', value: 0.25, epoch: 1 } })]);
  return s;
}

describe('loss charts per loss kind', () => {
  it('gives softmax and hinge runs a chart each, and each run keeps its colour', () => {
    const charts = lossCharts(mixedRuns().list(), { xAxis: 'step', smoothing: 0, logScale: false });
    expect(charts.map((c) => c.id)).toEqual(['loss:softmax', 'loss:hinge']);
    expect(charts[0].series.map((s) => [s.runId, s.colourIndex])).toEqual([
      ['sm', 0],
      ['sm2', 2],
    ]);
    expect(charts[1].ys).toEqual([[0.1]]);
  });

  it('is the one chart `loss` when every run has the same loss kind', () => {
    const s = mixedRuns();
    s.remove('hi');
    expect(lossCharts(s.list(), { xAxis: 'step', smoothing: 0, logScale: false }).map((c) => c.id)).toEqual(['loss']);
  });
});

describe('compact runs table', () => {
  it('has the differing parameters, each family at its K (the headline\'s, recall@10 here) and the headline\'s best; the baseline as a row', () => {
    const table = buildRunsTable(mixedRuns().list(), { allColumns: false, chosenK: {} });
    expect(table.columns.map((c) => c.key)).toEqual(['run', 'status', 'epoch', 'loss', 'param:lr', 'param:training.loss', 'final:recall@10', 'final:mrr', 'best:recall@10']);
    expect(table.rows.map((r) => r.cells['final:recall@10'])).toEqual([0.3, 0.2, null]);
    expect(table.baseline).toMatchObject({ run: 'popularity baseline', 'final:recall@10': 0.1, 'final:mrr': 0.05 });
  });

  it('follows the K picked in the chart, and shows everything with allColumns', () => {
    const runs = mixedRuns().list();
    expect(buildRunsTable(runs, { allColumns: false, chosenK: { recall: 50 } }).columns.map((c) => c.key)).toContain('final:recall@50');
    const all = buildRunsTable(runs, { allColumns: true });
    expect(all.columns.map((c) => c.key)).toEqual(expect.arrayContaining(['final:recall@50', 'best:recall@50', 'final:recall@10', 'best:mrr']));
  });

  it('lists no parameters for one run until more columns are asked for', () => {
    const s = mixedRuns();
    s.remove('hi');
    s.remove('sm2');
    expect(buildRunsTable(s.list(), { allColumns: false }).columns.some((c) => c.group === 'param')).toBe(false);
    expect(buildRunsTable(s.list(), { allColumns: true }).columns.filter((c) => c.group === 'param').map((c) => c.key)).toEqual(['param:lr', 'param:training.loss']);
  });
});
