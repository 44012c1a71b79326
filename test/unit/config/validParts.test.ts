import { describe, expect, it } from 'vitest';

import { checkExperimentTextSync } from '../../../src/core/config/check';
import { SYNTHETIC, codes } from './helpers';

const check = (text: string) => checkExperimentTextSync(text, { filePath: '/tmp/exp/a.tower.yaml' });
/** The fixture in pairwise · hinge with popularity negatives: its logq_correction then fires logq-needs-softmax. */
const PAIRWISE_WITH_LOGQ = SYNTHETIC.replace('  mode: listwise\n  loss: softmax\n', '  mode: pairwise\n  loss: hinge\n').replace('source: in_batch', 'source: popularity');

describe('schema errors do not hide the rules (the valid parts are checked)', () => {
  it('a misspelled key elsewhere and a logQ warning show together', () => {
    expect(codes(check(PAIRWISE_WITH_LOGQ).diagnostics)).toEqual(['logq-needs-softmax']);
    const r = check(PAIRWISE_WITH_LOGQ.replace('evaluation:\n  k:', 'evaluation:\n  kk:'));
    expect(codes(r.diagnostics).sort()).toEqual(['logq-needs-softmax', 'schema-unknown-key']);
    // Still an error: no config to train with.
    expect(r.config).toBeUndefined();
  });

  it('a wrong value is taken out: rules about its own place are dropped, not judged on the default', () => {
    // `loss: hinj` is refused; the default loss of the mode (hinge) fills in for the rules elsewhere,
    // but nothing is said about training.loss beyond the schema error.
    const r = check(PAIRWISE_WITH_LOGQ.replace('loss: hinge', 'loss: hinj'));
    expect(codes(r.diagnostics).sort()).toEqual(['logq-needs-softmax', 'schema-enum']);
    const onLoss = r.diagnostics.filter((d) => d.path?.join('.') === 'training.loss');
    expect(codes(onLoss)).toEqual(['schema-enum']);
  });

  it('a rule about a place that was taken out is dropped', () => {
    // logq_correction: "yes" is a schema error; the logq rule about that same key must not also fire on the default.
    const r = check(PAIRWISE_WITH_LOGQ.replace('logq_correction: true', 'logq_correction: "yes"'));
    expect(codes(r.diagnostics)).toEqual(['schema-type']);
  });

  it('a wrong list entry takes out its list, so the other entries keep their positions', () => {
    const r = check(PAIRWISE_WITH_LOGQ.replace('k: [10, 50]', 'k: [10, "x"]'));
    expect(codes(r.diagnostics).sort()).toEqual(['logq-needs-softmax', 'schema-type']);
  });

  it('nothing valid left (a required top-level key missing) gives the schema errors alone', () => {
    const r = check(PAIRWISE_WITH_LOGQ.replace('item_tower:\n  output_dim: 16\n', ''));
    expect(codes(r.diagnostics)).toEqual(['schema-required']);
  });
});
