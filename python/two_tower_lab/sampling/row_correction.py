"""logQ of the listwise softmax's per-row sampled columns (rowCorrection.ts): each slot by the
probability that its own proposal puts the item among the row's draws. Easy slots: the easy sampler's
P(j) over the row's expected easy draws (n·mix.easy); hard slots: uniform over the user's pool, over
the row's expected hard draws (n·mix.hard). Other kinds (in-batch draws) get 0."""
from typing import Optional

import numpy as np

from ..names import HARD_LOG_CODE, HARD_MINED_CODE, POPULARITY_CODE, UNIFORM_CODE
from .easy import PopularitySampler, UniformSampler
from .hard import HardNegativeSampler
from .logq import SampledColumnCorrection, appearance_probability
from .mixer import MixedSampler


class RowColumnCorrection:
    def __init__(self, easy: Optional[SampledColumnCorrection], hard: Optional[HardNegativeSampler], hard_draws: float):
        self.easy = easy
        self.hard = hard
        self.hard_draws = hard_draws

    def fill(self, users: np.ndarray, per_positive: int, items: np.ndarray, kinds: np.ndarray) -> np.ndarray:
        """log Q of every slot of the given rows ((rows)·n, row-major), by the kind that filled it."""
        out = np.zeros(len(items), dtype=np.float32)
        easy = np.isin(kinds, (UNIFORM_CODE, POPULARITY_CODE))
        if self.easy is not None:
            out[easy] = self.easy.log_q(items[easy])
        if self.hard is not None:
            size = self.hard.pools.sizes(np.repeat(users, per_positive))
            with np.errstate(divide="ignore"):
                hard_logq = np.where(size > 0, np.log(appearance_probability(1.0 / np.maximum(size, 1), self.hard_draws)), 0.0)
            hard = np.isin(kinds, (HARD_LOG_CODE, HARD_MINED_CODE))
            out[hard] = hard_logq[hard]
        return out

    def positive_log_q(self, items: np.ndarray) -> np.ndarray:
        """log Q of each row's positive under the easy sampler (the sampled softmax corrects it too)."""
        if self.easy is None:
            return np.zeros(len(items), dtype=np.float32)
        return self.easy.log_q(items)


def create_row_column_correction(training: dict, sampler) -> Optional[RowColumnCorrection]:
    """None when logQ is off, the mode is not listwise, or the row has no sampled columns."""
    negatives = training["negatives"]
    if not negatives["logq_correction"] or training["mode"] != "listwise" or sampler is None:
        return None
    n = int(negatives["per_positive"])
    if isinstance(sampler, MixedSampler):
        hard_share, easy_part, hard = sampler.hard_share, sampler.easy, sampler.hard
    elif isinstance(sampler, HardNegativeSampler):
        hard_share, easy_part, hard = 1.0, sampler, sampler
    else:
        hard_share, easy_part, hard = 0.0, sampler, None
    easy = None
    if isinstance(easy_part, (UniformSampler, PopularitySampler)) and hard_share < 1:
        easy = SampledColumnCorrection(easy_part.probabilities(), n * (1 - hard_share))
    if easy is None and hard is None:
        return None
    return RowColumnCorrection(easy, hard, n * hard_share)
