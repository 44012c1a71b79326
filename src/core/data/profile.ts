/**
 * The data profile (`two-tower-lab data x.tower.yaml`): what a user looks at before training. Counts of
 * the loaded Dataset (rows, users, items, positives, the split), positives per user, and the popularity
 * curve of the training positives (share of the top 1/5/20% items, Gini, a log-log rank/frequency plot).
 */
import type { Dataset } from './dataset';

export interface DataProfile {
  source: string;
  loadSec: number;
  rows: number;
  users: number;
  items: number;
  positives: number;
  impressedNotClicked: number;
  split: { train: number; test: number; droppedTestUnseen: number; usersWithoutTrainingPositives: number };
  /** Positives (training + kept held-out) per user that has at least one. */
  positivesPerUser: { median: number; p95: number; max: number };
  /** Over the training positives, by item. */
  popularity: { top1: number; top5: number; top20: number; gini: number; itemsWithClicks: number };
  /** Clicks of the item at each rank (1 = most clicked), items without clicks left out: the rank/frequency curve. */
  rankFrequency: number[];
  warnings: string[];
}

/** The value at quantile q of ascending `sorted` (nearest rank: the smallest value with at least q of the values at or below it). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1];
}

/** Share of the total held by the top `fraction` of `descending` (at least one entry). */
export function topShare(descending: ArrayLike<number>, total: number, fraction: number): number {
  if (total <= 0 || descending.length === 0) return 0;
  const n = Math.max(1, Math.ceil(fraction * descending.length));
  let sum = 0;
  for (let i = 0; i < n; i++) sum += descending[i];
  return sum / total;
}

/** Gini coefficient of non-negative values (0 = all equal, → 1 = one holds everything). */
export function gini(values: ArrayLike<number>): number {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  let total = 0;
  let weighted = 0;
  for (let i = 0; i < n; i++) {
    total += sorted[i];
    weighted += (i + 1) * sorted[i];
  }
  if (n === 0 || total === 0) return 0;
  return (2 * weighted) / (n * total) - (n + 1) / n;
}

export function profileDataset(ds: Dataset, loadSec: number): DataProfile {
  const perUser = new Int32Array(ds.users.size);
  for (const u of ds.train.users) perUser[u]++;
  for (const u of ds.test.users) perUser[u]++;
  const counts = Array.from(perUser.subarray(1)).filter((c) => c > 0).sort((a, b) => a - b);
  const clicks = Array.from(ds.itemClicks.subarray(1));
  const descending = [...clicks].sort((a, b) => b - a);
  const total = descending.reduce((a, b) => a + b, 0);
  return {
    source: ds.stats.source,
    loadSec,
    rows: ds.stats.rows,
    users: ds.users.size - 1,
    items: ds.items.size - 1,
    positives: ds.stats.positives,
    impressedNotClicked: ds.stats.impressedNotClicked,
    split: { train: ds.train.users.length, test: ds.test.users.length, droppedTestUnseen: ds.stats.droppedTestUnseen, usersWithoutTrainingPositives: ds.stats.usersWithoutTrainingPositives ?? 0 },
    positivesPerUser: { median: quantile(counts, 0.5), p95: quantile(counts, 0.95), max: counts.at(-1) ?? 0 },
    popularity: {
      top1: topShare(descending, total, 0.01),
      top5: topShare(descending, total, 0.05),
      top20: topShare(descending, total, 0.2),
      gini: gini(clicks),
      itemsWithClicks: descending.filter((c) => c > 0).length,
    },
    rankFrequency: descending.filter((c) => c > 0),
    warnings: ds.stats.warnings ?? [],
  };
}

const SPARK = '▁▂▃▄▅▆▇█';

/**
 * The rank/frequency curve as a terminal sparkline on log-log axes: `width` columns over log(rank), each
 * the log of the clicks at that rank, scaled between the smallest and largest log clicks.
 */
export function rankFrequencySparkline(freq: readonly number[], width = 48): string {
  if (freq.length === 0) return '';
  const maxLog = Math.log(freq[0]);
  const minLog = Math.log(freq[freq.length - 1]);
  const cols = Math.min(width, freq.length);
  let out = '';
  for (let c = 0; c < cols; c++) {
    const rank = Math.round(Math.exp((c / Math.max(1, cols - 1)) * Math.log(freq.length)));
    const v = Math.log(freq[Math.min(freq.length, Math.max(1, rank)) - 1]);
    const level = maxLog === minLog ? SPARK.length - 1 : Math.round(((v - minLog) / (maxLog - minLog)) * (SPARK.length - 1));
    out += SPARK[level];
  }
  return out;
}

/** The rank/frequency curve as a standalone SVG on log-log axes (rank on x, clicks on y). */
export function rankFrequencySvg(freq: readonly number[], title: string): string {
  const W = 480;
  const H = 320;
  const M = 48;
  const maxX = Math.log10(Math.max(10, freq.length));
  const maxY = Math.log10(Math.max(10, freq[0] ?? 10));
  const x = (rank: number) => M + (Math.log10(rank) / maxX) * (W - 2 * M);
  const y = (count: number) => H - M - (Math.log10(count) / maxY) * (H - 2 * M);
  // At most ~400 points, spread evenly over log(rank).
  const points: string[] = [];
  let last = 0;
  for (let k = 0; k <= 400 && freq.length > 0; k++) {
    const rank = Math.max(1, Math.round(10 ** ((k / 400) * Math.log10(freq.length))));
    if (rank === last) continue;
    last = rank;
    points.push(`${x(rank).toFixed(1)},${y(freq[rank - 1]).toFixed(1)}`);
  }
  const ticks = (max: number, at: (v: number) => number, axis: 'x' | 'y') =>
    Array.from({ length: Math.floor(max) + 1 }, (_, p) => {
      const v = at(10 ** p);
      return axis === 'x'
        ? `<line x1="${v}" y1="${H - M}" x2="${v}" y2="${H - M + 4}" stroke="#666"/><text x="${v}" y="${H - M + 16}" font-size="10" text-anchor="middle">1e${p}</text>`
        : `<line x1="${M - 4}" y1="${v}" x2="${M}" y2="${v}" stroke="#666"/><text x="${M - 6}" y="${v + 3}" font-size="10" text-anchor="end">1e${p}</text>`;
    }).join('');
  const escaped = title.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">
<title>${escaped}</title>
<rect width="${W}" height="${H}" fill="white"/>
<text x="${W / 2}" y="20" font-size="12" text-anchor="middle">${escaped}</text>
<line x1="${M}" y1="${H - M}" x2="${W - M}" y2="${H - M}" stroke="#666"/><line x1="${M}" y1="${M}" x2="${M}" y2="${H - M}" stroke="#666"/>
${ticks(maxX, x, 'x')}${ticks(maxY, y, 'y')}
<text x="${W / 2}" y="${H - 10}" font-size="11" text-anchor="middle">item rank (log)</text>
<text x="14" y="${H / 2}" font-size="11" text-anchor="middle" transform="rotate(-90 14 ${H / 2})">training positives (log)</text>
<polyline fill="none" stroke="#3366cc" stroke-width="1.5" points="${points.join(' ')}"/>
</svg>
`;
}

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

/** The profile as the lines the CLI prints. */
export function formatProfile(p: DataProfile): string {
  const lines = [
    `data: ${p.source}  (loaded in ${p.loadSec.toFixed(2)} s)`,
    `rows read            ${p.rows}`,
    `users                ${p.users}`,
    `items                ${p.items}`,
    `positives            ${p.positives}${p.impressedNotClicked > 0 ? `  (${p.impressedNotClicked} impressed, not clicked)` : ''}`,
    `positives per user   median ${p.positivesPerUser.median}, p95 ${p.positivesPerUser.p95}, max ${p.positivesPerUser.max}`,
    `split                train ${p.split.train}, test ${p.split.test}`,
  ];
  if (p.split.droppedTestUnseen > 0) {
    lines.push(`held out, dropped    ${p.split.droppedTestUnseen}: their user or item never appears in the training split (no model can retrieve an item it never saw)`);
  }
  if (p.split.usersWithoutTrainingPositives > 0) lines.push(`users without a training positive  ${p.split.usersWithoutTrainingPositives} (their held-out positives are among those dropped)`);
  lines.push(
    `popularity           top 1% of items ${pct(p.popularity.top1)}, top 5% ${pct(p.popularity.top5)}, top 20% ${pct(p.popularity.top20)} of training positives; Gini ${p.popularity.gini.toFixed(3)}; ${p.popularity.itemsWithClicks} of ${p.items} items have one`,
    `rank/frequency       ${rankFrequencySparkline(p.rankFrequency)}  (log-log: rank 1 … ${p.rankFrequency.length})`,
  );
  for (const w of p.warnings) lines.push(`warning: ${w}`);
  return `${lines.join('\n')}\n`;
}
