"""Rank 0's side of the ANN exchange (two_tower_lab/ann_eval.py) against a stand-in front door: a thread
that answers the request the way src/trainer/torch/annEvalService.ts does."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import numpy as np

from .support import requires_torch

from two_tower_lab.names import ANN_EVAL_DIR


def answer_once(run_dir, respond, seen):
    """Waits for one request, records what it held, and writes `respond(request, vectors)` as the response."""
    directory = os.path.join(run_dir, ANN_EVAL_DIR)

    def serve():
        for _ in range(400):
            names = os.listdir(directory) if os.path.isdir(directory) else []
            requests = [n for n in names if n.startswith("request-") and n.endswith(".json")]
            if requests:
                tag = requests[0][len("request-"):-len(".json")]
                with open(os.path.join(directory, requests[0]), encoding="utf-8") as f:
                    request = json.load(f)
                vectors = np.fromfile(os.path.join(directory, f"request-{tag}.bin"), dtype="<f4")
                tops = np.fromfile(os.path.join(directory, f"request-{tag}.top.bin"), dtype="<i4")
                seen.update(tag=tag, request=request, vectors=vectors, tops=tops, names=sorted(names))
                with open(os.path.join(directory, f"response-{tag}.json"), "w", encoding="utf-8") as f:
                    json.dump(respond(request, vectors), f)
                return
            time.sleep(0.01)

    thread = threading.Thread(target=serve)
    thread.start()
    return thread


@requires_torch
class AnnExchangeTest(unittest.TestCase):
    def setUp(self):
        self.run_dir = tempfile.mkdtemp(prefix="ttl-ann-")
        self.addCleanup(shutil.rmtree, self.run_dir, True)
        self.users = np.array([3, 7], dtype=np.int32)
        self.user_vectors = np.array([[1, 0], [0, 1]], dtype=np.float32)
        self.item_vectors = np.array([[0, 0], [0.6, 0.8], [1, 0]], dtype=np.float32)
        # User 3 ranks item 2 then 1; user 7 has one rankable item, 1.
        self.exact_top = (np.array([3, 7], dtype=np.int32), np.array([[2, 1], [1, -1]], dtype=np.int32))

    def ask(self, **kw):
        from two_tower_lab.ann_eval import request_ann_figures

        return request_ann_figures(self.run_dir, 2, False, self.users, self.user_vectors, self.item_vectors, self.exact_top, os.getpid(), poll_sec=0.01, **kw)

    def test_sends_the_users_then_the_items_and_returns_the_answer_leaving_nothing_behind(self):
        seen = {}
        index = {"items": 2, "metric": "cosine", "connectivity": 16, "expansionAdd": 128, "expansionSearch": 64, "quantization": "f32", "buildSec": 0.01}
        thread = answer_once(self.run_dir, lambda request, vectors: {"metrics": {"ann_recall@10": 0.5}, "index": index}, seen)
        answer, why_not = self.ask()
        thread.join()
        self.assertIsNone(why_not)
        self.assertEqual(answer, {"metrics": {"ann_recall@10": 0.5}, "index": index})
        self.assertEqual(seen["tag"], "2-epoch")
        self.assertEqual(seen["request"], {"epoch": 2, "final": False, "users": [3, 7], "items": 3, "dim": 2, "exactTop": {"users": [3, 7], "k": 2}})
        # Every request file was whole when the responder saw the .json (it is written last).
        self.assertEqual(seen["names"], ["request-2-epoch.bin", "request-2-epoch.json", "request-2-epoch.top.bin"])
        np.testing.assert_array_equal(seen["tops"], [2, 1, 1, -1])
        np.testing.assert_array_equal(seen["vectors"], np.concatenate([self.user_vectors.ravel(), self.item_vectors.ravel()]))
        self.assertEqual(os.listdir(os.path.join(self.run_dir, ANN_EVAL_DIR)), [])

    def test_an_error_answer_is_the_reason_and_no_figures(self):
        thread = answer_once(self.run_dir, lambda request, vectors: {"error": "the index could not be built"}, {})
        answer, why_not = self.ask()
        thread.join()
        self.assertIsNone(answer)
        self.assertEqual(why_not, "the index could not be built")

    def test_a_stale_response_of_a_killed_launch_is_not_taken_for_the_answer(self):
        directory = os.path.join(self.run_dir, ANN_EVAL_DIR)
        os.makedirs(directory)
        with open(os.path.join(directory, "response-2-epoch.json"), "w", encoding="utf-8") as f:
            json.dump({"metrics": {"ann_recall@10": 0.01}, "index": {}}, f)
        thread = answer_once(self.run_dir, lambda request, vectors: {"metrics": {"ann_recall@10": 0.9}, "index": {}}, {})
        answer, _ = self.ask()
        thread.join()
        self.assertEqual(answer["metrics"], {"ann_recall@10": 0.9})

    def test_stops_waiting_when_the_front_door_is_gone(self):
        gone = subprocess.Popen([sys.executable, "-c", "pass"])
        gone.wait()
        from two_tower_lab.ann_eval import request_ann_figures

        # A longest wait far above the test's: only the liveness check can end this one.
        answer, why_not = request_ann_figures(self.run_dir, 1, True, self.users, self.user_vectors, self.item_vectors, self.exact_top, gone.pid, poll_sec=0.01, max_wait_sec=600)
        self.assertIsNone(answer)
        self.assertIn(f"pid {gone.pid}", why_not)
        self.assertIn("gone", why_not)
        self.assertEqual(os.listdir(os.path.join(self.run_dir, ANN_EVAL_DIR)), [])

    def test_gives_up_after_the_longest_wait(self):
        answer, why_not = self.ask(max_wait_sec=0.05)
        self.assertIsNone(answer)
        self.assertIn("did not answer", why_not)


class ExactTopsAndVectorsTest(unittest.TestCase):
    def test_exact_top_lists_pads_each_user_after_its_rankable_items(self):
        from two_tower_lab.ann_eval import exact_top_lists

        blocks = [
            (np.array([5, 9]), np.array([[4, 2, 7], [3, 1, 8]]), np.array([3, 1])),
            (np.array([11]), np.array([[6, 0, 0]]), np.array([2])),
        ]
        users, top = exact_top_lists(blocks, 3)
        np.testing.assert_array_equal(users, [5, 9, 11])
        np.testing.assert_array_equal(top, [[4, 2, 7], [3, -1, -1], [6, 0, -1]])
        # Fewer items than K (k_top = the catalogue): the missing places are −1.
        users, top = exact_top_lists([(np.array([1]), np.array([[2, 1]]), np.array([2]))], 4)
        np.testing.assert_array_equal(top, [[2, 1, -1, -1]])
        self.assertEqual(exact_top_lists([], 3)[1].shape, (0, 3))

    def test_vectors_lookup_returns_the_rows_of_the_users_asked_and_refuses_others(self):
        from two_tower_lab.metrics import vectors_lookup

        vectors = np.array([[1.0, 0], [2, 0], [3, 0]], dtype=np.float32)
        of = vectors_lookup(np.array([30, 10, 20]), vectors)
        np.testing.assert_array_equal(of(np.array([10, 30, 20, 10])), [[2, 0], [1, 0], [3, 0], [2, 0]])
        with self.assertRaisesRegex(ValueError, r"user rows \[15\] have no precomputed vector"):
            of(np.array([10, 15]))
        with self.assertRaisesRegex(ValueError, "no precomputed vector"):
            of(np.array([40]))


if __name__ == "__main__":
    unittest.main()
