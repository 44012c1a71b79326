"""In-batch negatives drawn as sampled ones, for pointwise and pairwise `source: in_batch`
(inBatchSampler.ts): each slot of row r takes the item of another row of the batch, uniformly among
the eligible columns (not the row's own item, and, with `remove_accidental_hits`, no other positive of
the row's user). A row with no eligible column draws uniformly over the catalogue, reported `uniform`.

One uniform per slot of the global batch picks the k-th eligible column exactly (no rejection), so
the stream advances the same on every rank, and a rank computes eligibility only for its rows.
"""
import numpy as np

from ..names import IN_BATCH_CODE, UNIFORM_CODE
from .easy import PositiveBatch, UniformSampler
from .positives import UserPositiveIndex, positive_matrix


class InBatchNegativeSampler:
    kind = "in_batch"
    code = IN_BATCH_CODE

    def __init__(self, fallback: UniformSampler, hits: UserPositiveIndex = None):
        self.fallback = fallback
        self.hits = hits

    def eligible(self, batch: PositiveBatch, lo: int, hi: int) -> np.ndarray:
        """Rows lo..hi × B: may column j be a negative of row r?"""
        items = np.asarray(batch.items)
        ok = items[lo:hi, None] != items[None, :]
        if self.hits is not None:
            ok &= ~positive_matrix(self.hits, batch.users[lo:hi], items)
        return ok

    def from_uniform(self, batch: PositiveBatch, per_positive: int, u: np.ndarray, lo: int, hi: int):
        """The slots of rows lo..hi from their uniforms `u` ((hi − lo)·n): (items, kind codes)."""
        items = np.asarray(batch.items, dtype=np.int64)
        ok = self.eligible(batch, lo, hi)
        count = ok.sum(1)
        rows = np.repeat(np.arange(hi - lo), per_positive)
        c = count[rows]
        k = np.minimum((u * c).astype(np.int64), np.maximum(c - 1, 0))
        # The k-th eligible column of each slot's row: a search in the rows' running counts, laid end to end.
        b = len(items)
        cum = np.cumsum(ok, 1, dtype=np.int64) + (np.arange(hi - lo, dtype=np.int64) * (b + 1))[:, None]
        target = rows * (b + 1) + k + 1
        col = np.searchsorted(cum.ravel(), target, side="left") - rows * b
        col = np.clip(col, 0, b - 1)
        out = items[col]
        kinds = np.full(out.shape, self.code, dtype=np.uint8)
        empty = c == 0
        if empty.any():
            out[empty] = self.fallback.from_uniform(u[empty], items[lo:hi][rows[empty]])
            kinds[empty] = UNIFORM_CODE
        return out, kinds

    def sample(self, batch: PositiveBatch, per_positive: int, rng, lo: int, hi: int):
        u = rng.random(len(batch.items) * per_positive)
        return self.from_uniform(batch, per_positive, u[lo * per_positive : hi * per_positive], lo, hi)
