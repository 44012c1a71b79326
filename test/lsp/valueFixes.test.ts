/** The values the schema-type and schema-range quick fixes write: only where one value is obvious. */
import { describe, expect, it } from 'vitest';

import { schemaAt } from '../../src/server/schemaNav';
import { rangeFix, typeFix } from '../../src/server/valueFixes';

const field = (...path: (string | number)[]) => schemaAt(path)!;

describe('typeFix', () => {
  it('unquotes a number, keeping integers whole', () => {
    expect(typeFix(field('training', 'batch_size'), '64')?.text).toBe('64');
    expect(typeFix(field('training', 'learning_rate'), ' 1e-3 ')?.text).toBe('0.001');
    // 2.5 is not an integer: rounding would be a guess.
    expect(typeFix(field('training', 'batch_size'), '2.5')).toBeUndefined();
    expect(typeFix(field('training', 'batch_size'), 'sixty-four')).toBeUndefined();
  });

  it('reads yes/no/on/off/true/false as a boolean, and nothing else', () => {
    expect(typeFix(field('evaluation', 'exclude_seen'), 'Yes')?.text).toBe('true');
    expect(typeFix(field('evaluation', 'exclude_seen'), 'off')?.text).toBe('false');
    expect(typeFix(field('evaluation', 'exclude_seen'), 'true')?.text).toBe('true');
    expect(typeFix(field('evaluation', 'exclude_seen'), 'maybe')).toBeUndefined();
  });

  it('wraps a scalar that is a valid item in a list', () => {
    expect(typeFix(field('evaluation', 'k'), 10)?.text).toBe('[10]');
    expect(typeFix(field('evaluation', 'k'), '10')?.text).toBe('[10]');
    expect(typeFix(field('user_tower', 'mlp', 'hidden'), 64)?.text).toBe('[64]');
    expect(typeFix(field('evaluation', 'metrics'), 'recall')?.text).toBe('[recall]');
    expect(typeFix(field('evaluation', 'metrics'), 'recal')).toBeUndefined();
    // A tuple band needs two values: there is no obvious second one.
    expect(typeFix(field('training', 'negatives', 'hard', 'relatively_hard'), 10)).toBeUndefined();
  });

  it('quotes a number where a name is expected, and reads a bare path as a file', () => {
    expect(typeFix(field('data', 'interactions', 'columns', 'user'), 7)?.text).toBe('"7"');
    expect(typeFix(field('data', 'interactions'), 'log.csv')?.text).toBe('{ path: log.csv }');
  });
});

describe('rangeFix', () => {
  it('clamps to an inclusive bound', () => {
    expect(rangeFix(field('training', 'batch_size'), { minimum: 1 })?.text).toBe('1');
    expect(rangeFix(field('training', 'negatives', 'alpha'), { maximum: 2 })?.text).toBe('2');
  });

  it('takes the nearest integer inside an exclusive bound of an integer field', () => {
    // No integer field of the schema has an exclusive bound today; the rule is checked on a schema of its own.
    expect(rangeFix({ type: 'integer', exclusiveMinimum: 0 }, { exclusiveMinimum: 0 })?.text).toBe('1');
    expect(rangeFix({ type: 'integer', exclusiveMaximum: 10 }, { exclusiveMaximum: 10 })?.text).toBe('9');
    expect(rangeFix({ type: 'integer', exclusiveMinimum: 0, maximum: 0 }, { exclusiveMinimum: 0 })).toBeUndefined();
  });

  it('offers the default of a number field with an exclusive bound when the default is inside, else nothing', () => {
    expect(rangeFix(field('data', 'split', 'test_fraction'), { exclusiveMaximum: 1 })?.text).toBe('0.2');
    expect(rangeFix(field('training', 'scale'), { exclusiveMinimum: 0 })).toBeUndefined();
    expect(rangeFix(field('evaluation', 'k'), {})).toBeUndefined();
  });
});
