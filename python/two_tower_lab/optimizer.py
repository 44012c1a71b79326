"""The optimisers of src/core/train/optimizer.ts, with their defaults and their lazy table update.

Dense parameters get the usual update; embedding tables only on the rows the batch touched (as TF's
LazyAdam): moments of untouched rows stay as they are. Adam folds the bias correction into the step
size as tf.train.adam does (ε = 1e-7 added to √v, not to √v̂), so the two engines take the same steps.
Under DDP every rank applies the same update to the averaged gradient, so replicas stay identical.
"""
import math
from typing import Dict, List

import torch

from .names import SLOT_NAMES


class Optimizer:
    def __init__(self, kind: str, learning_rate: float, params: List[torch.nn.Parameter], beta1=0.9, beta2=0.999, epsilon=1e-7, initial_accumulator=0.1):
        if not learning_rate > 0:
            raise ValueError(f"training.learning_rate must be > 0, got {learning_rate}.")
        if kind not in SLOT_NAMES:
            raise ValueError(f"training.optimizer: '{kind}' is not one of {', '.join(SLOT_NAMES)}.")
        self.kind = kind
        self.slot_names = SLOT_NAMES[kind]
        self.lr = float(learning_rate)
        self.b1, self.b2, self.eps = beta1, beta2, epsilon
        self.step = 0
        self._step_size = 0.0
        self.params = list(params)
        init = 0.0 if kind == "adam" else initial_accumulator
        self.slots: Dict[int, List[torch.Tensor]] = {id(p): [torch.full_like(p, init, memory_format=torch.contiguous_format) for _ in self.slot_names] for p in self.params}

    def slots_of(self, p: torch.nn.Parameter) -> List[torch.Tensor]:
        return self.slots[id(p)]

    def begin_step(self) -> None:
        self.step += 1
        if self.kind == "adam":
            self._step_size = self.lr * math.sqrt(1 - self.b2**self.step) / (1 - self.b1**self.step)

    @torch.no_grad()
    def _apply(self, w: torch.Tensor, slots: List[torch.Tensor], g: torch.Tensor) -> None:
        if self.kind == "adam":
            m, v = slots
            m.mul_(self.b1).add_(g, alpha=1 - self.b1)
            v.mul_(self.b2).addcmul_(g, g, value=1 - self.b2)
            w.addcdiv_(m, v.sqrt().add_(self.eps), value=-self._step_size)
        else:
            (acc,) = slots
            acc.addcmul_(g, g)
            w.addcdiv_(g, acc.sqrt().add_(self.eps), value=-self.lr)

    @torch.no_grad()
    def update_dense(self, p: torch.nn.Parameter) -> None:
        if p.grad is not None:
            self._apply(p.data, self.slots[id(p)], p.grad)

    @torch.no_grad()
    def update_rows(self, p: torch.nn.Parameter, rows: torch.Tensor, grads: torch.Tensor) -> None:
        """The lazy update of table rows `rows` (distinct) with their summed gradients (rows × dim)."""
        if rows.numel() == 0:
            return
        slots = self.slots[id(p)]
        w = p.data[rows]
        s = [t[rows] for t in slots]
        self._apply(w, s, grads)
        p.data[rows] = w
        for t, new in zip(slots, s):
            t[rows] = new

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def state(self) -> Dict[str, object]:
        return {"kind": self.kind, "step": self.step, "slots": [[t.detach().cpu().clone() for t in self.slots[id(p)]] for p in self.params]}

    def load_state(self, state: Dict[str, object]) -> None:
        if state["kind"] != self.kind:
            raise ValueError(f"The checkpoint was written with the {state['kind']} optimiser, this run uses {self.kind}. Start a fresh run instead of --resume.")
        self.step = int(state["step"])
        for p, saved in zip(self.params, state["slots"]):
            for t, s in zip(self.slots[id(p)], saved):
                t.copy_(s)


def make_optimizer(training: dict, params, **kw) -> Optimizer:
    return Optimizer(training["optimizer"], float(training["learning_rate"]), params, **kw)

