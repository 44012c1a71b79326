"""The per-batch sampling work of the loop (src/core/train/batchBuilder.ts), for one rank's rows.

Every rank builds the same global batch and draws its negatives from the same stream, so W ranks
with B/W rows each see what one process with B rows sees. What depends only on a row (its negatives,
accidental-hit masks, logQ of its slots) is computed for the rank's rows alone; what every row shares
(the in-batch columns' logQ, the mixed extra columns) for the whole batch.
"""
from dataclasses import dataclass
from typing import Optional

import numpy as np

from .config import batch_columns
from .sampling import create_extra_column_sampler, create_row_column_correction
from .sampling.counters import SamplingCounters
from .sampling.easy import PositiveBatch
from .sampling.positives import UserPositiveIndex, accidental_hit_mask


@dataclass
class TrainBatch:
    """Rows lo..hi of a global batch of `size` positives, and what the loss needs beside them."""

    users: np.ndarray  # the rank's rows
    pos_items: np.ndarray
    lo: int
    hi: int
    size: int
    neg_items: Optional[np.ndarray] = None  # (hi − lo)·n, row-major
    per_positive: int = 0
    logq: Optional[np.ndarray] = None  # B: log p_j of each in-batch column
    hit_mask: Optional[np.ndarray] = None  # (hi − lo) × B
    extra_items: Optional[np.ndarray] = None  # B′, shared by every row
    extra_logq: Optional[np.ndarray] = None
    extra_mask: Optional[np.ndarray] = None  # (hi − lo) × B′
    neg_logq: Optional[np.ndarray] = None  # (hi − lo)·n, 0 for hard slots
    pos_logq: Optional[np.ndarray] = None  # (hi − lo)


class TrainBatchBuilder:
    def __init__(self, training: dict, item_count: int, item_clicks, positives: UserPositiveIndex, negatives, counters: Optional[SamplingCounters], rng: np.random.Generator):
        self.training = training
        self.positives = positives
        self.negatives = negatives
        self.extra = create_extra_column_sampler(training, item_count, item_clicks, positives)
        self.row_correction = create_row_column_correction(training, negatives)
        self.counters = counters
        self.rng = rng
        self.in_batch = batch_columns(training)
        self.per_positive = int(training["negatives"]["per_positive"])
        self.remove_hits = bool(training["negatives"]["remove_accidental_hits"])

    def build(self, batch: PositiveBatch, step: int, correction, lo: int, hi: int) -> TrainBatch:
        """The train batch of rows lo..hi; `step` is what the streaming logQ estimator sees."""
        b = len(batch.items)
        out = TrainBatch(users=batch.users[lo:hi], pos_items=batch.items[lo:hi], lo=lo, hi=hi, size=b)
        counters = self.counters
        if counters is not None:
            counters.record_positives(out.pos_items)
        if self.in_batch:
            if correction is not None:
                correction.observe(batch.items, step)
                out.logq = correction.log_q(batch.items)
            if self.remove_hits:
                out.hit_mask = accidental_hit_mask(self.positives, batch.users, batch.items, lo, hi)
            if counters is not None:
                counters.record_in_batch(batch.items, out.hit_mask, lo, hi)
        if self.extra is not None:
            items = self.extra.sample(self.rng)
            out.extra_items = items
            if correction is not None:
                out.extra_logq = self.extra.log_q(items)
            out.extra_mask = self.extra.mask(batch, items, lo, hi)
            if counters is not None:
                counters.record_extra(items, self.extra.easy.code, out.extra_mask, hi - lo)
        if self.negatives is not None:
            n = self.per_positive
            neg, kinds = self.negatives.sample(batch, n, self.rng, lo, hi)
            if counters is not None:
                counters.record_negatives(neg, kinds)
            out.neg_items = neg
            out.per_positive = n
            if self.row_correction is not None:
                out.neg_logq = self.row_correction.fill(out.users, n, neg, kinds)
                # The sampled softmax corrects its positive column too; batch columns carry p_j in logq instead.
                if not self.in_batch:
                    out.pos_logq = self.row_correction.positive_log_q(out.pos_items)
        return out
