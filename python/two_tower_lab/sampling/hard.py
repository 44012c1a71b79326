"""Hard negatives (hard.ts): items ranked close behind (relatively hard) or far behind (extremely hard)
a user's target, from the ranking log (pools prepared by the front door, already banded) or mined
with the model (top K, the user's positives dropped, a rank band). A draw is uniform over the row
user's pool; a user without a pool gets an easy negative instead, reported as that easy kind and
counted as a fallback."""
from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np

from ..names import HARD_LOG_CODE, HARD_MINED_CODE
from .positives import UserPositiveIndex

BAND_NAMES = ("relatively_hard", "extremely_hard")
# Retrieves the top k item indices of each user, best first: users × k.
ScoreTopK = Callable[[np.ndarray, int], np.ndarray]


def named_bands(hard: dict) -> List[Tuple[str, Tuple[int, int]]]:
    """The bands `training.negatives.hard.band` uses, in config order, checked (namedBandsFromConfig)."""
    names = list(BAND_NAMES) if hard["band"] == "both" else [hard["band"]]
    out = []
    for name in names:
        lo, hi = int(hard[name][0]), int(hard[name][1])
        if not (lo >= 0 and hi > lo):
            raise ValueError(f"training.negatives.hard.{name} is [{lo}, {hi}]: a rank band [from, to) needs 0 ≤ from < to.")
        out.append((name, (lo, hi)))
    return out


class HardPools:
    """Per-user pools, CSR: user u's hard negatives are items[offsets[u] : offsets[u + 1]]."""

    def __init__(self, offsets: np.ndarray, items: np.ndarray, band_yields: Optional[List[dict]] = None):
        self.offsets = np.asarray(offsets, dtype=np.int64)
        self.items = np.asarray(items, dtype=np.int64)
        # Per band given to the builder: {'candidates', 'users'} (None for pools built elsewhere).
        self.band_yields = band_yields

    @staticmethod
    def empty(user_count: int) -> "HardPools":
        return HardPools(np.zeros(user_count + 1, dtype=np.int64), np.zeros(0, dtype=np.int64))

    def sizes(self, users: np.ndarray) -> np.ndarray:
        users = np.asarray(users, dtype=np.int64)
        inside = (users >= 0) & (users + 1 < len(self.offsets))
        u = np.where(inside, users, 0)
        return np.where(inside, self.offsets[u + 1] - self.offsets[u], 0)

    def users_with_pool(self) -> int:
        return int((np.diff(self.offsets) > 0).sum())


def in_bands(offset: np.ndarray, bands: Sequence[Tuple[int, int]]) -> np.ndarray:
    out = np.zeros(np.shape(offset), dtype=bool)
    for lo, hi in bands:
        out |= (offset >= lo) & (offset < hi)
    return out


def mine_hard_negatives(positives: UserPositiveIndex, score_top_k: ScoreTopK, top_k: int, bands: Sequence[Tuple[int, int]], chunk: int = 512) -> HardPools:
    """For every user with positives: retrieve the top K, drop the user's positives and the OOV row,
    keep the items whose rank in what is left lies in a band (mineHardNegatives). Users in chunks."""
    users = positives.users_with_positives()
    cand_users, cand_items, cand_ranks = [], [], []
    for s in range(0, len(users), chunk):
        batch = users[s : s + chunk]
        top = np.asarray(score_top_k(batch, top_k))
        if top.shape != (len(batch), top_k):
            raise ValueError(f"Hard-negative mining: scoreTopK returned {top.size} items for {len(batch)} users × top {top_k}; it must return users × k indices.")
        rows = np.repeat(batch, top_k).reshape(len(batch), top_k)
        keep = (top > 0) & ~positives.has(rows, top)
        rank = np.cumsum(keep, 1) - 1
        take = keep & in_bands(rank, bands)
        cand_users.append(rows[take])
        cand_items.append(top[take])
        cand_ranks.append(rank[take])
    cu = np.concatenate(cand_users) if cand_users else np.zeros(0, dtype=np.int64)
    ci = np.concatenate(cand_items) if cand_items else np.zeros(0, dtype=np.int64)
    cr = np.concatenate(cand_ranks) if cand_ranks else np.zeros(0, dtype=np.int64)
    yields = []
    for lo, hi in bands:
        inside = (cr >= lo) & (cr < hi)
        yields.append({"candidates": int(inside.sum()), "users": int(len(np.unique(cu[inside])))})
    # Candidates are in user order already (users ascending, then rank): a CSR by counting.
    offsets = np.zeros(positives.user_count + 1, dtype=np.int64)
    np.add.at(offsets, cu + 1, 1)
    return HardPools(np.cumsum(offsets), ci, yields)


class HardNegativeSampler:
    """Draws from the row user's pool; `fallback` (an easy sampler) fills the slots of users without one."""

    def __init__(self, kind: str, pools: HardPools, fallback):
        self.kind = kind
        self.code = HARD_LOG_CODE if kind == "hard_log" else HARD_MINED_CODE
        self.pools = pools
        self.fallback = fallback
        self.slots = 0
        self.fell_back = 0

    def reset_tally(self) -> None:
        self.slots = 0
        self.fell_back = 0

    def draw_hard(self, users: np.ndarray, u: np.ndarray) -> np.ndarray:
        """One hard draw per (user, uniform), or −1 where the user has no pool."""
        size = self.pools.sizes(users)
        users = np.asarray(users, dtype=np.int64)
        start = self.pools.offsets[np.clip(users, 0, len(self.pools.offsets) - 1)]
        at = start + np.minimum((u * size).astype(np.int64), np.maximum(size - 1, 0))
        items = self.pools.items
        return np.where(size > 0, items[np.clip(at, 0, max(len(items) - 1, 0))] if len(items) else -1, -1)

    def save_state(self) -> dict:
        # Log pools come from the prepared arrays; mined pools are saved, the model that mined them moved on.
        if self.kind == "hard_log":
            return {"kind": self.kind}
        return {"kind": self.kind, "offsets": self.pools.offsets.copy(), "items": self.pools.items.copy(), "bandYields": self.pools.band_yields}

    def restore_state(self, state: dict) -> None:
        if state.get("kind") != self.kind:
            raise ValueError(f"Checkpoint sampler state: saved by a {state.get('kind')} sampler, this run uses {self.kind}. Start a fresh run instead of --resume.")
        if self.kind == "hard_log":
            return
        offsets = np.asarray(state["offsets"], dtype=np.int64)
        if len(offsets) != len(self.pools.offsets):
            raise ValueError(f"Checkpoint sampler state: the mined pools cover {len(offsets) - 1} users, this run has {len(self.pools.offsets) - 1}. Start a fresh run instead of --resume.")
        self.pools = HardPools(offsets, state["items"], state.get("bandYields"))


class MinedHardNegativeSampler(HardNegativeSampler):
    """Pools mined with the model before epoch 1, 1 + N, 1 + 2N, … (epochs counted from 0)."""

    first_mining_epoch = 1

    def __init__(self, positives: UserPositiveIndex, bands, top_k: int, mine_every: int, fallback):
        super().__init__("hard_mined", HardPools.empty(positives.user_count), fallback)
        self.positives = positives
        self.bands = bands
        self.top_k = top_k
        self.mine_every = mine_every

    def needs_refresh(self, epoch: int) -> bool:
        return epoch >= self.first_mining_epoch and (epoch - self.first_mining_epoch) % self.mine_every == 0

    def refresh(self, score_top_k: ScoreTopK) -> None:
        self.pools = mine_hard_negatives(self.positives, score_top_k, self.top_k, self.bands)
