/**
 * Metric keys as the panel groups them, derived from the names alone (no list of known metrics): `name@K`
 * is family `name` at cut-off K (`recall@10`, `ann_recall@50`, `ann/recall@10`); a key without `@` is a
 * family of its own (`mrr`). A family's section follows from its name, so metrics added later (ANN
 * recall, timings) land in a sensible section without touching this file.
 */

import { headlineMetricOf } from '../../shared/headline';

export type SectionId = 'loss' | 'retrieval' | 'headTail' | 'sampling' | 'system';

/** The panel's sections, in page order, with their titles. */
export const SECTIONS: { id: SectionId; title: string }[] = [
  { id: 'loss', title: 'Loss' },
  { id: 'retrieval', title: 'Retrieval@K' },
  { id: 'headTail', title: 'Head/tail' },
  { id: 'sampling', title: 'Sampling' },
  { id: 'system', title: 'System' },
];

export interface MetricKey {
  family: string;
  /** The cut-off, or undefined for a metric without one (`mrr`). */
  k?: number;
}

export function parseMetricKey(key: string): MetricKey {
  const at = key.lastIndexOf('@');
  if (at > 0) {
    const k = Number(key.slice(at + 1));
    if (Number.isInteger(k) && k > 0) return { family: key.slice(0, at), k };
  }
  return { family: key };
}

export function metricKeyOf(family: string, k: number | undefined): string {
  return k === undefined ? family : `${family}@${k}`;
}

/** The metric's own name, without a namespace such as `ann/`. */
function baseName(family: string): string {
  return family.slice(family.lastIndexOf('/') + 1);
}

/**
 * Head/tail: recall of the popular and the long-tail items, and catalogue coverage (how much of the
 * tail is ever recommended). System: timings, sizes, rates (`ann/build_sec`, `ann/query_ms`). The rest
 * (recall, NDCG, hit rate, MRR, ANN recall, …) is retrieval quality.
 */
export function sectionOfFamily(family: string): SectionId {
  const name = baseName(family);
  if (/(^|_)(head|tail)($|_)|coverage/.test(name)) return 'headTail';
  if (/(^|_)(sec|ms|seconds|bytes|mb|qps|per_sec|latency|memory)($|_)/.test(name)) return 'system';
  return 'retrieval';
}

/** Retrieval metrics first in this order (the usual headline ones), then the rest by name. */
const FAMILY_ORDER = ['recall', 'ndcg', 'hit_rate', 'mrr', 'map', 'precision', 'coverage', 'recall_head', 'recall_tail', 'recall_cold', 'ann_recall'];

function familyRank(family: string): number {
  const i = FAMILY_ORDER.indexOf(baseName(family));
  return i === -1 ? FAMILY_ORDER.length : i;
}

/** Stable order of metric keys: family rank, namespace (plain before `ann/`), name, then K. */
export function compareMetricKeys(a: string, b: string): number {
  const x = parseMetricKey(a);
  const y = parseMetricKey(b);
  const nsX = x.family.includes('/') ? 1 : 0;
  const nsY = y.family.includes('/') ? 1 : 0;
  return familyRank(x.family) - familyRank(y.family) || nsX - nsY || x.family.localeCompare(y.family) || (x.k ?? 0) - (y.k ?? 0);
}

export interface MetricFamily {
  family: string;
  section: SectionId;
  /** The cut-offs logged, ascending; empty for a metric without one. */
  ks: number[];
}

/** The families of these metric keys, in the order of compareMetricKeys. */
export function metricFamilies(keys: Iterable<string>): MetricFamily[] {
  const byFamily = new Map<string, Set<number>>();
  for (const key of [...keys].sort(compareMetricKeys)) {
    const { family, k } = parseMetricKey(key);
    if (!byFamily.has(family)) byFamily.set(family, new Set());
    if (k !== undefined) byFamily.get(family)!.add(k);
  }
  return [...byFamily].map(([family, ks]) => ({ family, section: sectionOfFamily(family), ks: [...ks].sort((a, b) => a - b) }));
}

/**
 * The K shown for a family: the one chosen (when it was logged), else the headline metric's K in its
 * family, else the smallest. A namespaced twin (`ann/recall`, the same metric through the ANN index)
 * follows its plain family (`recall`) until it is given a K of its own, so the two sit side by side at one K.
 */
export function shownK(family: MetricFamily, chosen: Record<string, number>, headline?: string): number | undefined {
  const base = baseName(family.family);
  for (const pick of [chosen[family.family], chosen[base]]) if (pick !== undefined && family.ks.includes(pick)) return pick;
  const head = headline === undefined ? undefined : parseMetricKey(headline);
  if (head !== undefined && baseName(head.family) === base && head.k !== undefined && family.ks.includes(head.k)) return head.k;
  return family.ks[0];
}

/**
 * The metric the runs are judged by: the trainer's headline (`ended.best.metric`, the one the tree and
 * the CLI report) when a run names one that was logged; for runs that have not ended, the same rule as
 * the trainer's (src/shared/headline.ts) on the metrics logged, else the first metric in order.
 */
export function headlineOf(bestMetrics: (string | undefined)[], keys: string[]): string | undefined {
  const named = bestMetrics.find((m) => m !== undefined && keys.includes(m));
  if (named) return named;
  return headlineMetricOf(Object.fromEntries(keys.map((k) => [k, 0]))) ?? [...keys].sort(compareMetricKeys)[0];
}
