/**
 * The experiment schema: the one source of truth for `*.tower.yaml`. It gives the static types
 * (`Experiment`), run-time validation with defaults (validate.ts), the generated JSON Schema
 * (`schemas/two-tower.schema.json`, made by scripts/generate-schema.ts) and the hover/completion text
 * of the language server. Every field has a description: it is what users see on hover.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

import type { TLiteral, TUnion } from '@sinclair/typebox';
import { LOSSES, LOSSES_BY_MODE, PAIRWISE_REDUCTIONS, TRAINING_MODES, type PairwiseReduction } from '../../shared/vocabulary';
import { MODE_DEFAULTS } from './modeDefaults';

/** A string enum as a union of literals: JSON Schema `anyOf` of `const`s, which editors complete. */
function Enum<const T extends readonly [string, ...string[]]>(values: T, options: { description: string; default?: T[number] }) {
  const literals = values.map((v) => Type.Literal(v)) as unknown as { -readonly [K in keyof T]: TLiteral<T[K]> };
  return Type.Union(literals, options) as TUnion<{ -readonly [K in keyof T]: TLiteral<T[K]> }>;
}

const Strict = { additionalProperties: false } as const;

// ───────────────────────────── data ─────────────────────────────

export const DataFormat = Enum(['auto', 'csv', 'tsv', 'jsonl', 'parquet', 'movielens-latest', 'movielens-100k', 'movielens-1m'] as const, {
  description:
    'File format. `auto` picks from the extension (.csv, .tsv/.data, .jsonl, .parquet, each also compressed as .gz or .zst) and recognises MovieLens files by name (`ratings.csv` of latest-small, `u.data` of 100K, the `::`-separated `ratings.dat` of 1M/10M). The path may also be a glob (`logs/*.parquet`) or a folder: its files are read one after the other and must have the same columns.',
  default: 'auto',
});

export const InteractionColumns = Type.Object(
  {
    user: Type.String({ description: 'Column holding the user id.', default: 'user_id' }),
    item: Type.String({ description: 'Column holding the item id.', default: 'item_id' }),
    timestamp: Type.Optional(Type.String({ description: 'Column holding the interaction time (seconds or ISO date); needed by the time-based splits.' })),
    rating: Type.Optional(Type.String({ description: 'Column holding an explicit rating; used by `positive.rule: rating_at_least`.' })),
    clicked: Type.Optional(Type.String({ description: 'Column holding the click flag (1/0, true/false); used by `positive.rule: clicked`.' })),
    impressed: Type.Optional(
      Type.String({ description: 'Column holding the impression flag. Impressed-but-not-clicked rows are kept out of retrieval training: they are negatives for ranking models, not for retrieval.' }),
    ),
  },
  { ...Strict, description: 'Which column of the interactions file means what.' },
);

export const FeatureTable = Type.Object(
  {
    path: Type.String({ description: 'Path of the feature table, relative to the experiment file.' }),
    format: DataFormat,
    key: Type.String({ description: 'Column of the table that holds the user or item id it describes.' }),
  },
  { ...Strict, description: 'A table of per-user or per-item features, joined on `key`.' },
);

export const SyntheticData = Type.Object(
  {
    users: Type.Integer({ minimum: 2, default: 2000, description: 'Number of users to generate.' }),
    items: Type.Integer({ minimum: 2, default: 1000, description: 'Number of items to generate.' }),
    latent_dim: Type.Integer({ minimum: 1, default: 16, description: 'Dimension of the hidden user and item vectors that drive clicks.' }),
    zipf_exponent: Type.Number({ minimum: 0, default: 1.0, description: 'Exponent s of the Zipf law of item popularity: the item of popularity rank r is impressed ∝ 1/r^s.' }),
    impressions_per_user: Type.Integer({ minimum: 1, default: 60, description: 'Mean number of items impressed per user.' }),
    click_temperature: Type.Number({ exclusiveMinimum: 0, default: 0.5, description: 'Temperature of the click model: P(click) = sigmoid((u·v − bias)/T). Lower means clicks follow the latent scores more sharply.' }),
    ranking_log: Type.Boolean({ default: true, description: 'Also generate a ranking log: the items nominated for each request with their rank and whether ranking discarded them (source of hard negatives).' }),
  },
  { ...Strict, description: 'Generate a synthetic data set with known latent structure instead of reading files (no download needed). `two-tower-lab generate` writes the same data to files.' },
);

export const Split = Type.Object(
  {
    method: Enum(['random', 'leave_last_n', 'time_cut'] as const, {
      description: '`random`: a random share of positives is held out. `leave_last_n`: each user\'s last n positives by time are held out. `time_cut`: every positive after a global time is held out.',
      default: 'leave_last_n',
    }),
    test_fraction: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.2, description: 'Share of positives held out by the `random` split.' }),
    n: Type.Integer({ minimum: 1, default: 1, description: 'Positives held out per user by `leave_last_n`.' }),
    cut: Type.Optional(
      Type.Union([Type.Number(), Type.String()], {
        description: 'For `time_cut`: the time (in the data\'s unit, or an ISO date) after which positives are held out; a number in (0, 1) is read as the quantile of all timestamps.',
      }),
    ),
  },
  { ...Strict, description: 'How held-out positives for evaluation are chosen.' },
);

export const Positive = Type.Object(
  {
    rule: Enum(['clicked', 'rating_at_least', 'all'] as const, {
      description: '`clicked`: a row is positive when its click flag is set (impressed and clicked). `rating_at_least`: when its rating is ≥ `threshold`. `all`: every row is a positive.',
      default: 'clicked',
    }),
    threshold: Type.Number({ default: 4, description: 'Minimum rating of a positive for `rating_at_least`.' }),
  },
  { ...Strict, description: 'What counts as a positive (an impressed and clicked item).' },
);

export const RankingLog = Type.Object(
  {
    path: Type.String({ description: 'Path of the ranking log, relative to the experiment file.' }),
    format: DataFormat,
    columns: Type.Object(
      {
        request: Type.String({ default: 'request_id', description: 'Column holding the request id.' }),
        user: Type.String({ default: 'user_id', description: 'Column holding the user id.' }),
        item: Type.String({ default: 'item_id', description: 'Column holding the nominated item id.' }),
        rank: Type.String({ default: 'rank', description: 'Column holding the item\'s rank given by the ranking model (0 = top).' }),
        discarded: Type.String({ default: 'discarded', description: 'Column holding whether ranking discarded the item (1/0).' }),
      },
      { ...Strict, default: {}, description: 'Which column of the ranking log means what.' },
    ),
  },
  { ...Strict, description: 'The ranking log: items nominated for each request with their rank, the source of log-based hard negatives.' },
);

export const Data = Type.Object(
  {
    interactions: Type.Optional(
      Type.Object(
        {
          path: Type.String({ description: 'Path of the interactions file, relative to the experiment file (e.g. `ml-latest-small/ratings.csv`).' }),
          format: DataFormat,
          columns: Type.Optional(InteractionColumns),
          where: Type.Optional(
            Type.String({
              minLength: 1,
              description:
                'A filter on the rows, as an SQL boolean expression over the columns (DuckDB SQL), for what the positive rule does not cover, e.g. `dwell_ms > 3000` or `country = \'DE\' AND NOT is_bot`. Rows where it is not true are left out before anything else (vocabularies, positives, split, and features read from the interactions). Text columns are compared with the type DuckDB guesses for them (a number column compares with numbers).',
            }),
          ),
        },
        { ...Strict, description: 'The interaction log: one row per (user, item) event.' },
      ),
    ),
    synthetic: Type.Optional(SyntheticData),
    positive: Type.Optional(Positive),
    user_features: Type.Optional(FeatureTable),
    item_features: Type.Optional(FeatureTable),
    ranking_log: Type.Optional(RankingLog),
    split: Type.Optional(Split),
    seed: Type.Integer({ default: 42, description: 'Seed of the split (and of the synthetic generator).' }),
  },
  { ...Strict, description: 'Where the interactions come from, what a positive is, and how the evaluation split is made. Give either `interactions` or `synthetic`.' },
);

// ───────────────────────────── towers ─────────────────────────────

export const CategoricalFeature = Type.Object(
  {
    name: Type.String({
      description:
        'Column of the feature table holding the feature. Without a feature table it is a column of the interactions file: each user (item) takes the value of its last training row, since rows held out by `data.split` are skipped so that test rows never leak into the features.',
    }),
    embedding_dim: Type.Integer({ minimum: 1, default: 8, description: 'Dimension of the embedding of each value; unseen values share an out-of-vocabulary embedding.' }),
    max_vocab: Type.Optional(Type.Integer({ minimum: 1, description: 'Keep only the most frequent values; the rest map to the out-of-vocabulary id.' })),
  },
  { ...Strict, description: 'A discrete feature, looked up in an embedding table.' },
);

export const ContinuousFeature = Type.Object(
  {
    name: Type.String({
      description:
        'Column of the feature table holding the numeric feature. Without a feature table it is a column of the interactions file: each user (item) takes the value of its last training row, since rows held out by `data.split` are skipped so that test rows never leak into the features. Normalisation statistics come from the training data too.',
    }),
    normalize: Enum(['zscore', 'minmax', 'log', 'none'] as const, {
      description: '`zscore`: (x − mean)/std. `minmax`: (x − min)/(max − min). `log`: log(1 + x) then z-score. `none`: as is. Statistics come from the training data only.',
      default: 'zscore',
    }),
    buckets: Type.Optional(
      Type.Integer({ minimum: 2, description: 'Bucketise into N buckets at quantile boundaries of the training data, then embed the bucket id (instead of feeding the value).' }),
    ),
    embedding_dim: Type.Integer({ minimum: 1, default: 8, description: 'Dimension of the bucket embedding when `buckets` is set.' }),
  },
  { ...Strict, description: 'A continuous feature: normalised, or bucketised then embedded.' },
);

export const Tower = Type.Object(
  {
    id_embedding_dim: Type.Integer({ minimum: 0, default: 32, description: 'Dimension of the ID embedding (0 = no ID embedding, features only).' }),
    categorical: Type.Array(CategoricalFeature, { default: [], description: 'Discrete features, each embedded.' }),
    continuous: Type.Array(ContinuousFeature, { default: [], description: 'Continuous features, normalised or bucketised.' }),
    mlp: Type.Object(
      {
        hidden: Type.Array(Type.Integer({ minimum: 1 }), { default: [128, 64], description: 'Sizes of the hidden layers of the MLP on top of the concatenated embeddings.' }),
        activation: Enum(['relu', 'gelu', 'tanh', 'elu', 'linear'] as const, { description: 'Activation of the hidden layers.', default: 'relu' }),
        dropout: Type.Number({ minimum: 0, maximum: 0.9, default: 0, description: 'Dropout rate after each hidden layer during training.' }),
      },
      { ...Strict, default: {}, description: 'The neural network that turns the concatenated embeddings into the tower\'s vector.' },
    ),
    output_dim: Type.Integer({ minimum: 1, default: 64, description: 'Dimension of the tower\'s output vector (a linear layer after the MLP). Both towers must agree.' }),
    l2_normalize: Type.Boolean({
      default: true,
      description:
        'L2-normalise the output vector. With both towers normalised (the default) the score is the cosine cos(a, b) = a·b / (‖a‖₂ ‖b‖₂). With `false` the raw vector is used: with both towers `false` the score is the dot product a·b (logits a·b/τ for bce and softmax), as in TFRS\'s basic retrieval model, so a vector\'s length can carry popularity; with one tower `false` it is the dot product of one raw and one unit vector. Evaluation, mining and the exported embeddings use the same score.',
    }),
  },
  { ...Strict, description: 'One tower: embeddings of the ID and features, concatenated, then an MLP to the output vector.' },
);

// ───────────────────────────── score ─────────────────────────────

export const Score = Type.Object(
  {
    type: Enum(['cosine'] as const, {
      description: 'The score is the dot product of the two towers\' output vectors: cos(a, b) = a·b / (‖a‖₂ ‖b‖₂) when both towers have `l2_normalize: true` (the default), the plain dot product a·b when both have `l2_normalize: false`.',
      default: 'cosine',
    }),
    temperature: Type.Number({ default: 0.05, description: 'τ: logits are score(a, b)/τ for the bce and softmax losses (the hinge margin and the logistic σ act on the score itself). Must be > 0; small values (0.05) sharpen the softmax.' }),
  },
  { ...Strict, default: {}, description: 'How a user vector a and an item vector b are scored.' },
);

// ───────────────────────────── training ─────────────────────────────

export const NegativeSource = Enum(['uniform', 'popularity', 'in_batch', 'mixed', 'impressed_not_clicked'] as const, {
  description:
    'Easy negatives. `uniform`: every item equally likely (unfair to unpopular items). `popularity`: P(i) ∝ clicks_i^α, which suppresses popular items. `in_batch`: the other positives of the batch (p_i ∝ clicks_i; use logQ correction). `mixed` (listwise only): mixed negative sampling (Yang et al. 2020), the in-batch columns plus `extra` items drawn from the whole catalogue by `extra_sampler` and shared by every row, so that items rarely in a batch are negatives too. `impressed_not_clicked` is refused: those are negatives for ranking models, not for retrieval.',
  default: 'uniform',
});

export const HardNegatives = Type.Object(
  {
    source: Enum(['none', 'ranking_log', 'mined'] as const, {
      description: '`ranking_log`: items the upstream system nominated but ranking discarded, from `data.ranking_log`. `mined`: retrieved by the model itself every `mine_every` epochs (top-K, minus the user\'s positives, then a rank band).',
      default: 'none',
    }),
    band: Enum(['relatively_hard', 'extremely_hard', 'both'] as const, {
      description: '`relatively_hard`: ranked close behind the target. `extremely_hard`: ranked far behind. `both`: either.',
      default: 'relatively_hard',
    }),
    relatively_hard: Type.Tuple([Type.Integer({ minimum: 0 }), Type.Integer({ minimum: 1 })], {
      default: [10, 50],
      description: 'Rank band [from, to) of relatively hard negatives.',
    }),
    extremely_hard: Type.Tuple([Type.Integer({ minimum: 0 }), Type.Integer({ minimum: 1 })], {
      default: [100, 500],
      description: 'Rank band [from, to) of extremely hard negatives.',
    }),
    mine_every: Type.Integer({ minimum: 1, default: 1, description: 'For `mined`: re-mine hard negatives every N epochs (the first epoch trains on easy negatives only).' }),
    mine_top_k: Type.Integer({ minimum: 1, default: 500, description: 'For `mined`: how many items to retrieve per user before taking the band.' }),
  },
  { ...Strict, default: {}, description: 'Hard negatives: nominated by the upstream system but discarded by ranking, from a log or mined.' },
);

export const Negatives = Type.Object(
  {
    source: NegativeSource,
    per_positive: Type.Integer({
      minimum: 1,
      default: 2,
      description: 'Sampled negatives per positive. Pointwise: the negative side of the positive:negative ratio (1:2 or 1:3 is usual; outside 1:1..1:10 is warned). Pairwise: triplets per positive (the per-mode sweeps found 20 uniform negatives best, as the pairwise template writes; 2 gives a triplet loss far less signal per positive). Listwise: n in the softmax over 1 positive + n negatives; with `in_batch` or `mixed` these n are per-row columns added to the batch\'s columns only when `hard` is on (mixed easy/hard by `mix`), and unused (warned) without it. With `in_batch`, pointwise and pairwise draw these n from the other rows of the batch.',
    }),
    alpha: Type.Number({ minimum: 0, maximum: 2, default: 0.75, description: 'α of popularity sampling, P(i) ∝ clicks_i^α (0 = uniform, 1 = proportional to clicks).' }),
    logq_correction: Type.Boolean({
      default: false,
      description:
        'logQ correction of the listwise softmax: train on cos(a, b_j)/τ − γ·log Q_j for every column j (the positive too), serve on cos(a, b_j); γ is `logq_strength`. `in_batch`: Q_j = p_j, the probability that item j is in a batch, ∝ its clicks, so without the correction popular items are over-penalised. `popularity` / `uniform` (sampled softmax, Jean et al. 2015, as TensorFlow\'s `sampled_softmax_loss`): Q_j is the probability that the sampler draws j among the row\'s n negatives; for `uniform` it is the same for every column and changes nothing. `mixed`: each column by its own probability (in-batch p_j, or the extra sampler\'s). Hard-negative columns are not corrected. Pointwise and pairwise losses are not a softmax, so it is ignored there (with a warning).',
    }),
    logq_strength: Type.Number({
      minimum: 0,
      maximum: 1,
      default: 1,
      description:
        'γ of the logQ correction: subtract γ·log Q_j. In-batch an item is a negative with probability ∝ clicks_j; subtracting γ·log p_j makes the effective negative distribution ∝ clicks_j^(1−γ). γ = 1 is the full correction (no popularity penalty: head recall up, tail recall down), γ = 0.25 gives negatives ∝ clicks^0.75, γ = 0 is no correction. Used only with `logq_correction: true`.',
    }),
    logq_estimate: Enum(['counts', 'streaming'] as const, {
      description: 'How p_j of in-batch columns is estimated. `counts`: from training click counts. `streaming`: online from the batch stream (Yi et al., RecSys 2019), for data too large to count first. Used only with `logq_correction: true` and in-batch columns (`in_batch`, `mixed`).',
      default: 'counts',
    }),
    extra: Type.Integer({
      minimum: 1,
      default: 128,
      description: 'For `source: mixed`: B′, the items drawn per batch from the whole catalogue by `extra_sampler` and added as negative columns shared by every row, beside the B in-batch columns (each row scores B + B′ columns, plus its hard ones).',
    }),
    extra_sampler: Enum(['uniform', 'popularity'] as const, {
      description: 'For `source: mixed`: how the `extra` items are drawn. `uniform` (Yang et al. 2020): every item equally likely, which gives items that are rarely in a batch a chance to be negatives. `popularity`: P(i) ∝ clicks_i^α.',
      default: 'uniform',
    }),
    remove_accidental_hits: Type.Boolean({ default: true, description: 'Mask in-batch items that are also positives of the row\'s user, so a positive is never pushed down as a negative.' }),
    hard: HardNegatives,
    mix: Type.Object(
      {
        easy: Type.Number({ minimum: 0, maximum: 1, default: 0.5, description: 'Share of easy negatives among the `per_positive` sampled slots when hard negatives are on.' }),
        hard: Type.Number({ minimum: 0, maximum: 1, default: 0.5, description: 'Share of hard negatives among the `per_positive` sampled slots when hard negatives are on. easy + hard must be 1.' }),
      },
      {
        ...Strict,
        default: {},
        description:
          'Mixing ratio of easy and hard negatives among the `per_positive` sampled slots (must sum to 1): each slot is hard with probability `hard`. Listwise `in_batch`/`mixed`: the batch\'s columns stay, and the row\'s n extra columns are hard or easy (uniform) at this ratio; `hard: 1` makes them all hard.',
      },
    ),
  },
  { ...Strict, default: {}, description: 'Negative sampling.' },
);

export const Rebalance = Type.Object(
  {
    method: Enum(['none', 'exponent', 'cap'] as const, {
      description: '`exponent`: resample positives so that item i keeps ∝ clicks_i^β of them (β < 1 up-samples cold items and down-samples hot ones). `cap`: keep at most `cap` positives per item (down-sampling hot items) and repeat those of items below `floor`.',
      default: 'none',
    }),
    exponent: Type.Number({ minimum: 0, maximum: 1, default: 0.5, description: 'β of the `exponent` method.' }),
    cap: Type.Integer({ minimum: 1, default: 200, description: 'Maximum positives per item for the `cap` method.' }),
    floor: Type.Integer({ minimum: 0, default: 0, description: 'For `cap`: repeat positives of items with fewer than this many, up to this many.' }),
  },
  { ...Strict, default: {}, description: 'Rebalancing of positives by item popularity: up-sample cold items, down-sample hot items.' },
);

export const EarlyStopping = Type.Object(
  {
    metric: Type.String({ default: 'recall@50', description: 'Evaluation metric to watch, e.g. `recall@50` or `ndcg@10`.' }),
    patience: Type.Integer({ minimum: 1, default: 3, description: 'Stop after this many evaluations without improvement.' }),
    min_delta: Type.Number({ minimum: 0, default: 0, description: 'Smallest change that counts as an improvement.' }),
  },
  { ...Strict, description: 'Stop training when an evaluation metric stops improving.' },
);

/** The engines that can train an experiment; the first is the default. */
export const ENGINES = ['tfjs', 'torch'] as const;
export type EngineName = (typeof ENGINES)[number];

export const EngineOptions = Type.Object(
  {
    processes: Type.Integer({ minimum: 1, default: 1, description: 'torch: worker processes per node (torchrun `--nproc_per_node`): one per GPU, or a few per CPU machine. The global batch `batch_size` is cut into one shard per process; in-batch negatives still span the whole batch.' }),
    nodes: Type.Integer({ minimum: 1, default: 1, description: 'torch: machines taking part (torchrun `--nnodes`). Above 1, start the same command on every node with a rendezvous endpoint (see `two-tower-lab launch --emit k8s|slurm` and docs/scale-out.md); the run folder must be on storage every node sees.' }),
    device: Enum(['auto', 'cpu', 'cuda'] as const, {
      description: 'torch: where the workers train. `auto`: CUDA when torch finds a GPU (one per process, NCCL), else the CPU (gloo). `cuda`: GPUs only; a run refuses to start where torch finds none (the editor warns first, and `two-tower-lab doctor` shows what this machine has). `cpu`: the CPU even when there is a GPU.',
      default: 'auto',
    }),
    threads: Type.Optional(Type.Integer({ minimum: 1, description: 'torch: intra-op threads per process (OMP_NUM_THREADS / torch.set_num_threads). Default: 1 on CPU (add processes to use more cores: measured here, 2 threads in one process were slower than 1), the cores divided by `processes` on CUDA.' })),
    python: Type.Optional(
      Type.String({ description: 'torch: the Python interpreter that has torch (default: `python3`, then `/usr/bin/python3`; in the editor the setting `twoTowerLab.pythonPath`). `torchrun` is run as `<python> -m torch.distributed.run`.' }),
    ),
  },
  { ...Strict, default: {}, description: 'Options of the torch engine: processes per node, nodes, device, threads per process, the Python interpreter. The tfjs engine reads none of them (a warning says so when they are written).' },
);

export const Training = Type.Object(
  {
    mode: Enum(TRAINING_MODES, {
      description: '`pointwise`: binary classification, cos → +1 for positives and −1 for negatives. `pairwise`: triplets (a, b⁺, b⁻), cos(a, b⁺) > cos(a, b⁻). `listwise`: softmax over 1 positive and n negatives.',
      default: 'listwise',
    }),
    loss: Enum(LOSSES, {
      description: '`bce` (pointwise): binary cross-entropy on cos/τ. `hinge` (pairwise): max(0, cos(a,b⁻) + m − cos(a,b⁺)). `logistic` (pairwise): log(1 + exp(σ(cos(a,b⁻) − cos(a,b⁺)))). `softmax` (listwise): −log softmax(cos/τ)⁺.',
      default: 'softmax',
    }),
    margin: Type.Optional(Type.Number({ minimum: 0, description: `m of the triplet hinge loss max(0, cos(a,b⁻) + m − cos(a,b⁺)). Default ${MODE_DEFAULTS.pairwise.margin}, the per-mode sweeps' best (docs/benchmarks.md, "Every mode at its best"). Only for \`loss: hinge\`.` })),
    scale: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: `σ of the triplet logistic loss log(1 + exp(σ(cos(a,b⁻) − cos(a,b⁺)))). Default ${MODE_DEFAULTS.pairwise.scale}, the per-mode sweeps' best (docs/benchmarks.md, "Every mode at its best"). Only for \`loss: logistic\`.` })),
    pairwise_reduction: Type.Optional(
      Enum(PAIRWISE_REDUCTIONS, {
        description:
          'How the n triplets of a positive (`negatives.per_positive`) make its loss, in pairwise mode. `mean` (default): the average over the n triplets, each negative pushed down a little. `hardest`: only the triplet whose negative scores highest counts (the WARP / semi-hard idea: with many easy negatives, the mean is dominated by triplets that are already right and teaches little). In the per-mode sweeps `hardest` matched `mean` on MovieLens but fell below popularity on the synthetic data, where the hardest of 20 negatives is often a missed positive; `mean` held on both. Only for `mode: pairwise`.',
      }),
    ),
    negatives: Negatives,
    positives: Type.Object({ rebalance: Rebalance }, { ...Strict, default: {}, description: 'Positive sampling.' }),
    optimizer: Enum(['adam', 'adagrad'] as const, { description: 'Optimiser. Embeddings use a lazy (sparse) update: only the rows of the batch are touched.', default: 'adam' }),
    learning_rate: Type.Number({ exclusiveMinimum: 0, default: 0.001, description: 'Learning rate of the optimiser.' }),
    batch_size: Type.Integer({ minimum: 1, default: 512, description: 'Positives per batch (in-batch negatives: the batch is also the negative pool).' }),
    epochs: Type.Integer({ minimum: 1, default: 5, description: 'Passes over the training positives.' }),
    seed: Type.Integer({ default: 42, description: 'Seed of initialisation, shuffling and sampling: the same seed gives the same run.' }),
    early_stopping: Type.Optional(EarlyStopping),
    threads: Type.Integer({
      minimum: 1,
      maximum: 8,
      default: 1,
      description:
        'tfjs (wasm backend): threads of its matMuls (the threaded SIMD build, XNNPACK\'s pool; at most 8). Measured on 2 cores: a 1024×1024 matMul 1.75× faster with 2 threads, the reference model\'s step at B = 512 0.98–1.14× (its ops are too small to split well), hence the default 1. Larger towers and batches gain more. The torch engine reads `engine_options.threads` instead.',
    }),
    engine: Enum(ENGINES, {
      description:
        '`tfjs`: the embedded engine in the trainer process (nothing to install, one process). `torch`: PyTorch with DistributedDataParallel launched by torchrun, one process or many (`engine_options`), for data that outgrows one process; the same run folder, events and checkpoints. `two-tower-lab doctor` says what this machine has.',
      default: 'tfjs',
    }),
    engine_options: EngineOptions,
  },
  { ...Strict, default: {}, description: 'How the model is trained: mode, loss, sampling, optimiser.' },
);

// ───────────────────────────── evaluation ─────────────────────────────

export const MetricName = Enum(['recall', 'ndcg', 'hit_rate', 'mrr', 'coverage'] as const, {
  description: '`recall@K`: share of a user\'s held-out positives in the top K. `ndcg@K`: discounted gain. `hit_rate@K`: at least one in the top K. `mrr`: mean reciprocal rank of the first. `coverage@K`: share of the catalogue that appears in someone\'s top K.',
});

export const Evaluation = Type.Object(
  {
    k: Type.Array(Type.Integer({ minimum: 1 }), { default: [10, 50, 100], minItems: 1, description: 'Cut-offs K of the top-K metrics (full-corpus retrieval over all items).' }),
    metrics: Type.Array(MetricName, { default: ['recall', 'ndcg', 'hit_rate', 'mrr', 'coverage'], description: 'Metrics to compute. Recall is also split into head (top 20% of items by clicks) and tail items.' }),
    every: Type.Integer({ minimum: 1, default: 1, description: 'Evaluate every N epochs (and always after the last).' }),
    exclude_seen: Type.Boolean({ default: true, description: 'Remove the user\'s training positives from the ranking before taking the top K.' }),
    max_users: Type.Optional(Type.Integer({ minimum: 1, description: 'Evaluate on at most this many test users (a seeded sample), every time, the final evaluation included, to keep evaluation fast on large data.' })),
    sample_users: Type.Optional(
      Type.Integer({
        minimum: 1,
        description:
          'Per-epoch evaluations use this many test users (a seeded sample, the same every epoch), the final one all of them (or `max_users`). The `eval` event says how many users it used; early stopping compares the per-epoch figures. Makes watching a run on a large log cheap without changing its final metrics.',
      }),
    ),
    cold_start: Enum(['drop', 'score'] as const, {
      default: 'drop',
      description:
        'Held-out positives of items that have no training positive (cold items, e.g. new items after a `time_cut`). `drop`: left out, as their ID embedding was never trained. `score`: kept and scored like new items in serving — the item tower embeds them from their features with the out-of-vocabulary ID row — and reported separately as `recall_cold@K` (they also count in the other metrics). Users without a training positive are dropped either way. tfjs engine only.',
    }),
  },
  { ...Strict, default: {}, description: 'Held-out evaluation by full-corpus top-K retrieval, beside the popularity baseline.' },
);

// ───────────────────────────── sweep ─────────────────────────────

/** A parameter path of the experiment, as `--set` takes it: `training.loss`, `training.negatives.source`. */
const SweepPath = Type.String({ description: 'A parameter path of the experiment, written as for `--set`: `training.loss`, `training.negatives.source`, `score.temperature`.' });

export const SweepDistribution = Type.Object(
  {
    distribution: Enum(['uniform', 'log_uniform', 'choice'] as const, {
      description: '`uniform`: a number drawn evenly between `min` and `max`. `log_uniform`: evenly on a log scale (for learning rates and temperatures; `min` > 0). `choice`: one of `values`, each as likely. Integer fields are rounded to the nearest whole number.',
    }),
    min: Type.Optional(Type.Number({ description: 'Lower bound of `uniform` and `log_uniform`.' })),
    max: Type.Optional(Type.Number({ description: 'Upper bound of `uniform` and `log_uniform`.' })),
    values: Type.Optional(Type.Array(Type.Unknown(), { minItems: 1, description: 'The values `choice` draws from.' })),
  },
  { ...Strict, description: 'How a random search draws one parameter.' },
);

export const SweepRandom = Type.Object(
  {
    trials: Type.Integer({ minimum: 1, description: 'Points to draw (each crossed with every grid point, and repeated over `seeds`).' }),
    seed: Type.Integer({ default: 0, description: 'Seed of the draws: the same seed draws the same points.' }),
    parameters: Type.Record(SweepPath, SweepDistribution, { description: 'Each parameter path and how it is drawn, e.g. `training.learning_rate: { distribution: log_uniform, min: 0.0001, max: 0.1 }`.' }),
  },
  { ...Strict, description: 'A random search: `trials` points drawn from a distribution per parameter.' },
);

export const Sweep = Type.Object(
  {
    grid: Type.Optional(
      Type.Record(SweepPath, Type.Array(Type.Unknown(), { minItems: 1 }), {
        description: 'A list of values per parameter path; every combination is a point, e.g. `training.loss: [softmax]` and `training.negatives.source: [in_batch, popularity]`. Combinations the rules refuse (a loss that does not fit the mode, logQ without in-batch negatives, …) are skipped and listed, not launched.',
      }),
    ),
    random: Type.Optional(SweepRandom),
    seeds: Type.Union([Type.Integer({ minimum: 1 }), Type.Array(Type.Integer(), { minItems: 1 })], {
      default: 1,
      description: 'Repeats of each point with different `training.seed`: a count N (the file\'s seed and the N − 1 after it) or a list of seeds. The table gives each point\'s mean and 95% interval across them.',
    }),
    metric: Type.Optional(Type.String({ description: 'The metric the sweep is judged by, e.g. `recall@50` (default: early stopping\'s metric, else recall at the smallest K), at each run\'s best epoch.' })),
    goal: Enum(['max', 'min'] as const, { description: 'Whether a higher (`max`) or lower (`min`) `metric` is better; the table is sorted by it.', default: 'max' }),
    parallel: Type.Optional(Type.Integer({ minimum: 1, description: 'Runs trained at once (default 1, as the editor\'s queue: twoTowerLab.maxConcurrentRuns); `two-tower-lab sweep --parallel N` overrides it.' })),
  },
  {
    ...Strict,
    description: 'Many runs from this one file: a grid and/or random search over parameter paths, each point repeated over seeds. `two-tower-lab sweep <file>` (or the Run Sweep code lens) runs them; `train` ignores this section.',
  },
);

// ───────────────────────────── serving ─────────────────────────────

export const QUANTIZATIONS = ['f32', 'f16', 'i8'] as const;

export const Serving = Type.Object(
  {
    index: Type.Boolean({
      default: true,
      description:
        'Build an approximate nearest-neighbour index (usearch HNSW) of the item vectors: at every evaluation, to report `ann_recall@K` (the share of the exact top K the index returns) and the retrieval metrics through it (`ann/recall@K`, …) beside the exact ones; at the end of the run (`embeddings/items.usearch`) and in `export`. Its metric is the cosine when both towers L2-normalise, the inner product otherwise. `false`: exact metrics only, no index file.',
    }),
    connectivity: Type.Integer({
      minimum: 2,
      maximum: 256,
      default: 16,
      description: 'M: the neighbours each item keeps in the HNSW graph. More gives higher recall and a larger index that takes longer to build (memory ≈ items × M × 8 bytes besides the vectors). 16 suits up to millions of items; 32–64 for high-dimensional vectors.',
    }),
    expansion_add: Type.Integer({
      minimum: 1,
      default: 128,
      description: 'efConstruction: the candidates examined when an item is added. Higher builds a better graph (higher recall at the same search effort), more slowly.',
    }),
    expansion_search: Type.Integer({
      minimum: 1,
      default: 64,
      description: 'ef: the candidates examined per query (at least K are). Higher gives higher recall and slower queries; the knob to turn when `ann_recall@K` is too low.',
    }),
    quantization: Enum(QUANTIZATIONS, {
      default: 'f32',
      description: 'How the index stores item vectors: `f32` (exact scores), `f16` (half the memory, scores rounded to ~3 digits), `i8` (a quarter of the memory, coarser scores; for unit vectors). Lower precision can reorder close items: `ann_recall@K` shows what it costs.',
    }),
  },
  { ...Strict, default: {}, description: 'Serving: the approximate nearest-neighbour index of the item vectors that a serving system queries, and the recall it costs.' },
);

// ───────────────────────────── the experiment ─────────────────────────────

export const ExperimentSchema = Type.Object(
  {
    name: Type.Optional(Type.String({ description: 'A short name shown in the experiments tree and the plots (defaults to the file name).' })),
    description: Type.Optional(Type.String({ description: 'What this experiment is for.' })),
    data: Data,
    user_tower: Tower,
    item_tower: Tower,
    score: Score,
    training: Training,
    evaluation: Evaluation,
    sweep: Type.Optional(Sweep),
    serving: Serving,
  },
  {
    ...Strict,
    $id: 'https://two-tower-lab.dev/schemas/two-tower.schema.json',
    title: 'Two-Tower Lab experiment',
    description: 'A two-tower (DSSM) retrieval experiment: data, user and item towers, cosine score, training mode and loss, sampling, evaluation.',
  },
);

export type Experiment = Static<typeof ExperimentSchema>;
export type TowerConfig = Static<typeof Tower>;
export type DataConfig = Static<typeof Data>;
export type TrainingConfig = Static<typeof Training>;
export type NegativesConfig = Static<typeof Negatives>;
export type EvaluationConfig = Static<typeof Evaluation>;
export type ServingConfig = Static<typeof Serving>;
export type SyntheticConfig = Static<typeof SyntheticData>;
export type SweepConfig = Static<typeof Sweep>;
export type SweepDistributionConfig = Static<typeof SweepDistribution>;
export type AnySchema = TSchema;

export { LOSSES_BY_MODE };

/** The pairwise defaults are the per-mode sweeps' choice (modeDefaults.ts; docs/benchmarks.md, "Every mode at its best"). */
export const DEFAULT_MARGIN = MODE_DEFAULTS.pairwise.margin!;
export const DEFAULT_LOGISTIC_SCALE = MODE_DEFAULTS.pairwise.scale!;
/** `training.pairwise_reduction` of a pairwise run that does not write it. */
export const DEFAULT_PAIRWISE_REDUCTION: PairwiseReduction = MODE_DEFAULTS.pairwise.pairwiseReduction!;
