"""Vose's alias method (alias.ts): O(n) to build, O(1) per draw whatever the catalogue size."""
import numpy as np


class AliasTable:
    def __init__(self, weights):
        w = np.asarray(weights, dtype=np.float64)
        bad = ~np.isfinite(w) | (w < 0)
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise ValueError(f"Alias table: weight {k} is {w[k]}; every weight must be a finite number ≥ 0.")
        total = w.sum()
        if not total > 0:
            raise ValueError(f"Alias table: all {len(w)} weights are 0; at least one item needs a positive weight.")
        n = len(w)
        self.probabilities = w / total
        scaled = (self.probabilities * n).tolist()
        keep = [0.0] * n
        alias = list(range(n))
        small = [k for k in range(n) if scaled[k] < 1]
        large = [k for k in range(n) if scaled[k] >= 1]
        while small and large:
            s = small.pop()
            l = large.pop()
            keep[s] = scaled[s]
            alias[s] = l
            scaled[l] = scaled[l] + scaled[s] - 1
            (small if scaled[l] < 1 else large).append(l)
        # What is left has scaled weight 1 up to rounding error.
        for k in large + small:
            keep[k] = 1.0
            alias[k] = k
        self.keep = np.asarray(keep, dtype=np.float64)
        self.alias = np.asarray(alias, dtype=np.int64)

    def draw(self, rng: np.random.Generator, size) -> np.ndarray:
        n = len(self.keep)
        k = np.minimum((rng.random(size) * n).astype(np.int64), n - 1)
        return np.where(rng.random(size) < self.keep[k], k, self.alias[k])
