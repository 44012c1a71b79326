import { describe, expect, it } from 'vitest';

import type { RunSummary } from '../../../src/core/runs/runSummary';
import { runEndNotice } from '../../../src/extension/runs/runEndNotice';

const summary = (over: Partial<RunSummary>): RunSummary => ({ runId: 'syn-1', status: 'completed', epoch: 5, epochs: 5, step: 50, params: {}, durationSec: 21, ...over });

describe('runEndNotice: what the editor says when a run ends', () => {
  it('completed: the headline metric with its epoch beside popularity, Open Plots and Show Log', () => {
    const n = runEndNotice(summary({ headline: { metric: 'recall@50', value: 0.3412, epoch: 3, baseline: 0.2 } }), 'synthetic')!;
    expect(n).toEqual({ severity: 'info', message: 'Run syn-1 of synthetic completed in 21s: recall@50 0.341 (epoch 3), popularity 0.200.', actions: ['Open Plots', 'Show Log'] });
  });
  it('completed below popularity is a warning that says so', () => {
    const n = runEndNotice(summary({ headline: { metric: 'recall@50', value: 0.1, epoch: 0, baseline: 0.2 } }), 'synthetic')!;
    expect(n.severity).toBe('warning');
    expect(n.message).toMatch(/below popularity/);
  });
  it('stopped: where it stopped, and Resume first', () => {
    const n = runEndNotice(summary({ status: 'stopped', epoch: 2 }), 'synthetic')!;
    expect(n.message).toBe('Run syn-1 of synthetic stopped after epoch 2 of 5 in 21s; Resume continues it from its checkpoint.');
    expect(n.actions[0]).toBe('Resume');
  });
  it('failed: an error with the last error, Show Log first', () => {
    const n = runEndNotice(summary({ status: 'failed', error: 'out of memory' }), 'synthetic')!;
    expect(n).toMatchObject({ severity: 'error', message: 'Run syn-1 of synthetic failed: out of memory', actions: ['Show Log', 'Open Plots'] });
  });
  it('a run that has not ended says nothing', () => {
    expect(runEndNotice(summary({ status: 'running' }), 'synthetic')).toBeUndefined();
  });
});
