/**
 * Embeddings for serving and for the top-K check: `<dir>/items.bin` (+ `users.bin` on export), raw
 * little-endian float32 rows, with `<name>.ids.json` giving the external id of each row and
 * `meta.json` the dimension. Row 0 is the out-of-vocabulary vector.
 */
import { mkdirSync, rmSync } from 'node:fs';
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
