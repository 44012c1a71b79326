"""The peer of bench/data-scale.ts, one thread: pandas read_csv of the interactions log, and full-corpus
top-K of user × item vectors by numpy (matmul in blocks + argpartition, then a sort of the K).

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 data_scale_peer.py load FILE.csv
    ... data_scale_peer.py eval USERS.f32 ITEMS.f32 DIM K

Prints one JSON line: {"sec": …, "maxRssMB": …} (load) or {"sec": …, "checksum": …} (eval).
"""
import json
import resource
import sys
import time

import numpy as np


def max_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def load(path):
    import pandas as pd
    began = time.perf_counter()
    frame = pd.read_csv(path)
    sec = time.perf_counter() - began
    print(json.dumps({"sec": sec, "rows": int(len(frame)), "maxRssMB": max_rss_mb()}))


def evaluate(users_path, items_path, dim, k, block=1024):
    users = np.fromfile(users_path, dtype=np.float32).reshape(-1, dim)
    items = np.fromfile(items_path, dtype=np.float32).reshape(-1, dim)
    began = time.perf_counter()
    checksum = 0
    for start in range(0, len(users), block):
        scores = users[start:start + block] @ items.T
        scores[:, 0] = -np.inf  # the OOV row, as ours
        top = np.argpartition(-scores, k, axis=1)[:, :k]
        order = np.take_along_axis(scores, top, axis=1).argsort(axis=1)[:, ::-1]
        best = np.take_along_axis(top, order, axis=1)
        checksum += int(best[:, 0].sum())
    sec = time.perf_counter() - began
    print(json.dumps({"sec": sec, "checksum": checksum}))


if __name__ == "__main__":
    if sys.argv[1] == "load":
        load(sys.argv[2])
    else:
        evaluate(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
