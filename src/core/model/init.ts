/** Seeded initialisers (Keras defaults): uniform ±0.05 for embeddings, Glorot uniform for dense kernels. */
import type { Rng } from '../util/rng';

export function uniform(rng: Rng, size: number, limit: number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = (rng.next() * 2 - 1) * limit;
  return out;
}

export function embeddingInit(rng: Rng, rows: number, dim: number): Float32Array {
  return uniform(rng, rows * dim, 0.05);
}

export function glorotUniform(rng: Rng, fanIn: number, fanOut: number): Float32Array {
  return uniform(rng, fanIn * fanOut, Math.sqrt(6 / (fanIn + fanOut)));
}
