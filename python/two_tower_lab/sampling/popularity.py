"""Item popularity groupings (popularity.ts, eval/grouping.ts): deciles by clicks (0 = the most popular
10% of real items), the head (top 20%), and the Gini coefficient. Ties go to the lower index; the OOV
row belongs to no group."""
import math

import numpy as np

from ..names import NO_GROUP


def items_by_popularity(item_clicks) -> np.ndarray:
    """Items 1 .. n − 1, most clicked first, ties to the lower index."""
    clicks = np.asarray(item_clicks, dtype=np.float64)
    idx = np.arange(1, len(clicks))
    return idx[np.lexsort((idx, -clicks[1:]))]


def popularity_deciles(item_clicks) -> np.ndarray:
    order = items_by_popularity(item_clicks)
    decile = np.full(len(item_clicks), NO_GROUP, dtype=np.uint8)
    decile[order] = (np.arange(len(order)) * 10) // max(len(order), 1)
    return decile


def head_item_mask(item_clicks, share: float = 0.2) -> np.ndarray:
    order = items_by_popularity(item_clicks)
    mask = np.zeros(len(item_clicks), dtype=np.uint8)
    mask[order[: math.ceil(share * len(order))]] = 1
    return mask


def gini(values) -> float:
    """G = Σ (2i − n − 1)·x_i / (n·Σx) with x sorted ascending, i from 1."""
    x = np.sort(np.asarray(values, dtype=np.float64))
    n = len(x)
    total = x.sum()
    if not total > 0:
        return 0.0
    i = np.arange(1, n + 1)
    return float(((2 * i - n - 1) * x).sum() / (n * total))
