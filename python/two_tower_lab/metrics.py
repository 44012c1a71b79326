"""Full-corpus top-K retrieval metrics with exactly the definitions of src/core/eval/retrieval.ts.

Every item is ranked for every evaluated user, never the OOV row 0, and with exclude_seen the user's
training positives are removed first (an item both seen and held out stays rankable). Ties rank the
lower item index first. Averaged over evaluated users (those with a held-out positive):
- recall@K = |top K ∩ held-out| / |held-out|
- ndcg@K = Σ_{hits at 0-based rank r < K} 1/log2(r + 2) ÷ Σ_{r < min(K, |held-out|)} 1/log2(r + 2)
- hit_rate@K = 1 when a held-out item is in the top K
- mrr = 1/(1 + full-corpus rank of the best-ranked held-out item) (not cut at K)
- coverage@K = distinct items in anyone's top K ÷ real items
- recall_head@K / recall_tail@K: pooled over held-out (user, item) pairs, head = top 20% by clicks.
"""
from typing import Callable, Dict, Optional, Sequence

import numpy as np

from .sampling.popularity import head_item_mask

# Fills the scores of a block of users: users.length × numItems float32.
Scorer = Callable[[np.ndarray], np.ndarray]


def group_by_user(users: np.ndarray, items: np.ndarray, num_users: int):
    """CSR (offsets, items) of pairs grouped by user, each user's items in pair order (grouping.ts)."""
    users = np.asarray(users, dtype=np.int64)
    order = np.argsort(users, kind="stable")
    offsets = np.zeros(num_users + 1, dtype=np.int64)
    np.add.at(offsets, users + 1, 1)
    return np.cumsum(offsets), np.asarray(items, dtype=np.int64)[order]


def top_k(row: np.ndarray, k: int) -> np.ndarray:
    """The indices of the k best entries, best first, ties to the lower index, -inf and NaN skipped (topk.ts)."""
    valid = np.isfinite(row) | (row == np.inf)
    found = min(k, int(valid.sum()))
    if found == 0:
        return np.zeros(0, dtype=np.int64)
    s = np.where(valid, row, -np.inf)
    if found < len(s):
        part = np.argpartition(-s, found - 1)[:found]
        t = s[part].min()
        greater = np.flatnonzero(s > t)
        # Of the items tied at the threshold, the lowest indices make the cut.
        equal = np.flatnonzero(s == t)[: found - len(greater)]
        cand = np.concatenate([greater, equal])
    else:
        cand = np.flatnonzero(valid)
    return cand[np.lexsort((cand, -s[cand]))]


def rank_of(row: np.ndarray, item: int) -> int:
    """How many non-excluded items rank before `item` (same tie rule as top_k)."""
    s = row[item]
    valid = np.isfinite(row) | (row == np.inf)
    before = (row > s) | ((row == s) & (np.arange(len(row)) < item))
    return int((before & valid).sum())


class RetrievalPlan:
    """What evaluation computes once per split and reuses every epoch (retrieval.ts planRetrieval)."""

    def __init__(self, num_items: int, num_users: int, train_users, train_items, test_users, test_items, item_clicks, ks: Sequence[int], metrics: Sequence[str], exclude_seen: bool, users: Optional[np.ndarray] = None, block_size: int = 256):
        self.num_items = num_items
        self.ks = sorted(int(k) for k in ks)
        self.metrics = set(metrics)
        self.exclude_seen = bool(exclude_seen)
        self.block_size = max(1, block_size)
        self.test_offsets, self.test_by_user = group_by_user(test_users, test_items, num_users)
        self.train_offsets, self.train_by_user = group_by_user(train_users, train_items, num_users)
        if users is None:
            users = np.flatnonzero(np.diff(self.test_offsets) > 0)
        self.users = np.asarray(users, dtype=np.int64)
        self.head = head_item_mask(item_clicks).astype(bool)


def evaluate_retrieval(plan: RetrievalPlan, scorer: Scorer) -> Dict[str, float]:
    """Keys like `recall@10`, `mrr`, for one scorer, in the order the TypeScript side writes them."""
    ks = plan.ks
    n = plan.num_items
    max_k = ks[-1]
    recall = np.zeros(len(ks))
    ndcg = np.zeros(len(ks))
    hit = np.zeros(len(ks))
    head_hits = np.zeros(len(ks))
    tail_hits = np.zeros(len(ks))
    head_total = tail_total = 0
    mrr_sum = 0.0
    evaluated = 0
    covered = [np.zeros(n, dtype=bool) for _ in ks]
    discount = 1.0 / np.log2(np.arange(max(max_k, 1)) + 2)
    idcg_table = np.concatenate([[0.0], np.cumsum(discount)])
    for start in range(0, len(plan.users), plan.block_size):
        block = plan.users[start : start + plan.block_size]
        scores = np.array(scorer(block), dtype=np.float32, copy=True).reshape(len(block), n)
        for r, u in enumerate(block):
            held = plan.test_by_user[plan.test_offsets[u] : plan.test_offsets[u + 1]]
            held = np.unique(held[held > 0])
            if held.size == 0:
                continue
            evaluated += 1
            row = scores[r]
            row[np.isnan(row)] = -np.inf
            row[0] = -np.inf
            if plan.exclude_seen:
                seen = plan.train_by_user[plan.train_offsets[u] : plan.train_offsets[u + 1]]
                row[seen[~np.isin(seen, held)]] = -np.inf
            top = top_k(row, max_k)
            found = len(top)
            is_hit = np.isin(top, held)
            hits_cum = np.cumsum(is_hit)
            dcg_cum = np.cumsum(np.where(is_hit, discount[:found], 0.0))
            head_cum = np.cumsum(is_hit & plan.head[top])
            tail_cum = np.cumsum(is_hit & ~plan.head[top])
            for ki, k in enumerate(ks):
                c = min(k, found)
                h = int(hits_cum[c - 1]) if c > 0 else 0
                recall[ki] += h / held.size
                hit[ki] += 1 if h > 0 else 0
                ndcg[ki] += (float(dcg_cum[c - 1]) if c > 0 else 0.0) / idcg_table[min(k, held.size)]
                head_hits[ki] += int(head_cum[c - 1]) if c > 0 else 0
                tail_hits[ki] += int(tail_cum[c - 1]) if c > 0 else 0
                covered[ki][top[:c]] = True
            if "mrr" in plan.metrics:
                live = held[np.isfinite(row[held]) | (row[held] == np.inf)]
                if live.size:
                    mrr_sum += 1.0 / (1 + min(rank_of(row, int(it)) for it in live))
            in_head = plan.head[held]
            head_total += int(in_head.sum())
            tail_total += int((~in_head).sum())
    out: Dict[str, float] = {}
    mean = lambda s: s / evaluated if evaluated > 0 else 0.0
    for ki, k in enumerate(ks):
        if "recall" in plan.metrics:
            out[f"recall@{k}"] = mean(recall[ki])
            out[f"recall_head@{k}"] = head_hits[ki] / head_total if head_total > 0 else 0.0
            out[f"recall_tail@{k}"] = tail_hits[ki] / tail_total if tail_total > 0 else 0.0
        if "ndcg" in plan.metrics:
            out[f"ndcg@{k}"] = mean(ndcg[ki])
        if "hit_rate" in plan.metrics:
            out[f"hit_rate@{k}"] = mean(hit[ki])
        if "coverage" in plan.metrics:
            out[f"coverage@{k}"] = float(covered[ki][1:].sum()) / (n - 1) if n > 1 else 0.0
    if "mrr" in plan.metrics:
        out["mrr"] = mean(mrr_sum)
    return {k: float(v) for k, v in out.items()}


def dot_scorer(user_vectors_of: Callable[[np.ndarray], np.ndarray], item_vectors: np.ndarray) -> Scorer:
    """Dot products of the users' vectors with every item vector: the model's score, float32."""
    items = np.asarray(item_vectors, dtype=np.float32)

    def score(users: np.ndarray) -> np.ndarray:
        return np.asarray(user_vectors_of(users), dtype=np.float32) @ items.T

    return score
