/**
 * Evaluation as the loop and `two-tower-lab eval` use it: one retrieval plan per split (test users,
 * their seen items, head items), the popularity baseline computed once on it, and the model scored
 * on the same plan each time. With `evaluation.sample_users`, a second, smaller plan (a seeded sample
 * of those users, with its own baseline) serves the per-epoch evaluations; the final one uses all.
 * Each evaluation also gives every evaluated user's values (for `eval/epoch-N.bin`), and, with
 * `serving.index` on, the metrics through an ANN index of the current item vectors beside the exact ones.
 */
import type { AnnIndexInfo } from '../../shared/events';
import type { EvaluationConfig, ServingConfig } from '../config/schema';
import type { Dataset } from '../data/dataset';
import { evaluateWithIndex, indexMetrics } from '../eval/annRetrieval';
import { headlineMetric } from '../../shared/headline';
import type { PerUserValues } from '../eval/perUser';
import { evaluateRetrieval, evaluateRetrievalPerUser, planRetrieval, type RetrievalPlan } from '../eval/retrieval';
import { dotScorer, popularityScorer } from '../eval/scorers';
import { ItemIndex } from '../serving/annIndex';
import type { ScoreMetric } from '../serving/scoreMetric';
import { Rng } from '../util/rng';
import type { PreparedKernel } from './matMulKernel';

/** What evaluation needs from a model: vectors of some users, and of every item (row 0 = OOV). */
export interface RetrievalModel {
  readonly outputDim: number;
  userVectors(users: Int32Array): Float32Array;
  itemVectors(): Float32Array;
  /** A fast kernel for scores against these item vectors (the tfjs model's matMul); else the JavaScript one. */
  dotKernel?(itemVectors: Float32Array): PreparedKernel;
}

/** The item index evaluation goes through beside exact search (`serving.index`), and its metric. */
export interface EvalIndexSettings {
  serving: ServingConfig;
  metric: ScoreMetric;
}

/** Which users an evaluation uses: the per-epoch sample, or the final set (all test users, or max_users of them). */
export type EvalScope = 'epoch' | 'final';

export interface EvalResult {
  /** Exact metrics; with an index, also `ann_recall@K` and `ann/<metric>`. */
  metrics: Record<string, number>;
  /** The popularity baseline on the same users. */
  baseline: Record<string, number>;
  /** Test users evaluated. */
  users: number;
  /** True when these were the per-epoch sample rather than the final set. */
  sampled: boolean;
  /** Each evaluated user's exact values (core/eval/perUser.ts). */
  perUser: PerUserValues;
  /** The index the metrics went through, when `serving.index` is on. */
  index?: AnnIndexInfo;
}

export class RunEvaluator {
  /** The final evaluation's plan (all test users, or max_users of them). */
  readonly plan: RetrievalPlan;
  readonly baseline: Record<string, number>;
  /** The per-epoch plan and its baseline, when sample_users is below the final set's size. */
  private readonly sample?: { plan: RetrievalPlan; baseline: Record<string, number> };

  constructor(
    dataset: Dataset,
    evaluation: EvaluationConfig,
    seed: number,
    private readonly indexSettings?: EvalIndexSettings,
  ) {
    const testUsers = new Set<number>();
    for (const u of dataset.test.users) testUsers.add(u);
    if (testUsers.size === 0) {
      throw new Error(`The evaluation split holds no held-out positives (${dataset.train.users.length} training positives); nothing can be evaluated. Check data.split (method, n, test_fraction, cut) and the positive rule.`);
    }
    const all = Int32Array.from([...testUsers].sort((a, b) => a - b));
    // One seeded order of the test users: max_users and sample_users take its first users, so the sample is within the final set.
    const order = all.slice();
    new Rng(seed ^ 0x5eed).shuffle(order);
    const first = (n: number): Int32Array => order.slice(0, n).sort();
    const finalUsers = evaluation.max_users !== undefined && evaluation.max_users < all.length ? first(evaluation.max_users) : undefined;
    const coldItems = evaluation.cold_start === 'score' ? coldItemMask(dataset.itemClicks) : undefined;
    const plan = (users: Int32Array | undefined): RetrievalPlan =>
      planRetrieval({
        numItems: dataset.items.size,
        numUsers: dataset.users.size,
        train: dataset.train,
        test: dataset.test,
        itemClicks: dataset.itemClicks,
        ks: evaluation.k,
        metrics: evaluation.metrics,
        excludeSeen: evaluation.exclude_seen,
        users,
        coldItems,
      });
    this.plan = plan(finalUsers);
    this.baseline = evaluateRetrieval(this.plan, popularityScorer(dataset.itemClicks));
    if (evaluation.sample_users !== undefined && evaluation.sample_users < this.plan.users.length) {
      const samplePlan = plan(first(evaluation.sample_users));
      this.sample = { plan: samplePlan, baseline: evaluateRetrieval(samplePlan, popularityScorer(dataset.itemClicks)) };
    }
  }

  /** True when per-epoch evaluations use a sample (so the final one must be run on all users separately). */
  get samples(): boolean {
    return this.sample !== undefined;
  }

  /** The per-epoch sample's users and baseline (for the torch engine, which evaluates in Python). */
  sampleOf(): { users: Int32Array; baseline: Record<string, number> } | undefined {
    return this.sample && { users: this.sample.plan.users, baseline: this.sample.baseline };
  }

  /** The plan and baseline of a scope: the per-epoch sample when there is one, else the final set. */
  private scoped(scope: EvalScope): { plan: RetrievalPlan; baseline: Record<string, number> } {
    return scope === 'epoch' && this.sample ? this.sample : this;
  }

  evaluate(model: RetrievalModel, scope: EvalScope = 'final'): EvalResult {
    const { plan, baseline } = this.scoped(scope);
    const items = model.itemVectors();
    const prepared = model.dotKernel?.(items);
    try {
      const userVectors = (users: Int32Array): Float32Array => model.userVectors(users);
      const exact = dotScorer(userVectors, items, model.outputDim, prepared?.kernel);
      const common = { baseline, users: plan.users.length, sampled: plan !== this.plan };
      if (!this.indexSettings?.serving.index) return { ...evaluateRetrievalPerUser(plan, exact), ...common };
      const { index, info } = this.buildIndex(items, model.outputDim);
      return { ...evaluateWithIndex(plan, exact, index, userVectors), ...common, index: info };
    } finally {
      prepared?.dispose();
    }
  }

  /**
   * Only the figures through the index (`ann/…`, `ann_recall@K`), against exact top lists the caller
   * already has (a torch run's rank 0 ranked every item exactly: the front door does not do it again).
   */
  evaluateIndex(model: RetrievalModel, scope: EvalScope, exactTop: ReadonlyMap<number, Int32Array>): { metrics: Record<string, number>; index: AnnIndexInfo } {
    if (!this.indexSettings?.serving.index) throw new Error('serving.index is off for this run, so there is no index to evaluate through');
    const { plan } = this.scoped(scope);
    const { index, info } = this.buildIndex(model.itemVectors(), model.outputDim);
    return { metrics: indexMetrics(plan, index, (users) => model.userVectors(users), exactTop), index: info };
  }

  private buildIndex(items: Float32Array, dim: number): { index: ItemIndex; info: AnnIndexInfo } {
    const settings = this.indexSettings!;
    const began = performance.now();
    const index = ItemIndex.build(items, dim, settings.metric, settings.serving);
    return { index, info: indexInfo(index, settings.serving, (performance.now() - began) / 1000) };
  }

  /** The metric runs are compared on (shared/headline.ts). */
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
