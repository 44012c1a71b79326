"""The losses of src/core/losses, on the towers' vectors, with the same definitions.

u (b×d users), v_pos (b×d positive items), v_neg ((b·n)×d sampled negatives, row-major by row) or
None, and for the listwise softmax whose columns come from the batch: v_cols (B×d, the batch's
positive items, of which row i's own is column ``targets[i]``) and v_extra (B′×d items shared by
every row, mixed negative sampling). Under DDP a rank holds b of the B rows but every column.
Every loss is a mean over the rows it is given (or over their b·n triplets), as in TypeScript.
"""
from dataclasses import dataclass
from typing import Optional

import torch
import torch.nn.functional as F

from .config import batch_columns
from .names import DEFAULT_LOGISTIC_SCALE, DEFAULT_MARGIN, DEFAULT_PAIRWISE_REDUCTION, LOSSES_BY_MODE, MASKED_LOGIT


@dataclass(frozen=True)
class LossSpec:
    """src/core/losses/index.ts LossSpec."""

    mode: str
    loss: str
    temperature: float
    margin: float = DEFAULT_MARGIN
    scale: float = DEFAULT_LOGISTIC_SCALE
    # Pairwise: the mean of a positive's n triplets, or its hardest (`training.pairwise_reduction`).
    pairwise_reduction: str = DEFAULT_PAIRWISE_REDUCTION
    # Listwise with `in_batch`/`mixed`: the batch's positives are the columns (sampling/columns.ts).
    in_batch: bool = False
    logq_strength: float = 1.0


def loss_spec_from_config(config: dict) -> LossSpec:
    training = config["training"]
    mode, loss = training["mode"], training["loss"]
    allowed = LOSSES_BY_MODE[mode]
    if loss not in allowed:
        raise ValueError(f'training.loss: "{loss}" is not a loss of mode "{mode}"; use {" or ".join(allowed)}.')
    temperature = float(config["score"]["temperature"])
    if not temperature > 0:
        raise ValueError(f"score.temperature must be > 0, got {temperature}.")
    margin = training.get("margin")
    scale = training.get("scale")
    return LossSpec(
        mode=mode,
        loss=loss,
        temperature=temperature,
        margin=DEFAULT_MARGIN if margin is None else float(margin),
        scale=DEFAULT_LOGISTIC_SCALE if scale is None else float(scale),
        pairwise_reduction=training.get("pairwise_reduction") or DEFAULT_PAIRWISE_REDUCTION,
        in_batch=batch_columns(training),
        logq_strength=float(training["negatives"]["logq_strength"]),
    )


def positive_scores(u: torch.Tensor, v_pos: torch.Tensor) -> torch.Tensor:
    """score(u_r, v_r) for each row: shape [b]."""
    return (u * v_pos).sum(1)


def negative_scores(u: torch.Tensor, v_neg: torch.Tensor, per_positive: int) -> torch.Tensor:
    """score(u_r, v_{r,k}) with v_neg (b·n)×d row-major by row then negative: shape [b, n]."""
    b, d = u.shape
    if v_neg.shape[0] != b * per_positive:
        raise ValueError(f"negatives: {v_neg.shape[0]} vectors for {b} rows × {per_positive} negatives.")
    return (u.view(b, 1, d) * v_neg.view(b, per_positive, d)).sum(2)


def pointwise_bce(u, v_pos, v_neg, per_positive: int, temperature: float) -> torch.Tensor:
    """BCE on logits score/τ, positives label 1, negatives label 0, over the b·(1 + n) examples.

    BCE(z, y) = softplus(z) − y·z (pointwiseBce.ts).
    """
    b = u.shape[0]
    z_pos = positive_scores(u, v_pos) / temperature
    z_neg = negative_scores(u, v_neg, per_positive) / temperature
    total = (F.softplus(z_pos) - z_pos).sum() + F.softplus(z_neg).sum()
    return total / (b * (1 + per_positive))


def reduce_triplets(per_triplet: torch.Tensor, reduction: str) -> torch.Tensor:
    """[b, n] triplet losses → their mean, or the mean of each row's hardest (pairwiseReduction.ts)."""
    return per_triplet.max(1).values.mean() if reduction == "hardest" else per_triplet.mean()


def triplet_hinge(u, v_pos, v_neg, per_positive: int, margin: float, reduction: str = "mean") -> torch.Tensor:
    """max(0, score(a, b⁻) + m − score(a, b⁺)) over the b·n triplets, reduced by ``reduction``."""
    pos = positive_scores(u, v_pos).unsqueeze(1)
    neg = negative_scores(u, v_neg, per_positive)
    return reduce_triplets(torch.relu(neg - pos + margin), reduction)


def triplet_logistic(u, v_pos, v_neg, per_positive: int, scale: float, reduction: str = "mean") -> torch.Tensor:
    """log(1 + exp(σ(score(a, b⁻) − score(a, b⁺)))) = softplus over the b·n triplets, reduced by ``reduction``."""
    pos = positive_scores(u, v_pos).unsqueeze(1)
    neg = negative_scores(u, v_neg, per_positive)
    return reduce_triplets(F.softplus((neg - pos) * scale), reduction)


def softmax_cross_entropy(scores: torch.Tensor, targets: torch.Tensor, scale: float, offset: Optional[torch.Tensor]) -> torch.Tensor:
    """Mean over rows of −log softmax(scale·scores + offset)[target] (softmaxCrossEntropy.ts).

    `offset` (no gradient) carries −γ·log Q and MASKED_LOGIT; its gradient is scale·(softmax − target)/rows,
    the closed form the TypeScript side writes out.
    """
    logits = scores * scale
    if offset is not None:
        logits = logits + offset
    return F.cross_entropy(logits, targets)


def sampled_softmax(u, v_pos, v_neg, per_positive: int, temperature: float, pos_logq=None, neg_logq=None, strength: float = 1.0) -> torch.Tensor:
    """Softmax over [s⁺, s⁻₁ … s⁻ₙ]/τ per row; with logQ every column, the positive too, gets −γ·log Q."""
    b = u.shape[0]
    scores = torch.cat([positive_scores(u, v_pos).unsqueeze(1), negative_scores(u, v_neg, per_positive)], 1)
    offset = None
    if pos_logq is not None and neg_logq is not None:
        if pos_logq.numel() != b or neg_logq.numel() != b * per_positive:
            raise ValueError(f"sampled softmax logQ: {pos_logq.numel()} positive and {neg_logq.numel()} negative entries for {b} rows × {per_positive} negatives.")
        offset = -strength * torch.cat([pos_logq.view(b, 1), neg_logq.view(b, per_positive)], 1).to(scores.dtype)
    targets = torch.zeros(b, dtype=torch.long, device=u.device)
    return softmax_cross_entropy(scores, targets, 1.0 / temperature, offset)


def batch_columns_offset(
    b: int,
    width_batch: int,
    targets: torch.Tensor,
    logq=None,
    hit_mask=None,
    strength: float = 1.0,
    extra: int = 0,
    extra_logq=None,
    extra_mask=None,
    per_row: int = 0,
    row_logq=None,
    dtype=torch.float32,
    device=None,
) -> Optional[torch.Tensor]:
    """The b×(B + B′ + n) additive term (inBatchSoftmax.ts inBatchOffset, inBatchColumns.ts columnsOffset).

    In-batch column j: MASKED_LOGIT where hit_mask[i, j] and j is not the row's own column, else −γ·log p_j.
    Extra column k: MASKED_LOGIT where extra_mask[i, k], else −γ·log Q_k. Per-row slot k: −γ·log Q_ik.
    None when nothing is corrected or masked.
    """
    if logq is None and hit_mask is None and extra_logq is None and extra_mask is None and row_logq is None:
        return None
    if logq is not None and logq.numel() != width_batch:
        raise ValueError(f"in-batch softmax: logQ has {logq.numel()} entries for a batch of {width_batch}.")
    if hit_mask is not None and tuple(hit_mask.shape) != (b, width_batch):
        raise ValueError(f"in-batch softmax: hitMask has {hit_mask.numel()} entries, expected {b}×{width_batch}.")
    if extra_logq is not None and extra_logq.numel() != extra:
        raise ValueError(f"mixed negatives: extraLogQ has {extra_logq.numel()} entries for {extra} extra columns.")
    if extra_mask is not None and tuple(extra_mask.shape) != (b, extra):
        raise ValueError(f"mixed negatives: extraMask has {extra_mask.numel()} entries, expected {b}×{extra}.")
    if row_logq is not None and row_logq.numel() != b * per_row:
        raise ValueError(f"sampled columns: rowLogQ has {row_logq.numel()} entries, expected {b}×{per_row}.")
    parts = []
    # Built in place: one b×B tensor, not one per term (this runs every step).
    if logq is not None:
        in_batch = (-strength * logq.to(dtype)).view(1, width_batch).expand(b, width_batch).clone()
    else:
        in_batch = torch.zeros((b, width_batch), dtype=dtype, device=device)
    if hit_mask is not None:
        masked = hit_mask.to(torch.bool, copy=True)
        masked[torch.arange(b, device=masked.device), targets] = False
        in_batch.masked_fill_(masked, MASKED_LOGIT)
    parts.append(in_batch)
    if extra > 0:
        ex = torch.zeros((b, extra), dtype=dtype, device=device)
        if extra_logq is not None:
            ex = ex - strength * extra_logq.to(dtype).view(1, extra)
        if extra_mask is not None:
            ex = torch.where(extra_mask.bool(), torch.full_like(ex, MASKED_LOGIT), ex)
        parts.append(ex)
    if per_row > 0:
        rows = torch.zeros((b, per_row), dtype=dtype, device=device)
        if row_logq is not None:
            rows = rows - strength * row_logq.to(dtype).view(b, per_row)
        parts.append(rows)
    return torch.cat(parts, 1) if len(parts) > 1 else parts[0]


def batch_columns_softmax(
    u,
    v_cols,
    temperature: float,
    targets=None,
    logq=None,
    hit_mask=None,
    strength: float = 1.0,
    v_extra=None,
    extra_logq=None,
    extra_mask=None,
    v_row=None,
    per_row: int = 0,
    row_logq=None,
) -> torch.Tensor:
    """The listwise softmax whose columns come from the batch (inBatchSoftmax.ts, inBatchColumns.ts).

    Row i scores the B columns v_cols, then the B′ extra columns, then its own n sampled columns; its
    target is column targets[i] (i when every row is here: one process).
    """
    b = u.shape[0]
    width_batch = v_cols.shape[0]
    if targets is None:
        targets = torch.arange(b, device=u.device)
    parts = [u @ v_cols.t()]
    extra = 0
    if v_extra is not None:
        extra = v_extra.shape[0]
        parts.append(u @ v_extra.t())
    n = 0
    if v_row is not None:
        n = per_row
        parts.append(negative_scores(u, v_row, n))
    scores = torch.cat(parts, 1) if len(parts) > 1 else parts[0]
    offset = batch_columns_offset(b, width_batch, targets, logq, hit_mask, strength, extra, extra_logq, extra_mask, n, row_logq, scores.dtype, scores.device)
    return softmax_cross_entropy(scores, targets, 1.0 / temperature, offset)


@dataclass
class LossInputs:
    """src/core/losses/index.ts LossInputs, with the batch columns of this rank's rows."""

    u: torch.Tensor
    v_pos: torch.Tensor
    v_neg: Optional[torch.Tensor] = None
    per_positive: int = 0
    # Batch columns (listwise in_batch / mixed): every column of the global batch, and each row's own.
    v_cols: Optional[torch.Tensor] = None
    targets: Optional[torch.Tensor] = None
    logq: Optional[torch.Tensor] = None
    hit_mask: Optional[torch.Tensor] = None
    v_extra: Optional[torch.Tensor] = None
    extra_logq: Optional[torch.Tensor] = None
    extra_mask: Optional[torch.Tensor] = None
    neg_logq: Optional[torch.Tensor] = None
    pos_logq: Optional[torch.Tensor] = None


def compute_loss(spec: LossSpec, x: LossInputs) -> torch.Tensor:
    """The loss of the mode (losses/index.ts computeLoss): in-batch softmax without negatives or extra
    items; with batch columns the in-batch softmax plus extra and per-row columns; otherwise the
    sampled softmax over 1 + n, or the pointwise / pairwise loss."""
    v_cols = x.v_cols if x.v_cols is not None else x.v_pos
    if x.v_neg is None:
        if spec.mode != "listwise":
            raise ValueError(f'training.mode "{spec.mode}" needs sampled negatives, but the batch has no negItems.')
        if x.v_extra is None:
            return batch_columns_softmax(x.u, v_cols, spec.temperature, x.targets, x.logq, x.hit_mask, spec.logq_strength)
    if spec.mode == "listwise" and spec.in_batch:
        return batch_columns_softmax(
            x.u, v_cols, spec.temperature, x.targets, x.logq, x.hit_mask, spec.logq_strength,
            x.v_extra, x.extra_logq, x.extra_mask, x.v_neg, x.per_positive, x.neg_logq,
        )
    if x.v_neg is None:
        raise ValueError("Mixed negatives: extra columns need `training.negatives.source: mixed` with the listwise softmax.")
    if spec.loss == "bce":
        return pointwise_bce(x.u, x.v_pos, x.v_neg, x.per_positive, spec.temperature)
    if spec.loss == "hinge":
        return triplet_hinge(x.u, x.v_pos, x.v_neg, x.per_positive, spec.margin, spec.pairwise_reduction)
    if spec.loss == "logistic":
        return triplet_logistic(x.u, x.v_pos, x.v_neg, x.per_positive, spec.scale, spec.pairwise_reduction)
    if x.pos_logq is not None and x.neg_logq is not None:
        return sampled_softmax(x.u, x.v_pos, x.v_neg, x.per_positive, spec.temperature, x.pos_logq, x.neg_logq, spec.logq_strength)
    return sampled_softmax(x.u, x.v_pos, x.v_neg, x.per_positive, spec.temperature)
