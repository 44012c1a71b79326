"""The training loop of a worker (src/core/train/loop.ts): epochs over the (rebalanced) positives in a
seeded order, batches cut into one shard per rank, evaluation every N epochs and after the last, early
stopping, a checkpoint after every epoch (and on stop), the events. Every rank trains; rank 0
evaluates and writes events, checkpoints and embeddings.

Exact resume: every random choice comes from one of five numpy streams (init, shuffle, rebalance,
sampler, dropout) saved in torch_state.pt; the order of an epoch is rebuilt from the streams' states
at its start, so a run stopped inside an epoch continues with the very next batch.
"""
import math
import os
import sys
import time
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np
import torch

from .ann_eval import answering_pid, exact_top_lists, request_ann_figures
from .batches import TrainBatchBuilder
from .checkpoint import load_checkpoint, load_model_weights, model_weights, replace_item_embeddings, save_checkpoint, write_embeddings
from .distributed import Distributed
from .events import StepThrottle
from .config import headline_metric
from .losses import loss_spec_from_config
from .metrics import RetrievalPlan, block_top_k, dot_scorer, evaluate_retrieval_per_user, vectors_lookup
from .model import TwoTowerModel
from .names import BEST_DIR, CHECKPOINT_DIR, CHECKPOINT_FORMAT, EMBEDDINGS_DIR, ENGINE
from .optimizer import make_optimizer
from .per_user import write_per_user_eval
from .prepared import Prepared
from .sampling import create_in_batch_correction, create_negative_sampler, hard_negatives_report, hard_sampler_of, mined_sampler_of
from .sampling.counters import SamplingCounters
from .sampling.easy import PositiveBatch
from .sampling.hard import HardPools
from .sampling.positives import UserPositiveIndex
from .sampling.rebalance import rebalance_positives
from .step import TrainStep

STREAMS = ("init", "shuffle", "rebalance", "sampler", "dropout")


class NonFiniteLossError(ValueError):
    """The loss became NaN or infinite: the run cannot continue from there."""


@dataclass
class Progress:
    """Where the loop is, for the `ended` event of a failure."""

    epoch: int = 0
    step: int = 0
    elapsed: Callable[[], float] = lambda: 0.0


@dataclass
class LoopResult:
    status: str
    epoch: int
    step: int
    metrics: Optional[dict] = None
    best: Optional[dict] = None


def fresh_streams(seed: int) -> dict:
    """Independent streams per concern, so that changing one (e.g. the number of negatives) does not
    change the order of the positives."""
    children = np.random.SeedSequence(int(seed) & 0xFFFFFFFFFFFFFFFF).spawn(len(STREAMS))
    return {name: np.random.Generator(np.random.PCG64(s)) for name, s in zip(STREAMS, children)}


def update_early_stopping(state: dict, value: float, epoch: int, patience: Optional[int], min_delta: float) -> bool:
    """Records one evaluation; True when training should stop (runEarlyStopping.ts)."""
    if state["best"] is None or value > state["best"] + min_delta:
        state["best"] = value
        state["bestEpoch"] = epoch
        state["evalsWithoutImprovement"] = 0
    else:
        state["evalsWithoutImprovement"] += 1
    return patience is not None and state["evalsWithoutImprovement"] >= patience


def mine_with(model: TwoTowerModel, num_items: int):
    """The model's top-K retrieval for mining hard negatives (the miner drops seen items itself)."""

    items = model.item_vectors()  # one mining, one model: the item vectors once for every chunk of users

    def score_top_k(users: np.ndarray, k: int) -> np.ndarray:
        scores = model.vectors("user", users) @ items.T
        scores[:, 0] = -np.inf
        top, found = block_top_k(scores, min(k, num_items))
        out = np.zeros((len(users), k), dtype=np.int64)
        out[:, : top.shape[1]] = np.where(np.arange(top.shape[1])[None, :] < found[:, None], top, 0)
        return out

    return score_top_k


class Loop:
    def __init__(self, run_dir: str, dist: Distributed, writer, should_stop: Callable[[], bool], resume: bool = False, progress: Optional[Progress] = None, now: Callable[[], float] = time.perf_counter):
        self.run_dir = run_dir
        self.dist = dist
        self.writer = writer
        self.should_stop = should_stop
        self.resume = resume
        self.progress = progress or Progress()
        self.now = now

    def run(self) -> LoopResult:
        dist, writer, now = self.dist, self.writer, self.now
        prepared = Prepared(self.run_dir)
        config = prepared.config
        training = config["training"]
        threads = os.environ.get("TWO_TOWER_LAB_THREADS") or (training.get("engine_options") or {}).get("threads")
        if threads:
            torch.set_num_threads(int(threads))
        spec = loss_spec_from_config(config)
        epochs = int(training["epochs"])
        batch_size = int(training["batch_size"])
        train_users = np.asarray(prepared.train_users, dtype=np.int64)
        train_items = np.asarray(prepared.train_items, dtype=np.int64)
        item_clicks = np.asarray(prepared.item_clicks, dtype=np.float64)
        positives = UserPositiveIndex(train_users, train_items, prepared.users, prepared.items)
        streams = fresh_streams(int(training["seed"]))

        model = TwoTowerModel(config, prepared, streams["init"]).to_device(dist.device)
        optimizer = make_optimizer(training, [p for _, p, _ in model.named_ts_params()])
        forward = model
        if dist.distributed:
            from torch.nn.parallel import DistributedDataParallel

            # The tables' sparse gradients are exchanged by the step itself (step.py), not by DDP.
            DistributedDataParallel._set_params_and_buffers_to_ignore_for_model(model, model.table_parameter_names())
            forward = DistributedDataParallel(model, device_ids=[dist.device.index] if dist.device.type == "cuda" else None, broadcast_buffers=False)
            if dist.backend == "gloo":
                forward.register_comm_hook(None, dist.ddp_comm_hook())

        log_pools = prepared.hard_pools()
        sampler = create_negative_sampler(training, prepared.items, item_clicks, positives, HardPools(*log_pools) if log_pools else None)
        correction = create_in_batch_correction(training, train_items, prepared.items)
        rebalancing = training["positives"]["rebalance"]["method"] != "none"
        counts_per_epoch = rebalancing and correction is not None and training["negatives"]["logq_estimate"] != "streaming"
        counters = SamplingCounters(prepared.item_decile, hard_sampler_of(sampler))
        headline = headline_metric(config)
        baseline = prepared.baseline
        if baseline and headline not in baseline:
            raise ValueError(f"training.early_stopping.metric is '{headline}', which evaluation does not compute. Computed: {', '.join(baseline)}. Use one of them, or add its K to evaluation.k.")
        evaluation = config["evaluation"]
        # serving.index on and a front door that answers: every evaluation also goes through the ANN index (ann_eval.py).
        ann_pid = answering_pid() if config.get("serving", {}).get("index") else None
        plan = None
        # evaluation.sample_users: per-epoch evaluations on a seeded sample (chosen by prepare.ts), the last on all.
        sample_plan = None
        sample_baseline = None
        if dist.is_main:
            def plan_for(users):
                return RetrievalPlan(
                    prepared.items, prepared.users, train_users, train_items, prepared.test_users, prepared.test_items, item_clicks,
                    evaluation["k"], evaluation["metrics"], evaluation["exclude_seen"], users=np.asarray(users, dtype=np.int64),
                )
            plan = plan_for(prepared.eval_users)
            sample = prepared.eval_sample()
            if sample is not None:
                sample_plan, sample_baseline = plan_for(sample[0]), sample[1]

        epoch = step = step_in_epoch = 0
        elapsed_before = 0.0
        early = {"best": None, "bestEpoch": 0, "evalsWithoutImprovement": 0}
        stopped_early = False
        position = None
        checkpoint_dir = os.path.join(self.run_dir, CHECKPOINT_DIR)
        if self.resume:
            loaded = load_checkpoint(checkpoint_dir)
            if loaded is None:
                raise ValueError(f"Run {prepared.run_id} has no checkpoint yet (it stopped before its first epoch ended), so --resume has nothing to continue; start a fresh run.")
            weights, state, ts = loaded
            load_model_weights(model, optimizer, weights)
            epoch, step = int(state["epoch"]), int(state["step"])
            elapsed_before = float(state["elapsedSec"])
            early = dict(state["earlyStopping"])
            stopped_early = bool(state["stoppedEarly"])
            for name in STREAMS:
                streams[name].bit_generator.state = ts["rng"][name]
            if ts["samplers"].get("negatives") is not None and hasattr(sampler, "restore_state"):
                sampler.restore_state(ts["samplers"]["negatives"])
            if ts["samplers"].get("logq") is not None and correction is not None:
                correction.restore_state(ts["samplers"]["logq"])
            position = ts.get("epochPosition")
            step_in_epoch = position["stepInEpoch"] if position else 0

        started = now()
        elapsed = lambda: elapsed_before + (now() - started)
        self.progress.elapsed = elapsed
        self.progress.epoch, self.progress.step = epoch, step
        last_metrics = None

        def best():
            if early["best"] is None:
                return None
            out = {"metric": headline, "value": early["best"], "epoch": early["bestEpoch"]}
            if os.path.isdir(os.path.join(checkpoint_dir, BEST_DIR)):
                out["checkpoint"] = f"{CHECKPOINT_DIR}/{BEST_DIR}"
            return out

        # A run that evaluates more than once keeps its best epoch's model (checkpoint/best, embeddings/best).
        keeps_best = epochs > int(evaluation["every"])

        def checkpoint(mid=None, best_checkpoint="keep"):
            if not dist.is_main:
                return
            weights = model_weights(model, optimizer, _words(streams["dropout"]))
            rng = {name: streams[name].bit_generator.state for name in STREAMS}
            if mid is not None:
                # Mid-epoch, the order streams are saved as they were when the epoch began.
                rng["shuffle"], rng["rebalance"] = mid["start"]["shuffle"], mid["start"]["rebalance"]
            samplers = {}
            if sampler is not None and hasattr(sampler, "save_state"):
                samplers["negatives"] = sampler.save_state()
            if correction is not None and correction.save_state() is not None:
                samplers["logq"] = correction.save_state()
            state = {
                "format": CHECKPOINT_FORMAT, "engine": ENGINE, "epoch": epoch, "step": step, "elapsedSec": elapsed(),
                "rng": {}, "samplers": {}, "earlyStopping": early, "stoppedEarly": stopped_early,
            }
            if mid is not None:
                state["epochPosition"] = {k: mid[k] for k in ("stepInEpoch", "lossSum", "steps", "examples")}
            save_checkpoint(checkpoint_dir, weights, state, {"rng": rng, "samplers": samplers, "epochPosition": mid}, best_checkpoint)
            writer.write({"type": "checkpoint", "epoch": epoch, "step": step, "path": CHECKPOINT_DIR})

        throttle = StepThrottle(250, 100, now)
        builder = TrainBatchBuilder(training, prepared.items, item_clicks, positives, sampler, counters, streams["sampler"])
        trainer = TrainStep(model, forward, optimizer, spec, dist, streams["dropout"])
        stopped = False
        improved = False
        while epoch < epochs and not stopped_early:
            start = position["start"] if position else {"shuffle": streams["shuffle"].bit_generator.state, "rebalance": streams["rebalance"].bit_generator.state}
            streams["shuffle"].bit_generator.state = start["shuffle"]
            streams["rebalance"].bit_generator.state = start["rebalance"]
            pair_users, pair_items = train_users, train_items
            if rebalancing:
                pair_users, pair_items, _ = rebalance_positives(train_users, train_items, item_clicks, training["positives"]["rebalance"], streams["rebalance"])
                if counts_per_epoch:
                    correction = create_in_batch_correction(training, pair_items, prepared.items)
            order = streams["shuffle"].permutation(len(pair_users))
            steps = math.ceil(len(order) / batch_size)
            mined = mined_sampler_of(sampler)
            mined_report = None
            if step_in_epoch == 0 and mined is not None and mined.needs_refresh(epoch):
                # Rank 0 mines with the full model (every replica is the same) and hands the pools round.
                if dist.is_main:
                    mined.refresh(mine_with(model, prepared.items))
                pools = dist.broadcast((mined.pools.offsets, mined.pools.items, mined.pools.band_yields) if dist.is_main else None)
                mined.pools = HardPools(*pools)
                mined_report = hard_negatives_report(sampler, training["negatives"]["hard"], positives, pair_users, epoch)
            counters.reset()
            throttle.start_window()
            epoch_began = now()
            epoch_loss = position["lossSum"] if position else 0.0
            epoch_steps = position["steps"] if position else 0
            epoch_examples = position["examples"] if position else 0
            position = None
            sampling_time = 0.0
            while step_in_epoch < steps:
                rows = order[step_in_epoch * batch_size : (step_in_epoch + 1) * batch_size]
                batch = PositiveBatch(pair_users[rows], pair_items[rows])
                lo, hi = dist.shard(len(rows))
                t0 = now()
                tb = builder.build(batch, step, correction, lo, hi)
                sampling_time += now() - t0
                loss, stop = trainer.run(tb, self.should_stop())
                step += 1
                self.progress.step = step
                if not math.isfinite(loss):
                    hint = f" or a higher score.temperature (now {config['score']['temperature']})" if training["loss"] in ("softmax", "bce") else ""
                    raise NonFiniteLossError(
                        f"The loss became {loss} at step {step} (epoch {epoch + 1}, batch {step_in_epoch + 1} of {steps}): training diverged. "
                        f"Try a lower training.learning_rate (now {training['learning_rate']}){hint}."
                    )
                epoch_loss += loss
                epoch_steps += 1
                epoch_examples += len(rows)
                due = throttle.add(loss, len(rows))
                if due:
                    writer.write({"type": "step", "step": step, "epoch": epoch + 1, "loss": due[0], "examplesPerSec": due[1], "elapsedSec": elapsed()})
                if stop and step_in_epoch + 1 < steps:
                    stopped = True
                    step_in_epoch += 1
                    break
                step_in_epoch += 1
            if stopped:
                checkpoint({"stepInEpoch": step_in_epoch, "start": start, "lossSum": epoch_loss, "steps": epoch_steps, "examples": epoch_examples})
                break
            step_in_epoch = 0
            epoch += 1
            self.progress.epoch = epoch
            pending = throttle.flush()
            if pending:
                writer.write({"type": "step", "step": step, "epoch": epoch, "loss": pending[0], "examplesPerSec": pending[1], "elapsedSec": elapsed()})
            duration = now() - epoch_began
            writer.write({
                "type": "epoch", "epoch": epoch, "step": step, "loss": epoch_loss / epoch_steps if epoch_steps else 0.0,
                "examplesPerSec": epoch_examples / max(1e-9, duration), "durationSec": duration, "elapsedSec": elapsed(),
                "samplingShare": min(1.0, sampling_time / max(1e-9, duration)),
            })
            self._reduce_counters(counters)
            sampling = {"type": "sampling", "epoch": epoch, "distribution": counters.distribution(correction)}
            if mined_report is not None:
                sampling["hardNegatives"] = mined_report
            writer.write(sampling)
            if dist.is_main and (epoch % int(evaluation["every"]) == 0 or epoch == epochs):
                def evaluate(final):
                    use_sample = sample_plan is not None and not final
                    chosen = sample_plan if use_sample else plan
                    item_vectors = model.item_vectors()
                    if ann_pid is not None:
                        # Once for both the exact ranking and the index request, whose exact lists `tops` collects.
                        user_vectors = model.vectors("user", chosen.users)
                        user_vectors_of = vectors_lookup(chosen.users, user_vectors)
                        tops = []
                    else:
                        user_vectors_of = lambda users: model.vectors("user", users)  # noqa: E731
                        tops = None
                    metrics, eval_users, eval_columns, eval_values = evaluate_retrieval_per_user(chosen, dot_scorer(user_vectors_of, item_vectors), tops=tops)
                    # The per-user values first: an `eval` event always has its side file (compare reads both).
                    write_per_user_eval(self.run_dir, epoch, eval_users, eval_columns, eval_values)
                    event = {"type": "eval", "epoch": epoch, "step": step, "metrics": dict(metrics), "baseline": sample_baseline if use_sample else baseline, "users": int(len(chosen.users))}
                    if use_sample:
                        event["sampled"] = True
                    if ann_pid is not None:
                        exact_top = exact_top_lists(tops, max(chosen.ks))
                        answer, why_not = request_ann_figures(self.run_dir, epoch, final, chosen.users, user_vectors, item_vectors, exact_top, ann_pid)
                        if answer is not None:
                            event["metrics"].update(answer["metrics"])
                            event["index"] = answer["index"]
                        else:
                            print(f"two_tower_lab: epoch {epoch}: the metrics through the ANN index are missing from this evaluation: {why_not}", file=sys.stderr)
                    event["elapsedSec"] = elapsed()
                    writer.write(event)
                    return metrics
                last_metrics = evaluate(epoch == epochs)
                es = training.get("early_stopping")
                stopped_early = update_early_stopping(early, last_metrics[headline], epoch, es.get("patience") if es else None, float(es.get("min_delta", 0)) if es else 0.0)
                # Stopping early after a sampled evaluation: the final metrics are still taken on every test user.
                if stopped_early and epoch < epochs and sample_plan is not None:
                    last_metrics = evaluate(True)
                improved = keeps_best and early["bestEpoch"] == epoch
                if improved:
                    replace_item_embeddings(os.path.join(self.run_dir, EMBEDDINGS_DIR, BEST_DIR), model.item_vectors(), prepared.ids_file("item"), prepared.items)
            checkpoint(None, "this" if improved else "keep")
            improved = False
            # Rank 0 decided early stopping; any rank may have been asked to stop.
            agreed = dist.sum(np.array([1.0 if stopped_early else 0.0, 1.0 if self.should_stop() else 0.0]))
            stopped_early = bool(agreed[0] > 0)
            if bool(agreed[1] > 0) and epoch < epochs and not stopped_early:
                stopped = True
                break

        if not stopped and dist.is_main:
            write_embeddings(os.path.join(self.run_dir, EMBEDDINGS_DIR), "items", model.item_vectors(), prepared.ids_file("item"), prepared.items)
        status = "stopped" if stopped else "completed"
        ended = {"type": "ended", "status": status, "epoch": epoch, "step": step, "elapsedSec": elapsed()}
        if best() is not None:
            ended["best"] = best()
        writer.write(ended)
        dist.barrier()
        return LoopResult(status, epoch, step, last_metrics, best())

    def _reduce_counters(self, counters: SamplingCounters) -> None:
        """Each rank counted its rows; rank 0 reports the sums."""
        if self.dist.distributed:
            counters.load_vector(self.dist.sum(counters.as_vector()))


def _words(gen: np.random.Generator):
    """Four 32-bit words of a stream's state, for the `rng/dropout` entry TypeScript expects."""
    s = gen.bit_generator.state["state"]["state"]
    words = [(s >> (32 * k)) & 0xFFFFFFFF for k in range(4)]
    return words if any(words) else [1, 0, 0, 0]
