"""Easy negatives from the whole catalogue (easy.ts): uniform, or P(i) ∝ clicks_i^α by an alias table.

The OOV row 0 is never drawn, nor the row's own positive (unless it is the only item that can be).
Every draw is for the global batch, on every rank alike; a rank keeps the rows it trains.
"""
from typing import NamedTuple

import numpy as np

from ..names import POPULARITY_CODE, UNIFORM_CODE
from .alias import AliasTable


class PositiveBatch(NamedTuple):
    """Row r is the pair (users[r], items[r]); the global batch, identical on every rank."""

    users: np.ndarray
    items: np.ndarray


class UniformSampler:
    kind = "uniform"
    code = UNIFORM_CODE

    def __init__(self, item_count: int):
        if item_count < 2:
            raise ValueError(f"Uniform negatives need at least one item besides the out-of-vocabulary row; the vocabulary has {item_count} rows.")
        self.item_count = item_count

    def from_uniform(self, u: np.ndarray, avoid: np.ndarray) -> np.ndarray:
        """One draw per uniform u ∈ [0, 1): uniform over the items other than `avoid` (n − 2 values, shifted past it)."""
        span = self.item_count - 1
        avoid = np.asarray(avoid, dtype=np.int64)
        ok = (avoid >= 1) & (avoid < self.item_count) & (span > 1)
        shifted = 1 + np.minimum((u * max(span - 1, 1)).astype(np.int64), max(span - 2, 0))
        shifted = shifted + (shifted >= avoid)
        plain = 1 + np.minimum((u * span).astype(np.int64), span - 1)
        return np.where(ok, shifted, plain)

    def draw(self, rng: np.random.Generator, avoid: np.ndarray) -> np.ndarray:
        return self.from_uniform(rng.random(np.shape(avoid)), avoid)

    def probabilities(self) -> np.ndarray:
        """P(i): 0 for the OOV row, 1/(n − 1) otherwise."""
        p = np.full(self.item_count, 1.0 / (self.item_count - 1))
        p[0] = 0
        return p

    def sample(self, batch: PositiveBatch, per_positive: int, rng, lo: int, hi: int):
        out = self.draw(rng, np.repeat(batch.items, per_positive))[lo * per_positive : hi * per_positive]
        return out, np.full(out.shape, self.code, dtype=np.uint8)


class PopularitySampler:
    kind = "popularity"
    code = POPULARITY_CODE

    def __init__(self, item_clicks, alpha: float):
        clicks = np.asarray(item_clicks, dtype=np.float64)
        weights = np.zeros(len(clicks))
        # 0^0 would be 1: an item nobody clicked stays out even at α = 0.
        live = clicks[1:] > 0
        weights[1:][live] = np.power(clicks[1:][live], alpha)
        if not (weights > 0).any():
            raise ValueError("Popularity negatives need click counts, but no training item has a click. Check the positive rule of the data section, or use `training.negatives.source: uniform`.")
        self.alpha = alpha
        self.table = AliasTable(weights)

    def draw(self, rng: np.random.Generator, avoid: np.ndarray) -> np.ndarray:
        """Rejection of `avoid`: the expected number of draws is 1/(1 − P(avoid)); an item certain to be drawn is not avoided."""
        avoid = np.asarray(avoid, dtype=np.int64)
        p = self.table.probabilities
        inside = (avoid >= 0) & (avoid < len(p))
        avoidable = inside & (p[np.clip(avoid, 0, len(p) - 1)] < 1 - 1e-9)
        out = self.table.draw(rng, avoid.shape)
        redo = np.flatnonzero(avoidable & (out == avoid))
        while redo.size:
            out[redo] = self.table.draw(rng, redo.size)
            redo = redo[out[redo] == avoid[redo]]
        return out

    def probabilities(self) -> np.ndarray:
        return self.table.probabilities

    def sample(self, batch: PositiveBatch, per_positive: int, rng, lo: int, hi: int):
        out = self.draw(rng, np.repeat(batch.items, per_positive))[lo * per_positive : hi * per_positive]
        return out, np.full(out.shape, self.code, dtype=np.uint8)
