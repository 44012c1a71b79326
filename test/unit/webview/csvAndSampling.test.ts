import { describe, expect, it } from 'vitest';
import { toCsv } from '../../../src/webview/model/csv';
import { RunStore } from '../../../src/webview/model/runStore';
import { pickSnapshot, samplingChartData } from '../../../src/webview/model/samplingData';
import { ev, showEvents } from './helpers';

describe('toCsv', () => {
  it('writes one row per x, blanks for gaps, and quotes labels with commas', () => {
    const csv = toCsv({ xLabel: 'step', x: [1, 2], columns: [{ label: 'run a', values: [0.5, null] }, { label: 'b, "tuned"', values: [NaN, 2] }] });
    expect(csv).toBe('step,run a,"b, ""tuned"""\n1,0.5,\n2,,2\n');
  });
});

describe('sampling chart data', () => {
  const deciles = (first: number) => [first, ...Array(9).fill((1 - first) / 9)];

  it('shows positives then each negative kind by name, and picks the latest epoch by default', () => {
    const store = new RunStore();
    showEvents(store, { runId: 'a', runDir: '/r/a' }, [
      ev('a', { type: 'sampling', epoch: 1, distribution: { positives: deciles(0.5), negatives: { uniform: deciles(0.1), popularity: deciles(0.3) } } }),
      ev('a', { type: 'sampling', epoch: 2, distribution: { positives: deciles(0.4), negatives: { uniform: deciles(0.1) }, logqP: deciles(0.01) } }),
    ]);
    const run = store.get('a')!;
    expect(pickSnapshot(run)?.epoch).toBe(2);
    expect(pickSnapshot(run, 1)?.epoch).toBe(1);
    const data = samplingChartData('a', pickSnapshot(run, 1)!);
    expect(data.series.map((s) => s.label)).toEqual(['positives', 'negatives: popularity', 'negatives: uniform']);
    expect(data.series[0].values[0]).toBe(0.5);
    expect(samplingChartData('a', pickSnapshot(run)!).series.at(-1)?.kind).toBe('logq');
  });

  it('refuses a distribution without ten deciles, naming the run, epoch and kind', () => {
    const snapshot = { epoch: 3, distribution: { positives: [1, 0], negatives: {} } };
    expect(() => samplingChartData('run-7', snapshot)).toThrow(/Run "run-7", sampling at epoch 3: "positives" has 2 values, expected 10/);
  });
});
