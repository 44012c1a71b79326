/**
 * The theory shown on hover for loss and sampler names: each value's formula and when to use it (from the
 * mission's "three ways to train" and "negative samples"). Keyed by the field's dotted path, then the value.
 */
export const VALUE_DOCS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'training.loss': {
    bce: 'Pointwise binary cross-entropy: a positive pair should have cos → +1, a negative pair cos → −1.\n\n`L = −y·log σ(cos(a,b)/τ) − (1 − y)·log(1 − σ(cos(a,b)/τ))`\n\nMix positives and negatives about 1:2 or 1:3 (`negatives.per_positive`).',
    hinge: 'Pairwise triplet hinge loss on (a, b⁺, b⁻): we want cos(a, b⁺) > cos(a, b⁻) by at least the margin m.\n\n`L = max(0, cos(a, b⁻) + m − cos(a, b⁺))`\n\nm is `training.margin` (default 0.2).',
    logistic: 'Pairwise triplet logistic loss, a smooth hinge:\n\n`L = log(1 + exp(σ · (cos(a, b⁻) − cos(a, b⁺))))`\n\nσ > 0 is `training.scale` (default 10).',
    softmax: 'Listwise softmax cross-entropy over one positive and n negatives:\n\n`s = softmax([cos(a,b⁺), cos(a,b⁻₁), …, cos(a,b⁻ₙ)] / τ)`, `L = −log s⁺`\n\nτ is `score.temperature`.',
  },
  'training.mode': {
    pointwise: 'Retrieval as binary classification: cos(a, b⁺) → +1, cos(a, b⁻) → −1. Loss `bce`; ratio of positives to negatives about 1:2–1:3.',
    pairwise: 'Triplets (a, b⁺, b⁻): cos(a, b⁺) > cos(a, b⁻). Losses `hinge` `max(0, cos(a,b⁻) + m − cos(a,b⁺))` or `logistic` `log(1 + exp(σ(cos(a,b⁻) − cos(a,b⁺))))`.',
    listwise: 'One positive and n negatives: softmax over `[cos(a,b⁺), cos(a,b⁻₁), …, cos(a,b⁻ₙ)]`, cross-entropy `−log s⁺`. Loss `softmax`.',
  },
  'training.negatives.source': {
    uniform: 'Easy negatives drawn uniformly from all items: `P(i) = 1/|I|`.\n\nUnfair to unpopular items: positives are mostly popular, so uniform negatives are mostly unpopular. The logQ correction changes nothing here: `Q_j` is the same for every column.',
    popularity: 'Easy negatives drawn by popularity: `P(i) ∝ clicks_i^α` (α = `alpha`, 0.75 by default).\n\nSuppresses popular items, which uniform sampling lets through. Listwise with `logq_correction: true` (sampled softmax, Jean et al. 2015): logits `cos(a, b_j)/τ − γ·log Q_j`, `Q_j` the probability that the sampler draws j among the row\'s n negatives.',
    in_batch: 'The other positives of the batch are the negatives: a batch of n pairs gives n(n − 1) negatives.\n\nAn item is in a batch with `p_j ∝ clicks_j`, which over-penalises popular items; set `logq_correction: true` to train on `cos(a, b_j)/τ − γ·log p_j` and serve on `cos(a, b_j)`: the negatives then act as if drawn `∝ clicks_j^(1−γ)` (γ = `logq_strength`).',
    mixed: 'Mixed negative sampling (Yang et al. 2020), listwise only: each row\'s softmax is over the B items of the batch (its own positive among them) and `extra` B′ items drawn from the whole catalogue by `extra_sampler` and shared by every row:\n\n`s = softmax([cos(a,b₁), …, cos(a,b_B), cos(a,b′₁), …, cos(a,b′_B′)] / τ − γ·log Q)`, `L = −log s⁺`\n\nWith `logq_correction: true` each column has its own `Q_j`: `p_j ∝ clicks_j` in-batch, the extra sampler\'s probability for the extra ones. Items rarely in a batch become negatives too.',
    impressed_not_clicked: 'Refused: items impressed but not clicked are negatives for **ranking** models (they passed retrieval and were shown), not for retrieval. A retrieval model must tell relevant items from the whole catalogue, so its negatives come from all items or the batch.',
  },
  'training.negatives.hard.source': {
    none: 'No hard negatives: easy negatives only.',
    ranking_log: 'Items the upstream system nominated but ranking discarded, read from `data.ranking_log` (or the synthetic ranking log). Relatively hard: ranked close behind the target; extremely hard: ranked far behind.',
    mined: 'Mined with the model itself every `mine_every` epochs: retrieve the top `mine_top_k`, drop the user\'s positives, keep a rank band.',
  },
  'training.positives.rebalance.method': {
    none: 'Positives are used as they come: about 20% of items take 80% of clicks.',
    exponent: 'Item i keeps ∝ `clicks_i^β` positives (β = `exponent` < 1): up-samples cold items and down-samples hot ones.',
    cap: 'At most `cap` positives per item (down-samples hot items); items with fewer than `floor` are repeated up to `floor` (up-samples cold items).',
  },
  'training.negatives.logq_correction': {
    true: 'Train on `cos(a, b_j)/τ − γ·log Q_j` for every column j (the positive too), serve on `cos(a, b_j)`; γ = `logq_strength`. `in_batch`: `Q_j = p_j`, the probability that j is in a batch (∝ its clicks). `popularity`: `Q_j` is the probability that the sampler draws j (sampled softmax). `mixed`: each column by its own. `uniform`: `Q_j` is constant, so nothing changes. Listwise only.',
    false: 'No correction: in-batch negatives penalise popular items ∝ their clicks, popularity-sampled ones ∝ clicks^α.',
  },
  'training.negatives.extra_sampler': {
    uniform: 'Extra items drawn uniformly: `P(i) = 1/|I|`, so items rarely in a batch get to be negatives (Yang et al. 2020).',
    popularity: 'Extra items drawn by popularity: `P(i) ∝ clicks_i^α` (α = `alpha`).',
  },
  'evaluation.metrics': {
    recall: '`recall@K = |held-out positives ∩ top K| / |held-out positives|`, averaged over users; also split into head and tail items.',
    ndcg: '`NDCG@K = DCG@K / IDCG@K`, with `DCG@K = Σ_{hits at rank r ≤ K} 1 / log₂(r + 1)`.',
    hit_rate: '`hit_rate@K = 1` when at least one held-out positive is in the top K, else 0; averaged over users.',
    mrr: '`MRR = mean over users of 1 / rank` of the first held-out positive in the full ranking.',
    coverage: '`coverage@K = |⋃_users top K| / |items|`: how much of the catalogue is ever recommended.',
  },
  'score.type': {
    cosine:
      'The dot product of the towers\' output vectors, divided by the temperature τ for the bce and softmax losses: `cos(a, b) = a·b / (‖a‖₂ ‖b‖₂)` when both towers have `l2_normalize: true` (the default); the plain dot product `a·b` when both have `l2_normalize: false`; with only one tower normalised, `a·b/‖b‖₂` (or `a·b/‖a‖₂`).',
  },
};

/** Extra theory for fields whose hover should carry a formula whatever their value. */
export const FIELD_FORMULAS: Readonly<Record<string, string>> = {
  'training.margin': '`L = max(0, cos(a, b⁻) + m − cos(a, b⁺))`',
  'training.scale': '`L = log(1 + exp(σ · (cos(a, b⁻) − cos(a, b⁺))))`',
  'training.negatives.alpha': '`P(i) ∝ clicks_i^α`',
  'score.temperature': '`logits = score(a, b) / τ`, with `score = cos(a, b)` for L2-normalised towers and `a·b` for `l2_normalize: false`',
  'training.negatives.logq_correction': 'train: `cos(a, b_j)/τ − γ·log Q_j`; serve: `cos(a, b_j)`',
  'training.negatives.logq_strength': 'train: `cos(a, b_j)/τ − γ·log Q_j`; in-batch negatives then act as if drawn `∝ clicks_j^(1−γ)` (γ = 0: no correction; γ = 1: as if uniform, no popularity penalty)',
  'training.negatives.extra': 'each row scores `B + B′` columns: the batch\'s B items (its own positive among them) and the B′ shared extra items, plus its hard ones',
};
