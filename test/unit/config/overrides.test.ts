import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { checkExperimentTextSync } from '../../../src/core/config/check';
import { parseOverride, stringifyResolvedConfig } from '../../../src/core/config/overrides';
import { SYNTHETIC, at, codes, only } from './helpers';

const file = '/tmp/exp/a.tower.yaml';
const check = (overrides: string[], text = SYNTHETIC) => checkExperimentTextSync(text, { filePath: file, overrides });

describe('parseOverride', () => {
  it('reads the value as YAML', () => {
    expect(parseOverride('training.negatives.logq_correction=false')).toEqual({ source: 'training.negatives.logq_correction=false', path: ['training', 'negatives', 'logq_correction'], value: false });
    expect(parseOverride('evaluation.k=[5, 20]')).toMatchObject({ path: ['evaluation', 'k'], value: [5, 20] });
    expect(parseOverride('evaluation.k[1]=7')).toMatchObject({ path: ['evaluation', 'k', 1], value: 7 });
    expect(parseOverride('name=a=b')).toMatchObject({ path: ['name'], value: 'a=b' });
  });
  it('explains a malformed argument', () => {
    expect(parseOverride('training.epochs')).toMatchObject({ error: expect.stringMatching(/path\.to\.key=value/) as unknown });
    expect(parseOverride('training..epochs=3')).toMatchObject({ error: expect.stringMatching(/not a valid key path/) as unknown });
    expect(parseOverride('name=[1, 2')).toMatchObject({ error: expect.stringMatching(/not valid YAML/) as unknown });
  });
});

describe('--set', () => {
  it('overrides a field of the file', () => {
    const r = check(['training.negatives.logq_correction=false', 'training.epochs=9']);
    expect(r.diagnostics).toEqual([]);
    expect(r.config!.training.negatives.logq_correction).toBe(false);
    expect(r.config!.training.epochs).toBe(9);
  });

  it('creates missing sections and sets list entries', () => {
    const r = check(['score.temperature=0.2', 'evaluation.k[1]=20']);
    expect(r.diagnostics).toEqual([]);
    expect(r.config!.score.temperature).toBe(0.2);
    expect(r.config!.evaluation.k).toEqual([10, 20]);
  });

  it('rejects an unknown path with a did-you-mean', () => {
    const r = check(['training.negatives.logq_corection=false']);
    const d = only(r.diagnostics, 'set-unknown-path');
    expect(d.message).toMatch(/`training\.negatives` has no key `logq_corection`\. Did you mean `logq_correction`\?/);
    expect(d.data).toMatchObject({ replacement: 'logq_correction' });
    expect(r.config).toBeUndefined();
  });

  it('rejects a path through a scalar field', () => {
    const d = only(check(['training.mode.x=1']).diagnostics, 'set-unknown-path');
    expect(d.message).toMatch(/`training\.mode` is a single value/);
  });

  it('validates the value like the file and says it came from --set', () => {
    const d = only(check(['training.loss=hinj']).diagnostics, 'schema-enum');
    expect(d.message).toMatch(/Did you mean `hinge`\?.*\(value set by --set training\.loss=hinj\)/);
    // The squiggle falls back to the key that the override replaced the value of: line 11, `  loss:`.
    expect(at(d)).toEqual([11, 2, 11, 6]);
  });

  it('runs the semantic rules on the overridden config', () => {
    const r = check(['training.mode=pairwise', 'training.loss=hinge', 'training.negatives.source=mixed']);
    expect(codes(r.diagnostics)).toEqual(['mixed-needs-softmax', 'logq-needs-softmax']);
    const text = SYNTHETIC.replace('    logq_correction: true\n', '').replace('source: in_batch', 'source: impressed_not_clicked');
    expect(codes(check([], text).diagnostics)).toEqual(['impressed-negatives']);
    const d = only(check(['training.negatives.source=uniform', 'training.negatives.logq_correction=true'], text).diagnostics, 'logq-uniform-constant');
    expect(d.message).toMatch(/value set by --set training\.negatives\.logq_correction=true/);
  });

  it('counts a key set by --set as written, like a key of the file', () => {
    // The file does not write per_positive, so the rule is quiet; setting it on the command line is writing it.
    expect(check([]).diagnostics).toEqual([]);
    const d = only(check(['training.negatives.per_positive=4']).diagnostics, 'per-positive-unused');
    expect(d.message).toMatch(/value set by --set training\.negatives\.per_positive=4/);
    // Setting it to what it already is still writes it; the default alone does not.
    expect(codes(check(['training.negatives.per_positive=2']).diagnostics)).toEqual(['per-positive-unused']);
    expect(codes(check(['training.negatives.logq_correction=false', 'training.negatives.logq_strength=0.5']).diagnostics)).toEqual(['logq-strength-unused']);
  });

  it('keeps the positions of the rest of the file valid', () => {
    // The override adds a key near the top; the typo further down must still point at its own line.
    const text = SYNTHETIC.replace('evaluation:\n  k: [10, 50]\n', 'evaluation:\n  k: [10, 50]\n  everyy: 2\n');
    const d = only(check(['data.synthetic.latent_dim=4'], text).diagnostics, 'schema-unknown-key');
    expect(at(d)).toEqual([17, 2, 17, 8]);
  });
});

describe('stringifyResolvedConfig', () => {
  it('round-trips to the same config, in schema order, with short lists on one line', () => {
    const r = check(['training.epochs=3']);
    const text = stringifyResolvedConfig(r.config!);
    expect(parse(text)).toEqual(r.config);
    expect(text.split('\n')[0]).toBe('name: tiny');
    expect(text).toContain('  k: [10, 50]');
    // Schema order inside sections too: in the file `mode` comes first, in the schema `mode, loss, …, negatives, …, epochs`.
    const trainingKeys = Object.keys((parse(text) as { training: object }).training);
    expect(trainingKeys.slice(0, 3)).toEqual(['mode', 'loss', 'negatives']);
    expect(trainingKeys.indexOf('epochs')).toBeGreaterThan(trainingKeys.indexOf('batch_size'));
    // Every default is written out, so no key counts as chosen: the rules on keys without effect stay quiet.
    const again = checkExperimentTextSync(text, { filePath: file });
    expect(again.diagnostics).toEqual([]);
    expect(again.config).toEqual(r.config);
    // Deleting one key makes it a hand-edited file again, where a written per_positive is the user's.
    const edited = checkExperimentTextSync(text.replace(/^ {4}remove_accidental_hits: true\n/m, ''), { filePath: file });
    expect(codes(edited.diagnostics)).toContain('per-positive-unused');
  });
});
