/** Tiny in-memory datasets and configs for the sampling tests. */
import { Value } from '@sinclair/typebox/value';
import { Training, type TrainingConfig } from '../../../src/core/config/schema';
import type { Dataset, PositivePairs, RankingLogData, Vocabulary } from '../../../src/core/data/dataset';

export function vocabulary(size: number, prefix: string): Vocabulary {
  const ids = ['<oov>', ...Array.from({ length: size - 1 }, (_, i) => `${prefix}${i + 1}`)];
  const index = new Map(ids.map((id, i) => [id, i]));
  return { ids, size, lookup: (id) => index.get(id) ?? 0 };
}

export function pairs(list: Array<[number, number]>): PositivePairs {
  return { users: Int32Array.from(list.map((p) => p[0])), items: Int32Array.from(list.map((p) => p[1])) };
}

export function clicksOf(train: PositivePairs, itemCount: number): Float64Array {
  const c = new Float64Array(itemCount);
  for (const i of train.items) c[i]++;
  return c;
}

export function dataset(userCount: number, itemCount: number, train: PositivePairs, rankingLog?: RankingLogData): Dataset {
  return {
    users: vocabulary(userCount, 'u'),
    items: vocabulary(itemCount, 'i'),
    userFeatures: { categorical: [], continuous: [] },
    itemFeatures: { categorical: [], continuous: [] },
    train,
    test: { users: new Int32Array(0), items: new Int32Array(0) },
    itemClicks: clicksOf(train, itemCount),
    rankingLog,
    stats: { rows: train.items.length, positives: train.items.length, impressedNotClicked: 0, droppedTestUnseen: 0, source: 'test' },
  };
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** The training section with the schema's defaults, overridden by `patch`. */
export function training(patch: DeepPartial<TrainingConfig> = {}): TrainingConfig {
  return Value.Default(Training, structuredClone(patch)) as TrainingConfig;
}

/** Pearson's chi-square statistic of observed counts against expected probabilities (cells with p = 0 must be empty). */
export function chiSquare(observed: ArrayLike<number>, probabilities: ArrayLike<number>, draws: number): { stat: number; df: number; zeroCellHits: number } {
  let stat = 0;
  let df = -1;
  let zeroCellHits = 0;
  for (let k = 0; k < probabilities.length; k++) {
    const e = probabilities[k] * draws;
    if (e === 0) {
      zeroCellHits += observed[k];
      continue;
    }
    df++;
    stat += ((observed[k] - e) * (observed[k] - e)) / e;
  }
  return { stat, df, zeroCellHits };
}

/** Zipf-like clicks: item i (1-based) gets round(1000 / i^s) clicks; item 0 is the OOV row. */
export function zipfClicks(itemCount: number, s: number): Float64Array {
  const c = new Float64Array(itemCount);
  for (let i = 1; i < itemCount; i++) c[i] = Math.max(1, Math.round(1000 / Math.pow(i, s)));
  return c;
}
