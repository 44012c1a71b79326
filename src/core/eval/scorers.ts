/**
 * Scorers fill a block of score rows, one row per user and one column per item. Evaluation asks for
 * blocks of users so that memory stays at blockSize × items floats whatever the number of users.
 */

/** Fills `out` (users.length × numItems, row-major) with the score of every item for each user. */
export type Scorer = (users: Int32Array, out: Float32Array) => void;

/**
 * Dot-product scores of the given user vectors against all item vectors. `userVectorsOf(users)`
 * returns users.length × dim floats (e.g. the model's user tower); `itemVectors` is numItems × dim.
 * This is the model's score whatever `l2_normalize` says: the cosine when both towers normalise, the
 * plain dot product (or one raw and one unit vector) otherwise, which is how the model serves.
 */
export function dotScorer(userVectorsOf: (users: Int32Array) => Float32Array, itemVectors: Float32Array, dim: number): Scorer {
  const numItems = itemVectors.length / dim;
  return (users, out) => {
    const u = userVectorsOf(users);
    for (let r = 0; r < users.length; r++) {
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
