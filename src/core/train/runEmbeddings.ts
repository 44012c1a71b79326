/**
 * Embeddings for serving and for the top-K check: `<dir>/items.bin` (+ `users.bin` on export), raw
 * little-endian float32 rows, with `<name>.ids.json` giving the external id of each row and
 * `meta.json` the dimension. Row 0 is the out-of-vocabulary vector.
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { tempName } from '../runs/runFiles';
import { replaceFolder, writeFileAtomic } from './atomicWrite';
import { writeError } from './writeError';

export function writeEmbeddings(dir: string, name: 'items' | 'users', vectors: Float32Array, ids: readonly string[], dim: number, then?: string): void {
  if (vectors.length !== ids.length * dim) {
    throw new Error(`Embeddings '${name}': ${vectors.length} floats for ${ids.length} ids × dim ${dim}; the model and the vocabulary disagree.`);
  }
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw writeError(dir, error, then);
  }
  writeFileAtomic(path.join(dir, `${name}.bin`), new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength), then);
  writeFileAtomic(path.join(dir, `${name}.ids.json`), JSON.stringify(ids), then);
  writeFileAtomic(path.join(dir, `${name}.meta.json`), JSON.stringify({ rows: ids.length, dim, dtype: 'float32', layout: 'row-major', file: `${name}.bin` }), then);
}

/**
 * The item embeddings as a folder of their own that appears whole (`embeddings/best/`): written beside
 * it under a temporary name, then swapped in (a killed writer's temporary is removed by the next one).
 */
export function replaceItemEmbeddings(target: string, vectors: Float32Array, ids: readonly string[], dim: number, then?: string): void {
  const staged = tempName(target);
  rmSync(staged, { recursive: true, force: true });
  try {
    writeEmbeddings(staged, 'items', vectors, ids, dim, then);
    replaceFolder(staged, target);
  } catch (error) {
    rmSync(staged, { recursive: true, force: true });
    throw error;
  }
}

/** Reads what writeEmbeddings wrote (`<dir>/<name>.bin` and its meta); throws naming the file when it does not fit its meta. */
export function readEmbeddings(dir: string, name: 'items' | 'users'): { vectors: Float32Array; ids: string[]; dim: number } {
  const meta = JSON.parse(readFileSync(path.join(dir, `${name}.meta.json`), 'utf8')) as { rows: number; dim: number };
  const ids = JSON.parse(readFileSync(path.join(dir, `${name}.ids.json`), 'utf8')) as string[];
  const file = path.join(dir, `${name}.bin`);
  const bytes = readFileSync(file);
  if (bytes.byteLength !== meta.rows * meta.dim * 4 || ids.length !== meta.rows) {
    throw new Error(`${file} holds ${bytes.byteLength} bytes and ${ids.length} ids, but ${name}.meta.json says ${meta.rows} rows × ${meta.dim} float32; the embeddings are damaged.`);
  }
  // A copy: Buffer memory may be pooled and unaligned.
  const vectors = new Float32Array(meta.rows * meta.dim);
  new Uint8Array(vectors.buffer).set(bytes);
  return { vectors, ids, dim: meta.dim };
}
