import { describe, expect, it } from 'vitest';

import { MODE_DEFAULTS } from '../../../src/core/config/modeDefaults';
import { belowPopularity, belowPopularityLine } from '../../../src/core/runs/belowPopularity';
import type { RunSummary } from '../../../src/core/runs/runSummary';
import { runDescription, runTooltipMarkdown } from '../../../src/extension/runs/runView';

const tunedPairwise = {
  'training.mode': 'pairwise',
  'training.learning_rate': MODE_DEFAULTS.pairwise.learningRate,
  'training.negatives.source': String(MODE_DEFAULTS.pairwise.negatives.source),
  'training.negatives.per_positive': Number(MODE_DEFAULTS.pairwise.negatives.per_positive),
  'training.pairwise_reduction': MODE_DEFAULTS.pairwise.pairwiseReduction ?? 'mean',
};

const run = (over: Partial<RunSummary> = {}): RunSummary => ({
  runId: 'ml-1',
  status: 'completed',
  mode: 'pairwise',
  loss: 'hinge',
  epoch: 8,
  epochs: 8,
  step: 100,
  // Best at epoch 5 of 8: not still improving.
  headline: { metric: 'recall@50', value: 0.1064, epoch: 5, baseline: 0.1298 },
  params: { ...tunedPairwise },
  ...over,
});

describe('belowPopularity', () => {
  it('is silent at or above popularity, without a baseline, and for a run still going or failed', () => {
    expect(belowPopularity(run({ headline: { metric: 'recall@50', value: 0.13, epoch: 5, baseline: 0.1298 } }))).toBeUndefined();
    expect(belowPopularity(run({ headline: { metric: 'recall@50', value: 0.1298, epoch: 5, baseline: 0.1298 } }))).toBeUndefined();
    expect(belowPopularity(run({ headline: { metric: 'recall@50', value: 0.1, epoch: 5 } }))).toBeUndefined();
    expect(belowPopularity(run({ status: 'running' }))).toBeUndefined();
    expect(belowPopularity(run({ status: 'failed' }))).toBeUndefined();
  });

  it('a run on the tuned settings is flagged with no reason to blame', () => {
    expect(belowPopularity(run())).toEqual({ metric: 'recall@50', value: 0.1064, baseline: 0.1298, reasons: [] });
  });

  it('names each departure from the tuned settings: epochs, learning rate, negatives', () => {
    const b = belowPopularity(
      run({
        headline: { metric: 'recall@50', value: 0.1064, epoch: 8, baseline: 0.1298 },
        params: { ...tunedPairwise, 'training.learning_rate': MODE_DEFAULTS.pairwise.learningRate / 10, 'training.negatives.source': 'popularity', 'training.negatives.per_positive': 1, 'training.pairwise_reduction': 'mean' },
      }),
    )!;
    expect(b.reasons[0]).toBe('too few epochs (its best evaluation was its last, epoch 8): raise training.epochs, with early stopping');
    expect(b.reasons[1]).toBe(`learning rate ${MODE_DEFAULTS.pairwise.learningRate / 10} (pairwise does best near ${MODE_DEFAULTS.pairwise.learningRate})`);
    expect(b.reasons.join('\n')).toMatch(/popularity negatives push popular items down, where many held-out positives are \(pairwise does best with /);
    expect(b.reasons.join('\n')).toMatch(/1 negative per positive \(pairwise does best with \d+\)/);
    if (MODE_DEFAULTS.pairwise.pairwiseReduction === 'hardest') expect(b.reasons.join('\n')).toMatch(/pairwise_reduction mean \(pairwise does best with hardest\)/);
    expect(belowPopularityLine(b)).toMatch(/^below popularity on recall@50 \(0\.1064 vs 0\.1298\): too few epochs.*; see docs\/benchmarks\.md/);
  });

  it('listwise: in-batch without logQ is the reason given', () => {
    const b = belowPopularity(run({ mode: 'listwise', loss: 'softmax', params: { 'training.learning_rate': MODE_DEFAULTS.listwise.learningRate, 'training.negatives.source': 'in_batch', 'training.negatives.logq_correction': false } }))!;
    expect(b.reasons).toEqual(['in-batch negatives without the logQ correction over-penalise popular items (set logq_correction: true)']);
  });

  it('the tree says it in the description and lists the reasons in the tooltip', () => {
    const summary = run({ params: { ...tunedPairwise, 'training.negatives.source': 'popularity' } });
    expect(runDescription(summary)).toMatch(/^recall@50 0\.106 · below popularity · pairwise\/hinge/);
    const tip = runTooltipMarkdown(summary);
    expect(tip).toContain('**Below popularity** on recall@50');
    expect(tip).toMatch(/- popularity negatives push/);
    expect(runDescription(run({ headline: { metric: 'recall@50', value: 0.2, epoch: 5, baseline: 0.1298 } }))).not.toContain('below popularity');
  });
});
