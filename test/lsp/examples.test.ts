/**
 * Every key of every shipped example resolves in the schema from the indentation alone: hover (and so
 * completion, which walks the same path) works on real experiment files, not only on the test's own.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

import { keyAtLine } from '../../src/server/cursorContext';
import { hoverAt } from '../../src/server/hover';

const ROOT = path.resolve(__dirname, '../..');
const FILES = [
  ...readdirSync(path.join(ROOT, 'examples')).filter((f) => f.endsWith('.tower.yaml')).map((f) => path.join('examples', f)),
  'test/fixtures/lsp/valid.tower.yaml',
];

describe('hover on every key of the examples', () => {
  for (const file of FILES) {
    it(file, () => {
      const lines = readFileSync(path.join(ROOT, file), 'utf8').split('\n');
      const keyed = lines.map((_, i) => ({ i, found: keyAtLine(lines, i) })).filter((k) => k.found !== undefined);
      expect(keyed.length).toBeGreaterThan(10);
      const without = keyed.filter(({ i, found }) => hoverAt(lines, i, found!.shape.keyColumn) === null).map(({ i }) => `${file}:${i + 1}: ${lines[i].trim()}`);
      expect(without).toEqual([]);
    });
  }
});
