"""Retrieval metrics on the hand-derived tiny input of test/unit/eval/retrieval.test.ts."""
import math
import unittest

import numpy as np

from two_tower_lab.metrics import RetrievalPlan, evaluate_retrieval, rank_of, top_k

# u1 scores items [OOV 9, 5, 1, 3, 4]; u2 scores [9, 2, 8, 0, 1].
ROWS = {1: [9, 5, 1, 3, 4], 2: [9, 2, 8, 0, 1]}


def fixed_scores(users):
    return np.array([ROWS[int(u)] for u in users], dtype=np.float32)


def tiny(**kw):
    """Users 1 and 2, real items 1..4, clicks [_, 3, 2, 1, 0] so the head is item 1.
    Train: u1→1, u2→2. Test: u1→{2, 3}, u2→{1}."""
    args = dict(
        num_items=5, num_users=3, train_users=[1, 2], train_items=[1, 2], test_users=[1, 1, 2], test_items=[2, 3, 1],
        item_clicks=np.array([0, 3, 2, 1, 0.0]), ks=[2, 1], metrics=["recall", "ndcg", "hit_rate", "mrr", "coverage"], exclude_seen=True, block_size=1,
    )
    args.update(kw)
    return RetrievalPlan(**args)


class TopK(unittest.TestCase):
    def test_ties_to_the_lower_index_and_exclusions(self):
        s = np.array([1, 3, 3, -np.inf, 2], dtype=np.float32)
        self.assertEqual(top_k(s, 3).tolist(), [1, 2, 4])
        self.assertEqual(top_k(s, 10).tolist(), [1, 2, 4, 0])
        self.assertEqual([rank_of(s, 4), rank_of(s, 2), rank_of(s, 0)], [2, 1, 3])

    def test_ties_at_the_cut(self):
        s = np.array([0, 5, 5, 5, 5, 1], dtype=np.float32)
        self.assertEqual(top_k(s, 2).tolist(), [1, 2])


class Retrieval(unittest.TestCase):
    def test_every_metric_by_hand(self):
        m = evaluate_retrieval(tiny(), fixed_scores)
        # Seen removed: u1 ranks 4, 3, 2; u2 ranks 1, 4, 3. u1 @2: one of two, dcg 1/log2(3).
        self.assertAlmostEqual(m["recall@1"], 0.5, places=10)
        self.assertAlmostEqual(m["recall@2"], 0.75, places=10)
        self.assertAlmostEqual(m["ndcg@1"], 0.5, places=10)
        u1 = 1 / math.log2(3) / (1 + 1 / math.log2(3))  # 0.386853
        self.assertAlmostEqual(m["ndcg@2"], (u1 + 1) / 2, places=10)
        self.assertAlmostEqual(m["hit_rate@1"], 0.5, places=10)
        self.assertAlmostEqual(m["hit_rate@2"], 1, places=10)
        # MRR: u1's best held-out item (3) at rank 1 → 1/2; u2's at rank 0 → 1.
        self.assertAlmostEqual(m["mrr"], 0.75, places=10)
        self.assertAlmostEqual(m["coverage@1"], 0.5, places=10)
        self.assertAlmostEqual(m["coverage@2"], 0.75, places=10)
        # Head pair (u2, 1) retrieved at @1; tail pairs (u1, 2), (u1, 3); (u1, 3) at @2 only.
        self.assertEqual(m["recall_head@1"], 1)
        self.assertEqual(m["recall_tail@1"], 0)
        self.assertAlmostEqual(m["recall_tail@2"], 0.5, places=10)

    def test_seen_items_rank_without_exclude_seen(self):
        m = evaluate_retrieval(tiny(exclude_seen=False), fixed_scores)
        self.assertEqual(m["recall@1"], 0)
        self.assertAlmostEqual(m["recall@2"], 0.5, places=10)
        self.assertAlmostEqual(m["mrr"], (1 / 3 + 1 / 2) / 2, places=10)

    def test_popularity_baseline(self):
        clicks = np.array([0, 3, 2, 1, 0], dtype=np.float32)
        m = evaluate_retrieval(tiny(), lambda users: np.tile(clicks, (len(users), 1)))
        self.assertAlmostEqual(m["recall@1"], 0.75, places=10)
        self.assertAlmostEqual(m["recall@2"], 1, places=10)
        self.assertAlmostEqual(m["mrr"], 1, places=10)

    def test_only_users_with_held_out_items_and_only_the_metrics_asked(self):
        m = evaluate_retrieval(tiny(test_users=[1, 1], test_items=[2, 3], metrics=["recall"]), fixed_scores)
        self.assertAlmostEqual(m["recall@2"], 0.5, places=10)
        self.assertEqual(sorted(m), ["recall@1", "recall@2", "recall_head@1", "recall_head@2", "recall_tail@1", "recall_tail@2"])

    def test_block_size_does_not_matter(self):
        self.assertEqual(evaluate_retrieval(tiny(block_size=1), fixed_scores), evaluate_retrieval(tiny(block_size=64), fixed_scores))


if __name__ == "__main__":
    unittest.main()


class PerUser(unittest.TestCase):
    """eval/epoch-N.bin values (per_user.py): the hand derivation of test/unit/eval/retrieval.test.ts, user by user."""

    def test_values_whose_means_are_the_metrics(self):
        from two_tower_lab.metrics import evaluate_retrieval_per_user

        metrics, users, columns, values = evaluate_retrieval_per_user(tiny(), fixed_scores)
        self.assertEqual(users.tolist(), [1, 2])
        self.assertEqual(columns, ["recall@1", "ndcg@1", "hit_rate@1", "recall@2", "ndcg@2", "hit_rate@2", "mrr"])
        col = dict(zip(columns, values))
        self.assertEqual(col["recall@2"].tolist(), [0.5, 1.0])
        self.assertEqual(col["mrr"].tolist(), [0.5, 1.0])
        for c in columns:
            self.assertAlmostEqual(float(col[c].mean()), metrics[c], places=12)

    def test_file_round_trip_and_a_cut_file(self):
        from two_tower_lab.per_user import decode_per_user, encode_per_user

        data = encode_per_user(3, [4, 1, 7], ["recall@5", "mrr"], [np.array([0.5, 0, 1]), np.array([1 / 3, 0, 0.25])])
        self.assertEqual(data[:8], b"TTLPUEV1")
        epoch, users, columns, values = decode_per_user(data)
        self.assertEqual((epoch, users.tolist(), columns), (3, [4, 1, 7], ["recall@5", "mrr"]))
        self.assertEqual(values[1].tolist(), [1 / 3, 0, 0.25])
        with self.assertRaisesRegex(ValueError, "needs"):
            decode_per_user(data[:-1])
