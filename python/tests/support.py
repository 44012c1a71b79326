"""Shared test helpers: the torch skip, one thread, and tiny fixtures."""
import os
import unittest

os.environ.setdefault("OMP_NUM_THREADS", "1")

try:
    import torch

    torch.set_num_threads(1)
except ImportError:  # the machine has no torch: those tests say so and skip
    torch = None

requires_torch = unittest.skipIf(torch is None, "no torch")


def chi_square(observed, probabilities, draws):
    """Pearson's statistic against expected probabilities; cells with p = 0 must stay empty (test/unit/sampling/fixtures.ts)."""
    stat, df, zero_hits = 0.0, -1, 0
    for k, p in enumerate(probabilities):
        e = p * draws
        if e == 0:
            zero_hits += observed[k]
            continue
        df += 1
        stat += (observed[k] - e) ** 2 / e
    return stat, df, zero_hits


def zipf_clicks(item_count, s):
    """Item i (1-based) gets round(1000 / i^s) clicks, at least 1; item 0 is the OOV row."""
    import numpy as np

    c = np.zeros(item_count)
    for i in range(1, item_count):
        c[i] = max(1, round(1000 / i**s))
    return c
