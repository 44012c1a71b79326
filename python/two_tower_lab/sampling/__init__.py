"""Every strategy of `training.negatives` and `training.positives.rebalance`, built from the config as
src/core/sampling/index.ts builds it: the negative sampler (easy, in-batch, hard, mixed), the mixed
extra columns, the logQ corrections, and the report of hard-negative pools."""
from typing import Optional

import numpy as np

from ..config import batch_columns
from .easy import PopularitySampler, PositiveBatch, UniformSampler
from .extra import ExtraColumnSampler
from .hard import HardNegativeSampler, HardPools, MinedHardNegativeSampler, named_bands
from .in_batch import InBatchNegativeSampler
from .logq import CountsCorrection, StreamingFrequencyEstimator
from .mixer import MixedSampler
from .positives import UserPositiveIndex
from .row_correction import RowColumnCorrection, create_row_column_correction

IMPRESSED_NEGATIVES_REFUSED = (
    "training.negatives.source is `impressed_not_clicked`, which a retrieval model must not use. Items that were impressed but not clicked "
    "already passed retrieval and ranking: they are negatives for a ranking model, which learns to order nominated items. A retrieval "
    "(nomination) model must learn to separate what a user wants from the whole catalogue, so its negatives have to come from all items: "
    "use `uniform`, `popularity` or `in_batch`, and, for harder negatives, `training.negatives.hard` (items ranking discarded, or mined)."
)

__all__ = [
    "PositiveBatch",
    "UserPositiveIndex",
    "create_negative_sampler",
    "create_extra_column_sampler",
    "create_row_column_correction",
    "RowColumnCorrection",
    "create_in_batch_correction",
    "hard_sampler_of",
    "mined_sampler_of",
    "hard_negatives_report",
]


def _refuse(training: dict) -> None:
    negatives = training["negatives"]
    if negatives["source"] == "impressed_not_clicked":
        raise ValueError(IMPRESSED_NEGATIVES_REFUSED)
    if negatives["source"] == "mixed" and training["mode"] != "listwise":
        mode = training["mode"]
        raise ValueError(
            f"training.negatives.source is `mixed` with `mode: {mode}`: mixed negative sampling builds the columns of the listwise softmax (the batch's items plus `extra` items shared by every row), "
            f"and the {mode} loss has no such columns. Use `mode: listwise`, or `source: in_batch` / `uniform` / `popularity`."
        )


def _easy(training: dict, item_count: int, item_clicks) -> "UniformSampler | PopularitySampler":
    negatives = training["negatives"]
    if negatives["source"] == "popularity":
        return PopularitySampler(item_clicks, float(negatives["alpha"]))
    return UniformSampler(item_count)


def create_negative_sampler(training: dict, item_count: int, item_clicks, positives: UserPositiveIndex, log_pools: Optional[HardPools] = None):
    """The sampler of `training.negatives`, or None when the listwise softmax takes its columns from the
    batch and has no hard negatives (index.ts createNegativeSampler)."""
    _refuse(training)
    negatives = training["negatives"]
    hard_cfg = negatives["hard"]
    easy = _easy(training, item_count, item_clicks)
    listwise_in_batch = batch_columns(training)
    sampled_in_batch = None
    if negatives["source"] == "in_batch" and not listwise_in_batch:
        sampled_in_batch = InBatchNegativeSampler(UniformSampler(item_count), positives if negatives["remove_accidental_hits"] else None)
    if hard_cfg["source"] == "none":
        return None if listwise_in_batch else (sampled_in_batch or easy)
    bands = [band for _, band in named_bands(hard_cfg)]
    if hard_cfg["source"] == "ranking_log":
        if log_pools is None:
            raise ValueError(
                "training.negatives.hard.source is `ranking_log`, but the data has no ranking log. Add `data.ranking_log` (or `data.synthetic.ranking_log: true`), or mine hard negatives with the model: `training.negatives.hard.source: mined`."
            )
        hard = HardNegativeSampler("hard_log", log_pools, easy)
    else:
        top_k = min(int(hard_cfg["mine_top_k"]), item_count - 1)
        hard = MinedHardNegativeSampler(positives, bands, top_k, int(hard_cfg["mine_every"]), easy)
    easy_share, hard_share = float(negatives["mix"]["easy"]), float(negatives["mix"]["hard"])
    if abs(easy_share + hard_share - 1) > 1e-9:
        raise ValueError(f"training.negatives.mix is easy {easy_share} + hard {hard_share} = {easy_share + hard_share}; the two shares must sum to 1.")
    return MixedSampler(sampled_in_batch or easy, hard, hard_share)


def create_extra_column_sampler(training: dict, item_count: int, item_clicks, positives: UserPositiveIndex) -> Optional[ExtraColumnSampler]:
    _refuse(training)
    negatives = training["negatives"]
    if negatives["source"] != "mixed":
        return None
    extra = PopularitySampler(item_clicks, float(negatives["alpha"])) if negatives["extra_sampler"] == "popularity" else UniformSampler(item_count)
    return ExtraColumnSampler(extra, int(negatives["extra"]), positives if negatives["remove_accidental_hits"] else None)


def create_in_batch_correction(training: dict, train_items: np.ndarray, item_count: int):
    """p_i of the batch columns from the pairs batches are cut from, or the streaming estimator; None when off."""
    if not batch_columns(training) or not training["negatives"]["logq_correction"]:
        return None
    if training["negatives"]["logq_estimate"] == "streaming":
        return StreamingFrequencyEstimator(item_count)
    return CountsCorrection.from_items(train_items, item_count, int(training["batch_size"]))


def hard_sampler_of(sampler) -> Optional[HardNegativeSampler]:
    if isinstance(sampler, HardNegativeSampler):
        return sampler
    if isinstance(sampler, MixedSampler):
        return sampler.hard
    return None


def mined_sampler_of(sampler) -> Optional[MinedHardNegativeSampler]:
    hard = hard_sampler_of(sampler)
    return hard if isinstance(hard, MinedHardNegativeSampler) else None


def hard_negatives_report(sampler, hard_cfg: dict, positives: UserPositiveIndex, pair_users: np.ndarray, epoch: int) -> Optional[dict]:
    """The HardNegativesReport of src/shared/events.ts (hardReport.ts), from the pools the sampler holds."""
    hard = hard_sampler_of(sampler)
    if hard is None:
        return None
    pools = hard.pools
    has_pos = np.diff(positives.offsets) > 0
    users = int(has_pos.sum())
    with_pool = np.diff(pools.offsets) > 0
    n = min(len(with_pool), len(has_pos))
    rows_without = int((pools.sizes(pair_users) == 0).sum())
    report = {
        "source": "ranking_log" if hard.kind == "hard_log" else "mined",
        "usersWithPool": int((with_pool[:n] & has_pos[:n]).sum()),
        "users": users,
        "fallbackShare": rows_without / len(pair_users) if len(pair_users) else 0,
    }
    named = named_bands(hard_cfg)
    mined = isinstance(hard, MinedHardNegativeSampler)
    not_mined_yet = mined and epoch < hard.first_mining_epoch and len(pools.items) == 0
    yields = pools.band_yields if pools.band_yields is not None else ([{"candidates": 0, "users": 0}] * len(named) if not_mined_yet else None)
    if yields is not None and len(yields) == len(named):
        report["bands"] = [
            {"band": name, "from": lo, "to": hi, "candidates": int(y["candidates"]), "usersWithCandidates": int(y["users"]), "users": users}
            for (name, (lo, hi)), y in zip(named, yields)
        ]
    if mined:
        report["mineTopK"] = hard.top_k
        if not_mined_yet:
            report["firstMiningBeforeEpoch"] = hard.first_mining_epoch + 1
    return report
