import { describe, expect, it } from 'vitest';

import { checkExperimentTextSync } from '../../../src/core/config/check';
import { DEFAULT_MARGIN } from '../../../src/core/config/schema';
import { SYNTHETIC, at, codes, only } from './helpers';

const file = '/tmp/exp/a.tower.yaml';
const check = (text: string) => checkExperimentTextSync(text, { filePath: file });

describe('schema errors point at the exact node', () => {
  it('a wrong type is reported on the value', () => {
    const text = SYNTHETIC.replace('  output_dim: 16\nitem_tower', '  output_dim: sixteen\nitem_tower');
    const d = only(check(text).diagnostics, 'schema-type');
    // Line 6 is `  output_dim: sixteen`: the value starts at column 14 and ends at 21.
    expect(at(d)).toEqual([6, 14, 6, 21]);
    expect(d.path).toEqual(['user_tower', 'output_dim']);
    expect(d.message).toBe('`user_tower.output_dim` must be an integer, got the string "sixteen".');
  });

  it('a fraction where a whole number is needed says so', () => {
    const d = only(check(SYNTHETIC.replace('users: 50', 'users: 50.5')).diagnostics, 'schema-type');
    expect(d.message).toMatch(/whole number, got 50\.5/);
    expect(at(d)).toEqual([3, 11, 3, 15]);
  });

  it('an unknown key is reported on the key, with a suggestion for the fix', () => {
    const text = SYNTHETIC.replace('  mode: listwise', '  mode: listwise\n  bach_size: 64');
    const r = check(text);
    const d = only(r.diagnostics, 'schema-unknown-key');
    // Line 11 is `  bach_size: 64`: the key spans columns 2..11.
    expect(at(d)).toEqual([11, 2, 11, 11]);
    expect(d.message).toMatch(/Unknown key `bach_size` in `training`\. Did you mean `batch_size`\?/);
    expect(d.data).toMatchObject({ key: 'bach_size', replacement: 'batch_size' });
    expect(r.config).toBeUndefined();
  });

  it('an unknown key far from any valid one gets no suggestion', () => {
    const d = only(check(SYNTHETIC + 'zzzzzz: 1\n').diagnostics, 'schema-unknown-key');
    expect(d.message).not.toMatch(/Did you mean/);
    expect((d.data as { replacement?: string }).replacement).toBeUndefined();
  });

  it('a right key at the wrong level says where it belongs', () => {
    const d = only(check(SYNTHETIC + 'batch_size: 64\n').diagnostics, 'schema-unknown-key');
    expect(d.message).toMatch(/Unknown key `batch_size` in the top level\. `batch_size` belongs under `training`\./);
    expect(d.data).toMatchObject({ belongsUnder: ['training'] });
    const e = only(check(SYNTHETIC.replace('  output_dim: 16\nitem_tower', '  output_dim: 16\n  buckets: 4\nitem_tower')).diagnostics, 'schema-unknown-key');
    expect(e.message).toMatch(/`buckets` belongs under `user_tower\.continuous\[\]` or `item_tower\.continuous\[\]`\./);
  });

  it('a file path where a mapping is needed gets the mapping to write', () => {
    const text = SYNTHETIC.replace('data:\n  synthetic:\n    users: 50\n    items: 200\n', 'data:\n  interactions: log.csv\n');
    const d = only(check(text).diagnostics, 'schema-type');
    expect(d.message).toBe('`data.interactions` must be a mapping, got the string "log.csv". For a file, write `interactions: { path: log.csv }`.');
    expect(at(d)).toEqual([2, 16, 2, 23]);
  });

  it('a camelCase spelling of a snake_case key is suggested', () => {
    const d = only(check(SYNTHETIC.replace('  mode: listwise', '  mode: listwise\n  learningRate: 0.01')).diagnostics, 'schema-unknown-key');
    expect(d.data).toMatchObject({ replacement: 'learning_rate' });
  });

  it('a bad enum value is reported on the value, with the closest allowed one', () => {
    const d = only(check(SYNTHETIC.replace('loss: softmax', 'loss: sofmax')).diagnostics, 'schema-enum');
    // Line 11 is `  loss: sofmax`: the value spans columns 8..14.
    expect(at(d)).toEqual([11, 8, 11, 14]);
    expect(d.message).toBe('`sofmax` is not a valid `training.loss`. Did you mean `softmax`? Expected one of: bce, hinge, logistic, softmax.');
    expect(d.data).toEqual({ replacement: 'softmax', allowed: ['bce', 'hinge', 'logistic', 'softmax'] });
  });

  it('a value out of range names the bound', () => {
    const d = only(check(SYNTHETIC.replace('    logq_correction: true', '    logq_correction: true\n    alpha: 3')).diagnostics, 'schema-range');
    expect(d.message).toBe('`training.negatives.alpha` must be ≤ 2, got 3.');
    expect(at(d)).toEqual([15, 11, 15, 12]);
  });

  it('a value inside a flow list is located by index', () => {
    const d = only(check(SYNTHETIC.replace('k: [10, 50]', 'k: [10, 0]')).diagnostics, 'schema-range');
    expect(d.path).toEqual(['evaluation', 'k', 1]);
    // Line 16 is `  k: [10, 0]`: the 0 is at column 10.
    expect(at(d)).toEqual([16, 10, 16, 11]);
  });

  it('a missing required section is reported once, on the first line', () => {
    const text = SYNTHETIC.replace('item_tower:\n  output_dim: 16\n', '');
    const r = check(text);
    const d = only(r.diagnostics, 'schema-required');
    expect(d.message).toMatch(/^Missing required key `item_tower` in the experiment\./);
    expect(at(d)).toEqual([0, 0, 0, 10]);
    expect(codes(r.diagnostics)).toEqual(['schema-required']);
  });

  it('a missing required key inside a section is reported on the section key', () => {
    const text = SYNTHETIC.replace('data:\n  synthetic:\n    users: 50\n    items: 200\n', 'data:\n  interactions:\n    format: csv\n');
    const d = only(check(text).diagnostics, 'schema-required');
    expect(d.message).toMatch(/Missing required key `path` in `data\.interactions`/);
    // Line 2 is `  interactions:`.
    expect(at(d)).toEqual([2, 2, 2, 14]);
  });

  it('an empty section is a type error on its key', () => {
    const d = only(check(SYNTHETIC.replace('user_tower:\n  output_dim: 16\n', 'user_tower:\n')).diagnostics, 'schema-type');
    expect(d.message).toBe('`user_tower` must be a mapping (key: value lines), got an empty value.');
    expect(at(d)).toEqual([5, 0, 5, 10]);
  });

  it('an empty file says what it needs', () => {
    const d = only(check('# nothing yet\n').diagnostics, 'schema-empty');
    expect(d.message).toMatch(/data.*user_tower.*item_tower/);
  });
});

describe('defaults', () => {
  it('fills every default of the schema', () => {
    const r = check('data:\n  synthetic: {}\nuser_tower: {}\nitem_tower: {}\n');
    expect(r.diagnostics).toEqual([]);
    const c = r.config!;
    expect(c.data.synthetic).toEqual({ users: 2000, items: 1000, latent_dim: 16, zipf_exponent: 1, impressions_per_user: 60, click_temperature: 0.5, ranking_log: true });
    expect(c.training.mode).toBe('listwise');
    expect(c.training.loss).toBe('softmax');
    expect(c.training.negatives.alpha).toBe(0.75);
    expect(c.training.negatives.mix).toEqual({ easy: 0.5, hard: 0.5 });
    expect(c.training.negatives.hard.relatively_hard).toEqual([10, 50]);
    expect(c.user_tower.mlp.hidden).toEqual([128, 64]);
    expect(c.score.temperature).toBe(0.05);
    expect(c.evaluation.k).toEqual([10, 50, 100]);
    expect(c.training.margin).toBeUndefined();
  });

  it('an unset loss follows the mode, and the pairwise loss gets its parameter', () => {
    const r = check('data:\n  synthetic: {}\nuser_tower: {}\nitem_tower: {}\ntraining:\n  mode: pairwise\n');
    expect(r.diagnostics).toEqual([]);
    expect(r.config!.training.loss).toBe('hinge');
    expect(r.config!.training.margin).toBe(DEFAULT_MARGIN);
  });

  it('values the user wrote are kept', () => {
    const r = check(SYNTHETIC.replace('users: 50', 'users: 7'));
    expect(r.config!.data.synthetic!.users).toBe(7);
    expect(r.config!.training.negatives.logq_correction).toBe(true);
  });
});
