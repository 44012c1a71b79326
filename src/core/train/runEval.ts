/**
 * Evaluation as the loop and `two-tower-lab eval` use it: one retrieval plan per split (test users,
 * their seen items, head items), the popularity baseline computed once on it, and the model scored
 * on the same plan each time.
 */
import type { AnnIndexInfo } from '../../shared/events';
import type { EvaluationConfig, ServingConfig } from '../config/schema';
import { headlineMetric } from '../eval/headline';
import type { Dataset } from '../data/dataset';
import type { PerUserValues } from '../eval/perUser';
import { evaluateRetrieval, evaluateRetrievalPerUser, planRetrieval, type RetrievalPlan } from '../eval/retrieval';
import { evaluateWithIndex } from '../eval/annRetrieval';
import { dotScorer, popularityScorer } from '../eval/scorers';
import { ItemIndex } from '../serving/annIndex';
import type { ScoreMetric } from '../serving/scoreMetric';
import { Rng } from '../util/rng';

/** What evaluation needs from a model: vectors of some users, and of every item (row 0 = OOV). */
export interface RetrievalModel {
  readonly outputDim: number;
  userVectors(users: Int32Array): Float32Array;
  itemVectors(): Float32Array;
}

/** The item index evaluation goes through beside exact search (`serving.index`), and its metric. */
export interface EvalIndexSettings {
  serving: ServingConfig;
  metric: ScoreMetric;
}

export class RunEvaluator {
  readonly plan: RetrievalPlan;
  readonly baseline: Record<string, number>;
  /** The index the last evaluate() went through, when `serving.index` is on. */
  lastIndex?: AnnIndexInfo;

  constructor(
    dataset: Dataset,
    evaluation: EvaluationConfig,
    seed: number,
    private readonly indexSettings?: EvalIndexSettings,
  ) {
    let users: Int32Array | undefined;
    const testUsers = new Set<number>();
    for (const u of dataset.test.users) testUsers.add(u);
    if (testUsers.size === 0) {
      throw new Error(`The evaluation split holds no held-out positives (${dataset.train.users.length} training positives); nothing can be evaluated. Check data.split (method, n, test_fraction, cut) and the positive rule.`);
    }
    if (evaluation.max_users !== undefined && evaluation.max_users < testUsers.size) {
      // A seeded sample, so that every epoch and the baseline see the same users.
      const all = Int32Array.from([...testUsers].sort((a, b) => a - b));
      new Rng(seed ^ 0x5eed).shuffle(all);
      users = all.slice(0, evaluation.max_users).sort();
    }
    this.plan = planRetrieval({
      numItems: dataset.items.size,
      numUsers: dataset.users.size,
      train: dataset.train,
      test: dataset.test,
      itemClicks: dataset.itemClicks,
      ks: evaluation.k,
      metrics: evaluation.metrics,
      excludeSeen: evaluation.exclude_seen,
      users,
      coldItems: evaluation.cold_start === 'score' ? coldItemMask(dataset.itemClicks) : undefined,
    });
    this.baseline = evaluateRetrieval(this.plan, popularityScorer(dataset.itemClicks));
  }

  /** Exact metrics; with `serving.index` on, also `ann_recall@K` and the metrics through an index of the current item vectors. */
  evaluate(model: RetrievalModel): Record<string, number> {
    return this.evaluatePerUser(model).metrics;
  }

  /** The metrics and each evaluated user's values (for `eval/epoch-N.bin`, core/eval/perUser.ts). */
  evaluatePerUser(model: RetrievalModel): { metrics: Record<string, number>; perUser: PerUserValues } {
    const items = model.itemVectors();
    const userVectors = (users: Int32Array): Float32Array => model.userVectors(users);
    const exact = dotScorer(userVectors, items, model.outputDim);
    const settings = this.indexSettings;
    if (!settings?.serving.index) return evaluateRetrievalPerUser(this.plan, exact);
    const began = performance.now();
    const index = ItemIndex.build(items, model.outputDim, settings.metric, settings.serving);
    this.lastIndex = indexInfo(index, settings.serving, (performance.now() - began) / 1000);
    return evaluateWithIndex(this.plan, exact, index, userVectors);
  }

  /** The metric runs are compared on (core/eval/headline.ts). */
  static headline(evaluation: EvaluationConfig, earlyStoppingMetric?: string): string {
    return headlineMetric(evaluation.k, earlyStoppingMetric);
  }
}

/** What the `eval` event says of the index it went through. */
export function indexInfo(index: ItemIndex, serving: ServingConfig, buildSec: number): AnnIndexInfo {
  return {
    items: index.size,
    metric: index.metric,
    connectivity: index.connectivity,
    expansionAdd: serving.expansion_add,
    expansionSearch: serving.expansion_search,
    quantization: serving.quantization,
    buildSec,
  };
}

/** 1 for each real item without a training positive (row 0, the OOV row, is not an item). */
export function coldItemMask(itemClicks: Float64Array): Uint8Array {
  const mask = new Uint8Array(itemClicks.length);
  for (let i = 1; i < mask.length; i++) mask[i] = itemClicks[i] === 0 ? 1 : 0;
  return mask;
}
