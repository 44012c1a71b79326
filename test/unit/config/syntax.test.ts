import { describe, expect, it } from 'vitest';

import { checkExperimentText, checkExperimentTextSync } from '../../../src/core/config/check';
import { formatDiagnostic } from '../../../src/core/config/diagnostics';
import { SYNTHETIC, at, codes, only } from './helpers';

const file = '/tmp/exp/a.tower.yaml';

describe('YAML syntax errors carry exact positions', () => {
  it('an unclosed quote is reported at its opening quote, not where the file ends', () => {
    const text = 'name: "tiny\ndata:\n  synthetic: {}\n';
    const r = checkExperimentTextSync(text, { filePath: file });
    const d = only(r.diagnostics, 'yaml-syntax');
    expect(d.message).toMatch(/quote/);
    // yaml itself reports the end of the input (line 3, column 0); the range is moved to the opening
    // quote at line 0, column 6, and runs to the end of that line (column 11).
    expect(at(d)).toEqual([0, 6, 0, 11]);
    expect(r.config).toBeUndefined();
  });

  it('an unclosed quote deep in the file is found among closed ones (escaped quotes stay closed)', () => {
    const text = 'name: "a \\"quoted\\" name"\ndescription: \'it\'\'s fine\'\ndata:\n  synthetic: {}\ntraining:\n  mode: "pairwise\n  epochs: 3\n';
    const d = only(checkExperimentTextSync(text, { filePath: file }).diagnostics, 'yaml-syntax');
    // Line 5 is `  mode: "pairwise`: the quote is at column 8, the line ends at column 17.
    expect(at(d)).toEqual([5, 8, 5, 17]);
  });

  it('a tab used as indentation is flagged on its line, column 0', () => {
    const text = 'name: x\ndata:\n\tsynthetic: {}\n';
    const r = checkExperimentTextSync(text, { filePath: file });
    const tab = r.diagnostics.find((d) => d.message.includes('Tabs'));
    expect(tab, JSON.stringify(r.diagnostics)).toBeDefined();
    expect(tab!.code).toBe('yaml-syntax');
    expect(tab!.range.start).toEqual({ line: 2, character: 0 });
    expect(tab!.message).toMatch(/indent with spaces/);
  });

  it('a duplicate key is flagged on the second occurrence', () => {
    const text = SYNTHETIC + 'name: again\n';
    const r = checkExperimentTextSync(text, { filePath: file });
    const d = only(r.diagnostics, 'yaml-syntax');
    expect(d.message).toMatch(/unique/);
    // SYNTHETIC has 17 lines (0..16), so the appended `name` is line 17; yaml marks its first character.
    expect(at(d)).toEqual([17, 0, 17, 1]);
    expect((d.data as { yamlCode: string }).yamlCode).toBe('DUPLICATE_KEY');
  });

  it('bad indentation is an error with a position inside the file', () => {
    const text = 'data:\n  synthetic:\n    users: 5\n   items: 3\n';
    const r = checkExperimentTextSync(text, { filePath: file });
    expect(codes(r.diagnostics)).toContain('yaml-syntax');
    const first = r.diagnostics[0]!;
    expect(first.range.start.line).toBe(3);
  });

  it('formats as file:line:col with 1-based numbers', () => {
    const r = checkExperimentTextSync('name: x\ndata:\n\tsynthetic: {}\n', { filePath: file });
    const d = r.diagnostics.find((x) => x.message.includes('Tabs'))!;
    expect(formatDiagnostic('a.tower.yaml', d)).toMatch(/^a\.tower\.yaml:3:1: error yaml-syntax: Tabs are not allowed as indentation/);
  });
});

describe('hostile input never throws', () => {
  it('malformed YAML of many kinds gives diagnostics, not exceptions', async () => {
    const samples = ['', '---\n---\n', ':', '[', '{a: 1', 'a: b: c', '- - -\n  - x', '&a [*a]', 'data: *nope', '? [a]\n: 1', '%YAML 9.9\n---\na: 1', 'a: !!binary zz'];
    for (const text of samples) {
      const r = await checkExperimentText(text, { filePath: file });
      expect(r.config).toBeUndefined();
      expect(r.diagnostics.length, `no diagnostic for ${JSON.stringify(text)}`).toBeGreaterThan(0);
      for (const d of r.diagnostics) {
        expect(d.range.start.line).toBeGreaterThanOrEqual(0);
        expect(d.range.end.line).toBeGreaterThanOrEqual(d.range.start.line);
      }
    }
  });

  it('an alias bomb is refused instead of expanding', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]', 'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]', 'e: [*d, *d, *d, *d, *d, *d, *d, *d, *d]'].join('\n');
    const r = checkExperimentTextSync(bomb, { filePath: file });
    expect(r.config).toBeUndefined();
    expect(r.diagnostics.length).toBeGreaterThan(0);
  });

  it('random bytes give diagnostics, not exceptions', async () => {
    // A fixed linear congruential generator, so the test sees the same bytes every time.
    let state = 12345;
    for (let sample = 0; sample < 30; sample++) {
      const bytes: number[] = [];
      for (let i = 0; i < 400; i++) {
        state = (state * 1103515245 + 12345) % 2147483648;
        bytes.push(state % 256);
      }
      const text = Buffer.from(bytes).toString('latin1');
      const r = await checkExperimentText(text, { filePath: file });
      expect(r.config).toBeUndefined();
      expect(r.diagnostics.length).toBeGreaterThan(0);
    }
  });

  it('a 5,000-line file is checked and its diagnostics point into it', async () => {
    const lines = [SYNTHETIC.trimEnd(), 'description: |'];
    for (let i = 0; i < 5000; i++) lines.push(`  line ${i} of a long description`);
    lines.push('evaluatoin: {}');
    const text = lines.join('\n') + '\n';
    const r = await checkExperimentText(text, { filePath: file });
    const d = only(r.diagnostics, 'schema-unknown-key');
    // 17 lines of SYNTHETIC + `description: |` + 5000 lines: the typo is on 0-based line 5018.
    expect(d.range.start).toEqual({ line: 5018, character: 0 });
  });
});
