"""A sum over ranks on gloo: all_reduce against the all_gather + local sum that distributed.py's
sum_tensor (and the DDP hook) use for small tensors, side by side in one run, alternating windows.

Run: /usr/bin/python3 -m torch.distributed.run --nnodes=1 --nproc_per_node=2 --redirects 1 --tee 1 \
       --rdzv_backend=c10d --rdzv_endpoint=127.0.0.1:29650 bench/gloo_sums.py
(cwd the repository; torch 1.13 needs the --redirects/--tee flags; OMP_NUM_THREADS=1 is set here). Rank 0 prints ms per sum, medians of 5 windows."""
import os
import statistics
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))

import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402

from two_tower_lab.distributed import Distributed  # noqa: E402

SIZES = [16, 16_384, 36_000, 131_072]  # 36k floats: the reference model's dense layers
WINDOWS, CALLS = 5, 200


def per_call_ms(fn) -> float:
    dist.barrier()
    t0 = time.perf_counter()
    for _ in range(CALLS):
        fn()
    return (time.perf_counter() - t0) / CALLS * 1e3


def main():
    torch.set_num_threads(1)
    d = Distributed("cpu")
    if d.is_main:
        print(f"load average {os.getloadavg()[0]:.2f}; {d.world} gloo ranks, {CALLS} sums per window, median of {WINDOWS} windows")
        print("| floats | all_reduce ms | all_gather + sum ms | ratio |\n|---:|---:|---:|---:|")
    for size in SIZES:
        t = torch.ones(size)
        for _ in range(20):
            dist.all_reduce(t.clone())
        reduce_ms, gather_ms = [], []
        for _ in range(WINDOWS):
            reduce_ms.append(per_call_ms(lambda: dist.all_reduce(t.clone())))
            gather_ms.append(per_call_ms(lambda: d.sum_tensor(t.clone())))
        r, g = statistics.median(reduce_ms), statistics.median(gather_ms)
        if d.is_main:
            print(f"| {size:,} | {r:.3f} | {g:.3f} | {r / g:.2f}× |", flush=True)
    if d.is_main:
        print(f"load average {os.getloadavg()[0]:.2f} at the end")
    d.close()


if __name__ == "__main__":
    main()
