/** The end-of-run table: each metric of the model beside the popularity baseline, and the lift. */

/** Metric keys in reading order: recall@K, ndcg@K, hit_rate@K, coverage@K, head/tail, then mrr. */
function orderedKeys(metrics: Record<string, number>): string[] {
  const rank = (k: string): number => {
    const base = k.split('@')[0];
    const order = ['recall', 'ndcg', 'hit_rate', 'mrr', 'coverage', 'recall_head', 'recall_tail'];
    const i = order.indexOf(base);
    return i < 0 ? order.length : i;
  };
  const kOf = (k: string): number => Number(k.split('@')[1] ?? 0);
  return Object.keys(metrics).sort((a, b) => rank(a) - rank(b) || kOf(a) - kOf(b) || a.localeCompare(b));
}

export function formatMetricsTable(metrics: Record<string, number>, baseline: Record<string, number>): string {
  const rows = orderedKeys(metrics).map((k) => {
    const m = metrics[k];
    const b = baseline[k];
    const lift = b !== undefined && b > 0 ? `${m / b >= 10 ? (m / b).toFixed(1) : (m / b).toFixed(2)}×` : b === 0 && m > 0 ? '∞' : '–';
    return [k, m.toFixed(4), b === undefined ? '–' : b.toFixed(4), lift];
  });
  const header = ['metric', 'model', 'popularity', 'model/pop'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n') + '\n';
}
