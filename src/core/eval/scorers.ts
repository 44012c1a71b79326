/**
 * Scorers fill a block of score rows, one row per user and one column per item. Evaluation asks for
 * blocks of users so that memory stays at blockSize × items floats whatever the number of users.
 */

/** Fills `out` (users.length × numItems, row-major) with the score of every item for each user. */
export type Scorer = (users: Int32Array, out: Float32Array) => void;

/**
 * Scores of a block of user vectors against every item: `users` is B × dim, `out` B × numItems (row-major).
 * Prepared once per item matrix (an evaluation, a mining round), called once per block of users.
 */
export type DotKernel = (users: Float32Array, count: number, out: Float32Array) => void;

/** Users scored together by the JavaScript kernel: each item vector is loaded once for this many users. */
const USER_TILE = 4;

/**
 * The JavaScript dot-product kernel: four users per pass over the items, so that each item vector is read
 * once per four users and four independent sums keep the CPU busy (3.4 GFLOP/s against 0.9 for one user
 * at a time, bench/data-scale.ts). Sums are taken in float64 and rounded to float32 once, as before.
 */
export function jsDotKernel(itemVectors: Float32Array, dim: number): DotKernel {
  const numItems = itemVectors.length / dim;
  return (u, count, out) => {
    let r = 0;
    for (; r + USER_TILE <= count; r += USER_TILE) {
      const u0 = r * dim;
      const u1 = u0 + dim;
      const u2 = u1 + dim;
      const u3 = u2 + dim;
      const o0 = r * numItems;
      const o1 = o0 + numItems;
      const o2 = o1 + numItems;
      const o3 = o2 + numItems;
      for (let i = 0; i < numItems; i++) {
        const io = i * dim;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let d = 0; d < dim; d++) {
          const v = itemVectors[io + d];
          s0 += u[u0 + d] * v;
          s1 += u[u1 + d] * v;
          s2 += u[u2 + d] * v;
          s3 += u[u3 + d] * v;
        }
        out[o0 + i] = s0;
        out[o1 + i] = s1;
        out[o2 + i] = s2;
        out[o3 + i] = s3;
      }
    }
    for (; r < count; r++) {
      const uo = r * dim;
      const row = r * numItems;
      for (let i = 0; i < numItems; i++) {
        const io = i * dim;
        let s = 0;
        for (let d = 0; d < dim; d++) s += u[uo + d] * itemVectors[io + d];
        out[row + i] = s;
      }
    }
  };
}

/**
 * Dot-product scores of the given user vectors against all item vectors. `userVectorsOf(users)`
 * returns users.length × dim floats (e.g. the model's user tower); `itemVectors` is numItems × dim.
 * This is the model's score whatever `l2_normalize` says: the cosine when both towers normalise, the
 * plain dot product (or one raw and one unit vector) otherwise, which is how the model serves.
 * `kernel` does the multiply (default: the JavaScript kernel; the tfjs engine passes a wasm matMul).
 */
export function dotScorer(userVectorsOf: (users: Int32Array) => Float32Array, itemVectors: Float32Array, dim: number, kernel: DotKernel = jsDotKernel(itemVectors, dim)): Scorer {
  return (users, out) => kernel(userVectorsOf(users), users.length, out);
}

/** The popularity baseline: every user gets the items ranked by training clicks. */
export function popularityScorer(itemClicks: Float64Array): Scorer {
  const n = itemClicks.length;
  return (users, out) => {
    for (let r = 0; r < users.length; r++) {
      const row = r * n;
      for (let i = 0; i < n; i++) out[row + i] = itemClicks[i];
    }
  };
}
