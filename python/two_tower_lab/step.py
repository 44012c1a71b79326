"""One optimiser step on one rank (src/core/train/step.ts): both towers on the rank's rows, the loss,
backward (DDP averages the gradients), then the optimiser: dense layers in full, tables lazily on the
rows the global batch touched.

Each rank's loss is its rows' mean weighted by W·b_r/B, so DDP's average of the W gradients is the
gradient of the global batch's mean, whatever the shard sizes (the last batch of an epoch may not
split evenly, and a rank may get no row at all).
"""
import math
from typing import Optional, Tuple

import numpy as np
import torch

from .batches import TrainBatch
from .distributed import Distributed
from .losses import LossInputs, LossSpec, compute_loss
from .model import TwoTowerModel
from .optimizer import Optimizer


def _tensor(a: Optional[np.ndarray], device, dtype=None) -> Optional[torch.Tensor]:
    if a is None:
        return None
    t = torch.from_numpy(np.ascontiguousarray(a))
    if dtype is not None:
        t = t.to(dtype)
    return t.to(device)


class TrainStep:
    def __init__(self, model: TwoTowerModel, forward, optimizer: Optimizer, spec: LossSpec, dist: Distributed, dropout_rng: np.random.Generator):
        self.model = model
        # The DDP wrapper when distributed, else the model itself.
        self.forward = forward
        self.optimizer = optimizer
        self.spec = spec
        self.dist = dist
        self.dropout_rng = dropout_rng
        self.dense = [p for layer in list(model.user.dense) + list(model.item.dense) for p in (layer.weight, layer.bias)]

    def _masks(self, tb: TrainBatch, n: int, extra: int):
        """Dropout masks drawn for the global batch (users, then items: positives, negatives, extra), the rank's rows kept."""
        device = self.dist.device
        b, lo, hi = tb.size, tb.lo, tb.hi
        um = self.model.user.dropout_masks(b, self.dropout_rng)
        im = self.model.item.dropout_masks(b + b * n + extra, self.dropout_rng)
        user_masks = None if um is None else [torch.from_numpy(m[lo:hi]).to(device) for m in um]
        item_masks = None
        if im is not None:
            rows = np.concatenate([np.arange(lo, hi), b + np.arange(lo * n, hi * n), b + b * n + np.arange(extra)]).astype(np.int64)
            item_masks = [torch.from_numpy(m[rows]).to(device) for m in im]
        return user_masks, item_masks

    def run(self, tb: TrainBatch, stop_here: bool) -> Tuple[float, bool]:
        """Runs one step; returns (the global batch's mean loss, whether any rank asked to stop).
        A non-finite loss is returned without updating anything."""
        device = self.dist.device
        n = tb.per_positive if tb.neg_items is not None else 0
        extra = len(tb.extra_items) if tb.extra_items is not None else 0
        rows = tb.hi - tb.lo
        parts = [tb.pos_items] + ([tb.neg_items] if n else []) + ([tb.extra_items] if extra else [])
        items = np.concatenate(parts).astype(np.int64)
        user_masks, item_masks = self._masks(tb, n, extra)
        u, v = self.forward(_tensor(tb.users.astype(np.int64), device), _tensor(items, device), user_masks, item_masks)
        v_pos = v[:rows]
        v_neg = v[rows : rows + rows * n] if n else None
        v_extra = v[rows + rows * n :] if extra else None
        v_cols = self.dist.gather_rows(v_pos, tb.size) if self.spec.mode == "listwise" and self.spec.in_batch else None
        if rows > 0:
            f32 = torch.float32
            loss = compute_loss(
                self.spec,
                LossInputs(
                    u=u, v_pos=v_pos, v_neg=v_neg, per_positive=n, v_cols=v_cols,
                    targets=torch.arange(tb.lo, tb.hi, device=device) if v_cols is not None else None,
                    logq=_tensor(tb.logq, device, f32), hit_mask=_tensor(tb.hit_mask, device),
                    v_extra=v_extra, extra_logq=_tensor(tb.extra_logq, device, f32), extra_mask=_tensor(tb.extra_mask, device),
                    neg_logq=_tensor(tb.neg_logq, device, f32), pos_logq=_tensor(tb.pos_logq, device, f32),
                ),
            )
        else:
            # No row here: a zero that still reaches every parameter and the gathered columns, so
            # DDP's all-reduce and the gather's backward run on this rank too.
            loss = (u.sum() + v.sum() + (v_cols.sum() if v_cols is not None else 0)) * 0.0
        share = rows / tb.size
        self.optimizer.zero_grad()
        (loss * (share * self.dist.world)).backward()
        local = float(loss.detach()) * share
        if self.dist.distributed:
            # One collective for the loss, the stop flag and the negatives each rank drew for its rows.
            s = math.ceil(tb.size / self.dist.world) * n
            negs = np.full(s, -1.0)
            if n:
                negs[: rows * n] = tb.neg_items
            gathered = self.dist.gather_vectors(np.concatenate([[local, 1.0 if stop_here else 0.0], negs]))
            total = float(sum(g[0] for g in gathered))
            stop = any(g[1] > 0 for g in gathered)
            all_negs = np.concatenate([g[2:][g[2:] >= 0] for g in gathered]).astype(np.int64) if n else None
        else:
            total, stop = local, stop_here
            all_negs = tb.neg_items.astype(np.int64) if n else None
        if not math.isfinite(total):
            return total, stop
        self._update(tb, all_negs)
        return total, stop

    @torch.no_grad()
    def _update(self, tb: TrainBatch, all_negs: Optional[np.ndarray]) -> None:
        device = self.dist.device
        opt = self.optimizer
        opt.begin_step()
        for p in self.dense:
            opt.update_dense(p)
        touched = [tb.all_items] + ([all_negs] if all_negs is not None else []) + ([tb.extra_items] if tb.extra_items is not None else [])
        for tower, entities in ((self.model.user, tb.all_users), (self.model.item, np.concatenate(touched))):
            rows = tower.table_rows(torch.from_numpy(np.asarray(entities, dtype=np.int64)).to(device))
            for table, r in zip(tower.tables, rows):
                opt.update_rows(table, r)
