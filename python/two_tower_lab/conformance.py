"""The Python half of the conformance tests (test/conformance/*.test.ts): the TypeScript side computes
something with the tfjs engine, sends the same inputs here, and compares.

    python -m two_tower_lab.conformance < {"cases": [{"fn": "loss", ...}, ...]}  →  {"results": [...]}

Every case is answered in order; a case that fails answers {"error": "..."} and the others still run.
Arrays travel as flat JSON lists, row-major.
"""
import json
import sys
import traceback

import numpy as np


def _f32(values, d=None):
    import torch

    t = torch.tensor(np.asarray(values, dtype=np.float32))
    return t if d is None else t.view(-1, d)


def loss_case(c: dict) -> dict:
    """A loss of src/core/losses and its gradient w.r.t. every vector input."""
    import torch

    from .losses import LossInputs, LossSpec, compute_loss

    s = c["spec"]
    spec = LossSpec(mode=s["mode"], loss=s["loss"], temperature=s["temperature"], margin=s.get("margin", 0.2), scale=s.get("scale", 10.0), pairwise_reduction=s.get("pairwiseReduction", "mean"), in_batch=bool(s.get("inBatch")), logq_strength=s.get("logqStrength", 1.0))
    d = int(c["d"])
    leaves = {k: _f32(c[k], d).requires_grad_() for k in ("u", "vPos", "vNeg", "vExtra") if c.get(k) is not None}
    b = leaves["u"].shape[0]
    opt = lambda k: _f32(c[k]) if c.get(k) is not None else None
    mask = lambda k, cols: torch.tensor(np.asarray(c[k], dtype=np.uint8)).view(b, cols) if c.get(k) is not None else None
    extra = leaves["vExtra"].shape[0] if "vExtra" in leaves else 0
    x = LossInputs(
        u=leaves["u"], v_pos=leaves["vPos"], v_neg=leaves.get("vNeg"), per_positive=int(c.get("perPositive", 0)),
        logq=opt("logQ"), hit_mask=mask("hitMask", b), v_extra=leaves.get("vExtra"), extra_logq=opt("extraLogQ"), extra_mask=mask("extraMask", extra),
        neg_logq=opt("negLogQ"), pos_logq=opt("posLogQ"),
    )
    loss = compute_loss(spec, x)
    loss.backward()
    return {"loss": float(loss), "grads": {k: v.grad.reshape(-1).tolist() for k, v in leaves.items()}}


def metrics_case(c: dict) -> dict:
    """src/core/eval/retrieval.ts on fixed embeddings; scores as dotScorer makes them (float64 sums, stored float32)."""
    from .metrics import RetrievalPlan, evaluate_retrieval_per_user

    d = int(c["dim"])
    uv = np.asarray(c["userVectors"], dtype=np.float32).astype(np.float64).reshape(-1, d)
    iv = np.asarray(c["itemVectors"], dtype=np.float32).astype(np.float64).reshape(-1, d)
    plan = RetrievalPlan(
        int(c["numItems"]), int(c["numUsers"]), c["train"]["users"], c["train"]["items"], c["test"]["users"], c["test"]["items"],
        np.asarray(c["itemClicks"], dtype=np.float64), c["ks"], c["metrics"], c["excludeSeen"],
        users=None if c.get("users") is None else np.asarray(c["users"], dtype=np.int64), block_size=int(c.get("blockSize", 7)),
    )
    if c.get("popularity"):
        # The popularity baseline: every user gets the items ranked by clicks (ties everywhere).
        clicks = np.asarray(c["itemClicks"], dtype=np.float32)
        scorer = lambda users: np.tile(clicks, (len(users), 1))
    else:
        scorer = lambda users: (uv[users] @ iv.T).astype(np.float32)
    metrics, users, columns, values = evaluate_retrieval_per_user(plan, scorer)
    return {"metrics": metrics, "perUser": {"users": users.tolist(), "columns": columns, "values": [v.tolist() for v in values]}}


def per_user_file_case(c: dict) -> dict:
    """per_user.py against perUser.ts: decode the TypeScript file's bytes, and encode the same values."""
    import base64

    from .per_user import decode_per_user, encode_per_user

    epoch, users, columns, values = decode_per_user(base64.b64decode(c["bytes"]))
    again = encode_per_user(c["epoch"], c["users"], c["columns"], c["values"])
    return {"epoch": epoch, "users": users.tolist(), "columns": columns, "values": [v.tolist() for v in values], "bytes": base64.b64encode(again).decode("ascii")}


class _InlinePrepared:
    """What TwoTowerModel reads from a prepared folder, given inline."""

    def __init__(self, c: dict):
        from .prepared import _tower

        self.users = int(c["users"])
        self.items = int(c["items"])
        self.towers = {side: _tower(c["towers"][side], side) for side in ("user", "item")}
        self._arrays = {k: np.asarray(v) for k, v in c.get("arrays", {}).items()}

    def array(self, name):
        return self._arrays[name]


def step_case(c: dict) -> dict:
    """One optimiser step of the two-tower model from given weights on a given batch: the loss and
    every tensor after the step (parameters and optimiser slots, TS names and layouts)."""
    from .batches import TrainBatch
    from .checkpoint import load_model_weights, model_weights
    from .distributed import Distributed
    from .losses import loss_spec_from_config
    from .model import TwoTowerModel
    from .optimizer import make_optimizer
    from .step import TrainStep

    config = c["config"]
    model = TwoTowerModel(config, _InlinePrepared(c), np.random.default_rng(0))
    optimizer = make_optimizer(config["training"], [p for _, p, _ in model.named_ts_params()])
    load_model_weights(model, optimizer, {k: np.asarray(v["data"], dtype=np.float32).reshape(v["shape"]) for k, v in c["weights"].items()})
    bt = c["batch"]
    users = np.asarray(bt["users"], dtype=np.int64)
    items = np.asarray(bt["posItems"], dtype=np.int64)
    b = len(users)
    arr = lambda k, dtype=np.float32: None if bt.get(k) is None else np.asarray(bt[k], dtype=dtype)
    extra = arr("extraItems", np.int64)
    tb = TrainBatch(
        users=users, pos_items=items, lo=0, hi=b, size=b,
        neg_items=arr("negItems", np.int64), per_positive=int(bt.get("negPerPositive") or (len(bt["negItems"]) // b if bt.get("negItems") else 0)),
        logq=arr("logQ"), hit_mask=None if bt.get("hitMask") is None else np.asarray(bt["hitMask"], dtype=bool).reshape(b, b),
        extra_items=extra, extra_logq=arr("extraLogQ"), extra_mask=None if bt.get("extraMask") is None else np.asarray(bt["extraMask"], dtype=bool).reshape(b, -1),
        neg_logq=arr("negLogQ"), pos_logq=arr("posLogQ"),
    )
    dist = Distributed("cpu")
    loss, _ = TrainStep(model, model, optimizer, loss_spec_from_config(config), dist, np.random.default_rng(0)).run(tb, False)
    out = model_weights(model, optimizer, [1, 0, 0, 0])
    return {"loss": loss, "weights": {k: v.reshape(-1).tolist() for k, v in out.items() if k != "rng/dropout"}}


def sampling_case(c: dict) -> dict:
    """The deterministic parts of src/core/sampling: logQ probabilities, groupings, masks, targets, mining."""
    from .sampling.hard import mine_hard_negatives
    from .sampling.logq import CountsCorrection, SampledColumnCorrection, StreamingFrequencyEstimator, appearance_probability
    from .sampling.popularity import gini, head_item_mask, popularity_deciles
    from .sampling.positives import UserPositiveIndex, accidental_hit_mask
    from .sampling.rebalance import rebalance_targets

    what = c["what"]
    if what == "appearance":
        return {"p": appearance_probability(np.asarray(c["q"], dtype=np.float64), c["draws"]).tolist()}
    if what == "counts":
        corr = CountsCorrection(c["counts"], int(c["batchSize"]))
        return {"p": corr.item_probabilities().tolist(), "logQ": corr.log_q(np.arange(len(c["counts"]))).astype(np.float64).tolist()}
    if what == "sampledColumns":
        corr = SampledColumnCorrection(c["probabilities"], c["draws"])
        return {"logQ": corr.log_q(np.arange(len(c["probabilities"]))).astype(np.float64).tolist()}
    if what == "streaming":
        est = StreamingFrequencyEstimator(int(c["itemCount"]), c.get("rate", 0.05), c.get("buckets"))
        for step, items in enumerate(c["batches"]):
            est.observe(np.asarray(items, dtype=np.int64), step)
        return {"p": est.item_probabilities().tolist(), "logQ": est.log_q(np.arange(int(c["itemCount"]))).astype(np.float64).tolist()}
    if what == "popularity":
        clicks = np.asarray(c["itemClicks"], dtype=np.float64)
        return {"deciles": popularity_deciles(clicks).tolist(), "head": head_item_mask(clicks).tolist(), "gini": gini(clicks[1:])}
    if what == "hitMask":
        idx = UserPositiveIndex(c["positives"]["users"], c["positives"]["items"], int(c["userCount"]), int(c["itemCount"]))
        return {"mask": accidental_hit_mask(idx, np.asarray(c["batch"]["users"]), np.asarray(c["batch"]["items"])).astype(np.uint8).reshape(-1).tolist()}
    if what == "rebalanceTargets":
        return {"targets": rebalance_targets(np.asarray(c["counts"], dtype=np.float64), c["cfg"]).tolist()}
    if what == "mine":
        idx = UserPositiveIndex(c["positives"]["users"], c["positives"]["items"], int(c["userCount"]), int(c["itemCount"]))
        ranking = {int(u): r for u, r in c["rankings"].items()}
        top = lambda users, k: np.asarray([ranking[int(u)][:k] for u in users], dtype=np.int64)
        pools = mine_hard_negatives(idx, top, int(c["topK"]), [tuple(b) for b in c["bands"]])
        return {"offsets": pools.offsets.tolist(), "items": pools.items.tolist(), "bandYields": pools.band_yields}
    raise ValueError(f"conformance: unknown sampling function '{what}'")


CASES = {"loss": loss_case, "metrics": metrics_case, "per_user_file": per_user_file_case, "step": step_case, "sampling": sampling_case}


def main() -> int:
    import torch

    torch.set_num_threads(1)
    request = json.load(sys.stdin)
    results = []
    for case in request["cases"]:
        try:
            results.append(CASES[case["fn"]](case))
        except Exception as exc:  # noqa: BLE001  (one bad case must not hide the answers to the others)
            results.append({"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc(limit=6)})
    json.dump({"results": results}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
