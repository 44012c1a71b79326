/**
 * Evaluation as the loop and `two-tower-lab eval` use it: one retrieval plan per split (test users,
 * their seen items, head items), the popularity baseline computed once on it, and the model scored
 * on the same plan each time. With `evaluation.sample_users`, a second, smaller plan (a seeded sample
 * of those users, with its own baseline) serves the per-epoch evaluations; the final one uses all.
 */
import type { EvaluationConfig } from '../config/schema';
import type { Dataset } from '../data/dataset';
import { evaluateRetrieval, planRetrieval, type RetrievalPlan } from '../eval/retrieval';
import { dotScorer, popularityScorer } from '../eval/scorers';
import type { PreparedKernel } from './matMulKernel';
import { Rng } from '../util/rng';

/** What evaluation needs from a model: vectors of some users, and of every item (row 0 = OOV). */
export interface RetrievalModel {
  readonly outputDim: number;
  userVectors(users: Int32Array): Float32Array;
  itemVectors(): Float32Array;
  /** A fast kernel for scores against these item vectors (the tfjs model's matMul); else the JavaScript one. */
  dotKernel?(itemVectors: Float32Array): PreparedKernel;
}

/** Which users an evaluation uses: the per-epoch sample, or the final set (all test users, or max_users of them). */
export type EvalScope = 'epoch' | 'final';

export interface EvalResult {
  metrics: Record<string, number>;
  /** The popularity baseline on the same users. */
  baseline: Record<string, number>;
  /** Test users evaluated. */
  users: number;
  /** True when these were the per-epoch sample rather than the final set. */
  sampled: boolean;
}

export class RunEvaluator {
  /** The final evaluation's plan (all test users, or max_users of them). */
  readonly plan: RetrievalPlan;
  readonly baseline: Record<string, number>;
  /** The per-epoch plan and its baseline, when sample_users is below the final set's size. */
  private readonly sample?: { plan: RetrievalPlan; baseline: Record<string, number> };

  constructor(dataset: Dataset, evaluation: EvaluationConfig, seed: number) {
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

  evaluate(model: RetrievalModel, scope: EvalScope = 'final'): EvalResult {
    const { plan, baseline } = scope === 'epoch' && this.sample ? this.sample : this;
    const items = model.itemVectors();
    const prepared = model.dotKernel?.(items);
    try {
      const metrics = evaluateRetrieval(plan, dotScorer((users) => model.userVectors(users), items, model.outputDim, prepared?.kernel));
      return { metrics, baseline, users: plan.users.length, sampled: plan !== this.plan };
    } finally {
      prepared?.dispose();
    }
  }

  /** The metric runs are compared on: early stopping's, else recall at the smallest K. */
  static headline(evaluation: EvaluationConfig, earlyStoppingMetric?: string): string {
    return earlyStoppingMetric ?? `recall@${Math.min(...evaluation.k)}`;
  }
}
