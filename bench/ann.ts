/**
 * The ANN index (usearch HNSW, core/serving/annIndex.ts) against exact search: build time, index size and
 * memory, query time per user, queries per second, and ann_recall@10/@100 (the share of the exact top K
 * the index returns), on two catalogues:
 *   - `synthetic`: the 20k items of the generated 50k × 20k log, as their latent vectors (what the model
 *     learns to approximate), queried by sampled users' latent vectors, scored by the dot product;
 *   - `random`: 1M random unit vectors of 64 dimensions, queried by random unit vectors (cosine): the hard
 *     case for a graph index.
 * Exact search is the peer: a brute-force blocked matmul (8 queries share each pass over the items) with a
 * bounded top-K heap per query, single-threaded, in plain JS. The index is searched single-threaded too,
 * one query at a time; it is built with every core (`--build-threads 0`) unless told otherwise.
 * Goal on the 1M catalogue: ann_recall@100 ≥ 0.95 at ≥ 20× the exact queries per second.
 *
 *   npx tsx bench/ann.ts [--catalogue synthetic|random|both] [--items N] [--dim D] [--queries Q]
 *                        [--connectivity M] [--expansion-add E] [--expansion-search E] [--quantization f32|f16|i8]
 *                        [--build-threads T] [--exact-queries Q]
 *   --expansion-search takes a comma list (e.g. 512,1024,2048,4096): the index is built once and searched
 *   at each, which draws the recall / speed trade-off curve of one graph.
 *   small check: npx tsx bench/ann.ts --catalogue both --items 20000 --queries 50
 * The figures come last, as key=value lines (prefixed by the catalogue), with the load average.
 * The defaults (M 32, ef_add 128, ef 512) aim at the 1M random goal; the schema's serving defaults
 * (M 16, ef 64) suit trained vectors, which are far easier to index than uniform random ones.
 * Time: generating the 50k × 20k log's latents takes about a minute (the generator scores every item
 * for every user); building the 1M index with M 32 takes many minutes on two cores.
 * Measured here, small and under load (1-minute load average 7): 100k random × 64, M 32, ef 512:
 * exact 15.6 ms/query, ANN 4.6 ms/query, ann_recall@10 0.996, @100 0.976, build 90 s.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { ServingConfig } from '../src/core/config/schema';
import { generateSynthetic } from '../src/core/data/synthetic';
import { ItemIndex } from '../src/core/serving/annIndex';
import type { ScoreMetric } from '../src/core/serving/scoreMetric';
import { Rng } from '../src/core/util/rng';

const { values: opt } = parseArgs({
  options: {
    catalogue: { type: 'string', default: 'both' },
    items: { type: 'string' },
    dim: { type: 'string', default: '64' },
    queries: { type: 'string', default: '200' },
    'exact-queries': { type: 'string' },
    connectivity: { type: 'string', default: '32' },
    'expansion-add': { type: 'string', default: '128' },
    'expansion-search': { type: 'string', default: '512' },
    quantization: { type: 'string', default: 'f32' },
    'build-threads': { type: 'string', default: '0' },
  },
});
const EXPANSION_SEARCH = opt['expansion-search'].split(',').map(Number);
if (EXPANSION_SEARCH.some((e) => !Number.isInteger(e) || e < 1)) throw new Error(`--expansion-search takes positive integers, comma-separated; got ${opt['expansion-search']}`);
const params: Omit<ServingConfig, 'index'> = {
  connectivity: Number(opt.connectivity),
  expansion_add: Number(opt['expansion-add']),
  expansion_search: EXPANSION_SEARCH[0],
  quantization: opt.quantization as ServingConfig['quantization'],
};
const QUERIES = Number(opt.queries);
const EXACT_QUERIES = Number(opt['exact-queries'] ?? QUERIES);
const BUILD_THREADS = Number(opt['build-threads']);
const figures: string[] = [];
const dir = mkdtempSync(path.join(tmpdir(), 'ttl-bench-ann-'));

interface Catalogue {
  name: string;
  /** Rows × dim, row 0 the OOV row (never indexed, never an answer). */
  items: Float32Array;
  queries: Float32Array;
  dim: number;
  metric: ScoreMetric;
}

function unitRows(rng: Rng, rows: number, dim: number): Float32Array {
  const v = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let d = 0; d < dim; d++) {
      // A Gaussian (Box–Muller) per component: uniform directions on the sphere.
      const g = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
      v[r * dim + d] = g;
      s += g * g;
    }
    const inv = 1 / Math.sqrt(s);
    for (let d = 0; d < dim; d++) v[r * dim + d] *= inv;
  }
  return v;
}

function randomCatalogue(items: number, dim: number): Catalogue {
  const rng = new Rng(20260);
  return { name: 'random', items: unitRows(rng, items + 1, dim), queries: unitRows(rng, Math.max(QUERIES, EXACT_QUERIES), dim), dim, metric: 'cosine' };
}

function syntheticCatalogue(items: number, dim: number): Catalogue {
  const users = 50_000;
  // One impression per user: the latent vectors do not depend on how many impressions are drawn.
  const data = generateSynthetic({ users, items, latent_dim: dim, zipf_exponent: 1, impressions_per_user: 1, click_temperature: 0.5, ranking_log: false }, 42);
  const withOov = new Float32Array((items + 1) * dim);
  withOov.set(data.items.latent, dim);
  const rng = new Rng(7);
  const q = Math.max(QUERIES, EXACT_QUERIES);
  const queries = new Float32Array(q * dim);
  for (let j = 0; j < q; j++) {
    const u = Math.floor(rng.next() * users);
    queries.set(data.users.latent.subarray(u * dim, (u + 1) * dim), j * dim);
  }
  return { name: 'synthetic', items: withOov, queries, dim, metric: 'dot' };
}

/**
 * Exact top K of `count` queries: a pass over the items scores a block of 8 queries at once (each item
 * row is read once per block), and each query keeps a min-heap of its K best with the K-th score as a
 * threshold, so most items cost one comparison after the dot product.
 */
function exactTopK(items: Float32Array, dim: number, queries: Float32Array, count: number, k: number): Int32Array[] {
  const n = items.length / dim;
  const out: Int32Array[] = [];
  const BLOCK = 8;
  for (let start = 0; start < count; start += BLOCK) {
    const b = Math.min(BLOCK, count - start);
    const heaps = Array.from({ length: b }, () => ({ items: new Int32Array(k), scores: new Float32Array(k), size: 0 }));
    const q = queries.subarray(start * dim, (start + b) * dim);
    const s = new Float64Array(b);
    for (let i = 1; i < n; i++) {
      const o = i * dim;
      s.fill(0);
      for (let d = 0; d < dim; d++) {
        const x = items[o + d];
        for (let r = 0; r < b; r++) s[r] += x * q[r * dim + d];
      }
      for (let r = 0; r < b; r++) push(heaps[r], i, s[r], k);
    }
    for (const h of heaps) out.push(sortedItems(h));
  }
  return out;
}

type Heap = { items: Int32Array; scores: Float32Array; size: number };

/** Keeps the k best (score, item) in a min-heap on score. */
function push(h: Heap, item: number, score: number, k: number): void {
  if (h.size < k) {
    let i = h.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h.scores[p] <= score) break;
      h.scores[i] = h.scores[p];
      h.items[i] = h.items[p];
      i = p;
    }
    h.scores[i] = score;
    h.items[i] = item;
    return;
  }
  if (score <= h.scores[0]) return;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= k) break;
    const c = l + 1 < k && h.scores[l + 1] < h.scores[l] ? l + 1 : l;
    if (h.scores[c] >= score) break;
    h.scores[i] = h.scores[c];
    h.items[i] = h.items[c];
    i = c;
  }
  h.scores[i] = score;
  h.items[i] = item;
}

function sortedItems(h: Heap): Int32Array {
  const order = Array.from({ length: h.size }, (_, j) => j).sort((a, b) => h.scores[b] - h.scores[a] || h.items[a] - h.items[b]);
  return Int32Array.from(order, (j) => h.items[j]);
}

function bench(c: Catalogue): void {
  const n = c.items.length / c.dim - 1;
  const p = `${c.name}.`;
  console.log(`\n${c.name}: ${n} items × ${c.dim} (${c.metric}), M ${params.connectivity}, ef_add ${params.expansion_add}, ef ${params.expansion_search}, ${params.quantization}`);
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let began = performance.now();
  const index = ItemIndex.build(c.items, c.dim, c.metric, params, BUILD_THREADS);
  const buildSec = (performance.now() - began) / 1000;
  const rssDelta = process.memoryUsage().rss - rssBefore;
  const file = path.join(dir, `${c.name}.usearch`);
  index.save(file);
  console.log(`  built in ${buildSec.toFixed(1)} s (${BUILD_THREADS === 0 ? 'all cores' : `${BUILD_THREADS} thread(s)`}); index file ${(statSync(file).size / 1e6).toFixed(1)} MB; RSS +${(rssDelta / 1e6).toFixed(0)} MB`);

  // Exact search: the truth for recall, and the peer's speed.
  began = performance.now();
  const truth = exactTopK(c.items, c.dim, c.queries, EXACT_QUERIES, 100);
  const exactMs = (performance.now() - began) / EXACT_QUERIES;
  console.log(`  exact: ${EXACT_QUERIES} queries, ${exactMs.toFixed(2)} ms per query`);

  figures.push(
    `${p}items=${n}`,
    `${p}dim=${c.dim}`,
    `${p}metric=${c.metric}`,
    `${p}build_sec=${buildSec.toFixed(2)}`,
    `${p}index_mb=${(statSync(file).size / 1e6).toFixed(1)}`,
    `${p}rss_delta_mb=${(rssDelta / 1e6).toFixed(0)}`,
    `${p}exact_ms_per_query=${exactMs.toFixed(3)}`,
    `${p}exact_qps=${(1000 / exactMs).toFixed(1)}`,
  );
  for (const ef of EXPANSION_SEARCH) {
    const searched = ef === params.expansion_search ? index : ItemIndex.load(file, c.dim, c.metric, { ...params, expansion_search: ef });
    const { annMs, at10, at100 } = searchAll(searched, c, truth);
    console.log(`  ANN ef ${ef}: ${QUERIES} queries, ${annMs.toFixed(3)} ms per query (${(exactMs / annMs).toFixed(1)}×); ann_recall@10 ${at10.toFixed(4)}, @100 ${at100.toFixed(4)}`);
    // One ef keeps the plain keys; a curve names each point by its ef.
    const q = EXPANSION_SEARCH.length === 1 ? p : `${p}ef${ef}.`;
    figures.push(
      `${q}ann_ms_per_query=${annMs.toFixed(4)}`,
      `${q}ann_qps=${(1000 / annMs).toFixed(1)}`,
      `${q}speedup=${(exactMs / annMs).toFixed(1)}`,
      `${q}ann_recall@10=${at10.toFixed(4)}`,
      `${q}ann_recall@100=${at100.toFixed(4)}`,
    );
  }
}

/** Searches every query one at a time; returns the time per query and the mean ann_recall@10 and @100 against `truth`. */
function searchAll(index: ItemIndex, c: Catalogue, truth: Int32Array[]): { annMs: number; at10: number; at100: number } {
  const began = performance.now();
  const found: Int32Array[] = [];
  for (let j = 0; j < QUERIES; j++) found.push(index.search(c.queries.subarray(j * c.dim, (j + 1) * c.dim), 100).items);
  const annMs = (performance.now() - began) / QUERIES;
  const at10: number[] = [];
  const at100: number[] = [];
  for (let j = 0; j < EXACT_QUERIES && j < QUERIES; j++) {
    for (const [k, list] of [[10, at10], [100, at100]] as const) {
      const want = new Set(truth[j].subarray(0, k));
      let hit = 0;
      for (const item of found[j].subarray(0, k)) if (want.has(item)) hit++;
      list.push(hit / want.size);
    }
  }
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  return { annMs, at10: mean(at10), at100: mean(at100) };
}

const which = opt.catalogue;
const load = loadavg()[0];
try {
  if (which === 'synthetic' || which === 'both') bench(syntheticCatalogue(Number(opt.items ?? 20_000), 32));
  if (which === 'random' || which === 'both') bench(randomCatalogue(Number(opt.items ?? 1_000_000), Number(opt.dim)));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log('');
for (const f of [
  `connectivity=${params.connectivity}`,
  `expansion_add=${params.expansion_add}`,
  `expansion_search=${EXPANSION_SEARCH.join(',')}`,
  `quantization=${params.quantization}`,
  `queries=${QUERIES}`,
  `load_average_1m_at_start=${load.toFixed(2)}`,
  `load_average_1m_at_end=${loadavg()[0].toFixed(2)}`,
  ...figures,
])
  console.log(f);
