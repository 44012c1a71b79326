import { describe, expect, it } from 'vitest';

import { checkExperimentTextSync } from '../../../src/core/config/check';
import { MODE_DEFAULTS } from '../../../src/core/config/modeDefaults';
import { modeSwitch, modeSwitchOverride } from '../../../src/core/config/modeSwitch';
import { SYNTHETIC } from './helpers';

const resolved = (text: string, overrides: string[] = []) => checkExperimentTextSync(text, { filePath: '/tmp/exp/a.tower.yaml', overrides });

describe('modeSwitch: another mode takes its own negatives', () => {
  it("listwise in-batch + logQ → pairwise: the pairwise mode's tuned negatives, logQ removed; the result has no warning", () => {
    const own = MODE_DEFAULTS.pairwise.negatives;
    expect(own.source).not.toBe('in_batch');
    const change = modeSwitch(SYNTHETIC, 'listwise', 'pairwise', 'in_batch')!;
    expect(change.negatives).toEqual(own);
    expect(change.changes).toEqual([
      `source: in_batch → ${own.source}`,
      'logq_correction: true → (removed)',
      ...Object.entries(own).filter(([k]) => k !== 'source').map(([k, v]) => `${k}: (default) → ${v}`),
    ]);
    const kept = resolved(SYNTHETIC, ['training.mode=pairwise', 'training.loss=hinge']);
    expect(kept.diagnostics.map((d) => d.code)).toContain('logq-needs-softmax');
    const switched = resolved(SYNTHETIC, ['training.mode=pairwise', 'training.loss=hinge', modeSwitchOverride(change)]);
    expect(switched.diagnostics).toEqual([]);
    expect(switched.config!.training.negatives).toMatchObject({ ...own, logq_correction: false });
  });

  it('→ pointwise keeps a per_positive the file wrote, and hard negatives (they serve every mode)', () => {
    const text = SYNTHETIC.replace('    logq_correction: true\n', '    logq_correction: true\n    per_positive: 4\n    hard:\n      source: mined\n');
    const change = modeSwitch(text, 'listwise', 'pointwise', 'in_batch')!;
    expect(change.negatives).toMatchObject({ source: 'uniform', per_positive: 4, hard: { source: 'mined' } });
    expect(change.negatives).not.toHaveProperty('logq_correction');
  });

  it('pairwise popularity → listwise: in-batch + logQ; the same mode, or listwise to listwise, changes nothing', () => {
    const pairwise = SYNTHETIC.replace('mode: listwise\n  loss: softmax', 'mode: pairwise\n  loss: hinge').replace('    source: in_batch\n    logq_correction: true\n', '    source: popularity\n    per_positive: 2\n');
    const change = modeSwitch(pairwise, 'pairwise', 'listwise', 'popularity')!;
    expect(change.negatives).toEqual({ source: 'in_batch', logq_correction: true });
    expect(resolved(pairwise, ['training.mode=listwise', 'training.loss=softmax', modeSwitchOverride(change)]).diagnostics).toEqual([]);
    expect(modeSwitch(pairwise, 'pairwise', 'pairwise', 'popularity')).toBeUndefined();
    expect(modeSwitch(SYNTHETIC, 'listwise', 'listwise', 'in_batch')).toBeUndefined();
  });

  it('pairwise → pointwise with popularity negatives and nothing listwise: nothing to change', () => {
    const pairwise = SYNTHETIC.replace('mode: listwise\n  loss: softmax', 'mode: pairwise\n  loss: hinge').replace('    source: in_batch\n    logq_correction: true\n', '    source: popularity\n');
    expect(modeSwitch(pairwise, 'pairwise', 'pointwise', 'popularity')).toBeUndefined();
  });
});
