/** Hover on the serving section and on evaluation.cold_start: the schema's descriptions reach the editor. */
import { describe, expect, it } from 'vitest';
import type { MarkupContent } from 'vscode-languageserver/node';

import { hoverAt } from '../../src/server/hover';

const LINES = ['evaluation:', '  cold_start: score', 'serving:', '  index: true', '  connectivity: 16', '  expansion_add: 128', '  expansion_search: 64', '  quantization: i8'];

function hoverText(line: number, character: number): string {
  const hover = hoverAt(LINES, line, character);
  expect(hover).not.toBeNull();
  return (hover!.contents as MarkupContent).value;
}

describe('hover on serving and cold_start', () => {
  it('each serving field says what it does and what it costs', () => {
    expect(hoverText(3, 4)).toMatch(/ann_recall@K/);
    expect(hoverText(4, 4)).toMatch(/neighbours each item keeps/);
    expect(hoverText(5, 4)).toMatch(/efConstruction/);
    expect(hoverText(6, 4)).toMatch(/candidates examined per query/);
    expect(hoverText(7, 4)).toMatch(/a quarter of the memory/);
  });

  it('cold_start: score embeds cold items from their features with the OOV row and reports recall_cold@K', () => {
    const value = hoverText(1, 4);
    expect(value).toContain('recall_cold@K');
    expect(value).toContain('out-of-vocabulary ID row');
  });
});
