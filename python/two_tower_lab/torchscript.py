"""The towers of an export bundle as TorchScript (docs/serving.md): `python -m two_tower_lab.torchscript <bundle>`
writes `user_tower.pt` and `item_tower.pt` into the bundle (the experiment is read from its manifest.json,
or from stdin with `--experiment -`, as `export` does while the bundle is staged).

Each module takes what `two-tower-lab embed --with-inputs` gives per row, already encoded with the
bundle's vocabularies, statistics and boundaries: `rows` (int64 [B, tables], the row of each table
segment in input order: ID embedding, categorical embeddings, bucket embeddings) and `values`
(float32 [B, values], the normalised continuous features that are not bucketised), and returns the
tower's vectors [B, output_dim], as src/core/model/tower.ts computes them (same layout and names).
"""
import json
import os
import sys
from typing import List, Optional, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

FILES = {"user_tower": "user_tower.pt", "item_tower": "item_tower.pt"}


class ServingTower(nn.Module):
    def __init__(self, tables: List[np.ndarray], order: List[Tuple[int, int]], dense: List[Tuple[np.ndarray, np.ndarray]], activation: str, normalized: bool):
        super().__init__()
        self.tables = nn.ModuleList([nn.Embedding.from_pretrained(torch.from_numpy(t), freeze=True) for t in tables])
        # Per input segment in order: (0, table index) or (1, value column).
        self.kinds: List[int] = [k for k, _ in order]
        self.indices: List[int] = [i for _, i in order]
        self.dense = nn.ModuleList()
        for kernel, bias in dense:
            layer = nn.Linear(kernel.shape[0], kernel.shape[1])
            with torch.no_grad():
                # The TS kernel is [fanIn, fanOut]; a Linear weight is its transpose.
                layer.weight.copy_(torch.from_numpy(kernel).t())
                layer.bias.copy_(torch.from_numpy(bias))
            self.dense.append(layer)
        self.activation = activation
        self.normalized = normalized

    def act(self, x: torch.Tensor) -> torch.Tensor:
        if self.activation == "relu":
            return torch.relu(x)
        if self.activation == "gelu":
            # The TS engine's GELU is the tanh approximation (tfjs-core has no exact one).
            return F.gelu(x, approximate="tanh")
        if self.activation == "tanh":
            return torch.tanh(x)
        if self.activation == "elu":
            return F.elu(x)
        return x

    def forward(self, rows: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
        looked: List[torch.Tensor] = []
        j = 0
        for table in self.tables:
            looked.append(table(rows[:, j]))
            j += 1
        parts: List[torch.Tensor] = []
        for s in range(len(self.kinds)):
            i = self.indices[s]
            if self.kinds[s] == 0:
                parts.append(looked[i])
            else:
                parts.append(values[:, i : i + 1])
        h = torch.cat(parts, dim=1)
        last = len(self.dense) - 1
        for k, layer in enumerate(self.dense):
            h = layer(h)
            if k < last:
                h = self.act(h)
        if self.normalized:
            h = h * torch.rsqrt((h * h).sum(dim=1, keepdim=True) + 1e-12)
        return h


def read_weights(bundle: str) -> dict:
    with open(os.path.join(bundle, "model.json"), encoding="utf-8") as f:
        entry = json.load(f)["weightsManifest"][0]
    raw = np.fromfile(os.path.join(bundle, entry["paths"][0]), dtype="<f4")
    out, offset = {}, 0
    for w in entry["weights"]:
        size = int(np.prod(w["shape"])) if w["shape"] else 1
        if offset + size > raw.size:
            raise ValueError(f"{bundle}/weights.bin is shorter than model.json says; export the run again.")
        out[w["name"]] = raw[offset : offset + size].reshape(w["shape"])
        offset += size
    return out


def tower_module(prefix: str, cfg: dict, weights: dict) -> ServingTower:
    """The tower's segments in the order of src/core/model/towerInput.ts inputSegments."""
    tables: List[np.ndarray] = []
    order: List[Tuple[int, int]] = []
    values = 0

    def table(name: str) -> None:
        tables.append(np.ascontiguousarray(weights[f"{prefix}/{name}"]))
        order.append((0, len(tables) - 1))

    if int(cfg["id_embedding_dim"]) > 0:
        table("id_embedding")
    for c in cfg.get("categorical", []):
        table(f"categorical/{c['name']}")
    for c in cfg.get("continuous", []):
        if c.get("buckets") is not None:
            table(f"bucketized/{c['name']}")
        else:
            order.append((1, values))
            values += 1
    names = [f"dense_{i}" for i in range(len(cfg["mlp"]["hidden"]))] + ["output"]
    dense = [(weights[f"{prefix}/{n}/kernel"], weights[f"{prefix}/{n}/bias"]) for n in names]
    return ServingTower(tables, order, dense, cfg["mlp"]["activation"], bool(cfg.get("l2_normalize", True)))


def write(bundle: str, experiment: Optional[dict] = None) -> List[str]:
    if experiment is None:
        with open(os.path.join(bundle, "manifest.json"), encoding="utf-8") as f:
            experiment = json.load(f)["experiment"]
    weights = read_weights(bundle)
    written = []
    for prefix, file in FILES.items():
        module = torch.jit.script(tower_module(prefix, experiment[prefix], weights).eval())
        module.save(os.path.join(bundle, file))
        written.append(file)
    return written


if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) not in (1, 3) or (len(args) == 3 and args[1:] != ["--experiment", "-"]):
        sys.stderr.write("usage: python -m two_tower_lab.torchscript <bundle-dir> [--experiment -]\n")
        sys.exit(2)
    print(json.dumps(write(args[0], json.load(sys.stdin) if len(args) == 3 else None)))
