#!/usr/bin/python3
"""PyTorch peer of bench/train-throughput.ts: the same reference two-tower model (PERFORMANCE.md) trained
with in-batch softmax on random data, one thread. Prints one JSON object per batch size on stdout.
Run with Debian's /usr/bin/python3 (python3-torch 1.13; libopenblas0-pthread makes it use OpenBLAS)."""
import argparse
import json
import os
import statistics
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

USERS, ITEMS = 6040, 3706
ID_DIM, CAT_VALUES, CAT_DIM, CONT = 32, 20, 8, 2
HIDDEN, OUT, TAU, LR = [128, 64], 64, 0.05, 1e-3


class Tower(torch.nn.Module):
    def __init__(self, rows):
        super().__init__()
        self.id = torch.nn.Embedding(rows, ID_DIM)
        self.cats = torch.nn.ModuleList([torch.nn.Embedding(CAT_VALUES + 1, CAT_DIM) for _ in range(2)])
        dims = [ID_DIM + 2 * CAT_DIM + CONT] + HIDDEN
        self.hidden = torch.nn.ModuleList([torch.nn.Linear(a, b) for a, b in zip(dims, dims[1:])])
        self.out = torch.nn.Linear(dims[-1], OUT)

    def forward(self, ids, cat_values, cont_values):
        x = torch.cat([self.id(ids)] + [e(cat_values[ids, k]) for k, e in enumerate(self.cats)] + [cont_values[ids]], dim=1)
        for layer in self.hidden:
            x = F.relu(layer(x))
        return F.normalize(self.out(x), dim=1)


class Trainer:
    """One model and optimiser per batch size, as in the TypeScript bench."""

    def __init__(self, b, feats, g):
        self.b, self.feats, self.g = b, feats, g
        self.user, self.item = Tower(USERS), Tower(ITEMS)
        self.opt = torch.optim.Adam(list(self.user.parameters()) + list(self.item.parameters()), lr=LR)
        self.labels = torch.arange(b)

    def step(self):
        u_ids = torch.randint(0, USERS, (self.b,), generator=self.g)
        i_ids = torch.randint(0, ITEMS, (self.b,), generator=self.g)
        u = self.user(u_ids, *self.feats["user"])
        v = self.item(i_ids, *self.feats["item"])
        loss = F.cross_entropy(u @ v.t() / TAU, self.labels)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        return loss.item()

    def window(self, steps):
        """Examples per wall-clock second and per CPU second of this process (robust to other load)."""
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(steps):
            self.step()
        return steps * self.b / (time.perf_counter() - t0), steps * self.b / (time.process_time() - c0)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--batch-sizes", default="256,512,1024")
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--windows", type=int, default=7)
    p.add_argument("--steps", type=int, default=20, help="steps per timed window")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--serve", action="store_true", help="read 'B steps' lines on stdin, answer each with one timed window (for interleaving with the other trainer)")
    a = p.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(a.seed)
    g = torch.Generator().manual_seed(a.seed)
    feats = {
        "user": (torch.randint(0, CAT_VALUES + 1, (USERS, 2), generator=g), torch.randn(USERS, CONT, generator=g)),
        "item": (torch.randint(0, CAT_VALUES + 1, (ITEMS, 2), generator=g), torch.randn(ITEMS, CONT, generator=g)),
    }
    trainers = {}

    def trainer(b):
        if b not in trainers:
            trainers[b] = Trainer(b, feats, g)
            for _ in range(a.warmup):
                trainers[b].step()
        return trainers[b]

    if a.serve:
        print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
        for line in sys.stdin:
            b, steps = (int(x) for x in line.split())
            wall, cpu = trainer(b).window(steps)
            print(json.dumps({"batch": b, "examples_per_s": wall, "examples_per_cpu_s": cpu}), flush=True)
        return
    for b in [int(s) for s in a.batch_sizes.split(",")]:
        rates = [trainer(b).window(a.steps)[0] for _ in range(a.windows)]
        print(json.dumps({"batch": b, "examples_per_s": statistics.median(rates), "windows": [round(r) for r in rates], "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)


if __name__ == "__main__":
    main()
