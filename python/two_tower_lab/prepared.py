"""The prepared arrays of a run (`<run>/prepared/`, written by src/trainer/torch/prepare.ts).

meta.json names every array with its dtype and shape; the `.npy` files are memory-mapped, so W
workers on one machine share one copy in the page cache. Nothing here parses user data: the
TypeScript loader did that, so the two engines cannot disagree about it.
"""
import json
import os
from dataclasses import dataclass
from typing import Dict, List, Optional

import numpy as np

from .names import PREPARED_DIR, PREPARED_FORMAT

DTYPES = {"int32": np.int32, "float32": np.float32, "float64": np.float64, "uint8": np.uint8}


@dataclass(frozen=True)
class Segment:
    """One input segment of a tower (towerInput.ts): an embedding table or one continuous value."""

    kind: str  # 'table' | 'value'
    name: str
    rows: int = 0
    dim: int = 0
    # table: the array of entity → table row (None: the entity index itself); value: the array of values.
    array: Optional[str] = None


@dataclass(frozen=True)
class TowerSpec:
    width: int
    segments: List[Segment]


class PreparedError(ValueError):
    """The prepared folder is missing, damaged, or from another version."""


class Prepared:
    def __init__(self, run_dir: str):
        self.dir = os.path.join(run_dir, PREPARED_DIR)
        meta_file = os.path.join(self.dir, "meta.json")
        try:
            with open(meta_file, encoding="utf-8") as f:
                meta = json.load(f)
        except FileNotFoundError:
            raise PreparedError(f"{meta_file} is missing: the run folder was not prepared by the front door (`two-tower-lab train --engine torch` writes it).") from None
        if meta.get("format") != PREPARED_FORMAT:
            raise PreparedError(f"{meta_file}: format {meta.get('format')!r} is not {PREPARED_FORMAT}; the front door and the workers are from different versions.")
        self.meta = meta
        self.run_id: str = meta["runId"]
        self.users: int = int(meta["users"])
        self.items: int = int(meta["items"])
        self.baseline: Dict[str, float] = dict(meta.get("baseline", {}))
        self.towers = {side: _tower(meta["towers"][side], side) for side in ("user", "item")}
        self._arrays: Dict[str, np.ndarray] = {}
        with open(os.path.join(self.dir, "config.json"), encoding="utf-8") as f:
            self.config: dict = json.load(f)

    def array(self, name: str) -> np.ndarray:
        """The array `name`, memory-mapped read-only, checked against meta.json."""
        if name in self._arrays:
            return self._arrays[name]
        entry = self.meta["arrays"].get(name)
        if entry is None:
            raise PreparedError(f"{self.dir}/meta.json names no array '{name}' (it has {', '.join(sorted(self.meta['arrays'])) or 'none'}).")
        path = os.path.join(self.dir, entry["file"])
        a = np.load(path, mmap_mode="r")
        if a.size == 0:
            a = np.load(path)  # numpy cannot memory-map an empty array on every version
        want = DTYPES[entry["dtype"]]
        if a.dtype != want or list(a.shape) != list(entry["shape"]):
            raise PreparedError(f"{path}: holds {a.dtype} {list(a.shape)}, meta.json says {entry['dtype']} {entry['shape']}; the prepared folder is damaged. Start a fresh run.")
        self._arrays[name] = a
        return a

    def has(self, name: str) -> bool:
        return name in self.meta["arrays"]

    @property
    def train_users(self) -> np.ndarray:
        return self.array("train_users")

    @property
    def train_items(self) -> np.ndarray:
        return self.array("train_items")

    @property
    def test_users(self) -> np.ndarray:
        return self.array("test_users")

    @property
    def test_items(self) -> np.ndarray:
        return self.array("test_items")

    @property
    def item_clicks(self) -> np.ndarray:
        return self.array("item_clicks")

    @property
    def item_decile(self) -> np.ndarray:
        return self.array("item_decile")

    @property
    def eval_users(self) -> np.ndarray:
        return self.array(self.meta.get("evalUsers", "eval_users"))

    def eval_sample(self):
        """(users, baseline) of the per-epoch sample (evaluation.sample_users), or None without one."""
        sample = self.meta.get("evalSample")
        if not sample:
            return None
        return self.array(sample["users"]), sample["baseline"]

    def hard_pools(self):
        """(offsets, items) of the ranking-log pools (CSR per user, already banded), or None."""
        pools = self.meta.get("hardPools")
        if not pools:
            return None
        return np.asarray(self.array(pools["offsets"]), dtype=np.int64), np.asarray(self.array(pools["items"]), dtype=np.int64)

    def ids(self, side: str) -> list:
        """The external ids of the user or item vocabulary (row 0 = out-of-vocabulary)."""
        name = self.meta["userIds" if side == "user" else "itemIds"]
        with open(os.path.join(self.dir, name), encoding="utf-8") as f:
            return json.load(f)

    def ids_file(self, side: str) -> str:
        return os.path.join(self.dir, self.meta["userIds" if side == "user" else "itemIds"])


def _tower(spec: dict, side: str) -> TowerSpec:
    segments = []
    for s in spec["segments"]:
        if s["kind"] == "table":
            segments.append(Segment("table", s["name"], int(s["rows"]), int(s["dim"]), s.get("rowOf")))
        elif s["kind"] == "value":
            segments.append(Segment("value", s["name"], array=s["values"]))
        else:
            raise PreparedError(f"meta.json towers.{side}: segment kind {s['kind']!r} is neither 'table' nor 'value'.")
    width = sum(s.dim if s.kind == "table" else 1 for s in segments)
    if width != int(spec["width"]):
        raise PreparedError(f"meta.json towers.{side}: the segments add up to width {width}, the meta says {spec['width']}.")
    if width == 0:
        raise PreparedError(f"{side}_tower: the tower has no input (id_embedding_dim is 0 and no feature is listed). Give it an ID embedding or a feature.")
    return TowerSpec(width, segments)
