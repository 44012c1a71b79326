"""The sampling probability behind logQ correction (logq.ts).

Q is always "the probability that the item appears at least once in `draws` independent draws":
1 − (1 − q)^draws, at least 1e-12, so in-batch columns (draws = B), sampled columns (the row's easy
draws) and mixed extra columns (B′) are corrected in the same unit. In-batch p_i comes from the
global counts of the positives batches are cut from (every rank holds them), or from the streaming
estimator of Yi et al. (RecSys 2019), which every rank feeds with the same global batches.
"""
import numpy as np

MIN_P = 1e-12
DEFAULT_STREAMING_RATE = 0.05


def appearance_probability(q, draws: float) -> np.ndarray:
    """1 − (1 − q)^draws as −expm1(draws·log1p(−q)) (precise for tiny q), at least MIN_P; 1 where q ≥ 1."""
    q = np.asarray(q, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(q >= 1, 1.0, -np.expm1(draws * np.log1p(-np.minimum(q, 1.0 - 1e-300))))
    return np.maximum(MIN_P, p)


class SampledColumnCorrection:
    """log Q of columns an easy sampler draws (the sampled softmax, and easy slots beside hard ones)."""

    def __init__(self, probabilities, draws: float):
        if not draws > 0:
            raise ValueError(f"logQ of sampled columns: the draws per row must be > 0, got {draws}.")
        self.draws = draws
        self.log_p = np.log(appearance_probability(probabilities, draws)).astype(np.float32)

    def log_q(self, items: np.ndarray) -> np.ndarray:
        return self.log_p[np.asarray(items, dtype=np.int64)]


class CountsCorrection:
    """p_i = 1 − (1 − c_i/N)^B from the counts c_i of the positives batches are cut from."""

    def __init__(self, counts, batch_size: int):
        counts = np.asarray(counts, dtype=np.float64)
        total = counts.sum()
        if not total > 0:
            raise ValueError("logQ correction (counts): the training positives are empty, so no item has a sampling probability.")
        if not batch_size >= 1:
            raise ValueError(f"logQ correction: batch size must be ≥ 1, got {batch_size}.")
        self.batch_size = batch_size
        self.p = appearance_probability(counts / total, batch_size)
        self.log_p = np.log(self.p).astype(np.float32)

    @staticmethod
    def from_items(items: np.ndarray, item_count: int, batch_size: int) -> "CountsCorrection":
        return CountsCorrection(np.bincount(np.asarray(items, dtype=np.int64), minlength=item_count), batch_size)

    def log_q(self, items: np.ndarray) -> np.ndarray:
        return self.log_p[np.asarray(items, dtype=np.int64)]

    def observe(self, items, step: int) -> None:
        pass

    def item_probabilities(self) -> np.ndarray:
        return self.p

    def save_state(self):
        return None

    def restore_state(self, state) -> None:
        pass


class StreamingFrequencyEstimator:
    """Per hash bucket: A (last step seen) and B (estimated gap between steps in which it appears),
    B ← (1 − α)·B + α·(t − A), p = 1/B; an item counts once per step."""

    def __init__(self, item_count: int, rate: float = DEFAULT_STREAMING_RATE, buckets: int = None):
        buckets = item_count if buckets is None else buckets
        if not (0 < rate <= 1):
            raise ValueError(f"Streaming frequency estimator: learning rate α must be in (0, 1], got {rate}.")
        if not buckets >= 1:
            raise ValueError(f"Streaming frequency estimator: needs at least one hash bucket, got {buckets}.")
        self.item_count = item_count
        self.rate = rate
        self.buckets = buckets
        self.identity = buckets >= item_count
        self.last_seen = np.full(buckets, -1.0)
        self.gap = np.zeros(buckets)

    def bucket(self, items) -> np.ndarray:
        items = np.asarray(items, dtype=np.int64)
        if self.identity:
            return items
        # Math.imul(item, 0x9e3779b1) >>> 0: the low 32 bits of the product, unsigned.
        return ((items.astype(np.uint64) * np.uint64(0x9E3779B1)) & np.uint64(0xFFFFFFFF)).astype(np.int64) % self.buckets

    def observe(self, items, step: int) -> None:
        """Once per step, before log_q, with increasing step numbers."""
        h = np.unique(self.bucket(items))
        a = self.last_seen[h]
        h = h[a != step]
        a = self.last_seen[h]
        self.gap[h] = np.where(a < 0, step + 1, (1 - self.rate) * self.gap[h] + self.rate * (step - a))
        self.last_seen[h] = step

    def probability(self, items) -> np.ndarray:
        h = self.bucket(items)
        seen = self.last_seen[h] >= 0
        return np.where(seen, np.minimum(1.0, 1.0 / np.maximum(self.gap[h], 1e-12)), MIN_P)

    def log_q(self, items) -> np.ndarray:
        return np.log(self.probability(items)).astype(np.float32)

    def item_probabilities(self) -> np.ndarray:
        all_items = np.arange(self.item_count)
        seen = self.last_seen[self.bucket(all_items)] >= 0
        return np.where(seen, self.probability(all_items), 0.0)

    def save_state(self) -> dict:
        return {"kind": "streaming", "buckets": self.buckets, "lastSeen": self.last_seen.copy(), "gap": self.gap.copy()}

    def restore_state(self, state) -> None:
        if not isinstance(state, dict) or state.get("buckets") != self.buckets:
            raise ValueError(f"Checkpoint sampler state: the streaming estimator had {state.get('buckets') if isinstance(state, dict) else '?'} buckets, this run has {self.buckets}. Start a fresh run instead of --resume.")
        self.last_seen = np.asarray(state["lastSeen"], dtype=np.float64).copy()
        self.gap = np.asarray(state["gap"], dtype=np.float64).copy()
