import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { changedParams, readRunMeta, renameRun, runNameProblem, writeRunMeta } from '../../../src/core/runs/runMeta';

const folders: string[] = [];
const folder = (): string => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ttl-meta-'));
  folders.push(dir);
  return dir;
};
afterAll(() => folders.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe('meta.json: a run\'s name and what it changes from its experiment file', () => {
  it('changedParams keeps the run\'s values that differ from the file\'s, and keys only the run has', () => {
    expect(changedParams({ a: 1, b: 'x', c: true }, { a: 1, b: 'y', c: true, d: 3 })).toEqual({ b: 'y', d: 3 });
    expect(changedParams({ a: 1 }, { a: 1 })).toEqual({});
  });

  it('rename keeps what the run changed; the file is written whole (no temporary left)', () => {
    const dir = folder();
    writeRunMeta(dir, { changed: { 'training.loss': 'hinge' } });
    renameRun(dir, '  hinge baseline ');
    expect(readRunMeta(dir)).toEqual({ name: 'hinge baseline', changed: { 'training.loss': 'hinge' } });
    expect(readdirSync(dir)).toEqual(['meta.json']);
  });

  it('refuses names that cannot label a row, and says why', () => {
    expect(runNameProblem('')).toMatch(/cannot be empty/);
    expect(runNameProblem('a\nb')).toMatch(/one line/);
    expect(runNameProblem('x'.repeat(81))).toMatch(/at most 80 characters \(this one has 81\)/);
    expect(() => renameRun(folder(), '\t')).toThrow(/cannot be empty|one line/);
  });

  it('a missing, truncated or foreign meta.json means no name and nothing known (never an error)', () => {
    const dir = folder();
    expect(readRunMeta(dir)).toEqual({});
    writeFileSync(path.join(dir, 'meta.json'), '{"name": "cut');
    expect(readRunMeta(dir)).toEqual({});
    writeFileSync(path.join(dir, 'meta.json'), JSON.stringify({ name: 7, changed: { a: 1, b: { nested: true } } }));
    expect(readRunMeta(dir)).toEqual({ changed: { a: 1 } });
  });
});
