/**
 * Per-user evaluation values, kept beside a run's events so that two runs on the same split can be
 * compared user by user (a paired bootstrap: src/core/stats/bootstrap.ts). One file per evaluation,
 * `<run>/eval/epoch-<N>.bin`, written whole to a temporary name and renamed. Both engines write it
 * (python/two_tower_lab/per_user.py is the Python half of this one spec; test/conformance checks them).
 *
 * Layout (all little-endian):
 *
 *   bytes 0..7     magic `TTLPUEV1`
 *   bytes 8..11    uint32 H, the length of the header
 *   bytes 12..     H bytes of UTF-8 JSON, padded with spaces so that 12 + H is a multiple of 8:
 *                  { "format": "two-tower-lab/per-user-eval@1", "epoch": N, "users": n,
 *                    "columns": ["recall@10", "ndcg@10", "hit_rate@10", …, "mrr"] }
 *   then           n × int32: the evaluated users' rows in the run's user vocabulary (as evaluated),
 *                  then 4 zero bytes when n is odd (8-byte alignment)
 *   then           columns × n × float64, column by column: column c's value for user i at [c·n + i]
 *
 * Only users with a held-out positive that can be retrieved are listed (exactly the users the means
 * are over), so each column's mean is the run's metric of that name. Columns are the per-user means
 * among the configured metrics (coverage and head/tail recall are pooled, not per user): for each K
 * ascending, `recall@K`, `ndcg@K`, `hit_rate@K` when configured; then `mrr`.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

import { writeFileAtomic } from '../train/atomicWrite';
import { writeError } from '../train/writeError';
import type { RetrievalMetric } from './retrieval';

export const PER_USER_FORMAT = 'two-tower-lab/per-user-eval@1';
export const PER_USER_MAGIC = 'TTLPUEV1';
/** The folder of a run that holds them, and the name of one evaluation's file. */
export const PER_USER_DIR = 'eval';
export const perUserFileName = (epoch: number): string => `epoch-${epoch}.bin`;

export interface PerUserValues {
  /** Rows of the evaluated users in the run's user vocabulary. */
  users: Int32Array;
  columns: string[];
  /** One array per column, each users.length long. */
  values: Float64Array[];
}

/** The per-user columns an evaluation of these cut-offs and metrics yields, in file order. */
export function perUserColumns(ks: readonly number[], metrics: readonly RetrievalMetric[]): string[] {
  const want = new Set(metrics);
  const out: string[] = [];
  for (const k of [...ks].sort((a, b) => a - b)) {
    if (want.has('recall')) out.push(`recall@${k}`);
    if (want.has('ndcg')) out.push(`ndcg@${k}`);
    if (want.has('hit_rate')) out.push(`hit_rate@${k}`);
  }
  if (want.has('mrr')) out.push('mrr');
  return out;
}

export function encodePerUser(epoch: number, v: PerUserValues): Uint8Array {
  const n = v.users.length;
  if (v.values.length !== v.columns.length || v.values.some((c) => c.length !== n)) {
    throw new Error(`Per-user values: ${v.columns.length} columns for ${v.values.length} arrays of ${v.values.map((c) => c.length).join('/')} values and ${n} users; they must agree.`);
  }
  let header = JSON.stringify({ format: PER_USER_FORMAT, epoch, users: n, columns: v.columns });
  const headerBytes = (): number => Buffer.byteLength(header, 'utf8');
  while ((12 + headerBytes()) % 8 !== 0) header += ' ';
  const rowsBytes = n * 4 + (n % 2 === 1 ? 4 : 0);
  const out = Buffer.alloc(12 + headerBytes() + rowsBytes + v.columns.length * n * 8);
  out.write(PER_USER_MAGIC, 0, 'ascii');
  out.writeUInt32LE(headerBytes(), 8);
  out.write(header, 12, 'utf8');
  let at = 12 + headerBytes();
  for (let i = 0; i < n; i++) out.writeInt32LE(v.users[i], at + i * 4);
  at += rowsBytes;
  for (const column of v.values) {
    for (let i = 0; i < n; i++) out.writeDoubleLE(column[i], at + i * 8);
    at += n * 8;
  }
  return out;
}

export class PerUserFileError extends Error {}

export function decodePerUser(bytes: Uint8Array, file = 'per-user file'): PerUserValues & { epoch: number } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (problem: string): never => {
    throw new PerUserFileError(`${file}: ${problem}. It is not a complete per-user evaluation file (${PER_USER_FORMAT}); run \`two-tower-lab eval <run-id>\` to write it again.`);
  };
  if (buf.length < 12 || buf.toString('ascii', 0, 8) !== PER_USER_MAGIC) fail(`does not start with ${PER_USER_MAGIC}`);
  const h = buf.readUInt32LE(8);
  if (12 + h > buf.length) fail(`its header claims ${h} bytes but the file has ${buf.length}`);
  let header: { format?: unknown; epoch?: unknown; users?: unknown; columns?: unknown };
  try {
    header = JSON.parse(buf.toString('utf8', 12, 12 + h)) as typeof header;
  } catch {
    return fail('its header is not JSON');
  }
  if (header.format !== PER_USER_FORMAT) fail(`its format is '${String(header.format)}', expected ${PER_USER_FORMAT}`);
  const n = header.users;
  const columns = header.columns;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) return fail('its header has no user count');
  if (!Array.isArray(columns) || !columns.every((c) => typeof c === 'string')) return fail('its header has no column names');
  const rowsAt = 12 + h;
  const valuesAt = rowsAt + n * 4 + (n % 2 === 1 ? 4 : 0);
  const expected = valuesAt + columns.length * n * 8;
  if (buf.length !== expected) fail(`it has ${buf.length} bytes, its header (${n} users × ${columns.length} columns) needs ${expected}`);
  const users = new Int32Array(n);
  for (let i = 0; i < n; i++) users[i] = buf.readInt32LE(rowsAt + i * 4);
  const values = (columns as string[]).map((_, c) => {
    const col = new Float64Array(n);
    for (let i = 0; i < n; i++) col[i] = buf.readDoubleLE(valuesAt + (c * n + i) * 8);
    return col;
  });
  return { epoch: Number(header.epoch), users, columns: columns as string[], values };
}

/** Writes `<runDir>/eval/epoch-<epoch>.bin` whole (temporary name, then rename); `then` says what to do after a full disk. */
export function writePerUserEval(runDir: string, epoch: number, values: PerUserValues, then?: string): string {
  const dir = path.join(runDir, PER_USER_DIR);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw writeError(dir, error, then);
  }
  const file = path.join(dir, perUserFileName(epoch));
  writeFileAtomic(file, encodePerUser(epoch, values), then);
  return file;
}

export function readPerUserEval(runDir: string, epoch: number): (PerUserValues & { epoch: number; file: string }) | undefined {
  const file = path.join(runDir, PER_USER_DIR, perUserFileName(epoch));
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return { ...decodePerUser(bytes, file), file };
}
