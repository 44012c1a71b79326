"""Rank 0's side of the per-epoch ANN figures (src/trainer/torch/annEvalService.ts has the whole story).

usearch is in the front door's Node process, not here: rank 0 writes the evaluated users' vectors and
every item's into `<run>/ann-eval/request-<tag>.bin`, its exact top lists into `request-<tag>.top.bin`
(so the front door does not rank every item again) and `.json` (each whole, then renamed; the .json
last) and waits for `response-<tag>.json`, whose `ann_recall@K`, `ann/<metric>` and `index` go into the
`eval` event. It asks only when the front door said it answers (ANN_EVAL_ENV holds its pid), and it
stops waiting when that process is gone: the event then has the exact metrics only, as before.
"""

import json
import os
import time
from typing import List, Optional, Tuple

import numpy as np

from .checkpoint import write_file_atomic
from .names import ANN_EVAL_DIR, ANN_EVAL_ENV

POLL_SEC = 0.05
# An index of a few million items builds in minutes on two cores; an hour without an answer is a hang.
MAX_WAIT_SEC = 3600.0


def answering_pid() -> Optional[int]:
    """The front door's pid when it answers index requests, else None."""
    value = os.environ.get(ANN_EVAL_ENV, "")
    return int(value) if value.isdigit() else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def exact_top_lists(blocks: List[Tuple[np.ndarray, np.ndarray, np.ndarray]], k: int) -> Tuple[np.ndarray, np.ndarray]:
    """The (users, top) of an evaluation's blocks (metrics.evaluate_retrieval_per_user's `tops`): one
    row of k item rows per user, best first, −1 after the user's last rankable item."""
    if not blocks:
        return np.zeros(0, dtype=np.int32), np.zeros((0, k), dtype=np.int32)
    users = np.concatenate([u for u, _, _ in blocks]).astype(np.int32)
    top = np.full((len(users), k), -1, dtype=np.int32)
    at = 0
    for u, t, found in blocks:
        width = min(k, t.shape[1])
        inside = np.arange(width)[None, :] < found[:, None]
        top[at : at + len(u), :width] = np.where(inside, t[:, :width], -1)
        at += len(u)
    return users, top


def request_ann_figures(run_dir: str, epoch: int, final: bool, users: np.ndarray, user_vectors: np.ndarray,
                        item_vectors: np.ndarray, exact_top: Tuple[np.ndarray, np.ndarray], pid: int,
                        poll_sec: float = POLL_SEC, max_wait_sec: float = MAX_WAIT_SEC) -> Tuple[Optional[dict], Optional[str]]:
    """Asks the front door (process `pid`) for the figures through the index of `item_vectors`;
    `exact_top` is exact_top_lists' (users, top) of the same evaluation.

    Returns (answer, None) with answer = {"metrics": {...}, "index": {...}}, or (None, why not).
    """
    directory = os.path.join(run_dir, ANN_EVAL_DIR)
    os.makedirs(directory, exist_ok=True)
    tag = f"{epoch}-{'final' if final else 'epoch'}"
    request_bin = os.path.join(directory, f"request-{tag}.bin")
    request_top = os.path.join(directory, f"request-{tag}.top.bin")
    request_json = os.path.join(directory, f"request-{tag}.json")
    response = os.path.join(directory, f"response-{tag}.json")
    dim = int(item_vectors.shape[1])
    # A response left by a launch killed mid-exchange answered other vectors.
    if os.path.exists(response):
        os.remove(response)
    try:
        data = np.concatenate([np.ascontiguousarray(user_vectors, dtype="<f4").ravel(), np.ascontiguousarray(item_vectors, dtype="<f4").ravel()])
        write_file_atomic(request_bin, data.tobytes())
        top_users, top = exact_top
        write_file_atomic(request_top, np.ascontiguousarray(top, dtype="<i4").tobytes())
        write_file_atomic(request_json, json.dumps({
            "epoch": int(epoch), "final": bool(final), "users": [int(u) for u in users],
            "items": int(item_vectors.shape[0]), "dim": dim,
            "exactTop": {"users": [int(u) for u in top_users], "k": int(top.shape[1])},
        }))
        began = time.monotonic()
        while not os.path.exists(response):
            if not _alive(pid):
                return None, f"the front door (pid {pid}) that builds the index is gone"
            if time.monotonic() - began > max_wait_sec:
                return None, f"the front door (pid {pid}) did not answer the index request within {max_wait_sec:.0f} s"
            time.sleep(poll_sec)
        with open(response, "r", encoding="utf-8") as f:
            answer = json.load(f)
    finally:
        for leftover in (request_json, request_bin, request_top, response):
            if os.path.exists(leftover):
                os.remove(leftover)
    if "error" in answer:
        return None, str(answer["error"])
    return answer, None
