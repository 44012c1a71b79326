/**
 * The headline metric: the one metric a run is judged and compared on, everywhere (the tree, the runs
 * table, the end-of-run line, `ended.best`, early stopping, the best checkpoint). Early stopping's metric
 * when set, else recall@50, else recall at the largest K ≤ 100, else at the smallest K.
 * The torch engine has the same rule (python/two_tower_lab/config.py headline_metric).
 */

/** The headline metric of an evaluation with cut-offs `ks`. */
export function headlineMetric(ks: readonly number[], earlyStoppingMetric?: string): string {
  if (earlyStoppingMetric !== undefined) return earlyStoppingMetric;
  if (ks.length === 0) throw new Error('headlineMetric: evaluation has no K');
  if (ks.includes(50)) return 'recall@50';
  const withinHundred = ks.filter((k) => k <= 100);
  return `recall@${withinHundred.length > 0 ? Math.max(...withinHundred) : Math.min(...ks)}`;
}

/**
 * The headline metric of a run read from its events: its `ended.best` or early stopping's metric when
 * known, else the rule above on the recall@K it reported; NDCG, then MRR, for a run without recall.
 */
export function headlineMetricOf(metrics: Record<string, number>, earlyStoppingMetric?: string): string | undefined {
  if (earlyStoppingMetric !== undefined && earlyStoppingMetric in metrics) return earlyStoppingMetric;
  const ks = Object.keys(metrics)
    .map((key) => /^recall@(\d+)$/.exec(key))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]));
  if (ks.length > 0) return headlineMetric(ks);
  return Object.keys(metrics).find((key) => key.startsWith('ndcg@')) ?? ('mrr' in metrics ? 'mrr' : undefined);
}
