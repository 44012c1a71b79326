"""Samplers: chi-square against their target distributions (as test/unit/sampling), hand-derived
masks and pools, and the property DDP relies on: a rank's rows are the rows of the whole batch."""
import math
import unittest

import numpy as np

from two_tower_lab.names import HARD_LOG_CODE, IN_BATCH_CODE, POPULARITY_CODE, UNIFORM_CODE
from two_tower_lab.sampling import create_negative_sampler
from two_tower_lab.sampling.counters import SamplingCounters
from two_tower_lab.sampling.easy import PopularitySampler, PositiveBatch, UniformSampler
from two_tower_lab.sampling.extra import ExtraColumnSampler
from two_tower_lab.sampling.hard import HardNegativeSampler, HardPools, MinedHardNegativeSampler, mine_hard_negatives
from two_tower_lab.sampling.in_batch import InBatchNegativeSampler
from two_tower_lab.sampling.logq import CountsCorrection, StreamingFrequencyEstimator, appearance_probability
from two_tower_lab.sampling.mixer import MixedSampler
from two_tower_lab.sampling.popularity import gini, head_item_mask, popularity_deciles
from two_tower_lab.sampling.positives import UserPositiveIndex, accidental_hit_mask, positive_matrix
from two_tower_lab.sampling.rebalance import rebalance_positives, rebalance_targets

from .support import chi_square, zipf_clicks


def oov_batch(rows):
    """Positives on the OOV row, which no sampler draws, so nothing is redrawn."""
    return PositiveBatch(np.ones(rows, dtype=np.int64), np.zeros(rows, dtype=np.int64))


def index(pairs, users):
    a = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    return UserPositiveIndex(a[:, 0], a[:, 1], users, 1000)


class EasySamplers(unittest.TestCase):
    def test_uniform_chi_square(self):
        # 10⁶ draws over items 1..100: df = 99, critical value 148.23 at p = 0.001; never the OOV row.
        s = UniformSampler(101)
        out, kinds = s.sample(oov_batch(1000), 1000, np.random.default_rng(3), 0, 1000)
        stat, df, zero = chi_square(np.bincount(out, minlength=101), s.probabilities(), len(out))
        self.assertEqual((df, zero), (99, 0))
        self.assertLess(stat, 148.23)
        self.assertTrue((kinds == UNIFORM_CODE).all())

    def test_uniform_never_the_own_positive(self):
        s = UniformSampler(4)  # items 1, 2, 3
        batch = PositiveBatch(np.ones(10000, dtype=np.int64), np.full(10000, 2, dtype=np.int64))
        out, _ = s.sample(batch, 3, np.random.default_rng(5), 0, 10000)
        self.assertFalse((out == 2).any())
        self.assertEqual(set(out.tolist()), {1, 3})

    def test_popularity_chi_square_and_not_raw_clicks(self):
        clicks = zipf_clicks(201, 1.0)
        s = PopularitySampler(clicks, 0.75)
        out, kinds = s.sample(oov_batch(500), 2000, np.random.default_rng(11), 0, 500)
        w = np.power(clicks, 0.75)
        w[0] = 0
        stat, df, zero = chi_square(np.bincount(out, minlength=201), w / w.sum(), len(out))
        self.assertEqual((df, zero), (199, 0))
        self.assertLess(stat, 266.39)
        self.assertTrue((kinds == POPULARITY_CODE).all())
        raw = clicks / clicks.sum()
        self.assertGreater(chi_square(np.bincount(out, minlength=201), raw, len(out))[0], 266.39)

    def test_popularity_skips_unclicked_items_and_the_own_positive(self):
        s = PopularitySampler([5, 0, 3, 0, 1], 0)
        out = s.draw(np.random.default_rng(2), np.zeros(30000, dtype=np.int64))
        c = np.bincount(out, minlength=5)
        self.assertEqual([c[0], c[1], c[3]], [0, 0, 0])
        self.assertLess(abs(c[2] - 15000), 5 * math.sqrt(30000 * 0.25))
        # Avoiding item 2 leaves item 4 only.
        self.assertTrue((s.draw(np.random.default_rng(2), np.full(1000, 2)) == 4).all())


class InBatchSampler(unittest.TestCase):
    # 8 rows, one user each, items [1, 1, 1, 2, 2, 3, 4, 5] (inBatchSampler.test.ts).
    batch = PositiveBatch(np.arange(1, 9, dtype=np.int64), np.array([1, 1, 1, 2, 2, 3, 4, 5], dtype=np.int64))

    def expected_row(self, r):
        p = np.zeros(6)
        items = self.batch.items
        cols = [j for j in range(8) if j != r and items[j] != items[r]]
        for j in cols:
            p[items[j]] += 1 / len(cols)
        return p

    def test_proportional_to_occurrence(self):
        # 10⁶ draws; chi-square summed over the 8 rows, df = 24, critical value 51.18 at p = 0.001.
        n = 125000
        out, kinds = InBatchNegativeSampler(UniformSampler(6)).sample(self.batch, n, np.random.default_rng(5), 0, 8)
        self.assertTrue((kinds == IN_BATCH_CODE).all())
        stat, df = 0.0, 0
        for r in range(8):
            counts = np.bincount(out[r * n : (r + 1) * n], minlength=6)
            s, d, zero = chi_square(counts, self.expected_row(r), n)
            self.assertEqual(zero, 0)
            stat, df = stat + s, df + d
        self.assertEqual(df, 24)
        self.assertLess(stat, 51.18)

    def test_accidental_hits_and_fallback(self):
        # User 1 (row 0) also clicked items 2, 3, 4: its only eligible column holds item 5.
        hits = index([[1, 1], [1, 2], [1, 3], [1, 4]], 9)
        out, kinds = InBatchNegativeSampler(UniformSampler(6), hits).sample(self.batch, 50, np.random.default_rng(1), 0, 8)
        self.assertTrue((out[:50] == 5).all())
        # A batch of one row has no other column: uniform over the catalogue, never its own item.
        one = PositiveBatch(np.array([1]), np.array([3]))
        out, kinds = InBatchNegativeSampler(UniformSampler(6)).sample(one, 200, np.random.default_rng(1), 0, 1)
        self.assertTrue((kinds == UNIFORM_CODE).all())
        self.assertFalse((out == 3).any() or (out == 0).any())

    def test_a_shard_draws_what_the_whole_batch_draws_for_its_rows(self):
        hits = index([[1, 2], [4, 1], [6, 4]], 9)
        s = InBatchNegativeSampler(UniformSampler(6), hits)
        whole, k_whole = s.sample(self.batch, 7, np.random.default_rng(9), 0, 8)
        part, k_part = s.sample(self.batch, 7, np.random.default_rng(9), 3, 6)
        np.testing.assert_array_equal(whole[3 * 7 : 6 * 7], part)
        np.testing.assert_array_equal(k_whole[3 * 7 : 6 * 7], k_part)


class Masks(unittest.TestCase):
    def test_positive_matrix_is_the_definition(self):
        rng = np.random.default_rng(4)
        pairs = np.stack([rng.integers(0, 30, 400), rng.integers(1, 50, 400)], 1)
        idx = UserPositiveIndex(pairs[:, 0], pairs[:, 1], 30, 50)
        users, items = rng.integers(0, 30, 40), rng.integers(1, 50, 25)
        truth = {(int(u), int(i)) for u, i in pairs}
        want = np.array([[(int(u), int(i)) in truth for i in items] for u in users])
        np.testing.assert_array_equal(positive_matrix(idx, users, items), want)
        np.testing.assert_array_equal(idx.has(users[:25], items), [(int(u), int(i)) in truth for u, i in zip(users[:25], items)])

    def test_accidental_hit_mask(self):
        # Users [1, 2, 1], items [5, 6, 6]; user 1 clicked 5 and 6. Rows 0 and 2 (user 1) mask every
        # other column; row 1 (user 2) masks column 2 (its own item 6 in another row). Never the diagonal.
        idx = index([[1, 5], [1, 6], [2, 6]], 3)
        m = accidental_hit_mask(idx, np.array([1, 2, 1]), np.array([5, 6, 6]))
        np.testing.assert_array_equal(m, [[0, 1, 1], [0, 0, 1], [1, 1, 0]])
        np.testing.assert_array_equal(accidental_hit_mask(idx, np.array([1, 2, 1]), np.array([5, 6, 6]), 1, 3), m[1:3])

    def test_accidental_hit_mask_is_the_definition_when_rows_are_not_positives(self):
        # (i, j), j ≠ i: item j is a positive of user i, or item j is row i's own item (whether or not
        # row i's pair is a training positive); users and items outside the index too.
        rng = np.random.default_rng(7)
        pairs = np.stack([rng.integers(0, 20, 150), rng.integers(1, 40, 150)], 1)
        idx = UserPositiveIndex(pairs[:, 0], pairs[:, 1], 20, 40)
        truth = {(int(u), int(i)) for u, i in pairs}
        for trial in range(20):
            users, items = rng.integers(-1, 21, 30), rng.integers(0, 42, 30)
            if trial % 2:
                users[:10], items[:10] = pairs[:10, 0], pairs[:10, 1]
            want = np.array([[j != i and ((int(users[i]), int(items[j])) in truth or items[j] == items[i]) for j in range(30)] for i in range(30)])
            np.testing.assert_array_equal(accidental_hit_mask(idx, users, items), want)
            np.testing.assert_array_equal(accidental_hit_mask(idx, users, items, 5, 17), want[5:17])


class HardNegatives(unittest.TestCase):
    def test_uniform_over_the_pool_with_fallback(self):
        # User 1 has pool [4, 5, 6, 7]; user 2 none. 10⁵ draws: chi-square df = 3, critical 16.27.
        pools = HardPools(np.array([0, 0, 4, 4]), np.array([4, 5, 6, 7]))
        hard = HardNegativeSampler("hard_log", pools, UniformSampler(10))
        mixed = MixedSampler(UniformSampler(10), hard, 1.0)
        batch = PositiveBatch(np.array([1, 2]), np.array([1, 1]))
        out, kinds = mixed.sample(batch, 100000, np.random.default_rng(7), 0, 2)
        counts = np.bincount(out[:100000], minlength=10)
        p = np.zeros(10)
        p[4:8] = 0.25
        stat, df, zero = chi_square(counts, p, 100000)
        self.assertEqual((df, zero), (3, 0))
        self.assertLess(stat, 16.27)
        self.assertTrue((kinds[:100000] == HARD_LOG_CODE).all())
        self.assertTrue((kinds[100000:] == UNIFORM_CODE).all())
        self.assertEqual((hard.slots, hard.fell_back), (200000, 100000))

    def test_mix_share(self):
        # |x − n·p| < 5·sqrt(n·p·(1−p)) over 10⁶ slots.
        pools = HardPools(np.array([0, 0, 2]), np.array([8, 9]))
        for share in (0.2, 0.5):
            mixed = MixedSampler(UniformSampler(10), HardNegativeSampler("hard_log", pools, UniformSampler(10)), share)
            _, kinds = mixed.sample(PositiveBatch(np.ones(1000, dtype=np.int64), np.ones(1000, dtype=np.int64)), 1000, np.random.default_rng(1), 0, 1000)
            n = kinds.size
            self.assertLess(abs((kinds == HARD_LOG_CODE).sum() - n * share), 5 * math.sqrt(n * share * (1 - share)))

    def test_mining_drops_positives_then_takes_the_band(self):
        # The fake model ranks items 1, 2, 3, … for every user. User 1 clicked 1 and 3; user 2 clicked 7.
        idx = UserPositiveIndex(np.array([1, 1, 2]), np.array([1, 3, 7]), 4, 20)
        top = lambda users, k: np.tile(np.arange(1, k + 1), (len(users), 1))
        pools = mine_hard_negatives(idx, top, 10, [(1, 3)])
        got = [pools.items[pools.offsets[u] : pools.offsets[u + 1]].tolist() for u in range(4)]
        self.assertEqual(got, [[], [4, 5], [2, 3], []])
        self.assertEqual(pools.band_yields, [{"candidates": 4, "users": 2}])
        mined = MinedHardNegativeSampler(idx, [(1, 3)], 10, 2, UniformSampler(20))
        self.assertEqual([mined.needs_refresh(e) for e in range(5)], [False, True, False, True, False])

    def test_a_shard_draws_what_the_whole_batch_draws(self):
        training = {
            "mode": "pairwise", "batch_size": 6,
            "negatives": {"source": "in_batch", "remove_accidental_hits": True, "alpha": 0.75, "per_positive": 3,
                          "hard": {"source": "ranking_log", "band": "relatively_hard", "relatively_hard": [0, 5]}, "mix": {"easy": 0.5, "hard": 0.5}},
        }
        idx = index([[1, 1], [2, 2], [3, 3]], 4)
        pools = HardPools(np.array([0, 0, 3, 3, 5]), np.array([7, 8, 9, 6, 5]))
        batch = PositiveBatch(np.array([1, 2, 3, 1, 2, 3]), np.array([1, 2, 3, 4, 4, 5]))
        s = create_negative_sampler(training, 10, np.ones(10), idx, pools)
        whole, kw = s.sample(batch, 3, np.random.default_rng(2), 0, 6)
        part, kp = s.sample(batch, 3, np.random.default_rng(2), 2, 4)
        np.testing.assert_array_equal(whole[6:12], part)
        np.testing.assert_array_equal(kw[6:12], kp)


class LogQ(unittest.TestCase):
    def test_counts(self):
        # counts (OOV 0, 3, 1), N = 4, B = 2: p_1 = 1 − 0.25² = 0.9375; p_2 = 1 − 0.75² = 0.4375.
        c = CountsCorrection([0, 3, 1], 2)
        np.testing.assert_allclose(c.log_q(np.array([1, 2])), np.log([0.9375, 0.4375]), rtol=1e-6)
        self.assertLess(c.item_probabilities()[0], 1e-9)
        # c = 1 of N = 10⁶, B = 512: p ≈ 512e−6.
        self.assertAlmostEqual(CountsCorrection([0, 1, 999999], 512).item_probabilities()[1] / 512e-6, 1, places=3)
        with self.assertRaisesRegex(ValueError, "empty"):
            CountsCorrection([0, 0], 2)

    def test_appearance(self):
        self.assertAlmostEqual(float(appearance_probability(0.5, 2)), 0.75)
        self.assertEqual(float(appearance_probability(1.0, 3)), 1.0)
        self.assertEqual(float(appearance_probability(0.0, 3)), 1e-12)

    def test_streaming_counts_once_per_step_and_converges(self):
        e = StreamingFrequencyEstimator(5)
        e.observe(np.array([1, 1, 1, 2]), 0)
        # First sight at step 0: B = step + 1 = 1, p = 1.
        self.assertEqual(e.probability(np.array([1, 2, 3])).tolist(), [1.0, 1.0, 1e-12])
        rng = np.random.default_rng(0)
        e = StreamingFrequencyEstimator(4, rate=0.05)
        p_true = np.array([0, 0.8, 0.3, 0.1])
        for step in range(4000):
            e.observe(np.flatnonzero(rng.random(4) < p_true), step)
        np.testing.assert_allclose(e.item_probabilities()[1:], p_true[1:], rtol=0.25)

    def test_hashed_buckets(self):
        e = StreamingFrequencyEstimator(1000, buckets=10)
        self.assertFalse(e.identity)
        self.assertEqual(int(e.bucket(np.array([7]))[0]), ((7 * 0x9E3779B1) & 0xFFFFFFFF) % 10)


class Rebalance(unittest.TestCase):
    def test_cap_and_floor(self):
        # Item 1 has 5 positives, item 2 one; cap 3, floor 2: 3 and 2.
        users = np.arange(6)
        items = np.array([1, 1, 1, 1, 1, 2])
        u, i, stats = rebalance_positives(users, items, np.array([0, 5, 1.0]), {"method": "cap", "cap": 3, "floor": 2}, np.random.default_rng(1))
        self.assertEqual(np.bincount(i, minlength=3).tolist(), [0, 3, 2])
        self.assertEqual(len(set(u[i == 1].tolist())), 3)  # distinct rows of item 1 kept
        self.assertEqual((stats["positivesBefore"], stats["positivesAfter"]), (6, 5))

    def test_exponent_targets_in_expectation(self):
        counts = np.array([0, 9, 1.0])
        t = rebalance_targets(counts, {"method": "exponent", "exponent": 0.5})
        # N = 10, c^½ = 3, 1: targets 7.5, 2.5.
        np.testing.assert_allclose(t, [0, 7.5, 2.5])
        items = np.array([1] * 9 + [2])
        sizes = [np.bincount(rebalance_positives(np.zeros(10), items, counts, {"method": "exponent", "exponent": 0.5}, np.random.default_rng(s))[1], minlength=3)[2] for s in range(400)]
        self.assertAlmostEqual(np.mean(sizes), 2.5, delta=0.1)

    def test_groupings(self):
        clicks = np.array([100, 1, 2, 9, 0, 0, 0, 10, 1, 1, 1.0])
        self.assertEqual(head_item_mask(clicks).tolist(), [0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0])
        self.assertEqual(popularity_deciles(clicks).tolist(), [255, 3, 2, 1, 7, 8, 9, 0, 4, 5, 6])
        self.assertEqual(gini([1, 1, 1]), 0)
        self.assertAlmostEqual(gini([0, 0, 0, 4]), 3 / 4)


class Counters(unittest.TestCase):
    def test_shards_add_up_to_the_whole_batch(self):
        idx = index([[1, 1], [1, 2], [2, 2]], 3)
        batch = PositiveBatch(np.array([1, 2, 1, 2]), np.array([1, 2, 3, 4]))
        decile = popularity_deciles(np.arange(6.0))
        whole = SamplingCounters(decile)
        whole.record_in_batch(batch.items, accidental_hit_mask(idx, batch.users, batch.items), 0, 4)
        parts = [SamplingCounters(decile), SamplingCounters(decile)]
        for c, (lo, hi) in zip(parts, [(0, 2), (2, 4)]):
            c.record_in_batch(batch.items, accidental_hit_mask(idx, batch.users, batch.items, lo, hi), lo, hi)
        np.testing.assert_allclose(parts[0].as_vector() + parts[1].as_vector(), whole.as_vector())
        # 4 rows: each column is a negative of 3 rows, minus the masked (0,1), (2,0), (2,1), (3,1).
        self.assertEqual(whole.negatives[IN_BATCH_CODE].sum(), 12 - 4)

    def test_extra_mask(self):
        idx = index([[1, 7]], 3)
        s = ExtraColumnSampler(UniformSampler(10), 3, idx)
        batch = PositiveBatch(np.array([1, 2]), np.array([5, 6]))
        np.testing.assert_array_equal(s.mask(batch, np.array([5, 7, 6]), 0, 2), [[1, 1, 0], [0, 0, 1]])
        self.assertAlmostEqual(float(s.log_q(np.array([3]))[0]), math.log(1 - (8 / 9) ** 3), places=6)


if __name__ == "__main__":
    unittest.main()


class RowCorrection(unittest.TestCase):
    def training(self, **negatives):
        base = {"source": "in_batch", "per_positive": 4, "logq_correction": True, "alpha": 0.75, "remove_accidental_hits": True,
                "hard": {"source": "ranking_log", "band": "relatively_hard", "relatively_hard": [0, 5]}, "mix": {"easy": 0.25, "hard": 0.75}}
        base.update(negatives)
        return {"mode": "listwise", "batch_size": 2, "negatives": base}

    def test_hard_slots_by_their_own_proposal(self):
        from two_tower_lab.sampling import create_row_column_correction

        # Items 1..5 (uniform easy: Q = 1/5 over 1 expected easy draw); user 1's pool {4, 5}, 3 hard draws:
        # Q = 1 − (1 − ½)³ = 0.875 (factory.test.ts); user 2 has no pool (its hard slots fell back to easy).
        pools = HardPools(np.array([0, 0, 2, 2]), np.array([4, 5]))
        idx = index([[1, 1], [2, 1]], 3)
        t = self.training()
        c = create_row_column_correction(t, create_negative_sampler(t, 6, np.ones(6), idx, pools))
        self.assertEqual((c.easy.draws, c.hard_draws), (1, 3))
        kinds = np.array([HARD_LOG_CODE, HARD_LOG_CODE, UNIFORM_CODE, HARD_LOG_CODE, UNIFORM_CODE, UNIFORM_CODE, UNIFORM_CODE, UNIFORM_CODE])
        out = c.fill(np.array([1, 2]), 4, np.array([4, 5, 2, 3, 2, 3, 4, 5]), kinds)
        np.testing.assert_allclose(out[[0, 2, 4]], np.log([0.875, 0.2, 0.2]), rtol=1e-6)
        # All hard: no easy part, hard slots still corrected: 1 − ½² = 0.75.
        t = self.training(per_positive=2, mix={"easy": 0, "hard": 1})
        h = create_row_column_correction(t, create_negative_sampler(t, 6, np.ones(6), idx, pools))
        self.assertIsNone(h.easy)
        self.assertAlmostEqual(float(h.fill(np.array([1]), 2, np.array([4, 5]), np.array([HARD_LOG_CODE, HARD_LOG_CODE]))[0]), math.log(0.75), places=5)

    def test_none_without_logq_or_outside_listwise(self):
        from two_tower_lab.sampling import create_row_column_correction

        idx = index([[1, 1]], 3)
        t = self.training(source="popularity", hard={"source": "none"})
        s = create_negative_sampler(t, 6, np.array([0, 5, 3, 1, 1, 1.0]), idx)
        c = create_row_column_correction(t, s)
        p = s.probabilities()
        self.assertAlmostEqual(float(c.easy.log_q(np.array([1]))[0]), math.log(1 - (1 - p[1]) ** 4), places=5)
        self.assertIsNone(create_row_column_correction(dict(t, negatives=dict(t["negatives"], logq_correction=False)), s))
        self.assertIsNone(create_row_column_correction(dict(t, mode="pointwise"), s))
