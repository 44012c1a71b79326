"""The towers (src/core/model/{tower,towerInput,twoTowerModel,init}.ts) as torch modules.

A tower concatenates its input segments in the TypeScript order (ID embedding, categorical
embeddings, continuous features as a bucket embedding or one value), runs an MLP with the configured
activation (dropout after each hidden layer while training), a linear output layer, and scales each
row to unit length unless `l2_normalize: false`. Parameters carry their TypeScript names, so the
checkpoint writes them in the layouts `eval` and `export` read.
"""
from typing import Callable, List, Optional, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .prepared import TowerSpec


def _gelu_tanh(x):
    # tfjs-core 4.22 has no GELU op, so the TS engine uses the tanh approximation; so do we.
    return F.gelu(x, approximate="tanh")


ACTIVATIONS = {"relu": torch.relu, "gelu": _gelu_tanh, "tanh": torch.tanh, "elu": F.elu, "linear": lambda x: x}


def embedding_init(rng: np.random.Generator, rows: int, dim: int) -> np.ndarray:
    """Uniform ±0.05 (Keras' default, init.ts)."""
    return ((rng.random((rows, dim)) * 2 - 1) * 0.05).astype(np.float32)


def glorot_uniform(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    """A [fanIn, fanOut] kernel, uniform ±√(6/(fanIn + fanOut))."""
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return ((rng.random((fan_in, fan_out)) * 2 - 1) * limit).astype(np.float32)


class Tower(nn.Module):
    """One tower. `arrays(name)` gives the prepared arrays that map entities to table rows or values."""

    def __init__(self, prefix: str, cfg: dict, spec: TowerSpec, vocabulary: int, arrays: Callable[[str], np.ndarray], rng: np.random.Generator):
        super().__init__()
        self.prefix = prefix
        self.vocabulary = vocabulary
        self.activation = cfg["mlp"]["activation"]
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"{prefix}.mlp.activation: '{self.activation}' is not one of {', '.join(ACTIVATIONS)}.")
        self.dropout = float(cfg["mlp"].get("dropout", 0) or 0)
        self.hidden: List[int] = [int(h) for h in cfg["mlp"]["hidden"]]
        self.output_dim = int(cfg["output_dim"])
        self.normalized = bool(cfg.get("l2_normalize", True))
        self.width = spec.width
        self.tables = nn.ParameterList()
        self.table_names: List[str] = []
        # Per segment: ('table', table index, entity → row tensor or None) or ('value', values tensor).
        self._segments: List[Tuple] = []
        for seg in spec.segments:
            if seg.kind == "table":
                self.tables.append(nn.Parameter(torch.from_numpy(embedding_init(rng, seg.rows, seg.dim))))
                self.table_names.append(f"{prefix}/{seg.name}")
                row_of = None if seg.array is None else torch.from_numpy(np.array(arrays(seg.array), dtype=np.int64))
                if row_of is not None and row_of.numel() != vocabulary:
                    raise ValueError(f"{prefix}/{seg.name}: the row array '{seg.array}' has {row_of.numel()} entries for {vocabulary} entities.")
                self._segments.append(("table", len(self.tables) - 1, row_of))
            else:
                values = torch.from_numpy(np.array(arrays(seg.array), dtype=np.float32))
                if values.numel() != vocabulary:
                    raise ValueError(f"{prefix} feature '{seg.name}': the value array '{seg.array}' has {values.numel()} entries for {vocabulary} entities.")
                self._segments.append(("value", values))
        self.dense = nn.ModuleList()
        self.dense_names: List[str] = []
        fan_in = spec.width
        for i, h in enumerate(self.hidden + [self.output_dim]):
            layer = nn.Linear(fan_in, h)
            with torch.no_grad():
                # A Linear weight is the TS kernel [fanIn, fanOut] transposed.
                layer.weight.copy_(torch.from_numpy(glorot_uniform(rng, fan_in, h)).t())
                layer.bias.zero_()
            self.dense.append(layer)
            self.dense_names.append(f"{prefix}/{'output' if i == len(self.hidden) else f'dense_{i}'}")
            fan_in = h

    def to_device(self, device) -> "Tower":
        """Moves the parameters and the entity → row / value arrays (which are not module state)."""
        self.to(device)
        self._segments = [(s[0], s[1], None if s[2] is None else s[2].to(device)) if s[0] == "table" else (s[0], s[1].to(device)) for s in self._segments]
        return self

    def named_ts_params(self) -> List[Tuple[str, nn.Parameter, bool]]:
        """(TypeScript name, parameter, stored transposed) in the TS order: tables, then dense layers."""
        out = [(name, p, False) for name, p in zip(self.table_names, self.tables)]
        for name, layer in zip(self.dense_names, self.dense):
            out.append((f"{name}/kernel", layer.weight, True))
            out.append((f"{name}/bias", layer.bias, False))
        return out

    def dropout_masks(self, rows: int, rng: np.random.Generator) -> Optional[List[np.ndarray]]:
        """Per hidden layer a rows × h mask of 0 and 1/(1−p), or None when dropout is off (tower.ts)."""
        if self.dropout <= 0:
            return None
        keep = 1.0 - self.dropout
        return [((rng.random((rows, h)) < keep) / keep).astype(np.float32) for h in self.hidden]

    def inputs(self, entities: torch.Tensor) -> torch.Tensor:
        if entities.numel() > 0:
            lo, hi = int(entities.min()), int(entities.max())
            if lo < 0 or hi >= self.vocabulary:
                raise ValueError(f"{self.prefix}: index {lo if lo < 0 else hi} is outside [0, {self.vocabulary}); batches must hold dense indices of the data set's vocabulary.")
        parts = []
        for s in self._segments:
            if s[0] == "table":
                rows = entities if s[2] is None else s[2][entities]
                # Sparse gradients: a step touches only the batch's rows, whatever the table's size.
                parts.append(F.embedding(rows, self.tables[s[1]], sparse=True))
            else:
                parts.append(s[1][entities].unsqueeze(1))
        return torch.cat(parts, 1) if len(parts) > 1 else parts[0]

    def forward(self, entities: torch.Tensor, masks: Optional[List[torch.Tensor]] = None) -> torch.Tensor:
        h = self.inputs(entities)
        act = ACTIVATIONS[self.activation]
        last = len(self.dense) - 1
        for l, layer in enumerate(self.dense):
            h = layer(h)
            if l < last:
                h = act(h)
                if masks is not None:
                    h = h * masks[l]
        if not self.normalized:
            return h
        # x·rsqrt(Σx² + 1e-12), as tower.ts (not F.normalize, which clamps the norm instead).
        return h * torch.rsqrt((h * h).sum(1, keepdim=True) + 1e-12)


class TwoTowerModel(nn.Module):
    """Both towers; forward scores nothing, it returns the user and the item vectors (DDP wraps it)."""

    def __init__(self, config: dict, prepared, rng: np.random.Generator):
        super().__init__()
        ut, it = config["user_tower"], config["item_tower"]
        if int(ut["output_dim"]) != int(it["output_dim"]):
            raise ValueError(f"user_tower.output_dim ({ut['output_dim']}) and item_tower.output_dim ({it['output_dim']}) must be equal: the score compares the two vectors.")
        # User tower first, then the item tower, from one stream (twoTowerModel.ts create).
        self.user = Tower("user_tower", ut, prepared.towers["user"], prepared.users, prepared.array, rng)
        self.item = Tower("item_tower", it, prepared.towers["item"], prepared.items, prepared.array, rng)
        self.output_dim = int(ut["output_dim"])

    def to_device(self, device) -> "TwoTowerModel":
        self.user.to_device(device)
        self.item.to_device(device)
        return self

    def forward(self, users: torch.Tensor, items: torch.Tensor, user_masks=None, item_masks=None):
        return self.user(users, user_masks), self.item(items, item_masks)

    def named_ts_params(self) -> List[Tuple[str, nn.Parameter, bool]]:
        return self.user.named_ts_params() + self.item.named_ts_params()

    def table_parameter_names(self) -> List[str]:
        """The module paths of the embedding tables (DDP leaves them to the step's sparse exchange)."""
        return [f"{side}.tables.{k}" for side, tower in (("user", self.user), ("item", self.item)) for k in range(len(tower.tables))]

    @torch.no_grad()
    def vectors(self, side: str, entities: np.ndarray, chunk: int = 4096) -> np.ndarray:
        """Output vectors of `entities` (no dropout, no gradient), chunked to bound memory; float32 numpy."""
        tower = self.user if side == "user" else self.item
        device = next(self.parameters()).device
        out = np.empty((len(entities), self.output_dim), dtype=np.float32)
        for start in range(0, len(entities), chunk):
            ids = torch.as_tensor(np.asarray(entities[start : start + chunk], dtype=np.int64), device=device)
            out[start : start + len(ids)] = tower(ids, None).cpu().numpy()
        return out

    def item_vectors(self) -> np.ndarray:
        """Every item (row 0 = OOV) × outputDim."""
        return self.vectors("item", np.arange(self.item.vocabulary))
