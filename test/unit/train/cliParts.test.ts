import { describe, expect, it } from 'vitest';
import { flagOverrides, parseGenerateArgs, parseRunArgs, parseTrainArgs, UsageError } from '../../../src/trainer/args';
import { formatDuration, Progress } from '../../../src/trainer/progress';
import { formatMetricsTable } from '../../../src/trainer/table';

describe('train arguments', () => {
  it('turn the dedicated flags into --set overrides that the explicit --set can refine', () => {
    const a = parseTrainArgs(['x.tower.yaml', '--mode', 'pairwise', '--loss', 'hinge', '--epochs', '3', '--seed', '7', '--set', 'training.margin=0.3', '--set', 'training.epochs=4']);
    expect(a.file).toBe('x.tower.yaml');
    expect(a.runsDir).toBe('.two-tower-lab/runs');
    expect(flagOverrides(a)).toEqual(['training.mode=pairwise', 'training.loss=hinge', 'training.epochs=3', 'training.seed=7', 'training.margin=0.3', 'training.epochs=4']);
  });

  it('--mode alone keeps a file loss that suits the mode and otherwise takes the mode default', () => {
    const a = parseTrainArgs(['x.tower.yaml', '--mode', 'pairwise']);
    expect(flagOverrides(a, 'softmax')).toEqual(['training.mode=pairwise', 'training.loss=hinge']);
    expect(flagOverrides(a, undefined)).toEqual(['training.mode=pairwise', 'training.loss=hinge']);
    expect(flagOverrides(a, 'logistic')).toEqual(['training.mode=pairwise']);
    expect(flagOverrides(parseTrainArgs(['x.tower.yaml', '--mode', 'listwise']), 'bce')).toEqual(['training.mode=listwise', 'training.loss=softmax']);
  });

  it('refuse bad usage with a message that says what to give', () => {
    expect(() => parseTrainArgs([])).toThrow(/experiment file .* or --resume/);
    expect(() => parseTrainArgs(['x.tower.yaml', '--epochs', 'three'])).toThrow(/--epochs takes an integer, got 'three'/);
    expect(() => parseTrainArgs(['x.tower.yaml', '--mode', 'listwize'])).toThrow(/--mode must be one of pointwise, pairwise, listwise; got 'listwize'/);
    expect(() => parseTrainArgs(['x.tower.yaml', '--resume', 'r1'])).toThrow(/do not give an experiment file/);
    expect(() => parseTrainArgs(['x.tower.yaml', '--bogus'])).toThrow(UsageError);
    expect(() => parseTrainArgs(['x.tower.yaml', '--run-id', '../escape'])).toThrow(/--run-id/);
  });

  it('parse eval/export and generate', () => {
    expect(parseRunArgs('export', ['r1', '--out', 'o', '--runs-dir', 'runs'])).toMatchObject({ runId: 'r1', out: 'o', runsDir: 'runs' });
    expect(() => parseRunArgs('eval', [])).toThrow(/eval takes one run id/);
    expect(parseRunArgs('eval', ['r1']).last).toBe(false);
    expect(parseRunArgs('eval', ['r1', '--last']).last).toBe(true);
    // The tag `two-tower-lab sweep` gives each of its runs, and a bad one.
    expect(parseTrainArgs(['x.tower.yaml', '--sweep-tag', 'x-sweep-1:3']).sweepTag).toEqual({ id: 'x-sweep-1', point: 3 });
    expect(() => parseTrainArgs(['x.tower.yaml', '--sweep-tag', 'x-sweep-1'])).toThrow(/--sweep-tag takes <sweep-id>:<point index>/);
    expect(() => parseTrainArgs(['x.tower.yaml', '--sweep-tag', '../up:1'])).toThrow(/is not a run id/);
    expect(parseGenerateArgs(['--users', '50', '--items', '20', '--seed', '3', '--out', 'd'])).toEqual({ out: 'd', users: 50, items: 20, seed: 3 });
    expect(() => parseGenerateArgs(['--users', '1'])).toThrow(/--users must be at least 2/);
  });
});

describe('metrics table', () => {
  it('puts the model beside the popularity baseline with the lift, in reading order', () => {
    const table = formatMetricsTable({ mrr: 0.2, 'recall@50': 0.5, 'recall@10': 0.3, 'ndcg@10': 0.1 }, { mrr: 0.1, 'recall@50': 0.25, 'recall@10': 0, 'ndcg@10': 0.04 });
    const lines = table.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^metric\s+model\s+popularity\s+model\/pop$/);
    expect(lines.slice(2).map((l) => l.split(/\s+/)[0])).toEqual(['recall@10', 'recall@50', 'ndcg@10', 'mrr']);
    // 0.5 / 0.25 = 2.00×; a zero baseline gives ∞; 0.1 / 0.04 = 2.50×.
    expect(lines[3]).toMatch(/recall@50\s+0\.5000\s+0\.2500\s+2\.00×/);
    expect(lines[2]).toMatch(/recall@10\s+0\.3000\s+0\.0000\s+∞/);
    expect(lines[4]).toMatch(/2\.50×$/);
  });

  it('adds a column of the metrics through the ANN index, and the ann_recall rows last', () => {
    const table = formatMetricsTable(
      { 'recall@10': 0.3, 'ann/recall@10': 0.28, mrr: 0.2, 'ann/mrr': 0.19, 'ann_recall@10': 0.96, 'ann_recall@5': 0.99 },
      { 'recall@10': 0.15, mrr: 0.1 },
    );
    const lines = table.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^metric\s+exact\s+ANN index\s+popularity\s+model\/pop$/);
    expect(lines.slice(2).map((l) => l.split(/\s+/)[0])).toEqual(['recall@10', 'mrr', 'ann_recall@5', 'ann_recall@10']);
    expect(lines[2]).toMatch(/recall@10\s+0\.3000\s+0\.2800\s+0\.1500\s+2\.00×/);
    expect(lines[5]).toMatch(/ann_recall@10\s+–\s+0\.9600\s+–\s+–/);
  });
});

describe('progress', () => {
  it('formats durations', () => {
    expect(formatDuration(5)).toBe('5s');
    expect(formatDuration(125)).toBe('2m05s');
    expect(formatDuration(3725)).toBe('1h02m');
    expect(formatDuration(NaN)).toBe('?');
  });

  it('draws a bar with rate and ETA on a terminal, nothing but lines otherwise', () => {
    let t = 0;
    const tty: string[] = [];
    const p = new Progress({ write: (s) => tty.push(s), isTTY: true, columns: 200 }, false, () => t);
    t = 5000;
    // The first step only starts the clock (startup is not training time).
    p.step({ epoch: 0, epochs: 2, step: 1, totalSteps: 5, examples: 100 });
    expect(tty).toEqual([]);
    t = 6000;
    // Step 2 of 5: 100 examples in the 1 s since step 1 → 100 ex/s; 3 steps left at 1 s each → ETA 3s.
    p.step({ epoch: 0, epochs: 2, step: 2, totalSteps: 5, examples: 100 });
    expect(tty.join('')).toMatch(/epoch 1\/2 .* 2\/5 {2}100 ex\/s {2}ETA 3s/);
    const plain: string[] = [];
    const q = new Progress({ write: (s) => plain.push(s), isTTY: false }, false, () => t);
    q.step({ epoch: 0, epochs: 2, step: 1, totalSteps: 4, examples: 100 });
    q.line('epoch 1/2 done');
    expect(plain).toEqual(['epoch 1/2 done\n']);
  });
});
