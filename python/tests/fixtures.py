"""A tiny prepared run folder written with numpy, in the format the front door writes
(docs/torch-engine.md, src/trainer/torch/prepare.ts), and the resolved config it trains."""
import copy
import json
import os

import numpy as np

from two_tower_lab.metrics import RetrievalPlan, evaluate_retrieval
from two_tower_lab.sampling.popularity import head_item_mask, popularity_deciles


def default_config():
    """An experiment with the schema's defaults (src/core/config/schema.ts), small."""
    tower = {"id_embedding_dim": 8, "categorical": [], "continuous": [], "mlp": {"hidden": [16], "activation": "relu", "dropout": 0}, "output_dim": 8, "l2_normalize": True}
    return {
        "name": "tiny",
        "data": {"synthetic": {}, "seed": 42},
        "user_tower": copy.deepcopy(tower),
        "item_tower": copy.deepcopy(tower),
        "score": {"type": "cosine", "temperature": 0.1},
        "training": {
            "engine": "torch",
            "engine_options": {"processes": 1, "nodes": 1, "device": "cpu"},
            "mode": "listwise",
            "loss": "softmax",
            "negatives": {
                "source": "in_batch", "per_positive": 2, "alpha": 0.75, "logq_correction": True, "logq_strength": 1, "logq_estimate": "counts",
                "extra": 8, "extra_sampler": "uniform", "remove_accidental_hits": True,
                "hard": {"source": "none", "band": "relatively_hard", "relatively_hard": [2, 10], "extremely_hard": [10, 20], "mine_every": 1, "mine_top_k": 20},
                "mix": {"easy": 0.5, "hard": 0.5},
            },
            "positives": {"rebalance": {"method": "none", "exponent": 0.5, "cap": 200, "floor": 0}},
            "optimizer": "adam",
            "learning_rate": 0.01,
            "batch_size": 16,
            "epochs": 2,
            "seed": 7,
        },
        "evaluation": {"k": [5, 10], "metrics": ["recall", "ndcg", "hit_rate", "mrr", "coverage"], "every": 1, "exclude_seen": True},
    }


def merge(base: dict, patch: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in patch.items():
        out[k] = merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else copy.deepcopy(v)
    return out


def write_prepared(run_dir: str, config: dict, users: int = 25, items: int = 30, positives: int = 49, seed: int = 1, features: bool = True, ranking_log: bool = False, run_id: str = "tiny-run"):
    """Users 1..users−1 and items 1..items−1 (row 0 = OOV) with latent taste, `positives` train pairs
    and one held-out item per user; with `features`, one categorical, one bucketised and one plain
    continuous feature per tower (the config gets them too)."""
    rng = np.random.default_rng(seed)
    d = os.path.join(run_dir, "prepared")
    os.makedirs(d, exist_ok=True)
    arrays = {}

    def put(name, a):
        a = np.ascontiguousarray(a)
        np.save(os.path.join(d, f"{name}.npy"), a)
        arrays[name] = {"file": f"{name}.npy", "dtype": str(a.dtype), "shape": list(a.shape)}
        return name

    taste_u = rng.normal(size=(users, 3))
    taste_i = rng.normal(size=(items, 3))
    pop = 1.0 / np.arange(1, items) ** 0.8
    tu, ti = [], []
    while len(tu) < positives:
        u = int(rng.integers(1, users))
        p = pop * np.exp(taste_i[1:] @ taste_u[u])
        tu.append(u)
        ti.append(1 + int(rng.choice(items - 1, p=p / p.sum())))
    test_users = np.arange(1, users, dtype=np.int32)
    test_items = (1 + rng.integers(0, items - 1, size=users - 1)).astype(np.int32)
    train_users = np.asarray(tu, dtype=np.int32)
    train_items = np.asarray(ti, dtype=np.int32)
    clicks = np.bincount(train_items, minlength=items).astype(np.float64)
    put("train_users", train_users)
    put("train_items", train_items)
    put("test_users", test_users)
    put("test_items", test_items)
    put("item_clicks", clicks)
    put("item_decile", popularity_deciles(clicks))
    put("item_head", head_item_mask(clicks))
    put("eval_users", test_users)
    towers = {}
    for side, count in (("user", users), ("item", items)):
        cfg = config[f"{side}_tower"]
        segments = [{"kind": "table", "name": "id_embedding", "rows": count, "dim": cfg["id_embedding_dim"], "rowOf": None}]
        width = cfg["id_embedding_dim"]
        if features:
            cfg["categorical"] = [{"name": "group", "embedding_dim": 3}]
            cfg["continuous"] = [{"name": "size", "normalize": "zscore", "buckets": 4, "embedding_dim": 2}, {"name": "age", "normalize": "zscore", "embedding_dim": 8}]
            segments.append({"kind": "table", "name": "categorical/group", "rows": 5, "dim": 3, "rowOf": put(f"{side}_cat_0", rng.integers(0, 5, size=count).astype(np.int32))})
            segments.append({"kind": "table", "name": "bucketized/size", "rows": 4, "dim": 2, "rowOf": put(f"{side}_bucket_0", rng.integers(0, 4, size=count).astype(np.int32))})
            segments.append({"kind": "value", "name": "age", "values": put(f"{side}_cont_1", rng.normal(size=count).astype(np.float32))})
            width += 3 + 2 + 1
        towers[side] = {"width": width, "segments": segments}
    meta = {
        "format": "two-tower-lab/prepared@1", "runId": run_id, "users": users, "items": items, "arrays": arrays, "towers": towers,
        "evalUsers": "eval_users", "userIds": "users.ids.json", "itemIds": "items.ids.json",
    }
    if ranking_log:
        offsets = np.zeros(users + 1, dtype=np.int32)
        pools = []
        for u in range(users):
            pool = rng.choice(np.arange(1, items), size=int(rng.integers(0, 4)), replace=False) if u % 3 else np.zeros(0, dtype=np.int64)
            pools.append(pool.astype(np.int32))
            offsets[u + 1] = offsets[u] + len(pool)
        meta["hardPools"] = {"offsets": put("hard_offsets", offsets), "items": put("hard_items", np.concatenate(pools).astype(np.int32))}
    ev = config["evaluation"]
    plan = RetrievalPlan(items, users, train_users, train_items, test_users, test_items, clicks, ev["k"], ev["metrics"], ev["exclude_seen"], users=test_users)
    meta["baseline"] = evaluate_retrieval(plan, lambda us: np.tile(clicks.astype(np.float32), (len(us), 1)))
    meta["arrays"] = arrays
    with open(os.path.join(d, "users.ids.json"), "w") as f:
        json.dump(["<oov>"] + [f"u{k}" for k in range(1, users)], f, separators=(",", ":"))
    with open(os.path.join(d, "items.ids.json"), "w") as f:
        json.dump(["<oov>"] + [f"i{k}" for k in range(1, items)], f, separators=(",", ":"))
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(config, f, indent=1)
    with open(os.path.join(d, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    return meta


def read_events(run_dir: str):
    with open(os.path.join(run_dir, "events.jsonl"), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]
