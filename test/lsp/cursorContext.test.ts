/** Where the cursor is, read from indentation: the pure part of completion and hover (no server). */
import { describe, expect, it } from 'vitest';

import { cursorContext, keyAtLine, parentPath, shapeOf } from '../../src/server/cursorContext';
import { enumValues, schemaAt, typeLabel } from '../../src/server/schemaNav';

const lines = (text: string): string[] => text.split('\n');

describe('shapeOf', () => {
  it('reads keys, values, dashes and comments', () => {
    expect(shapeOf('    - name: genre  # the genre')).toEqual({ keyColumn: 6, dashColumns: [4], key: 'name', valueColumn: 12, value: 'genre', empty: false });
    expect(shapeOf('  loss:')).toMatchObject({ keyColumn: 2, key: 'loss', value: '' });
    expect(shapeOf('   # only a comment').empty).toBe(true);
    expect(shapeOf('  url: http://x:80')).toMatchObject({ key: 'url', value: 'http://x:80' });
    expect(shapeOf('  a:b').key).toBeUndefined();
  });
});

describe('parentPath and cursorContext', () => {
  const doc = lines(
    [
      'user_tower:', //            0
      '  categorical:', //         1
      '    - name: genre', //      2
      '      embedding_dim: 8', // 3
      '      ', //                 4
      '  continuous:', //          5
      '  - name: year', //         6
      '    normalize: ', //        7
      'training:', //              8
      '  negatives:', //           9
      '    hard:', //             10
      '      so', //              11
      'evaluation:', //           12
      '  metrics:', //            13
      '    - ', //                14
    ].join('\n'),
  );

  it('finds the mapping of a key inside a list item', () => {
    expect(parentPath(doc, 3, 6)).toEqual(['user_tower', 'categorical', 0]);
    expect(cursorContext(doc, 4, 6)).toEqual({ kind: 'key', path: ['user_tower', 'categorical', 0], prefix: '', start: 6 });
  });

  it('handles a list at the same column as its key', () => {
    expect(cursorContext(doc, 7, 15)).toEqual({ kind: 'value', path: ['user_tower', 'continuous', 0], key: 'normalize', prefix: '', start: 15 });
    expect(keyAtLine(doc, 6)?.path).toEqual(['user_tower', 'continuous', 0, 'name']);
  });

  it('reads a half-typed key with its prefix', () => {
    expect(cursorContext(doc, 11, 8)).toEqual({ kind: 'key', path: ['training', 'negatives', 'hard'], prefix: 'so', start: 6 });
  });

  it('reads a scalar list item', () => {
    expect(cursorContext(doc, 14, 6)).toMatchObject({ kind: 'key', path: ['evaluation', 'metrics', 0], prefix: '' });
  });

  it('reads keys and values inside a one-level flow mapping', () => {
    const flow = ['data:', '  interactions:', '    columns: {user: user_id, item: mov'];
    // The cursor is at the end of line 2 (column 38), after `item: mov` whose value starts at column 35.
    expect(flow[2].length).toBe(38);
    expect(cursorContext(flow, 2, 38)).toEqual({ kind: 'value', path: ['data', 'interactions', 'columns'], key: 'item', prefix: 'mov', start: 35 });
    const key = ['data:', '  synthetic: {users: 20, it'];
    expect(cursorContext(key, 1, 27)).toEqual({ kind: 'key', path: ['data', 'synthetic'], prefix: 'it', start: 25 });
    expect(cursorContext(['  k: {a: "{"'], 0, 12)).toEqual({ kind: 'value', path: ['k'], key: 'a', prefix: '"{"', start: 9 });
  });

  it('says none inside a comment', () => {
    expect(cursorContext(['loss: softmax # why'], 0, 18)).toEqual({ kind: 'none' });
  });
});

describe('schemaNav', () => {
  it('walks objects, lists and tuples of the schema', () => {
    expect(enumValues(schemaAt(['training', 'loss'])!)).toEqual(['bce', 'hinge', 'logistic', 'softmax']);
    expect(enumValues(schemaAt(['evaluation', 'metrics', 0])!)).toEqual(['recall', 'ndcg', 'hit_rate', 'mrr', 'coverage']);
    expect(typeLabel(schemaAt(['training', 'negatives', 'hard', 'relatively_hard'])!)).toBe('[integer ≥ 0, integer ≥ 1]');
    expect(typeLabel(schemaAt(['data', 'split', 'test_fraction'])!)).toBe('number > 0, < 1');
    expect(schemaAt(['training', 'no_such_key'])).toBeUndefined();
  });
});
