"""Easy and hard negatives mixed per slot (mixer.ts): each slot is hard with probability `hard_share`.

For the global batch, every rank draws the same three uniforms per slot (hard or easy, which pool
entry, and an easy draw that also fills the hard slots of users without a pool) and keeps its rows.
"""
import numpy as np

from .easy import PositiveBatch
from .hard import HardNegativeSampler
from .in_batch import InBatchNegativeSampler


class MixedSampler:
    kind = "mixed"

    def __init__(self, easy, hard: HardNegativeSampler, hard_share: float):
        if not (0 <= hard_share <= 1):
            raise ValueError(f"Negative mix: the hard share must be in [0, 1], got {hard_share} (training.negatives.mix.hard).")
        self.easy = easy
        self.hard = hard
        self.hard_share = hard_share

    def sample(self, batch: PositiveBatch, per_positive: int, rng: np.random.Generator, lo: int, hi: int):
        slots = len(batch.items) * per_positive
        sl = slice(lo * per_positive, hi * per_positive)
        coin = rng.random(slots)[sl] < self.hard_share
        u_hard = rng.random(slots)[sl]
        avoid = np.repeat(batch.items, per_positive)
        fallback = self.hard.fallback.draw(rng, avoid)[sl]
        if isinstance(self.easy, InBatchNegativeSampler):
            easy, easy_kinds = self.easy.from_uniform(batch, per_positive, rng.random(slots)[sl], lo, hi)
        else:
            # The easy sampler is the hard sampler's fallback: one draw serves both (their slots are disjoint).
            easy, easy_kinds = fallback, np.full(fallback.shape, self.easy.code, dtype=np.uint8)
        users = np.repeat(batch.users[lo:hi], per_positive)
        hard = self.hard.draw_hard(users, u_hard)
        has_pool = hard >= 0
        out = np.where(coin, np.where(has_pool, hard, fallback), easy)
        kinds = np.where(coin, np.where(has_pool, self.hard.code, self.hard.fallback.code), easy_kinds).astype(np.uint8)
        self.hard.slots += int(coin.sum())
        self.hard.fell_back += int((coin & ~has_pool).sum())
        return out.astype(np.int64), kinds

    def save_state(self) -> dict:
        return {"hard": self.hard.save_state()}

    def restore_state(self, state: dict) -> None:
        if not isinstance(state, dict) or "hard" not in state:
            raise ValueError(f"Checkpoint sampler state: expected the mixed sampler's {{ hard }} state, found {str(state)[:80]}.")
        self.hard.restore_state(state["hard"])
