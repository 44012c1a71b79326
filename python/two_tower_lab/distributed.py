"""The process group of a run: who this worker is, how a global batch is cut, and the few collectives
the loop needs besides DDP's gradient averaging.

Launched by torchrun, a worker finds RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and MASTER_PORT in its
environment (env://). gloo on CPU, nccl on CUDA (one GPU per process, LOCAL_RANK). One process
(WORLD_SIZE 1 or unset) makes no process group at all.
"""
import datetime
import math
import os
from typing import List, Tuple

import numpy as np
import torch
import torch.distributed as dist

DEVICE_ENV = "TWO_TOWER_LAB_DEVICE"
# Rank 0 evaluates while the others wait; evaluation of a large catalogue takes minutes, not hours.
TIMEOUT = datetime.timedelta(minutes=int(os.environ.get("TWO_TOWER_LAB_TIMEOUT_MIN", "60")))
# A sum over ranks of at most this many bytes gathered (W × the tensor) is an all_gather and a local
# sum on gloo: one round trip, where gloo's all_reduce takes several. Small sums are latency-bound:
# measured on 2 gloo processes of a 2-core machine, 16 floats all_reduce 2.1 ms against all_gather
# 0.8 ms, 131k floats 2.8 against 1.5 ms (docs/benchmarks.md). Larger sums stay all_reduce, which
# moves each byte once instead of W times.
GATHER_SUM_MAX_BYTES = 8 << 20


def pick_device(preference: str) -> torch.device:
    """`auto`: CUDA when torch finds a GPU, else CPU; `cuda` without a GPU is an error that says so."""
    if preference not in ("auto", "cpu", "cuda"):
        raise ValueError(f"{DEVICE_ENV} / training.engine_options.device is '{preference}'; use auto, cpu or cuda.")
    if preference == "cpu" or (preference == "auto" and not torch.cuda.is_available()):
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise ValueError(
            f"training.engine_options.device is `cuda`, but this torch ({torch.__version__}) finds no CUDA device. "
            "Use `device: auto` or `cpu`, or install a CUDA build of torch (`two-tower-lab doctor` says what this machine has)."
        )
    local = int(os.environ.get("LOCAL_RANK", "0"))
    if local >= torch.cuda.device_count():
        raise ValueError(f"Worker with LOCAL_RANK {local} has no GPU: torch finds {torch.cuda.device_count()}. Give at most that many processes per node.")
    torch.cuda.set_device(local)
    return torch.device("cuda", local)


class Distributed:
    def __init__(self, device_preference: str = "auto"):
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        self.device = pick_device(os.environ.get(DEVICE_ENV) or device_preference)
        self.backend = "nccl" if self.device.type == "cuda" else "gloo"
        self.gather_group = None
        if self.world > 1:
            dist.init_process_group(self.backend, init_method="env://", timeout=TIMEOUT)
            # The in-batch columns' all_gather (and its backward) gets a group of its own, so it never
            # interleaves with DDP's gradient all-reduce on the default group.
            self.gather_group = dist.new_group(list(range(self.world)))

    @property
    def distributed(self) -> bool:
        return self.world > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def shard(self, b: int) -> Tuple[int, int]:
        """Rows [lo, hi) of a global batch of b: ⌈b/W⌉ rows per rank, the last ranks fewer (or none)."""
        return shard_of(self.rank, self.world, b)

    def gather_rows(self, x: torch.Tensor, b: int) -> torch.Tensor:
        """The b×d rows of every rank in rank order, with gradient (the global batch's in-batch columns).

        Backward sums every rank's gradient of the gathered rows with one all_reduce and keeps this
        rank's slice: the gradient of the global loss w.r.t. the rows this rank computed (one
        collective, where torch.distributed.nn.functional.all_gather's gloo path takes W scatters)."""
        if not self.distributed:
            return x
        return _GatherRows.apply(x, self, b)

    def sum_tensor(self, t: torch.Tensor, group=None) -> torch.Tensor:
        """Elementwise sum over ranks of a tensor (in place where it can be), the same bits on every
        rank; see GATHER_SUM_MAX_BYTES for how."""
        if not self.distributed:
            return t
        if not self._gathers_sum(t):
            dist.all_reduce(t, group=group)
            return t
        parts = [torch.empty_like(t) for _ in range(self.world)]
        dist.all_gather(parts, t.contiguous(), group=group)
        return _sum_in_rank_order(parts)

    def _gathers_sum(self, t: torch.Tensor) -> bool:
        return self.backend == "gloo" and t.numel() * t.element_size() * self.world <= GATHER_SUM_MAX_BYTES

    def ddp_comm_hook(self):
        """DDP's gradient averaging with sum_tensor's collective (for gloo; nccl keeps DDP's own all_reduce)."""
        d = self

        def gather_mean(process_group, bucket):
            t = bucket.buffer()
            if not d._gathers_sum(t):
                t.div_(d.world)
                return dist.all_reduce(t, group=process_group, async_op=True).get_future().then(lambda fut: fut.value()[0])
            parts = [torch.empty_like(t) for _ in range(d.world)]
            work = dist.all_gather(parts, t, group=process_group, async_op=True)
            return work.get_future().then(lambda _fut: _sum_in_rank_order(parts).div_(d.world))

        return gather_mean

    def sum(self, values: np.ndarray) -> np.ndarray:
        """Elementwise sum over ranks (float64)."""
        if not self.distributed:
            return np.asarray(values, dtype=np.float64)
        t = torch.as_tensor(np.asarray(values, dtype=np.float64), device=self._collective_device())
        dist.all_reduce(t)
        return t.cpu().numpy()

    def gather_vectors(self, values: np.ndarray) -> List[np.ndarray]:
        """Every rank's float64 vector (all the same length), in rank order."""
        if not self.distributed:
            return [np.asarray(values, dtype=np.float64)]
        t = torch.as_tensor(np.asarray(values, dtype=np.float64), device=self._collective_device())
        out = [torch.empty_like(t) for _ in range(self.world)]
        dist.all_gather(out, t)
        return [o.cpu().numpy() for o in out]

    def broadcast(self, obj):
        """Rank 0's object on every rank (pickled)."""
        if not self.distributed:
            return obj
        box = [obj]
        dist.broadcast_object_list(box, src=0)
        return box[0]

    def barrier(self) -> None:
        if self.distributed:
            dist.barrier()

    def close(self) -> None:
        if self.distributed and dist.is_initialized():
            dist.destroy_process_group()

    def _collective_device(self):
        return self.device if self.backend == "nccl" else torch.device("cpu")


class _GatherRows(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor, d: "Distributed", b: int) -> torch.Tensor:
        s = math.ceil(b / d.world)
        pad = s - x.shape[0]
        padded = torch.cat([x, x.new_zeros((pad, x.shape[1]))]) if pad > 0 else x.contiguous()
        parts = [torch.empty_like(padded) for _ in range(d.world)]
        dist.all_gather(parts, padded, group=d.gather_group)
        ctx.d, ctx.lo, ctx.hi = d, *d.shard(b)
        return torch.cat([parts[k][: max(0, min(s, b - k * s))] for k in range(d.world)])

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        grad = ctx.d.sum_tensor(grad.contiguous().clone(), group=ctx.d.gather_group)
        return grad[ctx.lo : ctx.hi], None, None


def _sum_in_rank_order(parts: List[torch.Tensor]) -> torch.Tensor:
    """parts[0] + parts[1] + … in that order: every rank adds the same numbers in the same order, so
    every rank's parameters stay bit-identical."""
    total = parts[0]
    for p in parts[1:]:
        total.add_(p)
    return total


PEER_FAILURE_MARKERS = ("Connection closed by peer", "Connection reset by peer", "Broken pipe", "gloo", "Gloo", "NCCL", "Socket Timeout", "Timed out", "connection refused", "Connection refused")


def is_peer_failure(exc: BaseException) -> bool:
    """Whether an error came out of a collective because another rank is gone (the front door then
    names the rank that died; rank 0 must not write its own `ended` first)."""
    text = f"{type(exc).__name__}: {exc}"
    return isinstance(exc, RuntimeError) and any(m in text for m in PEER_FAILURE_MARKERS)


def shard_of(rank: int, world: int, b: int) -> Tuple[int, int]:
    s = math.ceil(b / world)
    lo = min(rank * s, b)
    return lo, min(lo + s, b)

