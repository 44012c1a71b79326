import { describe, expect, it } from 'vitest';

import { checkExperimentTextSync } from '../../../src/core/config/check';
import { RULE_CODES } from '../../../src/core/config/rules';
import { lossSpecFromConfig } from '../../../src/core/losses';
import { SYNTHETIC, at, codes, only } from './helpers';

const file = '/tmp/exp/a.tower.yaml';
const check = (text: string) => checkExperimentTextSync(text, { filePath: file });
const sub = (from: string, to: string, text = SYNTHETIC) => {
  expect(text.includes(from), `fixture lacks ${JSON.stringify(from)}`).toBe(true);
  return text.replace(from, to);
};

/** A pairwise/pointwise variant: the base uses in-batch + logQ, which only fits listwise. */
const withTraining = (training: string) => sub('training:\n  mode: listwise\n  loss: softmax\n  negatives:\n    source: in_batch\n    logq_correction: true\n', training);

describe('the base fixture', () => {
  it('is clean, so every diagnostic below comes from the edit', () => {
    const r = check(SYNTHETIC);
    expect(r.diagnostics).toEqual([]);
    expect(r.config).toBeDefined();
  });
});

describe('impressed-negatives', () => {
  it('refuses impressed-but-not-clicked items as retrieval negatives and explains why', () => {
    const r = check(sub('source: in_batch\n    logq_correction: true', 'source: impressed_not_clicked'));
    const d = only(r.diagnostics, 'impressed-negatives');
    expect(d.severity).toBe('error');
    expect(d.message).toMatch(/negatives for ranking models, not for retrieval/);
    // Line 13 is `    source: impressed_not_clicked`: the value spans columns 12..33.
    expect(at(d)).toEqual([13, 12, 13, 33]);
    expect(d.data).toEqual({ replacement: 'in_batch' });
    expect(r.config).toBeUndefined();
  });
  it('does not fire for in-batch negatives', () => {
    expect(codes(check(SYNTHETIC).diagnostics)).not.toContain('impressed-negatives');
  });
});

describe('logQ correction with each source', () => {
  it('is fine for a listwise softmax over in-batch, popularity or mixed negatives (the sampled softmax subtracts log Q_j too)', () => {
    for (const source of ['in_batch', 'popularity', 'mixed']) {
      const r = check(sub('source: in_batch', `source: ${source}`));
      expect(r.diagnostics, source).toEqual([]);
      expect(r.config!.training.negatives.logq_correction).toBe(true);
    }
  });
});

describe('logq-uniform-constant', () => {
  it('warns that uniform negatives make the correction a constant, at the logq_correction value', () => {
    const r = check(sub('source: in_batch', 'source: uniform'));
    const d = only(r.diagnostics, 'logq-uniform-constant');
    expect(d.severity).toBe('warning');
    expect(d.message).toMatch(/changes nothing.*same for every column/);
    expect(d.path).toEqual(['training', 'negatives', 'logq_correction']);
    expect(at(d)).toEqual([14, 21, 14, 25]);
    expect(d.data).toEqual({ remove: ['training', 'negatives', 'logq_correction'] });
    expect(r.config).toBeDefined();
  });
  it('is quiet with logQ off, and with hard negatives (their columns are not corrected, so the shift is not the same for all)', () => {
    expect(check(sub('source: in_batch\n    logq_correction: true', 'source: uniform\n    logq_correction: false')).diagnostics).toEqual([]);
    expect(check(sub('source: in_batch\n    logq_correction: true', 'source: uniform\n    logq_correction: true\n    hard: { source: mined }')).diagnostics).toEqual([]);
  });
});

describe('logq-needs-softmax', () => {
  it('warns when logQ is on in pointwise or pairwise mode, whatever the source, at the logq_correction value', () => {
    for (const [mode, loss] of [['pairwise', 'hinge'], ['pointwise', 'bce']]) {
      for (const source of ['in_batch', 'uniform', 'popularity']) {
        const r = check(sub('source: in_batch', `source: ${source}`, sub('  mode: listwise\n  loss: softmax\n', `  mode: ${mode}\n  loss: ${loss}\n`)));
        const d = only(r.diagnostics, 'logq-needs-softmax');
        expect(d.severity).toBe('warning');
        expect(d.message).toMatch(new RegExp(`no effect with \`mode: ${mode}\`.*not a softmax`));
        expect(d.path).toEqual(['training', 'negatives', 'logq_correction']);
        expect(at(d)).toEqual([14, 21, 14, 25]);
        expect(d.data).toEqual({ remove: ['training', 'negatives', 'logq_correction'] });
        // A warning: the config still loads and trains.
        expect(r.config).toBeDefined();
        expect(codes(r.diagnostics)).toEqual(['logq-needs-softmax']);
      }
    }
  });
  it('does not fire for listwise, nor with logQ off', () => {
    expect(codes(check(SYNTHETIC).diagnostics)).not.toContain('logq-needs-softmax');
    expect(codes(check(sub('  mode: listwise\n  loss: softmax\n  negatives:\n    source: in_batch\n    logq_correction: true', '  mode: pairwise\n  loss: hinge\n  negatives:\n    source: in_batch\n    logq_correction: false')).diagnostics)).toEqual([]);
  });
});

describe('logq-strength-unused', () => {
  it('warns on a written logq_strength while the correction is off, offering to turn it on', () => {
    const r = check(sub('source: in_batch\n    logq_correction: true', 'source: popularity\n    logq_strength: 0.5'));
    const d = only(r.diagnostics, 'logq-strength-unused');
    expect(d.severity).toBe('warning');
    expect(d.message).toMatch(/γ of the logQ correction.*`logq_correction` is off/);
    // Line 14 is `    logq_strength: 0.5`: the key spans columns 4..17.
    expect(at(d)).toEqual([14, 4, 14, 17]);
    expect(d.data).toEqual({ remove: ['training', 'negatives', 'logq_strength'], alternative: { path: ['training', 'negatives', 'logq_correction'], value: true } });
    expect(r.config).toBeDefined();
  });
  it('does not offer to turn on a correction that would change nothing (uniform), and says why for pairwise', () => {
    const uniform = only(check(sub('source: in_batch\n    logq_correction: true', 'source: uniform\n    logq_strength: 0.5')).diagnostics, 'logq-strength-unused');
    expect(uniform.data).toEqual({ remove: ['training', 'negatives', 'logq_strength'] });
    const pairwise = check(sub('    logq_correction: true', '    logq_correction: true\n    logq_strength: 0.5', withTraining('training:\n  mode: pairwise\n  negatives:\n    source: in_batch\n    logq_correction: true\n')));
    expect(codes(pairwise.diagnostics).sort()).toEqual(['logq-needs-softmax', 'logq-strength-unused']);
    expect(only(pairwise.diagnostics, 'logq-strength-unused').message).toMatch(/pairwise loss is not a softmax/);
  });
  it('is quiet when the correction uses it, and when it is not written (the default γ = 1 is always there)', () => {
    expect(check(sub('    logq_correction: true', '    logq_correction: true\n    logq_strength: 0.25')).diagnostics).toEqual([]);
    expect(check(sub('source: in_batch\n    logq_correction: true', 'source: popularity')).diagnostics).toEqual([]);
  });
});

describe('logq-estimate-unused', () => {
  it('warns on a written logq_estimate while the correction is off', () => {
    const d = only(check(sub('    logq_correction: true', '    logq_correction: false\n    logq_estimate: counts')).diagnostics, 'logq-estimate-unused');
    expect(d.severity).toBe('warning');
    expect(d.message).toMatch(/correction is off/);
    expect(d.data).toEqual({ remove: ['training', 'negatives', 'logq_estimate'] });
    expect(at(d)).toEqual([15, 4, 15, 17]);
  });
  it('warns on `streaming` without in-batch columns, where Q_j is the sampler\'s own', () => {
    const d = only(check(sub('source: in_batch\n    logq_correction: true', 'source: popularity\n    logq_correction: true\n    logq_estimate: streaming')).diagnostics, 'logq-estimate-unused');
    expect(d.message).toMatch(/`source: popularity` has no in-batch columns/);
  });
  it('is quiet for `streaming` with in_batch or mixed, and for `counts` with popularity', () => {
    for (const source of ['in_batch', 'mixed']) {
      expect(check(sub('source: in_batch\n    logq_correction: true', `source: ${source}\n    logq_correction: true\n    logq_estimate: streaming`)).diagnostics, source).toEqual([]);
    }
    expect(check(sub('source: in_batch\n    logq_correction: true', 'source: popularity\n    logq_correction: true\n    logq_estimate: counts')).diagnostics).toEqual([]);
  });
});

describe('per-positive-unused', () => {
  it('warns on a written per_positive with listwise in_batch or mixed negatives and no hard ones', () => {
    for (const source of ['in_batch', 'mixed']) {
      const r = check(sub('source: in_batch\n', `source: ${source}\n    per_positive: 4\n`));
      const d = only(r.diagnostics, 'per-positive-unused');
      expect(d.severity).toBe('warning');
      expect(d.message).toMatch(/added only for hard negatives/);
      expect(d.data).toEqual({ remove: ['training', 'negatives', 'per_positive'] });
      expect(at(d)).toEqual([14, 4, 14, 16]);
    }
  });
  it('is quiet with hard negatives, with sampled listwise negatives, and for the other modes', () => {
    expect(check(sub('source: in_batch\n', 'source: in_batch\n    per_positive: 4\n    hard: { source: mined }\n')).diagnostics).toEqual([]);
    expect(check(sub('source: in_batch\n', 'source: popularity\n    per_positive: 4\n')).diagnostics).toEqual([]);
    expect(check(withTraining('training:\n  mode: pairwise\n  negatives:\n    source: in_batch\n    per_positive: 4\n')).diagnostics).toEqual([]);
  });
});

describe('mixed-needs-softmax', () => {
  it('refuses mixed negative sampling in pointwise and pairwise mode, suggesting in_batch', () => {
    for (const mode of ['pointwise', 'pairwise']) {
      const r = check(withTraining(`training:\n  mode: ${mode}\n  negatives:\n    source: mixed\n`));
      const d = only(r.diagnostics, 'mixed-needs-softmax');
      expect(d.severity).toBe('error');
      expect(d.message).toMatch(/column set of a listwise softmax/);
      expect(d.path).toEqual(['training', 'negatives', 'source']);
      // Line 12 is `    source: mixed`: the value spans columns 12..17.
      expect(at(d)).toEqual([12, 12, 12, 17]);
      expect(d.data).toEqual({ replacement: 'in_batch' });
      expect(r.config).toBeUndefined();
    }
  });
  it('accepts mixed in listwise mode', () => {
    expect(check(sub('source: in_batch', 'source: mixed')).diagnostics).toEqual([]);
  });
});

describe('extra-without-mixed', () => {
  it('warns on each of extra and extra_sampler written while the source is not mixed', () => {
    const r = check(sub('    logq_correction: true\n', '    logq_correction: true\n    extra: 64\n    extra_sampler: popularity\n'));
    const ds = r.diagnostics.filter((d) => d.code === 'extra-without-mixed');
    expect(ds.map((d) => d.path)).toEqual([['training', 'negatives', 'extra'], ['training', 'negatives', 'extra_sampler']]);
    expect(ds.map(at)).toEqual([[15, 4, 15, 9], [16, 4, 16, 17]]);
    expect(ds[0]!.severity).toBe('warning');
    expect(ds[0]!.message).toMatch(/source is `in_batch`/);
    expect(ds[1]!.data).toEqual({ remove: ['training', 'negatives', 'extra_sampler'] });
  });
  it('is quiet with source: mixed', () => {
    expect(check(sub('source: in_batch\n    logq_correction: true\n', 'source: mixed\n    logq_correction: true\n    extra: 64\n    extra_sampler: popularity\n')).diagnostics).toEqual([]);
  });
});

describe('margin-without-hinge and scale-without-logistic', () => {
  it('warn on a margin with the logistic loss and a scale with the hinge loss', () => {
    const r1 = check(withTraining('training:\n  mode: pairwise\n  loss: logistic\n  margin: 0.3\n'));
    const m = only(r1.diagnostics, 'margin-without-hinge');
    expect(m.severity).toBe('warning');
    expect(m.data).toEqual({ remove: ['training', 'margin'] });
    expect(at(m)).toEqual([12, 2, 12, 8]);
    expect(r1.config).toBeDefined(); // warnings do not block
    const r2 = check(withTraining('training:\n  mode: pairwise\n  loss: hinge\n  scale: 5\n'));
    expect(only(r2.diagnostics, 'scale-without-logistic').severity).toBe('warning');
    expect(codes(r2.diagnostics)).not.toContain('margin-without-hinge');
  });
  it('stay quiet when each parameter goes with its loss', () => {
    expect(check(withTraining('training:\n  mode: pairwise\n  loss: hinge\n  margin: 0.3\n')).diagnostics).toEqual([]);
    expect(check(withTraining('training:\n  mode: pairwise\n  loss: logistic\n  scale: 5\n')).diagnostics).toEqual([]);
  });
});

describe('reduction-without-pairwise', () => {
  it('warns on pairwise_reduction outside pairwise mode, and is quiet in it', () => {
    const d = only(check(withTraining('training:\n  mode: pointwise\n  loss: bce\n  pairwise_reduction: hardest\n')).diagnostics, 'reduction-without-pairwise');
    expect(d.severity).toBe('warning');
    expect(d.data).toEqual({ remove: ['training', 'pairwise_reduction'] });
    expect(d.message).toContain('`mode: pointwise` forms no triplets');
    const pairwise = check(withTraining('training:\n  mode: pairwise\n  loss: hinge\n  pairwise_reduction: hardest\n'));
    expect(pairwise.diagnostics).toEqual([]);
    // The field reaches the loss; without it the loss averages the triplets.
    expect(lossSpecFromConfig(pairwise.config!).pairwiseReduction).toBe('hardest');
    expect(lossSpecFromConfig(check(withTraining('training:\n  mode: pairwise\n  loss: hinge\n')).config!).pairwiseReduction).toBe('mean');
  });
  it('refuses a reduction that is not mean or hardest', () => {
    const r = check(withTraining('training:\n  mode: pairwise\n  loss: hinge\n  pairwise_reduction: max\n'));
    expect(r.config).toBeUndefined();
    expect(r.diagnostics.map((x) => x.message).join(' ')).toMatch(/mean.*hardest|hardest.*mean/);
  });
});

describe('loss-mode-mismatch', () => {
  it('fires for a loss of another mode, suggesting the mode\'s loss', () => {
    const d = only(check(withTraining('training:\n  mode: pointwise\n  loss: softmax\n')).diagnostics, 'loss-mode-mismatch');
    expect(d.severity).toBe('error');
    expect(d.data).toEqual({ replacement: 'bce', allowed: ['bce'] });
    expect(at(d)).toEqual([11, 8, 11, 15]);
  });
  it('accepts every loss of LOSSES_BY_MODE', () => {
    for (const [mode, loss] of [['pointwise', 'bce'], ['pairwise', 'hinge'], ['pairwise', 'logistic'], ['listwise', 'softmax']]) {
      expect(codes(check(withTraining(`training:\n  mode: ${mode}\n  loss: ${loss}\n`)).diagnostics)).not.toContain('loss-mode-mismatch');
    }
  });
});

describe('pointwise-ratio', () => {
  it('warns above 1:10 and suggests 1:3', () => {
    const d = only(check(withTraining('training:\n  mode: pointwise\n  negatives:\n    per_positive: 11\n')).diagnostics, 'pointwise-ratio');
    expect(d.severity).toBe('warning');
    expect(d.message).toMatch(/1:11 is outside 1:1\.\.1:10/);
    expect(d.data).toEqual({ replacement: 3, suggested: [2, 3] });
  });
  it('is quiet at 1:1 and 1:10, and for other modes', () => {
    expect(check(withTraining('training:\n  mode: pointwise\n  negatives:\n    per_positive: 1\n')).diagnostics).toEqual([]);
    expect(check(withTraining('training:\n  mode: pointwise\n  negatives:\n    per_positive: 10\n')).diagnostics).toEqual([]);
    expect(check(withTraining('training:\n  mode: pairwise\n  negatives:\n    per_positive: 20\n')).diagnostics).toEqual([]);
  });
});

describe('mix-not-one', () => {
  const hard = (mix: string) => sub('    logq_correction: true\n', `    logq_correction: true\n    hard: { source: ranking_log }\n    mix: ${mix}\n`);
  it('fires when easy + hard ≠ 1 with hard negatives on, and proposes normalised shares', () => {
    const d = only(check(hard('{ easy: 0.6, hard: 0.6 }')).diagnostics, 'mix-not-one');
    expect(d.severity).toBe('error');
    // 0.6 / (0.6 + 0.6) = 0.5 each.
    expect(d.data).toEqual({ replacement: { easy: 0.5, hard: 0.5 } });
    expect(d.range.start.line).toBe(16);
  });
  it('is quiet when the shares sum to 1, or when hard negatives are off', () => {
    expect(check(hard('{ easy: 0.7, hard: 0.3 }')).diagnostics).toEqual([]);
    expect(check(sub('    logq_correction: true\n', '    logq_correction: true\n    mix: { easy: 0.9, hard: 0.9 }\n')).diagnostics).toEqual([]);
  });
});

describe('hard-negatives-no-ranking-log', () => {
  it('fires when the data declares no ranking log', () => {
    const text = sub('    items: 200\n', '    items: 200\n    ranking_log: false\n', sub('    logq_correction: true\n', '    logq_correction: true\n    hard: { source: ranking_log }\n'));
    const d = only(check(text).diagnostics, 'hard-negatives-no-ranking-log');
    expect(d.data).toEqual({ replacement: 'mined' });
    expect(d.message).toMatch(/data\.synthetic\.ranking_log: true/);
  });
  it('counts a synthetic ranking log (the default) or data.ranking_log as declared, and mined needs none', () => {
    expect(check(sub('    logq_correction: true\n', '    logq_correction: true\n    hard: { source: ranking_log }\n')).diagnostics).toEqual([]);
    const mined = sub('    items: 200\n', '    items: 200\n    ranking_log: false\n', sub('    logq_correction: true\n', '    logq_correction: true\n    hard: { source: mined }\n'));
    expect(check(mined).diagnostics).toEqual([]);
  });
});

describe('hard-band-empty', () => {
  it('fires for a band whose start is not below its end, only when hard negatives are on', () => {
    const text = sub('    logq_correction: true\n', '    logq_correction: true\n    hard: { source: mined, relatively_hard: [50, 10] }\n');
    expect(only(check(text).diagnostics, 'hard-band-empty').path).toEqual(['training', 'negatives', 'hard', 'relatively_hard']);
    expect(check(sub('    logq_correction: true\n', '    logq_correction: true\n    hard: { relatively_hard: [50, 10] }\n')).diagnostics).toEqual([]);
  });
});

describe('temperature-not-positive', () => {
  it('fires for τ = 0 and τ < 0', () => {
    for (const tau of ['0', '-0.1']) {
      const d = only(check(SYNTHETIC + `score:\n  temperature: ${tau}\n`).diagnostics, 'temperature-not-positive');
      expect(d.data).toEqual({ replacement: 0.05 });
      expect(at(d)).toEqual([18, 15, 18, 15 + tau.length]);
    }
  });
  it('is quiet for τ > 0', () => {
    expect(check(SYNTHETIC + 'score:\n  temperature: 0.1\n').diagnostics).toEqual([]);
  });
});

describe('output-dim-mismatch', () => {
  it('fires on the item tower dimension, suggesting the user tower one', () => {
    const d = only(check(sub('item_tower:\n  output_dim: 16', 'item_tower:\n  output_dim: 32')).diagnostics, 'output-dim-mismatch');
    expect(at(d)).toEqual([8, 14, 8, 16]);
    expect(d.data).toEqual({ replacement: 16 });
  });
  it('fires when one side keeps the default 64', () => {
    expect(codes(check(sub('item_tower:\n  output_dim: 16', 'item_tower: {}')).diagnostics)).toEqual(['output-dim-mismatch']);
  });
});

describe('data-source', () => {
  it('fires when both interactions and synthetic are given', () => {
    const d = only(check(sub('data:\n', 'data:\n  interactions: { path: log.csv }\n')).diagnostics, 'data-source');
    expect(at(d)).toEqual([1, 0, 1, 4]);
    expect(d.message).toMatch(/both/);
  });
  it('fires when neither is given', () => {
    const d = only(check(sub('  synthetic:\n    users: 50\n    items: 200\n', '  seed: 1\n')).diagnostics, 'data-source');
    expect(d.message).toMatch(/neither/);
  });
});

describe('early-stopping-metric', () => {
  it('fires for a metric the evaluation does not compute', () => {
    const d = only(check(sub('    logq_correction: true\n', '    logq_correction: true\n  early_stopping: { metric: recall@100 }\n')).diagnostics, 'early-stopping-metric');
    expect((d.data as { allowed: string[] }).allowed).toContain('recall@50');
  });
  it('is quiet for a computed one', () => {
    expect(check(sub('    logq_correction: true\n', '    logq_correction: true\n  early_stopping: { metric: ndcg@10 }\n')).diagnostics).toEqual([]);
  });
});

describe('k-exceeds-catalogue (synthetic)', () => {
  it('warns for each K above the synthetic item count', () => {
    const r = check(sub('k: [10, 50]', 'k: [10, 200, 201, 500]'));
    const ks = r.diagnostics.filter((d) => d.code === 'k-exceeds-catalogue');
    // 200 items: K = 200 is allowed, 201 and 500 are not.
    expect(ks.map((d) => d.path)).toEqual([['evaluation', 'k', 2], ['evaluation', 'k', 3]]);
    expect(ks[0]!.severity).toBe('warning');
    expect(r.config).toBeDefined();
  });
  it('offers to drop K when another K fits, and the largest round K ≤ half the catalogue', () => {
    // 200 items: 100 is the largest of 1, 2, 5, 10, 20, 50, 100, … that is ≤ 200 / 2.
    const d = only(check(sub('k: [10, 50]', 'k: [10, 500]')).diagnostics, 'k-exceeds-catalogue');
    expect(d.data).toEqual({ items: 200, removeItem: true, replacement: 100 });
    expect(d.message).toMatch(/Drop it from `evaluation\.k`/);
    // The only K: nothing to fall back on, so only the replacement.
    expect(only(check(sub('k: [10, 50]', 'k: [500]')).diagnostics, 'k-exceeds-catalogue').data).toEqual({ items: 200, replacement: 100 });
    // A replacement already in the list is not offered twice.
    expect(only(check(sub('k: [10, 50]', 'k: [100, 500]')).diagnostics, 'k-exceeds-catalogue').data).toEqual({ items: 200, removeItem: true });
  });
  it('does not drop a K that early stopping watches', () => {
    const text = sub('    logq_correction: true\n', '    logq_correction: true\n  early_stopping: { metric: recall@500 }\n', sub('k: [10, 50]', 'k: [10, 500]'));
    expect(only(check(text).diagnostics, 'k-exceeds-catalogue').data).toEqual({ items: 200, replacement: 100 });
  });
});

describe('RULE_CODES', () => {
  it('lists each code once, with a one-line doc', () => {
    const all = RULE_CODES.map((r) => r.code);
    expect(new Set(all).size).toBe(all.length);
    for (const r of RULE_CODES) expect(r.doc).not.toMatch(/\n/);
  });
});
