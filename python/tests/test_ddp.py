"""DDP equivalence: 2 gloo workers with B/2 rows each end with the same parameters (to 1e-5) as one
process with batch B, for the batch-column softmax (gathered columns with gradient), mixed negatives
with hard ones from the log and dropout, pointwise in-batch + mined hard negatives, and pairwise
popularity negatives with rebalancing. 49 positives in batches of 16: the last batch has one row,
so rank 1 trains nothing in it (its weight is 0) and the shards are never even there."""
import os
import tempfile
import unittest

import numpy as np

from .fixtures import default_config, merge, read_events, write_prepared
from .runs import run_worker
from .support import requires_torch

CASES = {
    "in_batch_logq": {},
    "mixed_hard_log_dropout": {
        "training": {"negatives": {"source": "mixed", "hard": {"source": "ranking_log"}, "mix": {"easy": 0.4, "hard": 0.6}}},
        "user_tower": {"mlp": {"dropout": 0.3}},
        "item_tower": {"mlp": {"dropout": 0.2, "activation": "gelu"}},
    },
    "pointwise_in_batch_mined": {
        "training": {"mode": "pointwise", "loss": "bce", "epochs": 3, "negatives": {"source": "in_batch", "hard": {"source": "mined", "relatively_hard": [1, 6]}}},
    },
    "pairwise_popularity_rebalance_adagrad": {
        "training": {"mode": "pairwise", "loss": "hinge", "optimizer": "adagrad", "negatives": {"source": "popularity"}, "positives": {"rebalance": {"method": "exponent", "exponent": 0.5}}},
        "item_tower": {"mlp": {"activation": "tanh"}},
    },
    "sampled_softmax_logq": {
        "training": {"negatives": {"source": "popularity", "per_positive": 3}},
    },
    "in_batch_streaming_hits_kept": {
        "training": {"negatives": {"logq_estimate": "streaming", "remove_accidental_hits": False, "logq_strength": 0.5}},
    },
}


@requires_torch
class DdpEquivalence(unittest.TestCase):
    def run_case(self, name, patch):
        with tempfile.TemporaryDirectory() as tmp:
            weights = []
            for processes in (1, 2):
                run = os.path.join(tmp, f"p{processes}")
                config = merge(default_config(), patch)
                write_prepared(run, config, ranking_log=True)
                done = run_worker(run, processes)
                self.assertEqual(done.returncode, 0, f"{name} × {processes}: {done.stderr[-3000:]}")
                events = read_events(run)
                self.assertEqual(events[-1]["type"], "ended")
                self.assertEqual(events[-1]["status"], "completed", events[-1])
                from two_tower_lab.checkpoint import read_weights

                weights.append(read_weights(os.path.join(run, "checkpoint"))[0])
                if processes == 2:
                    losses = [e["loss"] for e in events if e["type"] == "epoch"]
                    one = [e["loss"] for e in read_events(os.path.join(tmp, "p1")) if e["type"] == "epoch"]
                    np.testing.assert_allclose(losses, one, rtol=1e-5, err_msg=f"{name}: epoch losses")
            one, two = weights
            self.assertEqual(sorted(one), sorted(two))
            worst = max(float(np.abs(one[k] - two[k]).max()) for k in one)
            self.assertLess(worst, 1e-5, f"{name}: parameters differ by up to {worst}")
            # The runs trained: the weights moved away from their initial values by far more than that.
            slot = one.get("item_tower/id_embedding/adam_m")
            moved = float(np.abs(slot).max()) if slot is not None else float((one["item_tower/id_embedding/adagrad_accum"] - 0.1).max())
            self.assertGreater(moved, 1e-4, f"{name}: the optimiser state did not move")

    def test_cases(self):
        for name, patch in CASES.items():
            with self.subTest(name):
                self.run_case(name, patch)


if __name__ == "__main__":
    unittest.main()
