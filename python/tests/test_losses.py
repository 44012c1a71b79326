"""Losses on tiny hand-derived inputs: the values of test/unit/losses/*.test.ts."""
import math
import unittest

from .support import requires_torch, torch

if torch is not None:
    from two_tower_lab.losses import (
        LossInputs,
        LossSpec,
        batch_columns_softmax,
        compute_loss,
        loss_spec_from_config,
        pointwise_bce,
        sampled_softmax,
        triplet_hinge,
        triplet_logistic,
    )


def t(values, rows, cols):
    return torch.tensor(values, dtype=torch.float32).view(rows, cols)


@requires_torch
class PairLosses(unittest.TestCase):
    # One row: u = [1,0], positive v⁺ = [0,1] (cos⁺ = 0), negatives [1,0] and [−1,0] (cos⁻ = 1 and −1).
    def setUp(self):
        self.u = t([1, 0], 1, 2)
        self.pos = t([0, 1], 1, 2)
        self.neg = t([1, 0, -1, 0], 2, 2)

    def test_hinge(self):
        # m = 0.2: mean(max(0, 1 + 0.2 − 0), max(0, −1 + 0.2 − 0)) = (1.2 + 0)/2 = 0.6
        self.assertAlmostEqual(triplet_hinge(self.u, self.pos, self.neg, 2, 0.2).item(), 0.6, places=6)

    def test_logistic(self):
        # σ = 1: mean(log(1+e¹), log(1+e⁻¹)) = (1.3132617 + 0.3132617)/2 = 0.8132617
        self.assertAlmostEqual(triplet_logistic(self.u, self.pos, self.neg, 2, 1).item(), 0.8132617, places=5)
        # σ = 10 stays finite: (softplus(10) + softplus(−10))/2 = 5.0000454
        self.assertAlmostEqual(triplet_logistic(self.u, self.pos, self.neg, 2, 10).item(), 5.0000454, places=4)

    def test_hardest_of_each_row(self):
        # Two rows: row 1 as above; row 2 u = (0,1), v⁺ = (0,1) (cos 1), negatives (0,1) (cos 1) and (1,0) (cos 0).
        u2, pos2, neg2 = t([1, 0, 0, 1], 2, 2), t([0, 1, 0, 1], 2, 2), t([1, 0, -1, 0, 0, 1, 1, 0], 4, 2)
        # Hinge m = 0.2: mean of the 4 triplets (1.2 + 0 + 0.2 + 0)/4 = 0.35; of the hardest (1.2 + 0.2)/2 = 0.7.
        self.assertAlmostEqual(triplet_hinge(u2, pos2, neg2, 2, 0.2, "mean").item(), 0.35, places=6)
        self.assertAlmostEqual(triplet_hinge(u2, pos2, neg2, 2, 0.2, "hardest").item(), 0.7, places=6)
        # Logistic σ = 1, hardest: (softplus(1) + softplus(0))/2 = 1.0032044.
        self.assertAlmostEqual(triplet_logistic(u2, pos2, neg2, 2, 1, "hardest").item(), 1.0032044, places=5)

    def test_reduction_read_from_the_experiment(self):
        config = {"training": {"mode": "pairwise", "loss": "hinge", "negatives": {"logq_strength": 1, "source": "uniform"}}, "score": {"temperature": 0.1}}
        self.assertEqual(loss_spec_from_config(config).pairwise_reduction, "mean")
        config["training"]["pairwise_reduction"] = "hardest"
        self.assertEqual(loss_spec_from_config(config).pairwise_reduction, "hardest")

    def test_sampled_softmax(self):
        # τ = 1: logits [0, 1, −1], −log(1/(1 + e + e⁻¹)) = log 4.0861612 = 1.4076059
        self.assertAlmostEqual(sampled_softmax(self.u, self.pos, self.neg, 2, 1).item(), 1.4076059, places=5)

    def test_bce(self):
        # τ = 1: (softplus(0) − 0 + softplus(1) + softplus(−1))/3 = 0.7732235
        self.assertAlmostEqual(pointwise_bce(self.u, self.pos, self.neg, 2, 1).item(), 0.7732235, places=5)
        # τ = 0.5 doubles the logits: (log 2 + softplus(2) + softplus(−2))/3 = 0.9823344
        self.assertAlmostEqual(pointwise_bce(self.u, self.pos, self.neg, 2, 0.5).item(), 0.9823344, places=5)


@requires_torch
class InBatchLosses(unittest.TestCase):
    # u = v = I₂, τ = 1: the cosine matrix is I and each row's logits are [1, 0] or [0, 1].
    def setUp(self):
        self.eye = t([1, 0, 0, 1], 2, 2)
        self.hard = t([1, 0, 1, 0], 2, 2)  # cos(u₀, h₀) = 1, cos(u₁, h₁) = 0

    def loss(self, **kw):
        return batch_columns_softmax(self.eye, self.eye, 1.0, **kw).item()

    def test_plain(self):
        # each row −log(e/(e+1)) = log(1 + e⁻¹) = 0.3132617
        self.assertAlmostEqual(self.loss(), 0.3132617, places=5)

    def test_logq(self):
        # logQ = [0, ln 2]: rows log(1 + 0.5/e) = 0.1688455 and log(1 + 2/e) = 0.5514447, mean 0.3601451
        self.assertAlmostEqual(self.loss(logq=torch.tensor([0, math.log(2)])), 0.3601451, places=5)

    def test_gamma(self):
        logq = torch.tensor([0, math.log(2)])
        # γ = 0.5: row 0 log(e + 2^−½) − 1 = 0.2312149; row 1 0.4188814; mean 0.3250482
        self.assertAlmostEqual(self.loss(logq=logq, strength=0.5), 0.3250482, places=5)
        # γ = 0 is no correction at all.
        self.assertAlmostEqual(self.loss(logq=logq, strength=0.0), 0.3132617, places=5)

    def test_mask_ignores_the_diagonal(self):
        # (0,1) masked: row 0 has only its positive, loss 0; mean (0 + 0.3132617)/2 = 0.1566309
        mask = torch.tensor([[1, 1], [0, 0]], dtype=torch.uint8)
        self.assertAlmostEqual(self.loss(hit_mask=mask), 0.1566309, places=5)

    def test_hard_columns(self):
        # row 0 [1, 0 | 1] → log(2 + e⁻¹) = 0.8619948; row 1 [0, 1 | 0] → log(1 + 2/e) = 0.5514447; mean 0.7067198
        self.assertAlmostEqual(self.loss(v_row=self.hard, per_row=1), 0.7067198, places=5)
        # logQ applies to in-batch columns only: mean 0.8429814
        self.assertAlmostEqual(self.loss(v_row=self.hard, per_row=1, logq=torch.tensor([0, math.log(2)])), 0.8429814, places=5)
        # a masked in-batch column leaves the hard column: (log 2 + 0.5514447)/2 = 0.6222959
        mask = torch.tensor([[0, 1], [0, 0]], dtype=torch.uint8)
        self.assertAlmostEqual(self.loss(v_row=self.hard, per_row=1, hit_mask=mask), 0.6222959, places=5)

    def test_extra_columns(self):
        e = t([1, 0], 1, 2)
        # an extra column shared by every row scores like a per-row column of the same vector
        self.assertAlmostEqual(self.loss(v_extra=e), 0.7067198, places=5)
        # extra logQ = [ln 2]: mean 0.5321158
        self.assertAlmostEqual(self.loss(v_extra=e, extra_logq=torch.tensor([math.log(2)])), 0.5321158, places=5)
        # the extra mask removes row 0's extra column: mean 0.4323532
        self.assertAlmostEqual(self.loss(v_extra=e, extra_mask=torch.tensor([[1], [0]], dtype=torch.uint8)), 0.4323532, places=5)

    def test_rows_of_a_shard_score_the_global_columns(self):
        # Row 1 alone, as rank 1 of 2 holds it: its target is column 1 of the two.
        # logQ = [0, ln 2]: row 1 alone is log(1 + 2/e) = 0.5514447, as in test_logq.
        one = batch_columns_softmax(self.eye[1:], self.eye, 1.0, targets=torch.tensor([1]), logq=torch.tensor([0, math.log(2)])).item()
        self.assertAlmostEqual(one, 0.5514447, places=5)


@requires_torch
class Dispatch(unittest.TestCase):
    def test_compute_loss_picks_like_typescript(self):
        eye = t([1, 0, 0, 1], 2, 2)
        hard = t([1, 0, 1, 0], 2, 2)
        spec = LossSpec(mode="listwise", loss="softmax", temperature=1, margin=0, scale=1, in_batch=True, logq_strength=1)
        x = LossInputs(u=eye, v_pos=eye, v_neg=hard, per_positive=1)
        self.assertAlmostEqual(compute_loss(spec, x).item(), 0.7067198, places=5)
        # Sampled softmax drops the in-batch columns: (log 2 + log(1 + e⁻¹))/2 = 0.5032044
        spec2 = LossSpec(mode="listwise", loss="softmax", temperature=1, in_batch=False)
        self.assertAlmostEqual(compute_loss(spec2, x).item(), 0.5032044, places=5)

    def test_sampled_softmax_logq_corrects_the_positive(self):
        eye = t([1, 0, 0, 1], 2, 2)
        neg = t([1, 0, 1, 0], 2, 2)
        # Q⁺ = [½, ¼], Q⁻ = [¼, ½]: row 0 → ln 3; row 1 → log(1 + ½e⁻¹); mean 0.6337300
        loss = sampled_softmax(eye, eye, neg, 1, 1, torch.log(torch.tensor([0.5, 0.25])), torch.log(torch.tensor([0.25, 0.5])), 1.0)
        self.assertAlmostEqual(loss.item(), 0.63373, places=5)

    def test_pointwise_needs_negatives(self):
        eye = t([1, 0, 0, 1], 2, 2)
        with self.assertRaisesRegex(ValueError, "needs sampled negatives"):
            compute_loss(LossSpec(mode="pointwise", loss="bce", temperature=1), LossInputs(u=eye, v_pos=eye))

    def test_gradient_is_the_closed_form(self):
        # d loss / d scores = scale·(softmax − target)/B, what softmaxCrossEntropy.ts writes out.
        g = torch.Generator().manual_seed(3)
        u = torch.randn(4, 3, generator=g, requires_grad=True)
        v = torch.randn(4, 3, generator=g)
        loss = batch_columns_softmax(u, v, 0.5)
        loss.backward()
        logits = (u.detach() @ v.t()) / 0.5
        dscores = (torch.softmax(logits, 1) - torch.eye(4)) * (2.0 / 4)
        self.assertTrue(torch.allclose(u.grad, dscores @ v, atol=1e-6))


if __name__ == "__main__":
    unittest.main()
