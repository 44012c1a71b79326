import { describe, expect, it } from 'vitest';
import { RunStore } from '../../../src/webview/model/runStore';
import type { ComparisonsMessage } from '../../../src/shared/webviewProtocol';
import { buildRunsTable, differingParams, formatCell, formatDifference, sortRows } from '../../../src/webview/model/runsTable';
import { ev, evalEvent, started, step, showEvents } from './helpers';

function store(): RunStore {
  const s = new RunStore();
  showEvents(s, { runId: 'a', runDir: '/r/a' }, [
    started('a', { 'training.loss': 'softmax', lr: 0.05, seed: 7 }),
    step('a', 1, 3),
    ev('a', { type: 'epoch', epoch: 1, step: 1, loss: 3.5, examplesPerSec: 1, durationSec: 1, elapsedSec: 1 }),
    evalEvent('a', 1, 1, { 'recall@10': 0.3 }),
    step('a', 2, 2.5),
    ev('a', { type: 'epoch', epoch: 2, step: 2, loss: 2.75, examplesPerSec: 1, durationSec: 1, elapsedSec: 2 }),
    // A step after the last epoch's mean (a partial batch) does not change the final loss.
    step('a', 3, 9),
    evalEvent('a', 2, 2, { 'recall@10': 0.25 }),
    ev('a', { type: 'ended', status: 'completed', epoch: 2, step: 2, elapsedSec: 3 }),
  ]);
  showEvents(s, { runId: 'b', runDir: '/r/b', label: 'hinge' }, [started('b', { 'training.loss': 'hinge', lr: 0.05, seed: 7, margin: 0.2 }), evalEvent('b', 1, 1, { 'recall@10': 0.1 })]);
  return s;
}

describe('runs table', () => {
  it('lists only the parameters that differ (a missing key differs)', () => {
    expect(differingParams(store().list())).toEqual(['margin', 'training.loss']);
  });

  it('lists every parameter of a single run', () => {
    const s = store();
    s.remove('b');
    expect(differingParams(s.list())).toEqual(['lr', 'seed', 'training.loss']);
  });

  it('has the final and the best value of each metric', () => {
    const table = buildRunsTable(store().list());
    expect(table.columns.map((c) => c.key)).toEqual(['run', 'status', 'epoch', 'loss', 'param:margin', 'param:training.loss', 'final:recall@10', 'best:recall@10']);
    const [a, b] = table.rows;
    // Run a: evals 0.3 then 0.25 → final 0.25, best 0.3.
    expect(a.cells).toMatchObject({ run: 'a', status: 'completed', 'final:recall@10': 0.25, 'best:recall@10': 0.3, 'param:margin': null, loss: 2.75 });
    expect(b.cells).toMatchObject({ run: 'hinge', status: 'running', 'param:margin': 0.2, 'final:recall@10': 0.1, loss: null });
  });

  it('sorts numbers numerically, both ways, with empty cells last', () => {
    const rows = buildRunsTable(store().list()).rows;
    expect(sortRows(rows, 'best:recall@10', true).map((r) => r.runId)).toEqual(['a', 'b']);
    expect(sortRows(rows, 'best:recall@10', false).map((r) => r.runId)).toEqual(['b', 'a']);
    expect(sortRows(rows, 'param:margin', true).map((r) => r.runId)).toEqual(['b', 'a']);
    expect(sortRows(rows, 'param:margin', false).map((r) => r.runId)).toEqual(['b', 'a']);
  });

  it('formats cells for people', () => {
    expect(formatCell(null)).toBe('–');
    expect(formatCell(0.123456)).toBe('0.1235');
    expect(formatCell(0.00001234)).toBe('1.234e-5');
    expect(formatCell(3)).toBe('3');
  });
});

describe('runs table with a torch run', () => {
  it('shows an engine column (torch · cpu × 2 beside tfjs · cpu) only when a torch run is shown', () => {
    const s = store();
    const torchRun = started('t', { 'training.loss': 'softmax', lr: 0.05, seed: 7 });
    showEvents(s, { runId: 't', runDir: '/r/t' }, [{ ...torchRun, backend: 'torch', engine: 'torch', device: 'cpu', processes: 2, worldSize: 2, threads: 1 } as typeof torchRun, evalEvent('t', 1, 1, { 'recall@10': 0.31 })]);
    const table = buildRunsTable(s.list());
    expect(table.columns.slice(0, 4).map((c) => c.key)).toEqual(['run', 'status', 'engine', 'epoch']);
    expect(table.rows.map((r) => r.cells.engine)).toEqual(['tfjs · cpu', 'tfjs · cpu', 'torch · cpu × 2']);
    s.remove('t');
    expect(buildRunsTable(s.list()).columns.map((c) => c.key)).not.toContain('engine');
  });
});

describe('runs table against a reference run', () => {
  const comparisons = (referenceRunId: string): ComparisonsMessage => ({
    type: 'comparisons',
    referenceRunId,
    resamples: 2000,
    seed: 1,
    runs: [
      { runId: 'a', status: 'reference', model: { which: 'last', epoch: 2 }, users: 3 },
      { runId: 'b', status: 'compared', model: { which: 'last', epoch: 1 }, users: 3, metrics: { 'recall@10': { difference: -0.15, low: -0.3, high: -0.05, excludesZero: true }, mrr: { difference: 0, low: -1, high: 1, excludesZero: false } } },
    ],
  });

  it('puts a Δ column after each shown metric that has per-user values, holding the difference (0 for the reference)', () => {
    const table = buildRunsTable(store().list(), { allColumns: false, comparisons: comparisons('a') });
    const keys = table.columns.map((c) => c.key);
    // mrr is not a metric of these runs' evals: no Δ column for it.
    expect(keys.filter((k) => k.startsWith('delta:'))).toEqual(['delta:recall@10']);
    expect(keys.indexOf('delta:recall@10')).toBe(keys.indexOf('final:recall@10') + 1);
    expect(table.rows.map((r) => r.cells['delta:recall@10'])).toEqual([0, -0.15]);
    expect(table.rows[1].comparison?.status).toBe('compared');
    expect(sortRows(table.rows, 'delta:recall@10', true).map((r) => r.runId)).toEqual(['a', 'b']);
  });

  it('ignores comparisons whose reference is not shown, and has none for one run', () => {
    expect(buildRunsTable(store().list(), { comparisons: comparisons('gone') }).columns.some((c) => c.group === 'delta')).toBe(false);
    const s = store();
    s.remove('b');
    expect(buildRunsTable(s.list(), { comparisons: comparisons('a') }).comparisons).toBeNull();
  });

  it('formats a difference as compare prints it', () => {
    expect(formatDifference({ difference: -0.15, low: -0.3, high: 0.05, excludesZero: false })).toEqual({ difference: '−0.1500', interval: '[−0.3000, +0.0500]', mark: '' });
    expect(formatDifference({ difference: 0.2, low: 0.1, high: 0.3, excludesZero: true }).mark).toBe('*');
  });
});
