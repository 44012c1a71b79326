"""Positive rebalancing by item popularity (rebalance.ts): `exponent` β keeps ≈ N·c_i^β/Σc_j^β positives
of item i, `cap` keeps at most `cap` (and repeats items below `floor`). Which positives are kept or
repeated is drawn from the stream; every rank draws the same, so every rank holds the same epoch."""
import numpy as np

from .popularity import gini, head_item_mask


def rebalance_targets(counts: np.ndarray, cfg: dict) -> np.ndarray:
    counts = np.asarray(counts, dtype=np.float64)
    method = cfg["method"]
    if method == "none":
        return counts.copy()
    if method == "exponent":
        beta = float(cfg["exponent"])
        if not (0 <= beta <= 1):
            raise ValueError(f"training.positives.rebalance.exponent is {beta}; β must be in [0, 1].")
        live = counts > 0
        powered = np.power(counts[live], beta).sum()
        out = np.zeros_like(counts)
        out[live] = counts.sum() * np.power(counts[live], beta) / powered
        return out
    cap, floor = int(cfg["cap"]), int(cfg["floor"])
    if not cap >= 1:
        raise ValueError(f"training.positives.rebalance.cap is {cap}; it must be an integer ≥ 1.")
    if floor > cap:
        raise ValueError(f"training.positives.rebalance.floor ({floor}) is above cap ({cap}); lower the floor or raise the cap.")
    return np.where(counts > 0, np.maximum(np.minimum(counts, cap), floor), 0.0)


def rebalance_positives(users: np.ndarray, items: np.ndarray, item_clicks: np.ndarray, cfg: dict, rng: np.random.Generator):
    """(users, items, stats) of one epoch: the pairs in their original order, each repeated 0..k times."""
    users = np.asarray(users, dtype=np.int64)
    items = np.asarray(items, dtype=np.int64)
    item_count = len(item_clicks)
    n = len(items)
    if n and (items.min() < 0 or items.max() >= item_count):
        bad = int(np.flatnonzero((items < 0) | (items >= item_count))[0])
        raise ValueError(f"Positive pair {bad}: item index {items[bad]} is outside [0, {item_count}); the train pairs and itemClicks disagree.")
    counts = np.bincount(items, minlength=item_count).astype(np.float64)
    targets = rebalance_targets(counts, cfg)
    # Stochastic rounding keeps the expected count equal to the target; a clicked item keeps ≥ 1.
    whole_t = np.floor(targets)
    want = whole_t + (rng.random(item_count) < targets - whole_t)
    want = np.where(counts > 0, np.maximum(want, 1), 0).astype(np.int64)
    c = counts.astype(np.int64)
    whole = np.where(c > 0, want // np.maximum(c, 1), 0)
    extra = want - whole * c
    # `extra` distinct rows of each item get one more copy: the rows of the item in a random order.
    order = np.lexsort((rng.random(n), items))
    group_start = np.cumsum(c) - c
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - group_start[items[order]]
    multiplicity = whole[items] + (rank < extra[items])
    keep = np.repeat(np.arange(n), multiplicity)
    out_users, out_items = users[keep], items[keep]
    after = np.bincount(out_items, minlength=item_count).astype(np.float64)
    head = head_item_mask(item_clicks)
    stats = {
        "headShareBefore": head_share(counts, head),
        "headShareAfter": head_share(after, head),
        "giniBefore": gini(counts[1:]),
        "giniAfter": gini(after[1:]),
        "positivesBefore": int(n),
        "positivesAfter": int(len(keep)),
    }
    return out_users, out_items, stats


def head_share(counts: np.ndarray, head: np.ndarray) -> float:
    total = counts.sum()
    return float(counts[head.astype(bool)].sum() / total) if total > 0 else 0.0
