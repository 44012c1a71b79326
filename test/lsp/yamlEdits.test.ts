/** The text edits behind the quick fixes: only the field concerned changes, comments and order stay. */
import { describe, expect, it } from 'vitest';

import { removeKeyEdit, renameKeyEdit, setValueEdit, yamlScalar } from '../../src/server/yamlEdits';
import { applyEdits } from './lspClient';

const TEXT = ['training:', '  loss: hinge   # pairwise', '  margin: 0.3', '  negatives:', '    source: uniform', 'evaluation:', '  k: [10]', ''].join('\n');

describe('yamlEdits', () => {
  it('replaces a written scalar, keeping the comment', () => {
    const edit = setValueEdit(TEXT, ['training', 'loss'], 'logistic')!;
    expect(applyEdits(TEXT, [edit])).toBe(TEXT.replace('loss: hinge', 'loss: logistic'));
  });

  it('inserts a missing key under its mapping, at the mapping\'s indentation', () => {
    const edit = setValueEdit(TEXT, ['training', 'negatives', 'per_positive'], 3)!;
    expect(applyEdits(TEXT, [edit])).toBe(TEXT.replace('    source: uniform', '    per_positive: 3\n    source: uniform'));
  });

  it('inserts missing parents too', () => {
    const edit = setValueEdit(TEXT, ['training', 'negatives', 'mix', 'easy'], 0.5)!;
    expect(applyEdits(TEXT, [edit])).toBe(TEXT.replace('    source: uniform', '    mix:\n      easy: 0.5\n    source: uniform'));
  });

  it('removes a key with its whole line', () => {
    expect(applyEdits(TEXT, [removeKeyEdit(TEXT, ['training', 'margin'])!])).toBe(TEXT.replace('  margin: 0.3\n', ''));
    expect(removeKeyEdit(TEXT, ['training', 'scale'])).toBeUndefined();
  });

  it('renames a key', () => {
    expect(applyEdits(TEXT, [renameKeyEdit(TEXT, ['training', 'margin'], 'scale')!])).toBe(TEXT.replace('margin:', 'scale:'));
  });

  it('quotes strings that YAML would read as something else', () => {
    expect(yamlScalar('in_batch')).toBe('in_batch');
    expect(yamlScalar('true')).toBe('"true"');
    expect(yamlScalar('a: b')).toBe('"a: b"');
    expect(yamlScalar(0.05)).toBe('0.05');
  });
});
