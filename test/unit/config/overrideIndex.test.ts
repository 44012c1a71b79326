/**
 * `--set` with a list index past the end of the list: one error that names the list, its length and the
 * index, at the list in the file (it used to give one "got the boolean undefined" error per gap, at 1:1).
 */
import { describe, expect, it } from 'vitest';

import { checkExperimentText } from '../../../src/core/config/check';

const BASE = 'data:\n  synthetic: { users: 10, items: 10 }\nuser_tower: {}\nitem_tower: {}\nscore: {}\ntraining: {}\n';
const WITH_K = `${BASE}evaluation:\n  k: [1]\n`;

const check = (text: string, ...overrides: string[]) => checkExperimentText(text, { filePath: '/tmp/x.tower.yaml', overrides });

describe('--set with a list index', () => {
  it('past the end of a written list: one error naming the list, its length and the index, at the list', async () => {
    for (const arg of ['evaluation.k.7=3', 'evaluation.k[7]=3']) {
      const { config, diagnostics } = await check(WITH_K, arg);
      expect(config).toBeUndefined();
      expect(diagnostics).toHaveLength(1);
      const [d] = diagnostics;
      expect(d.code).toBe('set-unknown-path');
      expect(d.message).toBe(`\`--set ${arg}\`: \`evaluation.k\` has 1 item (index 0) in the file, so there is no index 7. Use an index up to 1 (1 appends an item), or give the whole list: --set 'evaluation.k=[…]'.`);
      // Line 8 (0-based 7) is `  k: [1]`: the error points at the list, not at 1:1.
      expect(d.range.start.line).toBe(7);
      expect(d.message).not.toMatch(/boolean undefined/);
    }
  });

  it('one past the end appends; an index inside replaces', async () => {
    expect((await check(WITH_K, 'evaluation.k.1=3')).config?.evaluation.k).toEqual([1, 3]);
    expect((await check(WITH_K, 'evaluation.k.0=5')).config?.evaluation.k).toEqual([5]);
  });

  it('a list the file does not write starts at index 0', async () => {
    expect((await check(BASE, 'evaluation.k.0=3')).config?.evaluation.k).toEqual([3]);
    const { diagnostics } = await check(BASE, 'evaluation.k.2=3');
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0].message).toContain("`evaluation.k` is not written in the file, so it starts at index 0; index 2 would leave items 0–1 empty. Use index 0, or give the whole list: --set 'evaluation.k=[…]'.");
  });

  it('an index inside a list of mappings, and in a list the --set creates', async () => {
    const { diagnostics } = await check(BASE, 'user_tower.categorical.3.name=genre');
    expect(diagnostics.map((d) => d.code)).toEqual(['set-unknown-path']);
    expect(diagnostics[0].message).toContain('`user_tower.categorical` is not written in the file');
  });
});
