/**
 * The synthetic generator: users and items with hidden latent vectors, Zipf item popularity,
 * impressions drawn by popularity × relevance (as an upstream recommender would show them), clicks
 * drawn from the latent scores, P(click) = sigmoid((u·v − bias)/T), and a ranking log (see
 * `rankingLog`). Seeded: the same config and seed give the same data, byte for byte.
 *
 * Each part draws from its own forked Rng, so turning the ranking log off does not change the clicks.
 */
import type { SyntheticConfig } from '../config/schema';
import { Rng } from '../util/rng';
import { Growable } from './growable';

/** Latent scores have unit variance: each latent component is N(0, σ²) with σ = d^(−1/4). */
const CLICK_BIAS = 1;
/** Seconds since the epoch of the first possible interaction (2020-09-13). */
const START_TIME = 1_600_000_000;
const NOMINATED_PER_REQUEST = 50;
/** Items the ranker shows per request; the rest of the nominated items are discarded. */
const SHOWN_PER_REQUEST = 10;
const RANKING_NOISE = 0.5;
/**
 * The log ranks the catalogue down to this depth (ranks 0 .. depth − 1); behind the nominated items it
 * keeps one item in DEEP_SAMPLE_EVERY, so that the default bands [10, 50) and [100, 500) both find
 * candidates (~12 per user in the deep band) for 1.6 times the rows of the nominated part alone.
 */
export const RANKING_LOG_DEPTH = 1000;
const DEEP_SAMPLE_EVERY = 32;
/** Latent scores have unit variance: [−6, 6] holds all but a vanishing share of them. */
const SCORE_RANGE = 6;
const SEGMENTS = 4;
const CATEGORIES = 8;

export interface SyntheticUsers {
  ids: string[];
  /** Row-major, users × latentDim. */
  latent: Float32Array;
  segment: string[];
  age: Float64Array;
  activity: Float64Array;
}

export interface SyntheticItems {
  ids: string[];
  /** Row-major, items × latentDim. */
  latent: Float32Array;
  category: string[];
  price: Float64Array;
  ageDays: Float64Array;
  /** Zipf weight 1/(rank+1)^s of the item's popularity rank. */
  popularity: Float64Array;
}

/** Interaction rows; `user`/`item` are indices into the users/items of the generator (0-based). */
export interface SyntheticInteractions {
  user: Int32Array;
  item: Int32Array;
  timestamp: Float64Array;
  impressed: Uint8Array;
  clicked: Uint8Array;
}

export interface SyntheticRankingLog {
  request: Int32Array;
  user: Int32Array;
  item: Int32Array;
  rank: Int32Array;
  discarded: Uint8Array;
}

export interface SyntheticData {
  seed: number;
  latentDim: number;
  clickBias: number;
  clickTemperature: number;
  users: SyntheticUsers;
  items: SyntheticItems;
  interactions: SyntheticInteractions;
  rankingLog?: SyntheticRankingLog;
}

/** The true generating score u·v of a (user, item) pair, by generator indices. */
export function trueScore(data: SyntheticData, user: number, item: number): number {
  return dot(data.users.latent, user * data.latentDim, data.items.latent, item * data.latentDim, data.latentDim);
}

/** The true generating scores of one user over all items (generator indices), e.g. for a "true recall" ceiling. */
export function trueScores(data: SyntheticData, user: number, out = new Float32Array(data.items.ids.length)): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = trueScore(data, user, i);
  return out;
}

function dot(a: Float32Array, ao: number, b: Float32Array, bo: number, d: number): number {
  let s = 0;
  for (let k = 0; k < d; k++) s += a[ao + k] * b[bo + k];
  return s;
}

function argmax(a: Float32Array, offset: number, n: number): number {
  let best = 0;
  for (let k = 1; k < n; k++) if (a[offset + k] > a[offset + best]) best = k;
  return best;
}

function latentVectors(rng: Rng, count: number, d: number): Float32Array {
  const sigma = Math.pow(d, -0.25);
  const out = new Float32Array(count * d);
  for (let i = 0; i < out.length; i++) out[i] = rng.normal() * sigma;
  return out;
}

/** Index of the first cumulative weight > r (binary search). */
function drawFromCumulative(cumulative: Float64Array, r: number): number {
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid] > r) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function generateSynthetic(cfg: SyntheticConfig, seed: number): SyntheticData {
  const root = new Rng(seed);
  const latentRng = root.fork();
  const featureRng = root.fork();
  const popularityRng = root.fork();
  const impressionRng = root.fork();
  const logRng = root.fork();
  // Forked last, so that the nominated part of the log (and everything before it) is as without it.
  const deepLogRng = root.fork();
  const U = cfg.users;
  const I = cfg.items;
  const d = cfg.latent_dim;
  const sigma = Math.pow(d, -0.25);

  const userLatent = latentVectors(latentRng, U, d);
  const itemLatent = latentVectors(latentRng, I, d);

  // Popularity: a random permutation gives each item its Zipf rank.
  const rankOf = new Int32Array(I);
  for (let i = 0; i < I; i++) rankOf[i] = i;
  popularityRng.shuffle(rankOf);
  const popularity = new Float64Array(I);
  for (let i = 0; i < I; i++) popularity[i] = 1 / Math.pow(rankOf[i] + 1, cfg.zipf_exponent);

  // Impressions ∝ popularity × exp(u·v): the upstream system shows popular and relevant items.
  const impressionsOf = new Int32Array(U);
  const rows = { user: [] as number[], item: [] as number[], timestamp: [] as number[], clicked: [] as number[] };
  const cumulative = new Float64Array(I);
  const seen = new Uint8Array(I);
  const shown: number[] = [];
  for (let u = 0; u < U; u++) {
    let total = 0;
    for (let i = 0; i < I; i++) {
      total += popularity[i] * Math.exp(dot(userLatent, u * d, itemLatent, i * d, d));
      cumulative[i] = total;
    }
    const wanted = Math.min(I, Math.max(1, Math.round(cfg.impressions_per_user * Math.exp(0.5 * impressionRng.normal() - 0.125))));
    shown.length = 0;
    for (let k = 0; k < wanted; k++) {
      // Redraw repeats a few times; a user who keeps drawing the same head items sees fewer.
      for (let attempt = 0; attempt < 20; attempt++) {
        const i = drawFromCumulative(cumulative, impressionRng.next() * total);
        if (!seen[i]) {
          seen[i] = 1;
          shown.push(i);
          break;
        }
      }
    }
    let t = START_TIME + impressionRng.int(180 * 86400);
    for (const i of shown) {
      seen[i] = 0;
      t += 60 + impressionRng.int(6 * 3600);
      const score = dot(userLatent, u * d, itemLatent, i * d, d);
      const p = 1 / (1 + Math.exp(-(score - CLICK_BIAS) / cfg.click_temperature));
      rows.user.push(u);
      rows.item.push(i);
      rows.timestamp.push(t);
      rows.clicked.push(impressionRng.next() < p ? 1 : 0);
    }
    impressionsOf[u] = shown.length;
  }

  const users: SyntheticUsers = {
    ids: Array.from({ length: U }, (_, u) => `u${u}`),
    latent: userLatent,
    segment: Array.from({ length: U }, (_, u) => `s${argmax(userLatent, u * d, Math.min(SEGMENTS, d))}`),
    age: new Float64Array(U),
    activity: Float64Array.from(impressionsOf),
  };
  for (let u = 0; u < U; u++) {
    users.age[u] = Math.min(80, Math.max(16, Math.round(38 + 6 * (userLatent[u * d] / sigma) + 8 * featureRng.normal())));
  }
  const items: SyntheticItems = {
    ids: Array.from({ length: I }, (_, i) => `i${i}`),
    latent: itemLatent,
    category: Array.from({ length: I }, (_, i) => `c${argmax(itemLatent, i * d, Math.min(CATEGORIES, d))}`),
    price: new Float64Array(I),
    ageDays: new Float64Array(I),
    popularity,
  };
  for (let i = 0; i < I; i++) {
    const pull = itemLatent[i * d + (1 % d)] / sigma;
    items.price[i] = Math.round(100 * Math.exp(3 + 0.4 * pull + 0.5 * featureRng.normal())) / 100;
    items.ageDays[i] = featureRng.int(1000);
  }

  const n = rows.user.length;
  const interactions: SyntheticInteractions = {
    user: Int32Array.from(rows.user),
    item: Int32Array.from(rows.item),
    timestamp: Float64Array.from(rows.timestamp),
    impressed: new Uint8Array(n).fill(1),
    clicked: Uint8Array.from(rows.clicked),
  };
  const data: SyntheticData = { seed, latentDim: d, clickBias: CLICK_BIAS, clickTemperature: cfg.click_temperature, users, items, interactions };
  if (cfg.ranking_log) data.rankingLog = rankingLog(data, logRng, deepLogRng);
  return data;
}

/** The largest rank the generator's ranking log holds for a catalogue of `items` items (what a band can reach). */
export function syntheticLogMaxRank(items: number): number {
  return Math.min(items, RANKING_LOG_DEPTH) - 1;
}

/**
 * One request per user. The upstream system nominates ~50 items (the top half by latent score, the
 * rest popular ones), which the ranker orders by a noisy latent score (ranks 0–49), showing the top 10
 * and discarding the others. Behind them the rest of the catalogue follows, ordered by latent score,
 * as a wider and cheaper nomination that ranking discarded (ranks 50 .. RANKING_LOG_DEPTH − 1); of
 * those the log keeps a seeded sample of one item in DEEP_SAMPLE_EVERY, as real logs sample their long
 * tail, so the candidates of a deep rank band are a uniform sample of the band.
 */
function rankingLog(data: SyntheticData, rng: Rng, deepRng: Rng): SyntheticRankingLog {
  const U = data.users.ids.length;
  const I = data.items.ids.length;
  const perRequest = Math.min(NOMINATED_PER_REQUEST, I);
  const topCount = Math.ceil(perRequest / 2);
  const popCumulative = new Float64Array(I);
  let total = 0;
  for (let i = 0; i < I; i++) popCumulative[i] = total += data.items.popularity[i];
  const scores = new Float32Array(I);
  const nominated = new Uint8Array(I);
  const out = {
    request: new Growable(Int32Array),
    user: new Growable(Int32Array),
    item: new Growable(Int32Array),
    rank: new Growable(Int32Array),
    discarded: new Growable(Uint8Array),
  };
  const push = (u: number, item: number, rank: number): void => {
    out.request.push(u);
    out.user.push(u);
    out.item.push(item);
    out.rank.push(rank);
    out.discarded.push(rank >= SHOWN_PER_REQUEST ? 1 : 0);
  };
  const deep = new DeepSample(I, deepRng);
  const picked: number[] = [];
  for (let u = 0; u < U; u++) {
    trueScores(data, u, scores);
    picked.length = 0;
    for (const i of topIndices(scores, topCount)) {
      nominated[i] = 1;
      picked.push(i);
    }
    while (picked.length < perRequest) {
      const i = drawFromCumulative(popCumulative, rng.next() * total);
      if (!nominated[i]) {
        nominated[i] = 1;
        picked.push(i);
      } else if (rng.next() < 0.05) {
        // The head is exhausted: fill the request with uniform draws so it still ends.
        const j = rng.int(I);
        if (!nominated[j]) {
          nominated[j] = 1;
          picked.push(j);
        }
      }
    }
    const ranked = picked.map((i) => ({ i, s: scores[i] + RANKING_NOISE * rng.normal() })).sort((a, b) => b.s - a.s || a.i - b.i);
    for (let r = 0; r < ranked.length; r++) push(u, ranked[r].i, r);
    deep.draw(scores, nominated, ranked.length, (item, rank) => push(u, item, rank));
    for (const { i } of ranked) nominated[i] = 0;
  }
  return { request: out.request.finish(), user: out.user.finish(), item: out.item.finish(), rank: out.rank.finish(), discarded: out.discarded.finish() };
}

/**
 * The sampled tail of a request: each item that was not nominated is kept with probability
 * 1/DEEP_SAMPLE_EVERY, and its rank is `first` plus the number of non-nominated items ahead of it by
 * latent score (ties: lower index first). Sorting the catalogue per request would cost more than the
 * scores themselves, so one pass buckets the items by score instead (latent scores have unit variance,
 * so SCORE_RANGE covers nearly all of them; outliers go to the end buckets): a kept item's rank is the
 * number of items in higher buckets plus exact comparisons with the few in its own bucket.
 */
class DeepSample {
  private readonly kept: number[] = [];
  /** Per bucket: how many items it holds, and the first kept item in it (−1: none), chained by `nextKept`. */
  private readonly bucketSize: Int32Array;
  private readonly firstKept: Int32Array;
  private readonly hasKept: Uint8Array;
  private readonly nextKept: Int32Array;
  private readonly keptBucket: Int32Array;
  /** Per kept item: the items of its own bucket ahead of it. */
  private readonly aheadInBucket: Int32Array;
  /** Items that share a bucket with a kept item (only those need an exact comparison). */
  private readonly sharing: Int32Array;
  private readonly order: Float64Array;
  private readonly buckets: number;
  /** Buckets per unit of score. */
  private readonly perUnit: number;
  private readonly skip: number;

  constructor(
    private readonly itemCount: number,
    private readonly rng: Rng,
  ) {
    this.buckets = Math.max(1, itemCount);
    this.perUnit = this.buckets / (2 * SCORE_RANGE);
    this.bucketSize = new Int32Array(this.buckets);
    this.firstKept = new Int32Array(this.buckets).fill(-1);
    this.hasKept = new Uint8Array(this.buckets);
    this.sharing = new Int32Array(itemCount + 1);
    this.nextKept = new Int32Array(itemCount);
    this.keptBucket = new Int32Array(itemCount);
    this.aheadInBucket = new Int32Array(itemCount);
    this.order = new Float64Array(itemCount);
    this.skip = Math.log(1 - 1 / DEEP_SAMPLE_EVERY);
  }

  /** Bucket 0 holds the highest scores; the key is monotone in the score, so a higher bucket never ranks ahead. */
  private bucket(score: number): number {
    const x = (SCORE_RANGE - score) * this.perUnit;
    return x <= 0 ? 0 : x >= this.buckets ? this.buckets - 1 : x | 0;
  }

  draw(scores: Float32Array, nominated: Uint8Array, first: number, emit: (item: number, rank: number) => void): void {
    const { kept, bucketSize, firstKept, hasKept, nextKept, keptBucket, aheadInBucket, sharing, order, itemCount: I } = this;
    if (first >= RANKING_LOG_DEPTH) return;
    kept.length = 0;
    // Geometric gaps between kept indices: one draw per kept item instead of one per item.
    for (let i = this.gap(); i < I; i += 1 + this.gap()) if (!nominated[i]) kept.push(i);
    const m = kept.length;
    if (m === 0) return;
    for (let t = 0; t < m; t++) {
      const b = this.bucket(scores[kept[t]]);
      keptBucket[t] = b;
      nextKept[t] = firstKept[b];
      firstKept[b] = t;
      hasKept[b] = 1;
      aheadInBucket[t] = 0;
    }
    // One pass counts the items per bucket and lists those that share a bucket with a kept item
    // (without a branch: the slot is overwritten unless the bucket has one).
    bucketSize.fill(0);
    const { buckets, perUnit } = this;
    let shared = 0;
    for (let i = 0; i < I; i++) {
      if (nominated[i]) continue;
      // this.bucket(scores[i]), inlined: this loop runs over the whole catalogue for every request.
      const x = (SCORE_RANGE - scores[i]) * perUnit;
      const b = x <= 0 ? 0 : x >= buckets ? buckets - 1 : x | 0;
      bucketSize[b]++;
      sharing[shared] = i;
      shared += hasKept[b];
    }
    for (let c = 0; c < shared; c++) {
      const i = sharing[c];
      const s = scores[i];
      for (let t = firstKept[this.bucket(s)]; t >= 0; t = nextKept[t]) {
        const k = kept[t];
        if (s > scores[k] || (s === scores[k] && i < k)) aheadInBucket[t]++;
      }
    }
    // Items in higher buckets: bucketSize becomes its exclusive prefix sums.
    let above = 0;
    for (let b = 0; b < bucketSize.length; b++) {
      const size = bucketSize[b];
      bucketSize[b] = above;
      above += size;
    }
    // The rows in rank order: rank · I + item sorts by rank, and is exact in a double.
    for (let t = 0; t < m; t++) order[t] = (first + bucketSize[keptBucket[t]] + aheadInBucket[t]) * I + kept[t];
    for (let t = 0; t < m; t++) {
      firstKept[keptBucket[t]] = -1;
      hasKept[keptBucket[t]] = 0;
    }
    const rows = order.subarray(0, m).sort();
    for (const key of rows) {
      const rank = Math.floor(key / I);
      if (rank >= RANKING_LOG_DEPTH) return;
      emit(key - rank * I, rank);
    }
  }

  /** Items skipped before the next kept one: Geometric(1/DEEP_SAMPLE_EVERY) on {0, 1, …}. */
  private gap(): number {
    return Math.floor(Math.log(1 - this.rng.next()) / this.skip);
  }
}

/** Indices of the k largest scores, best first (ties: lower index first). */
function topIndices(scores: Float32Array, k: number): number[] {
  const top: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    if (top.length === k && scores[i] <= scores[top[k - 1]]) continue;
    let p = top.length === k ? k - 1 : top.length;
    while (p > 0 && scores[top[p - 1]] < scores[i]) p--;
    top.splice(p, 0, i);
    if (top.length > k) top.pop();
  }
  return top;
}
