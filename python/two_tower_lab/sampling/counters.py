"""What was drawn, per item-popularity decile (distribution.ts), for the `sampling` events.

Each rank counts the rows it trains; the counts add up across ranks (all_reduce at the end of an
epoch) to what one process with the whole batch would have counted.
"""
from typing import Optional

import numpy as np

from ..names import IN_BATCH_CODE, NEGATIVE_KIND_CODES, NO_GROUP


class SamplingCounters:
    def __init__(self, item_decile: np.ndarray, hard=None):
        self.decile = np.asarray(item_decile, dtype=np.int64)
        self.positives = np.zeros(10)
        self.negatives = np.zeros((len(NEGATIVE_KIND_CODES), 10))
        # The hard sampler whose fallback tally the distribution reports (and reset clears).
        self.hard = hard

    def _add(self, target: np.ndarray, items, weights=None) -> None:
        d = self.decile[np.asarray(items, dtype=np.int64)]
        keep = d != NO_GROUP
        w = None if weights is None else np.broadcast_to(np.asarray(weights, dtype=np.float64), d.shape)[keep]
        target += np.bincount(d[keep], weights=w, minlength=10)[:10]

    def record_positives(self, items) -> None:
        self._add(self.positives, items)

    def record_negatives(self, items, kinds) -> None:
        kinds = np.asarray(kinds)
        for code in np.unique(kinds):
            self._add(self.negatives[int(code)], np.asarray(items)[kinds == code])

    def record_in_batch(self, items, mask: Optional[np.ndarray], lo: int, hi: int) -> None:
        """Column j is a negative of every row i ≠ j of rows lo..hi that the mask leaves in."""
        b = len(items)
        uses = np.full(b, float(hi - lo))
        uses[lo:hi] -= 1
        if mask is not None:
            uses -= mask.sum(0)
        self._add(self.negatives[IN_BATCH_CODE], items, uses)

    def record_extra(self, items, kind_code: int, mask: np.ndarray, rows: int) -> None:
        """Each extra item is a negative of every row that does not mask it."""
        self._add(self.negatives[kind_code], items, rows - mask.sum(0))

    def add_negative_mass(self, kind_code: int, items, weights) -> None:
        self._add(self.negatives[kind_code], items, weights)

    def reset(self) -> None:
        self.positives[:] = 0
        self.negatives[:] = 0
        if self.hard is not None:
            self.hard.reset_tally()

    def as_vector(self) -> np.ndarray:
        """Everything that adds across ranks, in one vector (positives, negatives, hard tally)."""
        tally = [self.hard.slots, self.hard.fell_back] if self.hard is not None else [0, 0]
        return np.concatenate([self.positives, self.negatives.ravel(), np.asarray(tally, dtype=np.float64)])

    def load_vector(self, v: np.ndarray) -> None:
        self.positives[:] = v[:10]
        self.negatives[:] = v[10 : 10 + self.negatives.size].reshape(self.negatives.shape)
        if self.hard is not None:
            self.hard.slots, self.hard.fell_back = int(v[-2]), int(v[-1])

    def distribution(self, correction=None) -> dict:
        """The SamplingDistribution of src/shared/events.ts."""
        negatives = {}
        for code, kind in enumerate(NEGATIVE_KIND_CODES):
            if (self.negatives[code] > 0).any():
                negatives[kind] = shares(self.negatives[code])
        out = {"positives": shares(self.positives), "negatives": negatives}
        if self.hard is not None:
            slots, fell = self.hard.slots, self.hard.fell_back
            out["hardFallback"] = {"share": fell / slots if slots > 0 else 0, "slots": slots, "fellBack": fell}
        p = correction.item_probabilities() if correction is not None else None
        if p is not None:
            n = min(len(p), len(self.decile))
            d = self.decile[:n]
            keep = d != NO_GROUP
            sums = np.bincount(d[keep], weights=np.asarray(p[:n])[keep], minlength=10)[:10]
            counts = np.bincount(d[keep], minlength=10)[:10]
            out["logqP"] = [float(s / c) if c > 0 else 0.0 for s, c in zip(sums, counts)]
        return out


def shares(counts) -> list:
    total = float(np.sum(counts))
    return [float(c) / total if total > 0 else 0.0 for c in counts]
