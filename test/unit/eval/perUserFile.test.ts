import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { decodePerUser, encodePerUser, perUserColumns, PerUserFileError, readPerUserEval, writePerUserEval } from '../../../src/core/eval/perUser';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const sample = { users: Int32Array.of(5, 2, 9), columns: ['recall@10', 'mrr'], values: [Float64Array.of(0.5, 0, 1), Float64Array.of(1 / 3, 0, 0.125)] };

describe('eval/epoch-N.bin (core/eval/perUser)', () => {
  it('has the documented layout: magic, header length, padded JSON header, rows (+4 bytes when odd), float64 columns', () => {
    const bytes = Buffer.from(encodePerUser(7, sample));
    expect(bytes.toString('ascii', 0, 8)).toBe('TTLPUEV1');
    const h = bytes.readUInt32LE(8);
    expect((12 + h) % 8).toBe(0);
    expect(JSON.parse(bytes.toString('utf8', 12, 12 + h))).toEqual({ format: 'two-tower-lab/per-user-eval@1', epoch: 7, users: 3, columns: ['recall@10', 'mrr'] });
    expect(bytes.readInt32LE(12 + h + 4)).toBe(2);
    const valuesAt = 12 + h + 3 * 4 + 4;
    expect(bytes.length).toBe(valuesAt + 2 * 3 * 8);
    // Column 1 (mrr), user 0.
    expect(bytes.readDoubleLE(valuesAt + 3 * 8)).toBe(1 / 3);
  });

  it('round-trips through a run folder, written whole', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ttl-peruser-'));
    dirs.push(dir);
    const file = writePerUserEval(dir, 3, sample);
    expect(file).toBe(path.join(dir, 'eval', 'epoch-3.bin'));
    const back = readPerUserEval(dir, 3);
    expect(back?.epoch).toBe(3);
    expect(Array.from(back!.users)).toEqual([5, 2, 9]);
    expect(back!.values.map((v) => Array.from(v))).toEqual(sample.values.map((v) => Array.from(v)));
    expect(readPerUserEval(dir, 4)).toBeUndefined();
  });

  it('refuses a cut or foreign file, naming it', () => {
    const bytes = encodePerUser(1, sample);
    expect(() => decodePerUser(bytes.subarray(0, bytes.length - 3), 'x/eval/epoch-1.bin')).toThrow(/x\/eval\/epoch-1\.bin: it has \d+ bytes, its header \(3 users × 2 columns\) needs/);
    expect(() => decodePerUser(Buffer.from('hello world, not a file'), 'f.bin')).toThrow(PerUserFileError);
    const dir = mkdtempSync(path.join(tmpdir(), 'ttl-peruser-'));
    dirs.push(dir);
    writePerUserEval(dir, 2, sample);
    const file = path.join(dir, 'eval', 'epoch-2.bin');
    writeFileSync(file, readFileSync(file).subarray(0, 20));
    expect(() => readPerUserEval(dir, 2)).toThrow(/two-tower-lab eval <run-id>/);
  });

  it('lists the per-user columns in file order', () => {
    expect(perUserColumns([50, 10], ['recall', 'coverage', 'mrr', 'ndcg'])).toEqual(['recall@10', 'ndcg@10', 'recall@50', 'ndcg@50', 'mrr']);
    expect(() => encodePerUser(1, { ...sample, values: [sample.values[0]] })).toThrow(/must agree/);
  });
});
