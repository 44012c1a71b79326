"""Checkpoints (src/core/train/checkpoint.ts, weightsFile.ts) in the TypeScript format, so the CLI's
`eval` and `export` read torch runs unchanged: `model.json` (a tfjs weightsManifest) + `weights.bin`
(float32, the model tensors in their TS names and layouts, the optimiser slots `<name>/<slot>`,
`optimizer/step`, `rng/dropout`), `state.json`; plus `torch_state.pt` (RNG streams, sampler states)
that only the torch engine reads. Written by rank 0 into `<target>.tmp-<pid>/`, then swapped in."""
import json
import os
import shutil
from typing import Dict, Optional, Tuple

import numpy as np
import torch

from .names import BEST_DIR, CHECKPOINT_FORMAT, MODEL_FILE, RNG_KEY, STATE_FILE, STEP_KEY, TORCH_STATE_FILE, WEIGHTS_FILE

WeightMap = Dict[str, np.ndarray]


def write_file_atomic(path: str, data) -> None:
    tmp = os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.tmp-{os.getpid()}")
    with open(tmp, "wb") as f:
        f.write(data.encode("utf-8") if isinstance(data, str) else data)
    os.replace(tmp, path)


def replace_folder(staged: str, target: str) -> None:
    """A folder cannot be renamed over a non-empty one: the old one moves to `<target>.prev` first
    (readers fall back to it when a crash struck between the two renames)."""
    prev = f"{target}.prev"
    shutil.rmtree(prev, ignore_errors=True)
    if os.path.exists(target):
        os.rename(target, prev)
    os.rename(staged, target)
    shutil.rmtree(prev, ignore_errors=True)


def existing_folder(target: str) -> Optional[str]:
    if os.path.exists(target):
        return target
    if os.path.exists(f"{target}.prev"):
        return f"{target}.prev"
    return None


def write_weights(directory: str, weights: WeightMap, extra: Optional[dict] = None) -> None:
    """weights.bin (every tensor's float32 values, names sorted) and model.json (`extra` merged in)."""
    names = sorted(weights)
    chunks = [np.ascontiguousarray(weights[n], dtype="<f4").ravel() for n in names]
    manifest = [{"paths": [WEIGHTS_FILE], "weights": [{"name": n, "shape": list(np.shape(weights[n])), "dtype": "float32"} for n in names]}]
    write_file_atomic(os.path.join(directory, WEIGHTS_FILE), np.concatenate(chunks).tobytes() if chunks else b"")
    write_file_atomic(os.path.join(directory, MODEL_FILE), json.dumps({**(extra or {}), "weightsManifest": manifest}, indent=1))


def read_weights(directory: str) -> Tuple[WeightMap, dict]:
    model_file = os.path.join(directory, MODEL_FILE)
    with open(model_file, encoding="utf-8") as f:
        model = json.load(f)
    entries = model.get("weightsManifest") or []
    if not entries:
        raise ValueError(f"{model_file}: no weightsManifest; the checkpoint is damaged. Start a fresh run.")
    bin_file = os.path.join(directory, entries[0]["paths"][0] if entries[0].get("paths") else WEIGHTS_FILE)
    values = np.fromfile(bin_file, dtype="<f4")
    out: WeightMap = {}
    offset = 0
    for w in entries[0]["weights"]:
        size = int(np.prod(w["shape"])) if w["shape"] else 1
        if offset + size > len(values):
            raise ValueError(f"{bin_file}: holds {len(values)} floats but the manifest needs more (at weight '{w['name']}'); the checkpoint is damaged.")
        out[w["name"]] = values[offset : offset + size].reshape(w["shape"]).astype(np.float32)
        offset += size
    if offset != len(values):
        raise ValueError(f"{bin_file}: holds {len(values)} floats but the manifest describes {offset}; the checkpoint is damaged.")
    return out, model


def model_weights(model, optimizer, dropout_words) -> WeightMap:
    """Every parameter in the TS layout (kernels [fanIn, fanOut]), its optimiser slots, the step and an RNG word."""
    out: WeightMap = {}
    for name, p, transposed in model.named_ts_params():
        layout = (lambda t: t.t()) if transposed else (lambda t: t)
        out[name] = layout(p.detach()).cpu().numpy().astype(np.float32)
        for slot, t in zip(optimizer.slot_names, optimizer.slots_of(p)):
            out[f"{name}/{slot}"] = layout(t.detach()).cpu().numpy().astype(np.float32)
    out[STEP_KEY] = np.array([optimizer.step], dtype=np.float32)
    # TypeScript reads eight 16-bit halves of a 4-word RNG state here (for its own dropout stream).
    words = [int(w) & 0xFFFFFFFF for w in dropout_words][:4]
    out[RNG_KEY] = np.array([h for w in words for h in (w >> 16, w & 0xFFFF)], dtype=np.float32)
    return out


def only_model(weights: WeightMap, optimizer) -> WeightMap:
    """The model tensors alone (what `export` writes): no slots, step or RNG."""
    slots = tuple(f"/{s}" for s in optimizer.slot_names)
    return {k: v for k, v in weights.items() if not k.endswith(slots) and k not in (STEP_KEY, RNG_KEY)}


def load_model_weights(model, optimizer, weights: WeightMap) -> None:
    """Restores what model_weights wrote; every entry must be there with its shape, and nothing else."""
    expected = {}
    for name, p, transposed in model.named_ts_params():
        expected[name] = (p, transposed)
        for slot, t in zip(optimizer.slot_names, optimizer.slots_of(p)):
            expected[f"{name}/{slot}"] = (t, transposed)
    problems = []
    for name, (t, transposed) in expected.items():
        got = weights.get(name)
        shape = tuple(t.shape[::-1]) if transposed else tuple(t.shape)
        if got is None:
            problems.append(f'missing "{name}"')
        elif tuple(got.shape) != shape:
            problems.append(f'"{name}" has shape {list(got.shape)}, the model needs {list(shape)}')
    problems += [f'unexpected "{n}"' for n in weights if n not in expected and n not in (STEP_KEY, RNG_KEY)]
    if STEP_KEY not in weights:
        problems.append(f'missing "{STEP_KEY}"')
    if problems:
        more = f"; and {len(problems) - 8} more" if len(problems) > 8 else ""
        raise ValueError(f"The checkpoint does not fit this model (was the experiment's tower or optimizer changed since it was saved?): {'; '.join(problems[:8])}{more}.")
    with torch.no_grad():
        for name, (t, transposed) in expected.items():
            value = torch.from_numpy(np.array(weights[name], dtype=np.float32))
            t.copy_(value.t() if transposed else value)
    optimizer.step = int(weights[STEP_KEY][0])


def _link_folder_files(source: str, to: str) -> None:
    """Hard links (copies where the file system has none) of the files of `source` in a new folder `to`."""
    os.makedirs(to)
    for name in os.listdir(source):
        path = os.path.join(source, name)
        if not os.path.isfile(path):
            continue
        try:
            os.link(path, os.path.join(to, name))
        except OSError:
            shutil.copyfile(path, os.path.join(to, name))


def save_checkpoint(target: str, weights: WeightMap, state: dict, torch_state: dict, best: str = "keep") -> None:
    """Like checkpoint.ts saveCheckpoint: `best` "this" makes `<target>/best/` this checkpoint, "keep"
    carries the previous best into the new folder (hard links; swapped in with the rest)."""
    staged = f"{target}.tmp-{os.getpid()}"
    shutil.rmtree(staged, ignore_errors=True)
    os.makedirs(staged)
    write_weights(staged, weights, {"format": CHECKPOINT_FORMAT, "epoch": state["epoch"], "step": state["step"]})
    write_file_atomic(os.path.join(staged, STATE_FILE), json.dumps(state))
    torch.save(torch_state, os.path.join(staged, TORCH_STATE_FILE))
    current = existing_folder(target)
    source = staged if best == "this" else (os.path.join(current, BEST_DIR) if current is not None and os.path.isdir(os.path.join(current, BEST_DIR)) else None)
    if source is not None:
        _link_folder_files(source, os.path.join(staged, BEST_DIR))
    replace_folder(staged, target)


def load_checkpoint(target: str):
    """(weights, state, torch_state) of the last complete checkpoint, or None when there is none yet."""
    directory = existing_folder(target)
    if directory is None:
        return None
    state_file = os.path.join(directory, STATE_FILE)
    with open(state_file, encoding="utf-8") as f:
        state = json.load(f)
    if state.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"{state_file}: format '{state.get('format')}' is not {CHECKPOINT_FORMAT}; this checkpoint was written by another version. Start a fresh run.")
    torch_file = os.path.join(directory, TORCH_STATE_FILE)
    if not os.path.exists(torch_file):
        raise ValueError(f"{directory}: has no {TORCH_STATE_FILE}, so it was not written by the torch engine; resume it with the engine that wrote it (training.engine: tfjs).")
    weights, _ = read_weights(directory)
    torch_state = torch.load(torch_file, map_location="cpu")
    return weights, state, torch_state


def write_embeddings(directory: str, name: str, vectors: np.ndarray, ids_file: str, count: int) -> None:
    """`<name>.bin` (float32 rows, little-endian), `<name>.ids.json`, `<name>.meta.json` (runEmbeddings.ts)."""
    vectors = np.ascontiguousarray(vectors, dtype="<f4")
    if vectors.shape[0] != count:
        raise ValueError(f"Embeddings '{name}': {vectors.shape[0]} rows for {count} ids; the model and the vocabulary disagree.")
    os.makedirs(directory, exist_ok=True)
    write_file_atomic(os.path.join(directory, f"{name}.bin"), vectors.tobytes())
    with open(ids_file, "rb") as f:
        write_file_atomic(os.path.join(directory, f"{name}.ids.json"), f.read())
    meta = {"rows": int(vectors.shape[0]), "dim": int(vectors.shape[1]), "dtype": "float32", "layout": "row-major", "file": f"{name}.bin"}
    write_file_atomic(os.path.join(directory, f"{name}.meta.json"), json.dumps(meta))


def replace_item_embeddings(target: str, vectors: np.ndarray, ids_file: str, count: int) -> None:
    """`embeddings/best/` as a folder that appears whole (runEmbeddings.ts replaceItemEmbeddings)."""
    staged = f"{target}.tmp-{os.getpid()}"
    shutil.rmtree(staged, ignore_errors=True)
    write_embeddings(staged, "items", vectors, ids_file, count)
    replace_folder(staged, target)
