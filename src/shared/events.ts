/**
 * The trainer's event stream: one JSON object per line in `<runs-dir>/<run-id>/events.jsonl`,
 * mirrored on the trainer's stdout. Written by the trainer process (src/trainer), read by the
 * extension (run manager, tree, plots webview) and by the CLI's `eval`. Both sides import this module.
 * See docs/protocol.md.
 */

/** Bumped whenever an event changes shape in a way an old reader would misread. */
export const EVENTS_SCHEMA_VERSION = 1;

export type RunStatus = 'queued' | 'running' | 'completed' | 'failed' | 'stopped';
import type { LossName, TrainingMode } from './vocabulary';

export type { LossName, TrainingMode };
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

interface EventBase {
  schemaVersion: number;
  /** ISO-8601 time the event was written. */
  time: string;
  runId: string;
}

/** Share of positives and of each kind of negative per item-popularity decile (decile 0 = most popular). */
export interface SamplingDistribution {
  /** Ten shares that sum to 1 (or all 0 when nothing of that kind was drawn). */
  positives: number[];
  /** Keyed by negative kind, e.g. `uniform`, `popularity`, `in_batch`, `hard_log`, `hard_mined`. */
  negatives: Record<string, number[]>;
  /** Mean logQ probability `p_i` of the items in each decile, when logQ correction is on. */
  logqP?: number[];
  /** With hard negatives: the hard slots that an easy negative filled because the row's user had no hard candidate. */
  hardFallback?: HardFallback;
}

/** Hard slots that fell back to an easy negative (reported as that easy kind in `negatives`). */
export interface HardFallback {
  /** Share of hard slots that fell back: counted over the epoch in `sampling`, expected from the pools in `started`. */
  share: number;
  /** `sampling` only: hard slots drawn in the epoch, and how many of them fell back. */
  slots?: number;
  fellBack?: number;
}

/** What one rank band of hard negatives yields: (user, item) candidates whose rank behind the user's target lies in [from, to). */
export interface HardBandYield {
  band: 'relatively_hard' | 'extremely_hard';
  from: number;
  to: number;
  /** Pool entries of the users with training positives. */
  candidates: number;
  /** Users with at least one candidate in this band, of `users`. */
  usersWithCandidates: number;
  /** Users with training positives: each of them draws hard slots. */
  users: number;
}

/** The hard-negative pools of a run: in `started`, and in the `sampling` event of each epoch whose pools were mined before it. */
export interface HardNegativesReport {
  source: 'ranking_log' | 'mined';
  /** The bands `training.negatives.hard.band` uses, in config order; absent when not known (mined pools restored from an older checkpoint). */
  bands?: HardBandYield[];
  /** Users with a candidate in some band (a non-empty pool), of `users`. */
  usersWithPool: number;
  users: number;
  /** Expected share of hard slots that fall back to an easy negative: the positives whose user has no pool. */
  fallbackShare: number;
  /** `ranking_log`: the smallest and largest rank in the log (a band is measured from the target's rank, so it cannot reach beyond `max`). */
  logRanks?: { min: number; max: number };
  /** `mined` before its first mining: the pools are empty, and every hard slot falls back, until they are mined before this epoch (1-based). */
  firstMiningBeforeEpoch?: number;
  /** `mined`: how many items are retrieved per user (mine_top_k, at most the catalogue); mined ranks stay below it. */
  mineTopK?: number;
}

export interface RebalanceStats {
  /** Share of positives whose item is in the top 20% of items by clicks, before and after rebalancing. */
  headShareBefore: number;
  headShareAfter: number;
  /** Gini coefficient of positives per item, before and after. */
  giniBefore: number;
  giniAfter: number;
  positivesBefore: number;
  positivesAfter: number;
}

export interface StartedEvent extends EventBase {
  type: 'started';
  /** The experiment file the run was launched from (absolute path). */
  experiment: string;
  mode: TrainingMode;
  loss: LossName;
  /** The tfjs backend, or `torch` for runs of the torch engine. */
  backend: BackendName | 'torch';
  /** The engine that trains the run (absent in runs written before there were two: tfjs). */
  engine?: 'tfjs' | 'torch';
  /**
   * torch: where the workers train, how many processes this node starts, ranks in all, threads each, torch's
   * version. tfjs on wasm: `threads` is its pool's size (training.threads).
   */
  device?: 'cpu' | 'cuda';
  processes?: number;
  worldSize?: number;
  threads?: number;
  torch?: string;
  /** Process id of the trainer (the front door for torch runs), so a reader can tell whether a `running` run is still alive. */
  pid: number;
  /**
   * The machine `pid` runs on (os.hostname()). A reader on another machine (a run on a cluster, its folder
   * on a share) cannot check the pid, so it takes the run as alive until its `ended`. Absent in older runs.
   */
  host?: string;
  epochs: number;
  stepsPerEpoch: number;
  batchSize: number;
  /** Resumed from a checkpoint of this same run at this epoch (0 = fresh start). */
  resumedFromEpoch: number;
  dataset: {
    users: number;
    items: number;
    trainPositives: number;
    testPositives: number;
    /** Held-out positives dropped because their user or item never appears in training (none can be retrieved). */
    droppedTestUnseen?: number;
  };
  /** Flattened resolved parameters (`training.loss` → `softmax`) for tables and tooltips. */
  params: Record<string, string | number | boolean>;
  sampling?: { distribution?: SamplingDistribution; rebalance?: RebalanceStats };
  /** With hard negatives: what each band yields (for `mined`, the pools are empty until the first mining). */
  hardNegatives?: HardNegativesReport;
}

export interface StepEvent extends EventBase {
  type: 'step';
  /** Global step, counted from the start of the run across epochs. */
  step: number;
  epoch: number;
  /** Mean loss over the steps since the previous step event. */
  loss: number;
  examplesPerSec: number;
  /** tfjs `memory().numTensors`, which must stay flat across steps. */
  numTensors?: number;
  /** Seconds since the run (not this process) started. */
  elapsedSec: number;
}

export interface EpochEvent extends EventBase {
  type: 'epoch';
  epoch: number;
  step: number;
  /** Mean training loss over the epoch. */
  loss: number;
  examplesPerSec: number;
  durationSec: number;
  elapsedSec: number;
  /** Share of step time spent drawing samples (0..1). */
  samplingShare?: number;
}

/** Metrics computed through the ANN index carry this prefix before the exact metric's key: `ann/recall@10`. */
export const ANN_METRIC_PREFIX = 'ann/';
/** `ann_recall@K`: the share of the exact top K that the ANN index returns. */
export const ANN_RECALL_METRIC = 'ann_recall';

/** The approximate nearest-neighbour index (usearch HNSW, `serving:`) an evaluation went through. */
export interface AnnIndexInfo {
  /** Items in the index (the catalogue without the OOV row). */
  items: number;
  /** `cosine` when both towers L2-normalise, else `dot` (inner product). */
  metric: 'cosine' | 'dot';
  connectivity: number;
  expansionAdd: number;
  expansionSearch: number;
  quantization: 'f32' | 'f16' | 'i8';
  /** Seconds to build the index of the current item vectors. */
  buildSec: number;
}

export interface EvalEvent extends EventBase {
  type: 'eval';
  epoch: number;
  step: number;
  /**
   * Keys like `recall@10`, `ndcg@10`, `hit_rate@10`, `mrr`, `coverage@10`, `recall_head@10`, `recall_tail@10`
   * (exact search over every item). With `serving.index` on, also `ann_recall@10` (the share of the exact
   * top 10 that the index returns) and every metric through the index, prefixed `ann/` (`ann/recall@10`).
   */
  metrics: Record<string, number>;
  /** The popularity baseline on the same split and users, same keys (exact search only). */
  baseline: Record<string, number>;
  /** Test users evaluated (absent in runs written before this field). */
  users?: number;
  /** True for a per-epoch evaluation on the `evaluation.sample_users` sample; the final one uses every test user. */
  sampled?: boolean;
  /** The index the `ann` metrics went through, when `serving.index` is on (both engines; not in torch runs of several nodes). */
  index?: AnnIndexInfo;
  elapsedSec: number;
}

export interface SamplingEvent extends EventBase {
  type: 'sampling';
  epoch: number;
  distribution: SamplingDistribution;
  /** `mined` hard negatives: the yield of the pools mined before this epoch. */
  hardNegatives?: HardNegativesReport;
}

export interface CheckpointEvent extends EventBase {
  type: 'checkpoint';
  epoch: number;
  step: number;
  /** Path relative to the run folder. */
  path: string;
}

export interface EndedEvent extends EventBase {
  type: 'ended';
  status: Exclude<RunStatus, 'queued' | 'running'>;
  /** For `failed`: what went wrong and what to do. */
  error?: string;
  epoch: number;
  step: number;
  elapsedSec: number;
  /**
   * Best value of the headline metric over the run, when evaluated; `checkpoint` (relative to the run
   * folder, `checkpoint/best`) when the run kept that epoch's model, which eval/export/compare then use.
   */
  best?: { metric: string; value: number; epoch: number; checkpoint?: string };
}

export type TrainerEvent =
  | StartedEvent
  | StepEvent
  | EpochEvent
  | EvalEvent
  | SamplingEvent
  | CheckpointEvent
  | EndedEvent;

export type TrainerEventType = TrainerEvent['type'];

/** Events without the fields the writer fills in (schemaVersion, time, runId). */
export type TrainerEventBody = TrainerEvent extends infer E ? (E extends TrainerEvent ? Omit<E, keyof EventBase> : never) : never;

/**
 * Parses the text of an `events.jsonl`. A truncated or corrupt last line (the process died mid-write)
 * is skipped, not an error; corrupt lines elsewhere are reported in `badLines` (1-based) and skipped.
 */
export function parseEventLines(text: string): { events: TrainerEvent[]; badLines: number[]; partialTail: string } {
  const events: TrainerEvent[] = [];
  const badLines: number[] = [];
  const lines = text.split('\n');
  // Whatever follows the last newline is an incomplete write in progress (or a truncated one).
  const partialTail = lines.pop() ?? '';
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const event = parseEventLine(line);
    if (event) events.push(event);
    else badLines.push(i + 1);
  });
  return { events, badLines, partialTail };
}

/** One complete line of an `events.jsonl`: the event, or undefined when it is not JSON or not a trainer event (the caller reports its line number). */
export function parseEventLine(line: string): TrainerEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    // Not JSON: a corrupt line, which the caller records as bad by its number.
    return undefined;
  }
  return isTrainerEvent(value) ? value : undefined;
}

export function isTrainerEvent(value: unknown): value is TrainerEvent {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { type?: unknown; schemaVersion?: unknown };
  return (
    typeof v.schemaVersion === 'number' &&
    typeof v.type === 'string' &&
    ['started', 'step', 'epoch', 'eval', 'sampling', 'checkpoint', 'ended'].includes(v.type)
  );
}
