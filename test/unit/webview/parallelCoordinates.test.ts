import { describe, expect, it } from 'vitest';

import { rampColour } from '../../../src/webview/model/colors';
import { parallelCoordinates } from '../../../src/webview/model/parallelCoordinates';
import type { SweepData } from '../../../src/webview/model/sweepData';

const data: SweepData = {
  sweepId: 's',
  metric: 'recall@10',
  parameters: ['training.learning_rate', 'training.loss', 'training.batch_size'],
  points: [
    { point: 0, values: { 'training.learning_rate': 0.001, 'training.loss': 'softmax', 'training.batch_size': 32 }, runs: [{ runId: 'a', value: 0.2 }, { runId: 'b', value: 0.3 }] },
    { point: 1, values: { 'training.learning_rate': 0.1, 'training.loss': 'hinge', 'training.batch_size': 64 }, runs: [{ runId: 'c', value: 0.4 }, { runId: 'd' }] },
    { point: 2, values: { 'training.learning_rate': 0.01, 'training.loss': 'bce', 'training.batch_size': 48 }, runs: [{ runId: 'e', value: 0.25 }] },
  ],
};

describe('parallel coordinates of a sweep', () => {
  it('has an axis per parameter and the metric, and a line per run with a value, placed by hand-derived positions', () => {
    const pc = parallelCoordinates(data);
    expect(pc.axes.map((a) => [a.key, a.scale])).toEqual([
      ['training.learning_rate', 'log'], // 0.001 .. 0.1 spans a factor of 100
      ['training.loss', 'category'],
      ['training.batch_size', 'linear'], // 32 .. 64: a factor of 2
      ['recall@10', 'linear'],
    ]);
    expect(pc.missing).toBe(1);
    expect(pc.metricRange).toEqual([0.2, 0.4]);
    const line = (id: string) => pc.lines.find((l) => l.runId === id)!.positions;
    expect(pc.lines.map((l) => l.runId)).toEqual(['a', 'b', 'c', 'e']);
    // log10: −3, −1, −2 over −3..−1 → 0, 1, 0.5; categories bce, hinge, softmax → 0, 0.5, 1; 32, 64, 48 → 0, 1, 0.5; metric (v − 0.2)/0.2.
    expect(line('a')).toEqual([0, 1, 0, 0]);
    expect(line('b')[3]).toBeCloseTo(0.5, 12);
    expect(line('c')).toEqual([1, 0.5, 1, 1]);
    const e = line('e');
    expect(e[0]).toBeCloseTo(0.5, 12);
    expect(e.slice(1, 3)).toEqual([0, 0.5]);
    expect(e[3]).toBeCloseTo(0.25, 12);
    expect(pc.axes[0].ticks.map((t) => t.label)).toEqual(['0.001', '0.01', '0.1']);
    expect(pc.axes[1].ticks.map((t) => t.label)).toEqual(['bce', 'hinge', 'softmax']);
    expect(pc.axes[3].ticks).toEqual([{ at: 0, label: '0.2000' }, { at: 1, label: '0.4000' }]);
  });

  it('puts a parameter with one value, and equal metrics, in the middle of their axes', () => {
    const pc = parallelCoordinates({ ...data, parameters: ['training.loss'], points: [{ point: 0, values: { 'training.loss': 'softmax' }, runs: [{ runId: 'a', value: 0.3 }, { runId: 'b', value: 0.3 }] }] });
    expect(pc.lines.map((l) => l.positions)).toEqual([[0.5, 0.5], [0.5, 0.5]]);
  });

  it('colours low values dark purple and high ones yellow', () => {
    expect(rampColour(0)).toBe('rgb(68, 1, 84)');
    expect(rampColour(1)).toBe('rgb(253, 231, 37)');
    expect(rampColour(0.5)).toBe('rgb(33, 145, 140)');
    expect(rampColour(0.125)).toBe('rgb(64, 42, 112)');
  });
});
