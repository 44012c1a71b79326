/**
 * Evaluation as the loop and `two-tower-lab eval` use it: one retrieval plan per split (test users,
 * their seen items, head items), the popularity baseline computed once on it, and the model scored
 * on the same plan each time.
 */
import type { EvaluationConfig } from '../config/schema';
import { headlineMetric } from '../eval/headline';
import type { Dataset } from '../data/dataset';
import type { PerUserValues } from '../eval/perUser';
import { evaluateRetrieval, evaluateRetrievalPerUser, planRetrieval, type RetrievalPlan } from '../eval/retrieval';
import { dotScorer, popularityScorer } from '../eval/scorers';
import { Rng } from '../util/rng';

/** What evaluation needs from a model: vectors of some users, and of every item (row 0 = OOV). */
export interface RetrievalModel {
  readonly outputDim: number;
  userVectors(users: Int32Array): Float32Array;
  itemVectors(): Float32Array;
}

export class RunEvaluator {
  readonly plan: RetrievalPlan;
  readonly baseline: Record<string, number>;

  constructor(dataset: Dataset, evaluation: EvaluationConfig, seed: number) {
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
    });
    this.baseline = evaluateRetrieval(this.plan, popularityScorer(dataset.itemClicks));
  }

  evaluate(model: RetrievalModel): Record<string, number> {
    return this.evaluatePerUser(model).metrics;
  }

  /** The metrics and each evaluated user's values (for `eval/epoch-N.bin`, core/eval/perUser.ts). */
  evaluatePerUser(model: RetrievalModel): { metrics: Record<string, number>; perUser: PerUserValues } {
    const items = model.itemVectors();
    return evaluateRetrievalPerUser(this.plan, dotScorer((users) => model.userVectors(users), items, model.outputDim));
  }

  /** The metric runs are compared on (core/eval/headline.ts). */
  static headline(evaluation: EvaluationConfig, earlyStoppingMetric?: string): string {
    return headlineMetric(evaluation.k, earlyStoppingMetric);
  }
}
