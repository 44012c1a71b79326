"""Mixed negative sampling's extra columns (extraColumns.ts, Yang et al. WWW 2020): B′ items drawn from
the whole catalogue per batch, shared by every row, each corrected by Q_k = P(k among the B′ draws)."""
import numpy as np

from .easy import PositiveBatch
from .logq import appearance_probability
from .positives import UserPositiveIndex, positive_matrix


class ExtraColumnSampler:
    def __init__(self, easy, count: int, hits: UserPositiveIndex = None):
        if not (isinstance(count, int) and count >= 1):
            raise ValueError(f"Mixed negatives: training.negatives.extra must be an integer ≥ 1, got {count}.")
        self.easy = easy
        self.count = count
        self.hits = hits
        self.log_p = np.log(appearance_probability(easy.probabilities(), count)).astype(np.float32)

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        """B′ items, independently (with replacement); never the OOV row."""
        return self.easy.draw(rng, np.full(self.count, -1, dtype=np.int64))

    def log_q(self, items: np.ndarray) -> np.ndarray:
        return self.log_p[np.asarray(items, dtype=np.int64)]

    def mask(self, batch: PositiveBatch, items: np.ndarray, lo: int, hi: int) -> np.ndarray:
        """Rows lo..hi × B′: True where extra item k is the row's own positive or (accidental hits
        removed) another training positive of the row's user."""
        own = np.asarray(batch.items[lo:hi])[:, None] == np.asarray(items)[None, :]
        if self.hits is not None:
            own |= positive_matrix(self.hits, batch.users[lo:hi], items)
        return own
