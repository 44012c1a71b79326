/**
 * The two-tower semantic rules: mistakes that the schema cannot see but the theory forbids. Each rule has a
 * stable code, and its message says why, so that the editor teaches while it checks. Rules that need the
 * data files (columns, item counts, missing files) are in dataRules.ts; their codes are listed here too.
 */
import type { ConfigDiagnostic, Range, Severity } from './diagnostics';
import type { ConfigPath, RangeTarget } from './document';
import { multiNodeMessage } from '../engines/torchProbe';
import { LOSSES_BY_MODE, type Experiment } from './schema';

export interface RuleDoc {
  code: string;
  severity: Severity;
  /** One line: what the rule checks. */
  doc: string;
  /** Shape of `ConfigDiagnostic.data` for quick fixes, when there is one. */
  fix?: string;
}

/** Every diagnostic code this module family can produce, with one-line docs (the language server's quick fixes key on them). */
export const RULE_CODES = [
  { code: 'file-missing', severity: 'error', doc: 'The experiment file itself does not exist (loadExperiment).' },
  { code: 'file-unreadable', severity: 'error', doc: 'The experiment file itself cannot be read (loadExperiment).' },
  { code: 'yaml-syntax', severity: 'error', doc: 'The YAML does not parse (unclosed quote, bad indentation, tab indentation, duplicate key…).', fix: '{ yamlCode: string } (the yaml package error code, e.g. DUPLICATE_KEY)' },
  { code: 'yaml-warning', severity: 'warning', doc: 'The yaml package warns about something it parsed (e.g. an unknown tag).' },
  { code: 'schema-empty', severity: 'error', doc: 'The file is empty or holds no mapping.' },
  { code: 'schema-unknown-key', severity: 'error', doc: 'A key the schema does not know at that level.', fix: '{ key: string; replacement?: string; validKeys: string[] }: rename the key to `replacement`' },
  { code: 'schema-required', severity: 'error', doc: 'A required key is missing (reported on the enclosing key).', fix: '{ key: string }: the missing key' },
  { code: 'schema-enum', severity: 'error', doc: 'A value that is not one of the allowed names.', fix: '{ replacement?: string; allowed: string[] }: replace the value' },
  { code: 'schema-type', severity: 'error', doc: 'A value of the wrong type (string for a number, scalar for a mapping…).', fix: 'none for most; `{ replacement: { path } }` for a file given as a bare path. The language server converts where one value is obvious: "64" → 64, "yes"/"true" → true, 10 → [10] for a list' },
  { code: 'schema-range', severity: 'error', doc: 'A number outside its allowed range, or a list that is too short.', fix: '{ minimum?|maximum?|exclusiveMinimum?|exclusiveMaximum?: number }: the language server clamps to a minimum/maximum, and for an exclusive bound offers bound ± 1 (integers) or the schema default' },
  { code: 'schema-invalid', severity: 'error', doc: 'Any other schema violation.' },
  { code: 'set-syntax', severity: 'error', doc: 'A --set argument that is not path=value or whose value is not YAML.', fix: '{ override: string }' },
  { code: 'set-unknown-path', severity: 'error', doc: 'A --set path that is not a field of the experiment.', fix: '{ override: string; replacement?: string }' },
  { code: 'set-conflict', severity: 'error', doc: 'A --set path that goes through a scalar of the file.', fix: '{ override: string }' },
  { code: 'ann-eval-engine', severity: 'info', doc: '`serving.index` on (the default) in a torch run of several nodes: no front door runs beside its workers to build the index, so its evaluations during training report exact metrics only; `two-tower-lab eval <run>` reports `ann_recall@K` and the metrics through the index, and `two-tower-lab export <run>` writes it.' },
  { code: 'cold-start-engine', severity: 'error', doc: '`evaluation.cold_start: score` with the torch engine, whose evaluation does not score cold items.', fix: '{ replacement: "drop" }' },
  { code: 'impressed-negatives', severity: 'error', doc: 'Impressed-but-not-clicked items used as retrieval negatives (they are ranking negatives).', fix: '{ replacement: "in_batch" | "popularity" } for training.negatives.source' },
  { code: 'logq-needs-softmax', severity: 'warning', doc: 'logQ correction with a pointwise or pairwise loss, where it does not apply (it corrects the logits of a softmax over sampled columns), whatever the source.', fix: '{ remove: ["training","negatives","logq_correction"] } or set mode: listwise' },
  { code: 'logq-uniform-constant', severity: 'warning', doc: 'logQ correction of a listwise softmax over uniform negatives (no hard ones): Q_j is the same for every column, so it changes nothing.', fix: '{ remove: ["training","negatives","logq_correction"] }' },
  { code: 'logq-strength-unused', severity: 'warning', doc: 'logq_strength written while the logQ correction is off or the loss is not a listwise softmax.', fix: '{ remove: ["training","negatives","logq_strength"]; alternative?: { path: [..."logq_correction"]; value: true } }' },
  { code: 'logq-estimate-unused', severity: 'warning', doc: 'logq_estimate written while the logQ correction is off (or not a listwise softmax), or `streaming` without in-batch columns (source not in_batch/mixed).', fix: '{ remove: ["training","negatives","logq_estimate"] }' },
  { code: 'per-positive-unused', severity: 'warning', doc: 'per_positive written with listwise in_batch/mixed negatives and no hard negatives, where the n per-row columns are not used.', fix: '{ remove: ["training","negatives","per_positive"] }' },
  { code: 'mixed-needs-softmax', severity: 'error', doc: 'Mixed negative sampling (source: mixed) with a pointwise or pairwise loss: it builds the column set of a listwise softmax.', fix: '{ replacement: "in_batch" } for training.negatives.source' },
  { code: 'extra-without-mixed', severity: 'warning', doc: 'extra or extra_sampler written while negatives.source is not mixed.', fix: '{ remove: ["training","negatives","extra" | "extra_sampler"] }' },
  { code: 'reduction-without-pairwise', severity: 'warning', doc: '`training.pairwise_reduction` is set but the mode is not pairwise, which forms no triplets.', fix: '{ remove: ["training","pairwise_reduction"] }' },
  { code: 'margin-without-hinge', severity: 'warning', doc: 'A margin m is set but the loss is not the triplet hinge loss.', fix: '{ remove: ["training","margin"] }' },
  { code: 'scale-without-logistic', severity: 'warning', doc: 'A scale σ is set but the loss is not the triplet logistic loss.', fix: '{ remove: ["training","scale"] }' },
  { code: 'loss-mode-mismatch', severity: 'error', doc: 'The loss does not belong to the training mode (LOSSES_BY_MODE).', fix: '{ replacement: string; allowed: string[] }' },
  { code: 'pointwise-ratio', severity: 'warning', doc: 'Pointwise positive:negative ratio outside 1:1..1:10 (1:2–1:3 is usual).', fix: '{ replacement: 3 } for training.negatives.per_positive' },
  { code: 'mix-not-one', severity: 'error', doc: 'Easy and hard negative shares do not sum to 1 while hard negatives are on.', fix: '{ replacement: { easy: number; hard: number } } for training.negatives.mix' },
  { code: 'hard-negatives-no-ranking-log', severity: 'error', doc: 'Hard negatives from a ranking log, but the data declares no ranking log.', fix: '{ replacement: "mined" } for training.negatives.hard.source' },
  { code: 'hard-band-empty', severity: 'error', doc: 'A hard-negative rank band [from, to) with from ≥ to selects nothing.' },
  { code: 'temperature-not-positive', severity: 'error', doc: 'Score temperature τ ≤ 0.', fix: '{ replacement: 0.05 }' },
  { code: 'output-dim-mismatch', severity: 'error', doc: 'User and item tower output dimensions differ.', fix: '{ replacement: number } for item_tower.output_dim (the user tower\'s)' },
  { code: 'data-source', severity: 'error', doc: 'Neither or both of data.interactions and data.synthetic are given.' },
  { code: 'early-stopping-metric', severity: 'error', doc: 'The early-stopping metric is not one the evaluation computes.', fix: '{ replacement?: string; allowed: string[] }' },
  { code: 'k-exceeds-catalogue', severity: 'warning', doc: 'An evaluation K larger than the number of items.', fix: '{ items: number; removeItem?: true; replacement?: number }: drop K from evaluation.k when another K remains, or use the largest round K ≤ items/2' },
  { code: 'unknown-column', severity: 'error', doc: 'A column or feature name that the data file does not have.', fix: '{ replacement?: string; columns: string[] }' },
  { code: 'positive-needs-column', severity: 'error', doc: 'The positive rule needs a click (or rating) column that the interactions file does not have.', fix: '{ replacement?: "rating_at_least" | "all"; replacements?: ("clicked" | "all")[]; mapTo?: string; column: string }: data.positive.rule, or map data.interactions.columns[column] to `mapTo`' },
  { code: 'split-needs-timestamp', severity: 'error', doc: 'A time-based split (leave_last_n, time_cut) on a file without a timestamp column.', fix: '{ replacement: "random" } for data.split.method (written, or inserted when the split is the default)' },
  { code: 'data-file-missing', severity: 'error', doc: 'A data file that does not exist.', fix: '{ resolvedPath: string; candidates: string[] }: files of that folder with the closest names, written like the path (best first)' },
  { code: 'data-file-unreadable', severity: 'error', doc: 'A data file that exists but whose header cannot be read.', fix: '{ resolvedPath: string }' },
  { code: 'data-file-not-read', severity: 'info', doc: 'A data file outside the workspace folders of an untrusted workspace: the language server does not read it, so its columns are not checked.' },
  { code: 'model-memory', severity: 'warning', doc: 'The model\'s memory estimate (weights, optimizer slots, three copies while a checkpoint is written) is above 2 GB, or the model cannot be built at all; from the data\'s user and item counts or data.synthetic\'s.', fix: '{ bytes: number; key: string }: the estimate, and the key of its largest part' },
  { code: 'model-too-large', severity: 'error', doc: 'The model cannot be built on any machine: one of its arrays (a table, a dense layer, a sparse-gradient buffer, a checkpoint\'s weights.bin) would be longer than a typed array can be.', fix: '{ bytes: number; key: string }: the estimate, and the key to lower' },
  { code: 'hard-band-outside-log', severity: 'warning', doc: 'A used hard-negative rank band starts beyond the deepest rank of the ranking log (file or synthetic), so it selects no candidate.' },
  { code: 'sweep-unknown-path', severity: 'error', doc: 'A swept parameter (sweep.grid or sweep.random.parameters) that is not a field of the experiment, or is part of the sweep itself.', fix: '{ replacement?: string }: the closest path' },
  { code: 'sweep-bad-value', severity: 'error', doc: 'A value of a swept parameter that its field\'s schema refuses (a loss that does not exist, a negative learning rate).' },
  { code: 'sweep-bad-distribution', severity: 'error', doc: 'A random-search distribution without what it draws from (min/max, values), with min ≥ max, log_uniform with min ≤ 0, a number distribution of a non-number, or a path swept twice.' },
  { code: 'sweep-seed-conflict', severity: 'error', doc: 'training.seed swept while sweep.seeds repeats the points, or a seed listed twice.' },
  { code: 'sweep-metric', severity: 'error', doc: 'The sweep\'s metric is not one the evaluation computes.', fix: '{ allowed: string[] }' },
  { code: 'engine-options-unused', severity: 'warning', doc: 'engine_options written while the engine is tfjs (written or the default), which reads none of them.', fix: '{ remove: ["training","engine_options"]; alternative: { path: ["training","engine"]; value: "torch" } }' },
  { code: 'threads-on-torch', severity: 'warning', doc: 'training.threads (the tfjs wasm thread pool) written while the engine is torch, whose workers read engine_options.threads.', fix: '{ remove: ["training","threads"] }' },
  { code: 'engine-multi-node', severity: 'info', doc: 'engine_options.nodes > 1 with the torch engine: `two-tower-lab train` runs one node (and refuses this), `two-tower-lab launch --emit k8s|slurm` starts the others.' },
  { code: 'torch-not-found', severity: 'warning', doc: 'engine: torch, and the language server found no Python with torch, numpy and torchrun (probed once per interpreter, never in an untrusted workspace).', fix: '{ replacement: "tfjs"; replacementPath: ["training","engine"] }' },
  { code: 'cuda-not-found', severity: 'warning', doc: 'engine_options.device: cuda, and the Python that has torch finds no CUDA device (or no NCCL).', fix: '{ replacement: "auto" } for training.engine_options.device' },
] as const satisfies readonly RuleDoc[];

export type RuleCode = (typeof RULE_CODES)[number]['code'];

/** What a rule sees: the defaulted, schema-valid config, how to turn a path into a text range, and which keys were written. */
export interface RuleContext {
  config: Experiment;
  rangeAt(path: ConfigPath, target?: RangeTarget): Range;
  /**
   * True when the file (or a `--set` override) writes the key at `path`. The config is defaulted, so this is
   * how a rule tells a value the user chose from one that only fills a default.
   */
  written(path: ConfigPath): boolean;
}

export function severityOf(code: RuleCode): Severity {
  return RULE_CODES.find((r) => r.code === code)!.severity;
}

export function ruleDiagnostic(ctx: RuleContext, code: RuleCode, path: ConfigPath, message: string, data?: unknown, target: RangeTarget = 'value'): ConfigDiagnostic {
  return { code, severity: severityOf(code), message, range: ctx.rangeAt(path, target), path, ...(data === undefined ? {} : { data }) };
}

type Rule = (ctx: RuleContext) => ConfigDiagnostic[];

const impressedNegatives: Rule = (ctx) => {
  const neg = ctx.config.training.negatives;
  if (neg.source !== 'impressed_not_clicked') return [];
  const replacement = ctx.config.training.mode === 'listwise' ? 'in_batch' : 'popularity';
  return [
    ruleDiagnostic(
      ctx,
      'impressed-negatives',
      ['training', 'negatives', 'source'],
      'Impressed-but-not-clicked items are negatives for ranking models, not for retrieval. Retrieval nominates candidates from the whole catalogue; ' +
        'an item that was impressed already passed retrieval and ranking, so it is a relevant candidate that the user happened not to click. ' +
        'Training retrieval to push it away teaches the model to reject exactly the items it should nominate. ' +
        `Use easy negatives (\`uniform\`, \`popularity\` with P ∝ clicks^α, or \`in_batch\` with logQ) and, for hard ones, \`hard.source: ranking_log\` (nominated but discarded by ranking). Suggested: \`${replacement}\`.`,
      { replacement },
    ),
  ];
};

const NEGATIVES: ConfigPath = ['training', 'negatives'];
const at = (key: string): ConfigPath => [...NEGATIVES, key];

/** The sources whose softmax has in-batch columns (Q_j = p_j, the probability that j is in a batch). */
const IN_BATCH_COLUMNS: readonly string[] = ['in_batch', 'mixed'];

/**
 * logQ correction is a correction of softmax logits (−γ·log Q_j per column), so it is ignored by the
 * pointwise and pairwise losses whatever the negatives are.
 */
const logqNeedsSoftmax: Rule = (ctx) => {
  const { mode, negatives } = ctx.config.training;
  if (!negatives.logq_correction || mode === 'listwise') return [];
  return [
    ruleDiagnostic(
      ctx,
      'logq-needs-softmax',
      at('logq_correction'),
      `logQ correction has no effect with \`mode: ${mode}\`: it subtracts γ·log Q_j from the logit of every column of a softmax, so that a softmax over columns drawn with probability Q_j estimates the softmax over the whole catalogue, ` +
        `and the ${mode} loss is not a softmax. ` +
        (negatives.source === 'in_batch' ? 'Here the in-batch negatives are drawn as sampled negatives and trained without −log p_i. ' : '') +
        'Remove `logq_correction` (or set it to false), or use `mode: listwise`.',
      { remove: at('logq_correction') },
    ),
  ];
};

/**
 * Uniform negatives have the same Q_j for every item, and a softmax does not change when every logit moves by
 * the same amount. Hard-negative columns are not corrected, so with them the shift is not uniform: no warning.
 */
const logqUniformConstant: Rule = (ctx) => {
  const { mode, negatives } = ctx.config.training;
  if (mode !== 'listwise' || !negatives.logq_correction || negatives.source !== 'uniform' || negatives.hard.source !== 'none') return [];
  return [
    ruleDiagnostic(
      ctx,
      'logq-uniform-constant',
      at('logq_correction'),
      'With `source: uniform` the logQ correction changes nothing: every item is drawn with the same probability, so Q_j is the same for every column, ' +
        'every logit drops by the same γ·log Q, and a softmax does not change when all its logits move together. ' +
        'The correction matters when Q_j differs between items: `popularity` (Q_j from clicks_j^α), `in_batch` (p_j ∝ clicks_j) or `mixed`. Remove `logq_correction`, or use one of those sources.',
      { remove: at('logq_correction') },
    ),
  ];
};

const logqStrengthUnused: Rule = (ctx) => {
  const { mode, negatives } = ctx.config.training;
  if (!ctx.written(at('logq_strength')) || (mode === 'listwise' && negatives.logq_correction)) return [];
  const why = mode !== 'listwise' ? `the ${mode} loss is not a softmax, so no logQ correction is applied` : '`logq_correction` is off';
  // Turning the correction on is the other fix, where it would then act (not for uniform negatives, where it is a constant).
  const canTurnOn = mode === 'listwise' && negatives.source !== 'uniform' && negatives.source !== 'impressed_not_clicked';
  return [
    ruleDiagnostic(
      ctx,
      'logq-strength-unused',
      at('logq_strength'),
      `\`logq_strength\` is the γ of the logQ correction (train on cos(a, b_j)/τ − γ·log Q_j), but ${why}, so it has no effect. Remove it` +
        (canTurnOn ? ', or set `logq_correction: true`.' : mode !== 'listwise' ? ', or use `mode: listwise` with `logq_correction: true`.' : '.'),
      { remove: at('logq_strength'), ...(canTurnOn ? { alternative: { path: at('logq_correction'), value: true } } : {}) },
      'key',
    ),
  ];
};

const logqEstimateUnused: Rule = (ctx) => {
  const { mode, negatives } = ctx.config.training;
  if (!ctx.written(at('logq_estimate'))) return [];
  let why: string | undefined;
  if (!negatives.logq_correction) why = 'the logQ correction is off (`logq_correction: false`)';
  else if (mode !== 'listwise') why = `the ${mode} loss is not a softmax, so no logQ correction is applied`;
  else if (negatives.logq_estimate === 'streaming' && !IN_BATCH_COLUMNS.includes(negatives.source)) {
    why = `\`source: ${negatives.source}\` has no in-batch columns: its Q_j is the sampler's own probability, known exactly, so there is no p_j to estimate from the batch stream`;
  }
  if (why === undefined) return [];
  return [
    ruleDiagnostic(
      ctx,
      'logq-estimate-unused',
      at('logq_estimate'),
      `\`logq_estimate\` says how p_j, the probability that item j is in a batch, is estimated for the logQ correction of in-batch columns, but ${why}. It has no effect: remove it.`,
      { remove: at('logq_estimate') },
      'key',
    ),
  ];
};

const perPositiveUnused: Rule = (ctx) => {
  const { mode, negatives } = ctx.config.training;
  if (!ctx.written(at('per_positive')) || mode !== 'listwise' || !IN_BATCH_COLUMNS.includes(negatives.source) || negatives.hard.source !== 'none') return [];
  const columns = negatives.source === 'mixed' ? 'the batch\'s positives and the `extra` items shared by every row' : 'the other positives of the batch';
  return [
    ruleDiagnostic(
      ctx,
      'per-positive-unused',
      at('per_positive'),
      `With listwise \`${negatives.source}\` negatives each row's softmax is over its positive and ${columns}; the \`per_positive\` n per-row columns are added only for hard negatives, ` +
        'and `hard.source` is `none`, so it has no effect. Remove it, or turn hard negatives on (`hard.source: mined`, or `ranking_log` with a ranking log).',
      { remove: at('per_positive') },
      'key',
    ),
  ];
};

const mixedNeedsSoftmax: Rule = (ctx) => {
  const { mode, negatives } = ctx.config.training;
  if (negatives.source !== 'mixed' || mode === 'listwise') return [];
  return [
    ruleDiagnostic(
      ctx,
      'mixed-needs-softmax',
      at('source'),
      'Mixed negative sampling (Yang et al. 2020) builds the column set of a listwise softmax: the batch\'s in-batch columns plus `extra` items drawn by `extra_sampler` and shared by every row. ' +
        `The ${mode} loss scores each positive against its own per-row negatives, so there is no column set to mix. ` +
        'Use `source: in_batch` (the other rows\' positives as negatives) or `uniform` / `popularity`, or `mode: listwise`.',
      { replacement: 'in_batch' },
    ),
  ];
};

const extraWithoutMixed: Rule = (ctx) => {
  const source = ctx.config.training.negatives.source;
  if (source === 'mixed') return [];
  const what = { extra: 'B′, the number of items drawn per batch', extra_sampler: 'how the extra items are drawn' } as const;
  return (['extra', 'extra_sampler'] as const)
    .filter((key) => ctx.written(at(key)))
    .map((key) =>
      ruleDiagnostic(
        ctx,
        'extra-without-mixed',
        at(key),
        `\`${key}\` is ${what[key]} for mixed negative sampling (\`source: mixed\`, listwise), but the source is \`${source}\`, so it has no effect. Remove it, or use \`source: mixed\`.`,
        { remove: at(key) },
        'key',
      ),
    );
};

const marginAndScale: Rule = (ctx) => {
  const t = ctx.config.training;
  const out: ConfigDiagnostic[] = [];
  if (t.margin !== undefined && t.loss !== 'hinge') {
    out.push(
      ruleDiagnostic(
        ctx,
        'margin-without-hinge',
        ['training', 'margin'],
        `\`margin\` is the m of the triplet hinge loss max(0, cos(a,b⁻) + m − cos(a,b⁺)); the \`${t.loss}\` loss does not use it, so it has no effect. Remove it, or use \`mode: pairwise\` with \`loss: hinge\`.`,
        { remove: ['training', 'margin'] },
        'key',
      ),
    );
  }
  if (t.scale !== undefined && t.loss !== 'logistic') {
    out.push(
      ruleDiagnostic(
        ctx,
        'scale-without-logistic',
        ['training', 'scale'],
        `\`scale\` is the σ of the triplet logistic loss log(1 + exp(σ(cos(a,b⁻) − cos(a,b⁺)))); the \`${t.loss}\` loss does not use it, so it has no effect. Remove it, or use \`mode: pairwise\` with \`loss: logistic\`.`,
        { remove: ['training', 'scale'] },
        'key',
      ),
    );
  }
  if (t.pairwise_reduction !== undefined && t.mode !== 'pairwise') {
    out.push(
      ruleDiagnostic(
        ctx,
        'reduction-without-pairwise',
        ['training', 'pairwise_reduction'],
        `\`pairwise_reduction\` says how a positive's n triplets make its loss in pairwise mode; \`mode: ${t.mode}\` forms no triplets, so it has no effect. Remove it, or use \`mode: pairwise\`.`,
        { remove: ['training', 'pairwise_reduction'] },
        'key',
      ),
    );
  }
  return out;
};

const LOSS_WHY: Record<keyof typeof LOSSES_BY_MODE, string> = {
  pointwise: 'pointwise training is binary classification of (user, item) pairs, cos → +1 for positives and −1 for negatives, so its loss is `bce`',
  pairwise: 'pairwise training compares a positive and a negative for the same user, cos(a,b⁺) > cos(a,b⁻), with the triplet `hinge` or `logistic` loss',
  listwise: 'listwise training is a softmax over 1 positive and n negatives with cross-entropy −log s⁺, so its loss is `softmax`',
};

const lossForMode: Rule = (ctx) => {
  const { mode, loss } = ctx.config.training;
  const allowed: readonly string[] = LOSSES_BY_MODE[mode];
  if (allowed.includes(loss)) return [];
  return [
    ruleDiagnostic(ctx, 'loss-mode-mismatch', ['training', 'loss'], `The \`${loss}\` loss does not fit \`mode: ${mode}\`: ${LOSS_WHY[mode]}. Use ${allowed.map((l) => `\`${l}\``).join(' or ')}, or change the mode.`, {
      replacement: allowed[0],
      allowed,
    }),
  ];
};

const pointwiseRatio: Rule = (ctx) => {
  const t = ctx.config.training;
  if (t.mode !== 'pointwise') return [];
  const n = t.negatives.per_positive;
  if (n >= 1 && n <= 10) return [];
  return [
    ruleDiagnostic(
      ctx,
      'pointwise-ratio',
      ['training', 'negatives', 'per_positive'],
      `A pointwise positive:negative ratio of 1:${n} is outside 1:1..1:10. With too many negatives the classifier learns to say "no" to everything and the positives' gradient is drowned; ` +
        'with too few it never sees enough of the catalogue. 1:2 or 1:3 is the usual choice.',
      { replacement: 3, suggested: [2, 3] },
    ),
  ];
};

const mixSumsToOne: Rule = (ctx) => {
  const neg = ctx.config.training.negatives;
  if (neg.hard.source === 'none') return [];
  const { easy, hard } = neg.mix;
  if (Math.abs(easy + hard - 1) <= 1e-9) return [];
  const e = easy + hard > 0 ? Math.round((easy / (easy + hard)) * 1000) / 1000 : 0.5;
  return [
    ruleDiagnostic(
      ctx,
      'mix-not-one',
      ['training', 'negatives', 'mix'],
      `The easy/hard negative mix must sum to 1 (it is the share of each kind among the negatives drawn), but easy ${easy} + hard ${hard} = ${Math.round((easy + hard) * 1e6) / 1e6}. ` +
        'Easy negatives teach the model to separate the catalogue coarsely, hard ones to separate near misses; e.g. 0.5 / 0.5.',
      { replacement: { easy: e, hard: Math.round((1 - e) * 1000) / 1000 } },
      'key',
    ),
  ];
};

const hardNegativesNeedLog: Rule = (ctx) => {
  const { data, training } = ctx.config;
  if (training.negatives.hard.source !== 'ranking_log') return [];
  const declared = data.ranking_log !== undefined || data.synthetic?.ranking_log === true;
  if (declared) return [];
  return [
    ruleDiagnostic(
      ctx,
      'hard-negatives-no-ranking-log',
      ['training', 'negatives', 'hard', 'source'],
      'Hard negatives from a ranking log need one, but the data declares none: add `data.ranking_log` (items the upstream system nominated for a request, with their rank and whether ranking discarded them)' +
        (data.synthetic ? ', or set `data.synthetic.ranking_log: true`' : '') +
        ', or use `hard.source: mined` to mine hard negatives with the model itself.',
      { replacement: 'mined' },
    ),
  ];
};

const hardBands: Rule = (ctx) => {
  const hard = ctx.config.training.negatives.hard;
  if (hard.source === 'none') return [];
  const out: ConfigDiagnostic[] = [];
  const used = hard.band === 'both' ? (['relatively_hard', 'extremely_hard'] as const) : ([hard.band] as const);
  for (const band of used) {
    const [from, to] = hard[band];
    if (from < to) continue;
    out.push(
      ruleDiagnostic(ctx, 'hard-band-empty', ['training', 'negatives', 'hard', band], `The rank band [${from}, ${to}) of \`${band}\` is empty: it takes ranks from ${from} up to but not including ${to}, so \`from\` must be smaller than \`to\`.`),
    );
  }
  return out;
};

const temperaturePositive: Rule = (ctx) => {
  const tau = ctx.config.score.temperature;
  if (tau > 0) return [];
  return [
    ruleDiagnostic(
      ctx,
      'temperature-not-positive',
      ['score', 'temperature'],
      `The temperature τ must be > 0, got ${tau}: logits are cos(a, b)/τ, so τ = 0 divides by zero and τ < 0 flips every score (the model would learn to rank the worst items first). Small positive values such as 0.05 sharpen the softmax.`,
      { replacement: 0.05 },
    ),
  ];
};

const outputDims: Rule = (ctx) => {
  const u = ctx.config.user_tower.output_dim;
  const i = ctx.config.item_tower.output_dim;
  if (u === i) return [];
  return [
    ruleDiagnostic(
      ctx,
      'output-dim-mismatch',
      ['item_tower', 'output_dim'],
      `The user tower outputs ${u} dimensions and the item tower ${i}: the score cos(a, b) = a·b / (‖a‖ ‖b‖) needs vectors of the same length, and serving searches item vectors with the user vector. Make both \`output_dim\` equal.`,
      { replacement: u },
    ),
  ];
};

const oneDataSource: Rule = (ctx) => {
  const d = ctx.config.data;
  const hasFile = d.interactions !== undefined;
  const hasSynthetic = d.synthetic !== undefined;
  if (hasFile !== hasSynthetic) return [];
  const message = hasFile
    ? '`data` gives both `interactions` and `synthetic`: an experiment trains on one data set. Keep `interactions` to read a file, or `synthetic` to generate data.'
    : '`data` gives neither `interactions` (a log file to read) nor `synthetic` (generated data): add one, e.g. `synthetic: {}` to try the model without any download.';
  return [ruleDiagnostic(ctx, 'data-source', ['data'], message, undefined, 'key')];
};

/** The metric names an evaluation computes that a run can be judged by: `recall@10`, `mrr`, … */
export function evaluatedMetricNames(ev: Experiment['evaluation']): string[] {
  const allowed: string[] = [];
  for (const m of ev.metrics) {
    if (m === 'mrr') allowed.push('mrr');
    else for (const k of ev.k) allowed.push(`${m}@${k}`);
  }
  return allowed;
}

const earlyStoppingMetric: Rule = (ctx) => {
  const es = ctx.config.training.early_stopping;
  if (!es) return [];
  const allowed = evaluatedMetricNames(ctx.config.evaluation);
  if (allowed.includes(es.metric)) return [];
  const closestMatch = allowed.find((a) => a.toLowerCase() === es.metric.toLowerCase().replace(/\s/g, ''));
  return [
    ruleDiagnostic(
      ctx,
      'early-stopping-metric',
      ['training', 'early_stopping', 'metric'],
      `Early stopping watches \`${es.metric}\`, which the evaluation does not compute (it computes ${allowed.join(', ')}). Pick one of those, or add its metric or K to \`evaluation\`.`,
      { replacement: closestMatch, allowed },
    ),
  ];
};

const kVersusSyntheticCatalogue: Rule = (ctx) => {
  const items = ctx.config.data.synthetic?.items;
  if (items === undefined || ctx.config.data.interactions !== undefined) return [];
  return kExceedsCatalogue(ctx, items, 'the synthetic catalogue has');
};

/** The largest of 1, 2, 5, 10, 20, 50, … that is at most `limit`, or undefined below 1. */
function roundAtMost(limit: number): number | undefined {
  let best: number | undefined;
  for (let power = 1; power <= limit; power *= 10) for (const m of [1, 2, 5]) if (m * power <= limit) best = m * power;
  return best;
}

/**
 * Warns for each K larger than the catalogue: recall@K is then trivially 1 and says nothing. The fix drops K
 * when another K of the list still fits (and early stopping does not watch this one); a K equal to the
 * catalogue would be as trivial, so the replacement is the largest round K at most half the catalogue.
 */
export function kExceedsCatalogue(ctx: RuleContext, items: number, whose: string): ConfigDiagnostic[] {
  const out: ConfigDiagnostic[] = [];
  const ks = ctx.config.evaluation.k;
  const watched = ctx.config.training.early_stopping?.metric;
  const replacement = roundAtMost(Math.floor(items / 2));
  ks.forEach((k, index) => {
    if (k <= items) return;
    const removeItem = ks.some((other, i) => i !== index && other <= items) && !watched?.endsWith(`@${k}`);
    const fix = { ...(removeItem ? { removeItem: true } : {}), ...(replacement !== undefined && !ks.includes(replacement) ? { replacement } : {}) };
    out.push(
      ruleDiagnostic(
        ctx,
        'k-exceeds-catalogue',
        ['evaluation', 'k', index],
        `K = ${k} is larger than the catalogue (${whose} ${items} items): the top ${k} would hold every item, so recall@${k} and hit rate@${k} are trivially 1 and tell nothing about the model. ` +
          (removeItem ? `Drop it from \`evaluation.k\`, or use a K well below ${items}.` : `Use a K well below ${items}${fix.replacement !== undefined ? `, e.g. ${fix.replacement}` : ''}.`),
        { items, ...fix },
      ),
    );
  });
  return out;
}

const ENGINE_OPTIONS: ConfigPath = ['training', 'engine_options'];

/** engine_options only configure the torch engine; tfjs (the default engine) trains in one process and reads none of them. */
const engineOptionsUnused: Rule = (ctx) => {
  if (ctx.config.training.engine !== 'tfjs' || !ctx.written(ENGINE_OPTIONS)) return [];
  const engine = ctx.written(['training', 'engine']) ? '`engine` is `tfjs`' : '`engine` is `tfjs` (the default)';
  return [
    ruleDiagnostic(
      ctx,
      'engine-options-unused',
      ENGINE_OPTIONS,
      `\`engine_options\` configure the torch engine (processes, nodes, device, threads, python), but ${engine}: the embedded engine trains in the trainer's own process and reads none of them. ` +
        'Remove `engine_options`, or set `engine: torch` to train with PyTorch workers under torchrun.',
      { remove: ENGINE_OPTIONS, alternative: { path: ['training', 'engine'], value: 'torch' } },
      'key',
    ),
  ];
};

/** training.threads sizes the tfjs wasm pool; the torch engine's threads are engine_options.threads. */
const threadsOnTorch: Rule = (ctx) => {
  if (ctx.config.training.engine !== 'torch' || !ctx.written(['training', 'threads'])) return [];
  return [
    ruleDiagnostic(
      ctx,
      'threads-on-torch',
      ['training', 'threads'],
      '`threads` sizes the thread pool of the embedded tfjs engine, but `engine` is `torch`: its workers read `engine_options.threads` (threads per process). Move the number to `engine_options.threads`, or remove `threads`.',
      { remove: ['training', 'threads'] },
      'key',
    ),
  ];
};

/** Several nodes are started by a cluster's scheduler, not by `train`: the front door refuses them with the same words. */
const engineMultiNode: Rule = (ctx) => {
  const { engine, engine_options: options } = ctx.config.training;
  if (engine !== 'torch' || options.nodes <= 1) return [];
  return [ruleDiagnostic(ctx, 'engine-multi-node', [...ENGINE_OPTIONS, 'nodes'], multiNodeMessage(options.nodes))];
};

/** Cold items are embedded with the OOV ID row by the tfjs engine; the torch engine's evaluation does not do it. */
const coldStartEngine: Rule = (ctx) => {
  if (ctx.config.evaluation.cold_start !== 'score' || ctx.config.training.engine !== 'torch') return [];
  return [
    ruleDiagnostic(
      ctx,
      'cold-start-engine',
      ['evaluation', 'cold_start'],
      '`cold_start: score` scores cold items through the item tower with the out-of-vocabulary ID row and reports `recall_cold@K`, which the embedded (tfjs) engine does; the torch engine does not yet. Use `engine: tfjs`, or `cold_start: drop`.',
      { replacement: 'drop' },
    ),
  ];
};

/**
 * The per-epoch ANN figures of a torch run are computed by the front door (`train`), which has usearch,
 * from the vectors rank 0 hands it (src/trainer/torch/annEvalService.ts); a run of several nodes is
 * started by `launch` without one.
 */
const annEvalEngine: Rule = (ctx) => {
  const training = ctx.config.training;
  if (!ctx.config.serving.index || training.engine !== 'torch' || training.engine_options.nodes <= 1) return [];
  return [
    ruleDiagnostic(
      ctx,
      'ann-eval-engine',
      ['training', 'engine_options', 'nodes'],
      'A torch run of several nodes (`two-tower-lab launch`) has no front door beside its workers to build the ANN index, so its evaluations during training report exact metrics only: `ann_recall@K` and the metrics through the index (`ann/…`) need usearch, which the trainer has and the torch workers do not. ' +
        'After the run, `two-tower-lab eval <run-id>` reports the ANN figures beside the exact ones, and `two-tower-lab export <run-id>` writes the index.',
    ),
  ];
};

/** The rules that need only the config, in the order they are reported. */
export const STRUCTURAL_RULES: readonly Rule[] = [
  oneDataSource,
  lossForMode,
  marginAndScale,
  impressedNegatives,
  mixedNeedsSoftmax,
  logqNeedsSoftmax,
  logqUniformConstant,
  logqStrengthUnused,
  logqEstimateUnused,
  perPositiveUnused,
  extraWithoutMixed,
  pointwiseRatio,
  hardNegativesNeedLog,
  mixSumsToOne,
  hardBands,
  temperaturePositive,
  outputDims,
  earlyStoppingMetric,
  kVersusSyntheticCatalogue,
  engineOptionsUnused,
  threadsOnTorch,
  engineMultiNode,
  coldStartEngine,
  annEvalEngine,
];

export function runStructuralRules(ctx: RuleContext): ConfigDiagnostic[] {
  return STRUCTURAL_RULES.flatMap((rule) => rule(ctx));
}

