/**
 * Embeddings for serving and for the top-K check: `<dir>/items.bin` (+ `users.bin` on export), raw
 * little-endian float32 rows, with `<name>.ids.json` giving the external id of each row and
 * `meta.json` the dimension. Row 0 is the out-of-vocabulary vector.
 */
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from './atomicWrite';

export function writeEmbeddings(dir: string, name: 'items' | 'users', vectors: Float32Array, ids: readonly string[], dim: number): void {
  if (vectors.length !== ids.length * dim) {
    throw new Error(`Embeddings '${name}': ${vectors.length} floats for ${ids.length} ids × dim ${dim}; the model and the vocabulary disagree.`);
  }
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(path.join(dir, `${name}.bin`), new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength));
  writeFileAtomic(path.join(dir, `${name}.ids.json`), JSON.stringify(ids));
  writeFileAtomic(path.join(dir, `${name}.meta.json`), JSON.stringify({ rows: ids.length, dim, dtype: 'float32', layout: 'row-major', file: `${name}.bin` }));
}
