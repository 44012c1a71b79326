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

from .per_user import per_user_columns
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


def block_top_k(scores: np.ndarray, k: int):
    """Top-k of every row of a block (best first, ties to the lower index, -inf excluded): the
    indices (rows × k, padded) and how many each row found. Rows whose k-th place is a tie that
    argpartition may have cut arbitrarily are redone exactly."""
    rows, n = scores.shape
    valid = (scores > -np.inf).sum(1)
    found = np.minimum(valid, k)
    if k >= n:
        cand = np.broadcast_to(np.arange(n), (rows, n))
    else:
        cand = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    cs = np.take_along_axis(scores, cand, 1)
    order = np.lexsort((cand, -cs), axis=1)
    top = np.take_along_axis(cand, order, 1)[:, :k]
    if k < n:
        t = np.take_along_axis(scores, top[:, k - 1 : k], 1)[:, 0]
        greater = (scores > t[:, None]).sum(1)
        tied = (scores == t[:, None]).sum(1)
        # A tie across the cut: the lowest indices must make it, which argpartition does not promise.
        redo = np.flatnonzero(np.isfinite(t) & (greater + tied > k))
        for r in redo:
            top[r] = top_k(scores[r], k)
    return top, found


def evaluate_retrieval(plan: RetrievalPlan, scorer: Scorer) -> Dict[str, float]:
    """Keys like `recall@10`, `mrr`, for one scorer, in the order the TypeScript side writes them."""
    return _run_retrieval(plan, scorer, None)


def evaluate_retrieval_per_user(plan: RetrievalPlan, scorer: Scorer, tops: Optional[list] = None):
    """The metrics and each evaluated user's value of every per-user column (per_user.py), as
    (metrics, users, columns, values) with values a list of float64 arrays, one per column.
    `tops`, when given, receives (users, top item rows best first, how many of them are rankable)
    per block of evaluated users: the exact lists an ANN evaluation measures its recall against."""
    columns = per_user_columns(plan.ks, plan.metrics)
    collect = {"users": [], "values": {c: [] for c in columns}, "tops": tops}
    metrics = _run_retrieval(plan, scorer, collect)
    users = np.concatenate(collect["users"]).astype(np.int32) if collect["users"] else np.zeros(0, dtype=np.int32)
    values = [np.concatenate(collect["values"][c]).astype(np.float64) if collect["values"][c] else np.zeros(0) for c in columns]
    return metrics, users, columns, values


def _run_retrieval(plan: RetrievalPlan, scorer: Scorer, collect) -> Dict[str, float]:
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
    k_top = min(max_k, n)
    discount = 1.0 / np.log2(np.arange(k_top) + 2)
    idcg_table = np.concatenate([[0.0], np.cumsum(1.0 / np.log2(np.arange(max_k) + 2))])
    # Bound a block's score matrix (and its held-out mask) to about 16M entries.
    block = max(1, min(plan.block_size, (1 << 24) // max(n, 1)))
    idx = np.arange(n)
    for start in range(0, len(plan.users), block):
        users = plan.users[start : start + block]
        scores = np.array(scorer(users), dtype=np.float32, copy=True).reshape(len(users), n)
        # Each user's distinct held-out real items, as (row, item) pairs.
        t0, t1 = plan.test_offsets[users], plan.test_offsets[users + 1]
        lens = t1 - t0
        row_of = np.repeat(np.arange(len(users)), lens)
        items = plan.test_by_user[np.repeat(t0, lens) + (np.arange(lens.sum()) - np.repeat(np.cumsum(lens) - lens, lens))]
        keep = items > 0
        held = np.zeros((len(users), n), dtype=bool)
        held[row_of[keep], items[keep]] = True
        count = held.sum(1)
        live = count > 0
        scores[np.isnan(scores)] = -np.inf
        scores[:, 0] = -np.inf
        if plan.exclude_seen:
            s0, s1 = plan.train_offsets[users], plan.train_offsets[users + 1]
            slen = s1 - s0
            srow = np.repeat(np.arange(len(users)), slen)
            seen = plan.train_by_user[np.repeat(s0, slen) + (np.arange(slen.sum()) - np.repeat(np.cumsum(slen) - slen, slen))]
            # An item both seen and held out (a repeat interaction) stays rankable: it is what we test.
            drop = ~held[srow, seen]
            scores[srow[drop], seen[drop]] = -np.inf
        if not live.any():
            continue
        scores, held, count = scores[live], held[live], count[live]
        evaluated += int(live.sum())
        if collect is not None:
            collect["users"].append(users[live])
        top, found = block_top_k(scores, k_top)
        if collect is not None and collect.get("tops") is not None:
            collect["tops"].append((users[live], top, found))
        pos = np.arange(top.shape[1])
        inside = pos[None, :] < found[:, None]
        is_hit = np.take_along_axis(held, top, 1) & inside
        in_head = plan.head[top]
        hits_cum = np.cumsum(is_hit, 1)
        dcg_cum = np.cumsum(np.where(is_hit, discount[None, : top.shape[1]], 0.0), 1)
        head_cum = np.cumsum(is_hit & in_head, 1)
        tail_cum = np.cumsum(is_hit & ~in_head, 1)
        for ki, k in enumerate(ks):
            c = np.minimum(k, found)
            at = np.maximum(c - 1, 0)
            pick = lambda m: np.where(c > 0, np.take_along_axis(m, at[:, None], 1)[:, 0], 0)
            h = pick(hits_cum)
            user_ndcg = pick(dcg_cum) / idcg_table[np.minimum(k, count)]
            recall[ki] += float((h / count).sum())
            hit[ki] += float((h > 0).sum())
            ndcg[ki] += float(user_ndcg.sum())
            if collect is not None:
                for name, v in ((f"recall@{k}", h / count), (f"ndcg@{k}", user_ndcg), (f"hit_rate@{k}", (h > 0).astype(np.float64))):
                    if name in collect["values"]:
                        collect["values"][name].append(np.asarray(v, dtype=np.float64))
            head_hits[ki] += float(pick(head_cum).sum())
            tail_hits[ki] += float(pick(tail_cum).sum())
            covered[ki][top[pos[None, :] < c[:, None]]] = True
        if "mrr" in plan.metrics:
            # The best-ranked held-out item: highest score, ties to the lower index (argmax takes the first).
            rankable = held & (scores > -np.inf)
            has = rankable.any(1)
            best = np.argmax(np.where(rankable, scores, -np.inf), 1)
            sb = np.take_along_axis(scores, best[:, None], 1)
            before = (scores > sb) | ((scores == sb) & (idx[None, :] < best[:, None]))
            ranks = (before & (scores > -np.inf)).sum(1)
            mrr_sum += float((1.0 / (1 + ranks[has])).sum())
            if collect is not None:
                collect["values"]["mrr"].append(np.where(has, 1.0 / (1 + ranks), 0.0))
        head_total += int((held & plan.head[None, :]).sum())
        tail_total += int((held & ~plan.head[None, :]).sum())
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


def vectors_lookup(users: np.ndarray, vectors: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """The rows of `vectors` (one per user of `users`) for any users among them: user vectors computed
    once, for an evaluation that needs them twice (the exact ranking and the ANN request)."""
    order = np.argsort(users, kind="stable")
    ordered = np.asarray(users)[order]

    def of(wanted: np.ndarray) -> np.ndarray:
        # A user above every one known lands past the end: clamped, it compares unequal like any other unknown.
        at = np.minimum(np.searchsorted(ordered, wanted), max(len(ordered) - 1, 0))
        bad = ordered[at] != wanted if len(ordered) else np.ones(len(wanted), dtype=bool)
        if np.any(bad):
            raise ValueError(f"user rows {np.asarray(wanted)[bad][:5].tolist()} have no precomputed vector")
        return vectors[order[at]]

    return of


def dot_scorer(user_vectors_of: Callable[[np.ndarray], np.ndarray], item_vectors: np.ndarray) -> Scorer:
    """Dot products of the users' vectors with every item vector: the model's score, float32."""
    items = np.asarray(item_vectors, dtype=np.float32)

    def score(users: np.ndarray) -> np.ndarray:
        return np.asarray(user_vectors_of(users), dtype=np.float32) @ items.T

    return score
