"""One optimiser step on one rank (src/core/train/step.ts): both towers on the rank's rows, the loss,
backward, then the optimiser: dense layers in full (DDP averages their gradients), tables lazily on
the rows the global batch touched. Tables have sparse gradients and stay out of DDP: the ranks
exchange only the rows they touched (one all_gather with the loss and the stop flag), so a step costs
the batch's rows whatever the catalogue's size, and every rank updates the union of the rows, as
one process with the whole batch would.

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
        self.tables = list(model.user.tables) + list(model.item.tables)
        self.user_tables = len(model.user.tables)

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
        grads = [self._table_grad(t) for t in self.tables]
        if self.dist.distributed:
            total, stop, grads = self._exchange(local, stop_here, grads, tb)
        else:
            total, stop = local, stop_here
        if not math.isfinite(total):
            return total, stop
        opt = self.optimizer
        opt.begin_step()
        for p in self.dense:
            opt.update_dense(p)
        for table, (rows, values) in zip(self.tables, grads):
            opt.update_rows(table, rows, values)
        return total, stop

    @staticmethod
    def _table_grad(table: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """(distinct rows, their summed gradient rows) of a table's sparse gradient."""
        g = table.grad
        if g is None:
            return torch.zeros(0, dtype=torch.long, device=table.device), table.new_zeros((0, table.shape[1]))
        g = g.coalesce()
        return g.indices()[0], g.values()

    def _exchange(self, local: float, stop_here: bool, grads, tb: TrainBatch):
        """Every rank's loss, stop flag and touched table rows, in one all_gather: each rank sends
        [loss, stop, rows per table, then per table its rows as (row id, gradient row)], padded to the
        most any rank can touch (its lookups: ⌈B/W⌉ users; ⌈B/W⌉·(1 + n) + B′ items)."""
        dist = self.dist
        s = math.ceil(tb.size / dist.world)
        n = tb.per_positive if tb.neg_items is not None else 0
        extra = len(tb.extra_items) if tb.extra_items is not None else 0
        widths = [1 + t.shape[1] for t in self.tables]
        caps = [min(t.shape[0], s if k < self.user_tables else s * (1 + n) + extra) for k, t in enumerate(self.tables)]
        head = 2 + len(self.tables)
        packed = np.zeros(head + sum(c * w for c, w in zip(caps, widths)))
        packed[0], packed[1] = local, 1.0 if stop_here else 0.0
        at = head
        for k, ((rows, values), w, cap) in enumerate(zip(grads, widths, caps)):
            packed[2 + k] = len(rows)
            block = packed[at : at + cap * w].reshape(cap, w)
            block[: len(rows), 0] = rows.cpu().numpy()
            block[: len(rows), 1:] = values.detach().cpu().numpy()
            at += cap * w
        parts = dist.gather_vectors(packed)
        total = float(sum(p[0] for p in parts))
        stop = any(p[1] > 0 for p in parts)
        out = []
        at = head
        for k, (table, w, cap) in enumerate(zip(self.tables, widths, caps)):
            both = np.concatenate([p[at : at + cap * w].reshape(cap, w)[: int(p[2 + k])] for p in parts])
            at += cap * w
            rows = torch.from_numpy(both[:, 0].astype(np.int64)).to(table.device)
            values = torch.from_numpy(both[:, 1:].astype(np.float32)).to(table.device)
            # The sum over ranks, then DDP's average, as for the dense layers.
            g = torch.sparse_coo_tensor(rows.unsqueeze(0), values, table.shape).coalesce()
            out.append((g.indices()[0], g.values() / dist.world))
        return total, stop, out
