/**
 * The end-of-run table: each metric of the model beside the popularity baseline, and the lift. When the
 * evaluation went through the ANN index too, a column gives each metric through the index, and
 * `ann_recall@K` rows close the table.
 */
import { ANN_METRIC_PREFIX as ANN_PREFIX, ANN_RECALL_METRIC as ANN_RECALL } from '../shared/events';

/** Metric keys in reading order: recall@K, ndcg@K, hit_rate@K, coverage@K, head/tail, then mrr. */
function orderedKeys(metrics: Record<string, number>): string[] {
  const rank = (k: string): number => {
    const base = k.split('@')[0];
    const order = ['recall', 'ndcg', 'hit_rate', 'mrr', 'coverage', 'recall_head', 'recall_tail', 'recall_cold'];
    const i = order.indexOf(base);
    return i < 0 ? order.length : i;
  };
  const kOf = (k: string): number => Number(k.split('@')[1] ?? 0);
  return Object.keys(metrics).sort((a, b) => rank(a) - rank(b) || kOf(a) - kOf(b) || a.localeCompare(b));
}

export function formatMetricsTable(metrics: Record<string, number>, baseline: Record<string, number>): string {
  const exact: Record<string, number> = {};
  for (const [k, v] of Object.entries(metrics)) if (!k.startsWith(ANN_PREFIX) && !k.startsWith(`${ANN_RECALL}@`)) exact[k] = v;
  const withIndex = Object.keys(metrics).some((k) => k.startsWith(ANN_PREFIX));
  const rows = orderedKeys(exact).map((k) => {
    const m = metrics[k];
    const b = baseline[k];
    const lift = b !== undefined && b > 0 ? `${m / b >= 10 ? (m / b).toFixed(1) : (m / b).toFixed(2)}×` : b === 0 && m > 0 ? '∞' : '–';
    const ann = metrics[`${ANN_PREFIX}${k}`];
    return [k, m.toFixed(4), ...(withIndex ? [ann === undefined ? '–' : ann.toFixed(4)] : []), b === undefined ? '–' : b.toFixed(4), lift];
  });
  const annRecall = Object.keys(metrics)
    .filter((k) => k.startsWith(`${ANN_RECALL}@`))
    .sort((a, b) => Number(a.split('@')[1]) - Number(b.split('@')[1]));
  for (const k of annRecall) rows.push([k, '–', metrics[k].toFixed(4), '–', '–']);
  const header = ['metric', withIndex ? 'exact' : 'model', ...(withIndex ? ['ANN index'] : []), 'popularity', 'model/pop'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n') + '\n';
}
