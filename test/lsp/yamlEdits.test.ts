/** The text edits behind the quick fixes: only the field concerned changes, comments and order stay. */
import { describe, expect, it } from 'vitest';

import { removeItemEdit, removeKeyEdit, renameKeyEdit, replaceValueEdit, setValueEdit, yamlScalar } from '../../src/server/yamlEdits';
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

  it('inserts a missing key into a flow mapping after its last entry, nesting the missing parents', () => {
    const flow = 'data: { interactions: { path: log.csv } }\n';
    expect(applyEdits(flow, [setValueEdit(flow, ['data', 'split', 'method'], 'random')!])).toBe('data: { interactions: { path: log.csv }, split: { method: random } }\n');
    const empty = 'data: {}\n';
    expect(applyEdits(empty, [setValueEdit(empty, ['data', 'seed'], 7)!])).toBe('data: { seed: 7 }\n');
  });

  it('replaces a written scalar with a flow value as given', () => {
    const text = 'evaluation:\n  k: 10   # one cut-off\n';
    expect(applyEdits(text, [replaceValueEdit(text, ['evaluation', 'k'], '[10]')!])).toBe('evaluation:\n  k: [10]   # one cut-off\n');
    expect(replaceValueEdit(TEXT, ['training', 'negatives'], '1')).toBeUndefined();
  });

  it('removes a list item with its separator, or its whole line in a block list', () => {
    const flow = 'k: [10, 200, 500]\n';
    expect(applyEdits(flow, [removeItemEdit(flow, ['k', 2])!])).toBe('k: [10, 200]\n');
    expect(applyEdits(flow, [removeItemEdit(flow, ['k', 1])!])).toBe('k: [10, 500]\n');
    expect(applyEdits(flow, [removeItemEdit(flow, ['k', 0])!])).toBe('k: [200, 500]\n');
    const block = 'k:\n  - 10\n  - 500\nmetrics: [recall]\n';
    expect(applyEdits(block, [removeItemEdit(block, ['k', 1])!])).toBe('k:\n  - 10\nmetrics: [recall]\n');
    expect(removeItemEdit(flow, ['k', 3])).toBeUndefined();
  });

  it('quotes strings that YAML would read as something else', () => {
    expect(yamlScalar('in_batch')).toBe('in_batch');
    expect(yamlScalar('true')).toBe('"true"');
    expect(yamlScalar('a: b')).toBe('"a: b"');
    expect(yamlScalar(0.05)).toBe('0.05');
  });
});
