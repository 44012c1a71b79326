"""The worker end to end on a tiny prepared folder written with numpy: the events it writes, the
checkpoint in the TypeScript format, the embeddings, an exact resume from inside an epoch, SIGTERM,
early stopping and a failure."""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import unittest

import numpy as np

from .fixtures import default_config, merge, read_events, write_prepared
from .runs import start_torchrun, worker_env, worker_pid
from .support import requires_torch, torch

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def loop_run(run_dir, stop_after=None, resume=False):
    """One process in this process: the Loop with a stop asked for after `stop_after` steps."""
    from two_tower_lab.distributed import Distributed
    from two_tower_lab.events import EventWriter
    from two_tower_lab.loop import Loop

    writer = EventWriter(os.path.join(run_dir, "events.jsonl"), "tiny-run")
    calls = []

    def should_stop():
        calls.append(1)
        return stop_after is not None and len(calls) >= stop_after

    try:
        return Loop(run_dir, Distributed("cpu"), writer, should_stop, resume=resume).run()
    finally:
        writer.close()


def numpy_tower(weights, prefix, entities, prepared_dir, meta, activation="relu"):
    """The tower's forward pass from the TS-layout weights alone (kernels [fanIn, fanOut])."""
    parts = []
    for seg in meta["towers"][prefix.split("_")[0]]["segments"]:
        if seg["kind"] == "table":
            rows = entities if seg["rowOf"] is None else np.load(os.path.join(prepared_dir, f"{seg['rowOf']}.npy"))[entities]
            parts.append(weights[f"{prefix}/{seg['name']}"][rows])
        else:
            parts.append(np.load(os.path.join(prepared_dir, f"{seg['values']}.npy"))[entities][:, None])
    h = np.concatenate(parts, 1).astype(np.float64)
    h = np.maximum(h @ weights[f"{prefix}/dense_0/kernel"] + weights[f"{prefix}/dense_0/bias"], 0)
    h = h @ weights[f"{prefix}/output/kernel"] + weights[f"{prefix}/output/bias"]
    return h / np.sqrt((h * h).sum(1, keepdims=True) + 1e-12)


@requires_torch
class CompletedRun(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.run_dir = os.path.join(cls.tmp.name, "run")
        cls.meta = write_prepared(cls.run_dir, default_config())
        cls.result = loop_run(cls.run_dir)
        cls.events = read_events(cls.run_dir)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_events_in_order_with_their_common_fields(self):
        kinds = [e["type"] for e in self.events]
        # 49 positives in batches of 16: 4 steps an epoch, each epoch: steps, epoch, sampling, eval, checkpoint.
        per_epoch = ["epoch", "sampling", "eval", "checkpoint"]
        self.assertEqual([k for k in kinds if k != "step"], per_epoch * 2 + ["ended"])
        for e in self.events:
            self.assertEqual(e["schemaVersion"], 1)
            self.assertEqual(e["runId"], "tiny-run")
            self.assertRegex(e["time"], ISO)
        steps = [e for e in self.events if e["type"] == "step"]
        self.assertEqual(steps[-1]["step"], 8)
        self.assertTrue(all(s["epoch"] in (1, 2) for s in steps))
        epochs = [e for e in self.events if e["type"] == "epoch"]
        self.assertEqual([(e["epoch"], e["step"]) for e in epochs], [(1, 4), (2, 8)])
        ended = self.events[-1]
        self.assertEqual((ended["status"], ended["epoch"], ended["step"]), ("completed", 2, 8))
        self.assertEqual(ended["best"]["metric"], "recall@10")

    def test_eval_and_sampling(self):
        ev = [e for e in self.events if e["type"] == "eval"]
        self.assertEqual(set(ev[0]["metrics"]), set(self.meta["baseline"]))
        self.assertEqual(ev[0]["baseline"], self.meta["baseline"])
        dist = [e for e in self.events if e["type"] == "sampling"][0]["distribution"]
        self.assertAlmostEqual(sum(dist["positives"]), 1.0, places=9)
        self.assertIn("in_batch", dist["negatives"])
        self.assertEqual(len(dist["logqP"]), 10)

    def test_checkpoint_in_the_typescript_format(self):
        from two_tower_lab.checkpoint import read_weights

        ck = os.path.join(self.run_dir, "checkpoint")
        self.assertEqual(sorted(os.listdir(ck)), ["model.json", "state.json", "torch_state.pt", "weights.bin"])
        weights, model = read_weights(ck)
        self.assertEqual((model["format"], model["epoch"], model["step"]), ("two-tower-lab/checkpoint@1", 2, 8))
        names = [w["name"] for w in model["weightsManifest"][0]["weights"]]
        self.assertEqual(names, sorted(names))
        width = self.meta["towers"]["user"]["width"]
        self.assertEqual(weights["user_tower/id_embedding"].shape, (25, 8))
        self.assertEqual(weights["user_tower/categorical/group"].shape, (5, 3))
        self.assertEqual(weights["item_tower/bucketized/size"].shape, (4, 2))
        self.assertEqual(weights["user_tower/dense_0/kernel"].shape, (width, 16))
        self.assertEqual(weights["user_tower/dense_0/kernel/adam_m"].shape, (width, 16))
        self.assertEqual(weights["item_tower/output/kernel"].shape, (16, 8))
        self.assertEqual(weights["item_tower/output/bias/adam_v"].shape, (8,))
        self.assertEqual(float(weights["optimizer/step"][0]), 8)
        self.assertEqual(weights["rng/dropout"].shape, (8,))
        with open(os.path.join(ck, "state.json")) as f:
            state = json.load(f)
        self.assertEqual((state["format"], state["engine"], state["epoch"], state["step"], state["stoppedEarly"]), ("two-tower-lab/checkpoint@1", "torch", 2, 8, False))
        self.assertNotIn("epochPosition", state)

    def test_embeddings_are_the_item_tower_of_the_checkpoint(self):
        from two_tower_lab.checkpoint import read_weights

        emb = os.path.join(self.run_dir, "embeddings")
        with open(os.path.join(emb, "items.meta.json")) as f:
            meta = json.load(f)
        self.assertEqual(meta, {"rows": 30, "dim": 8, "dtype": "float32", "layout": "row-major", "file": "items.bin"})
        with open(os.path.join(emb, "items.ids.json")) as f:
            self.assertEqual(json.load(f)[:2], ["<oov>", "i1"])
        vectors = np.fromfile(os.path.join(emb, "items.bin"), dtype="<f4").reshape(30, 8)
        weights, _ = read_weights(os.path.join(self.run_dir, "checkpoint"))
        want = numpy_tower(weights, "item_tower", np.arange(30), os.path.join(self.run_dir, "prepared"), self.meta)
        np.testing.assert_allclose(vectors, want, atol=1e-5)


@requires_torch
class Resume(unittest.TestCase):
    def test_a_run_stopped_inside_an_epoch_continues_exactly(self):
        from two_tower_lab.checkpoint import read_weights

        patch = {
            "training": {"epochs": 3, "negatives": {"source": "mixed", "logq_estimate": "streaming", "hard": {"source": "mined", "relatively_hard": [1, 8]}},
                         "positives": {"rebalance": {"method": "exponent", "exponent": 0.5}}},
            "user_tower": {"mlp": {"dropout": 0.25}},
        }
        with tempfile.TemporaryDirectory() as tmp:
            whole = os.path.join(tmp, "whole")
            write_prepared(whole, merge(default_config(), patch))
            full = loop_run(whole)
            epoch1 = [e["step"] for e in read_events(whole) if e["type"] == "epoch"][0]
            cut = os.path.join(tmp, "cut")
            write_prepared(cut, merge(default_config(), patch))
            # should_stop is asked after every step and once at the end of an epoch: this stop comes
            # after the second step of epoch 2 (whose pools were mined), inside it.
            first = loop_run(cut, stop_after=epoch1 + 1 + 2)
            self.assertEqual((first.status, first.epoch, first.step), ("stopped", 1, epoch1 + 2))
            with open(os.path.join(cut, "checkpoint", "state.json")) as f:
                self.assertEqual(json.load(f)["epochPosition"]["stepInEpoch"], 2)
            second = loop_run(cut, resume=True)
            self.assertEqual((second.status, second.epoch, second.step), ("completed", 3, full.step))
            a, _ = read_weights(os.path.join(whole, "checkpoint"))
            b, _ = read_weights(os.path.join(cut, "checkpoint"))
            for k in a:
                np.testing.assert_array_equal(a[k], b[k], err_msg=k)
            cut_events = read_events(cut)
            self.assertEqual([e["status"] for e in cut_events if e["type"] == "ended"], ["stopped", "completed"])
            # The epoch losses of the resumed epoch are those of the uninterrupted run.
            la = [e["loss"] for e in read_events(whole) if e["type"] == "epoch"]
            lb = [e["loss"] for e in cut_events if e["type"] == "epoch"]
            np.testing.assert_allclose(la, lb, rtol=1e-12)
            mined = [e for e in cut_events if e["type"] == "sampling" and "hardNegatives" in e]
            self.assertEqual(mined[0]["hardNegatives"]["source"], "mined")


@requires_torch
class Endings(unittest.TestCase):
    def test_early_stopping(self):
        patch = {"training": {"epochs": 6, "early_stopping": {"metric": "recall@10", "patience": 1, "min_delta": 1.0}}}
        with tempfile.TemporaryDirectory() as tmp:
            write_prepared(tmp, merge(default_config(), patch))
            result = loop_run(tmp)
            # The first evaluation sets the best; the second does not beat it by 1.0: stop after epoch 2.
            self.assertEqual((result.status, result.epoch), ("completed", 2))
            with open(os.path.join(tmp, "checkpoint", "state.json")) as f:
                self.assertTrue(json.load(f)["stoppedEarly"])
            self.assertEqual(read_events(tmp)[-1]["best"]["epoch"], 1)

    def test_a_failure_ends_the_run_with_its_reason(self):
        from two_tower_lab.worker import main

        with tempfile.TemporaryDirectory() as tmp:
            write_prepared(tmp, merge(default_config(), {"training": {"loss": "hinge"}}))
            env = {k: os.environ.pop(k) for k in ("RANK", "WORLD_SIZE") if k in os.environ}
            stderr = sys.stderr
            try:
                sys.stderr = open(os.devnull, "w")
                code = main(["--run-dir", tmp])
            finally:
                sys.stderr.close()
                sys.stderr = stderr
                os.environ.update(env)
            self.assertEqual(code, 1)
            ended = read_events(tmp)[-1]
            self.assertEqual((ended["type"], ended["status"]), ("ended", "failed"))
            self.assertIn('"hinge" is not a loss of mode "listwise"', ended["error"])

    @staticmethod
    def has_checkpoint_event(events):
        if not os.path.exists(events):
            return False
        with open(events, encoding="utf-8") as f:
            return '"type":"checkpoint"' in f.read()

    def test_sigterm_finishes_the_step_checkpoints_and_exits_0(self):
        with tempfile.TemporaryDirectory() as tmp:
            write_prepared(tmp, merge(default_config(), {"training": {"epochs": 400}}), positives=400)
            proc = subprocess.Popen([sys.executable, "-m", "two_tower_lab.worker", "--run-dir", tmp], env=worker_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            events = os.path.join(tmp, "events.jsonl")
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not self.has_checkpoint_event(events):
                time.sleep(0.05)
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=60)
            self.assertEqual(proc.returncode, 0, err[-2000:])
            got = read_events(tmp)
            self.assertEqual((got[-1]["type"], got[-1]["status"]), ("ended", "stopped"))
            self.assertEqual(got[-2]["type"], "checkpoint")
            self.assertLess(got[-1]["epoch"], 400)
            self.assertFalse(os.path.exists(os.path.join(tmp, "embeddings")))


    def test_a_rank_that_dies_leaves_no_ended_and_the_others_say_they_lost_it(self):
        import uuid

        with tempfile.TemporaryDirectory() as tmp:
            write_prepared(tmp, merge(default_config(), {"training": {"epochs": 400}}), positives=400)
            run_id = f"peer-{uuid.uuid4()}"
            proc, out = start_torchrun(tmp, 2, run_id)
            try:
                events = os.path.join(tmp, "events.jsonl")
                deadline = time.monotonic() + 120
                while time.monotonic() < deadline and not self.has_checkpoint_event(events):
                    time.sleep(0.05)
                pid = worker_pid(run_id, 1)
                self.assertIsNotNone(pid, "rank 1 not found")
                os.kill(pid, signal.SIGKILL)
                proc.wait(timeout=120)
            finally:
                out.close()
            self.assertNotEqual(proc.returncode, 0)
            self.assertNotIn("ended", [e["type"] for e in read_events(tmp)])
            # The workers' stderr is torchrun's (--redirects 1 logs stdout only).
            with open(os.path.join(tmp, "torchrun.out"), encoding="utf-8") as f:
                text = f.read()
            self.assertIn("two-tower-lab worker: another rank is gone (rank 0", text)
            self.assertRegex(text, r"exitcode\s*:\s*(3|-9)")


if __name__ == "__main__":
    unittest.main()
