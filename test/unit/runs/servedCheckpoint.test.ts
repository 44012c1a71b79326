/** Which checkpoint a served run loads: the last, or the best when the run keeps checkpoint/best/. */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { servedCheckpoint } from '../../../src/core/runs/servedCheckpoint';

const run = mkdtempSync(path.join(tmpdir(), 'ttl-served-'));
afterAll(() => rmSync(run, { recursive: true, force: true }));

describe('servedCheckpoint', () => {
  it('is the last checkpoint by default, and for best when the run keeps none (saying so)', () => {
    mkdirSync(path.join(run, 'checkpoint'));
    expect(servedCheckpoint(run)).toEqual({ dir: path.join(run, 'checkpoint'), which: 'last' });
    const best = servedCheckpoint(run, 'best');
    expect(best).toMatchObject({ dir: path.join(run, 'checkpoint'), which: 'last' });
    expect(best.note).toMatch(/keeps no best checkpoint .* using its last one/);
  });

  it('is checkpoint/best/ for best when it exists', () => {
    mkdirSync(path.join(run, 'checkpoint', 'best'));
    expect(servedCheckpoint(run, 'best')).toEqual({ dir: path.join(run, 'checkpoint', 'best'), which: 'best' });
    expect(servedCheckpoint(run, 'last').dir).toBe(path.join(run, 'checkpoint'));
  });
});
