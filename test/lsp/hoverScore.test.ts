/** Hover says which score is used: the cosine for L2-normalised towers, the dot product without normalisation. */
import { describe, expect, it } from 'vitest';
import type { MarkupContent } from 'vscode-languageserver/node';

import { hoverAt } from '../../src/server/hover';

const LINES = ['user_tower:', '  l2_normalize: false', 'item_tower:', '  categorical:', '    - name: genre', 'score:', '  type: cosine', '  temperature: 0.05'];

function hoverText(line: number, character: number): string {
  const hover = hoverAt(LINES, line, character);
  expect(hover).not.toBeNull();
  return (hover!.contents as MarkupContent).value;
}

describe('hover on the score and l2_normalize', () => {
  it('score.type: the cosine for normalised towers and the plain dot product a·b for l2_normalize: false', () => {
    const value = hoverText(6, 9);
    expect(value).toContain('cos(a, b) = a·b / (‖a‖₂ ‖b‖₂)');
    expect(value).toMatch(/plain dot product `a·b` when both have `l2_normalize: false`/);
  });

  it('score.temperature: the logits divide whichever score is used', () => {
    const value = hoverText(7, 4);
    expect(value).toContain('`logits = score(a, b) / τ`');
    expect(value).toContain('`a·b` for `l2_normalize: false`');
  });

  it('l2_normalize: the dot product when false, and that evaluation and export use the same score', () => {
    const value = hoverText(1, 4);
    expect(value).toContain('the score is the dot product a·b');
    expect(value).toContain('Evaluation, mining and the exported embeddings use the same score');
  });

  it('a feature name: read from training rows only when it is a column of the interactions file', () => {
    const value = hoverText(4, 8);
    expect(value).toContain('last training row');
    expect(value).toContain('held out by `data.split` are skipped');
  });
});
