"""Per-user evaluation values, `<run>/eval/epoch-<N>.bin`: the Python half of the one spec in
src/core/eval/perUser.ts (its header comment gives the layout; test/conformance checks both halves).

    bytes 0..7  magic TTLPUEV1 · uint32 LE header length H · H bytes of JSON header padded with spaces
    to a multiple of 8 (with the 12 before it) · n int32 user rows (+4 zero bytes when n is odd) ·
    columns × n float64, column by column.
"""
import json
import os
from typing import List, Sequence

import numpy as np

PER_USER_FORMAT = "two-tower-lab/per-user-eval@1"
PER_USER_MAGIC = b"TTLPUEV1"
PER_USER_DIR = "eval"


def per_user_file_name(epoch: int) -> str:
    return f"epoch-{int(epoch)}.bin"


def per_user_columns(ks: Sequence[int], metrics) -> List[str]:
    """perUserColumns of perUser.ts: for each K ascending recall@K, ndcg@K, hit_rate@K (when configured); then mrr."""
    want = set(metrics)
    out = []
    for k in sorted(int(k) for k in ks):
        for m in ("recall", "ndcg", "hit_rate"):
            if m in want:
                out.append(f"{m}@{k}")
    if "mrr" in want:
        out.append("mrr")
    return out


def encode_per_user(epoch: int, users, columns: Sequence[str], values) -> bytes:
    users = np.ascontiguousarray(users, dtype="<i4")
    n = len(users)
    if len(values) != len(columns) or any(len(v) != n for v in values):
        raise ValueError(f"Per-user values: {len(columns)} columns for {len(values)} arrays and {n} users; they must agree.")
    # Compact, keys in this order: the same bytes as JSON.stringify on the TypeScript side.
    header = json.dumps({"format": PER_USER_FORMAT, "epoch": int(epoch), "users": n, "columns": list(columns)}, separators=(",", ":")).encode("utf-8")
    header += b" " * ((-(12 + len(header))) % 8)
    parts = [PER_USER_MAGIC, np.uint32(len(header)).astype("<u4").tobytes(), header, users.tobytes()]
    if n % 2 == 1:
        parts.append(b"\0" * 4)
    parts += [np.ascontiguousarray(v, dtype="<f8").tobytes() for v in values]
    return b"".join(parts)


def decode_per_user(data: bytes, file: str = "per-user file"):
    """(epoch, users, columns, values) of a file written by either engine."""

    def fail(problem):
        raise ValueError(f"{file}: {problem}. It is not a complete per-user evaluation file ({PER_USER_FORMAT}).")

    if len(data) < 12 or data[:8] != PER_USER_MAGIC:
        fail(f"does not start with {PER_USER_MAGIC.decode()}")
    h = int(np.frombuffer(data, dtype="<u4", count=1, offset=8)[0])
    header = json.loads(data[12 : 12 + h].decode("utf-8"))
    if header.get("format") != PER_USER_FORMAT:
        fail(f"its format is {header.get('format')!r}")
    n, columns = int(header["users"]), list(header["columns"])
    rows_at = 12 + h
    values_at = rows_at + 4 * n + (4 if n % 2 == 1 else 0)
    if len(data) != values_at + 8 * n * len(columns):
        fail(f"it has {len(data)} bytes, its header ({n} users × {len(columns)} columns) needs {values_at + 8 * n * len(columns)}")
    users = np.frombuffer(data, dtype="<i4", count=n, offset=rows_at).astype(np.int32)
    values = [np.frombuffer(data, dtype="<f8", count=n, offset=values_at + 8 * n * c).astype(np.float64) for c in range(len(columns))]
    return int(header["epoch"]), users, columns, values


def write_per_user_eval(run_dir: str, epoch: int, users, columns, values) -> str:
    """Writes `<run_dir>/eval/epoch-<epoch>.bin` whole (temporary name, then rename)."""
    from .checkpoint import write_file_atomic

    directory = os.path.join(run_dir, PER_USER_DIR)
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, per_user_file_name(epoch))
    write_file_atomic(path, encode_per_user(epoch, users, columns, values))
    return path
