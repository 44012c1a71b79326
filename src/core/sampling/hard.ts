/**
 * Hard negatives: items ranked close behind (relatively hard) or far behind (extremely hard) a
 * user's target, either from the upstream system's ranking log or mined with the model itself
 * (retrieve the top K, drop the user's positives, take a rank band). Each user gets a pool; a draw
 * is uniform over the pool of the row's user. A user with an empty pool gets an easy negative
 * instead, reported as that easy kind, so the statistics show what was really drawn; the sampler
 * counts those fallbacks, and the pool builders count what each band yields, for the run's report.
 */
import type { NegativesConfig } from '../config/schema';
import type { RankingLogData } from '../data/dataset';
import type { Rng } from '../util/rng';
import { checkOut, type EasySampler } from './easy';
import { asRecord, decodeInt32, encodeInt32, field } from './state';
import { NEGATIVE_KIND_CODES, type NegativeSampler, type PositiveBatch } from './types';
import type { UserPositiveIndex } from './userPositives';

/** A rank band [from, to): 0 is the target itself (log) or the best non-positive item (mined). */
export type RankBand = readonly [number, number];

/** What one rank band yielded: candidates (pool entries) and users with at least one, among the users with training positives. */
export interface BandYield {
  candidates: number;
  users: number;
}

/** Per-user pools in CSR layout: user u's hard negatives are items[offsets[u] .. offsets[u + 1]). */
export interface HardPools {
  readonly offsets: Int32Array;
  readonly items: Int32Array;
  /** What each band given to the builder yielded, in the order given (unknown for pools from elsewhere). */
  readonly bandYields?: readonly BandYield[];
}

/** The names of the bands in `training.negatives.hard`. */
export type BandName = 'relatively_hard' | 'extremely_hard';

/** Hard slots drawn since the last reset, and how many of them an easy negative filled (no pool). */
export interface HardSlotTally {
  slots: number;
  fellBack: number;
}

/** Retrieves the top `k` item indices of each user, best first: `users.length × k`, row-major. */
export type ScoreTopK = (users: Int32Array, k: number) => Int32Array;

export function bandsFromConfig(hard: NegativesConfig['hard']): RankBand[] {
  return namedBandsFromConfig(hard).map((b) => b.band);
}

/** The bands `training.negatives.hard.band` uses, with their names, in the order of `bandsFromConfig`. */
export function namedBandsFromConfig(hard: Pick<NegativesConfig['hard'], 'band' | 'relatively_hard' | 'extremely_hard'>): { name: BandName; band: RankBand }[] {
  const names: BandName[] = hard.band === 'both' ? ['relatively_hard', 'extremely_hard'] : [hard.band];
  return names.map((name) => ({ name, band: checkBand(hard[name], name) }));
}

function checkBand(band: readonly [number, number], name: string): RankBand {
  if (!(band[0] >= 0 && band[1] > band[0])) {
    throw new Error(`training.negatives.hard.${name} is [${band[0]}, ${band[1]}]: a rank band [from, to) needs 0 ≤ from < to.`);
  }
  return band;
}

export function inBands(offset: number, bands: readonly RankBand[]): boolean {
  for (const [from, to] of bands) if (offset >= from && offset < to) return true;
  return false;
}

export function emptyPools(userCount: number): HardPools {
  return { offsets: new Int32Array(userCount + 1), items: new Int32Array(0) };
}

/** Builds CSR pools from (user, item) candidate lists gathered in any order. */
function poolsFromCandidates(userCount: number, candUsers: number[], candItems: number[], bandYields?: readonly BandYield[]): HardPools {
  const offsets = new Int32Array(userCount + 1);
  for (const u of candUsers) offsets[u + 1]++;
  for (let u = 0; u < userCount; u++) offsets[u + 1] += offsets[u];
  const cursor = offsets.slice(0, userCount);
  const items = new Int32Array(candItems.length);
  for (let k = 0; k < candItems.length; k++) items[cursor[candUsers[k]]++] = candItems[k];
  return bandYields ? { offsets, items, bandYields } : { offsets, items };
}

/**
 * Counts, per band, the candidates whose rank offset lies in it and the users who have one. Only
 * users with training positives count: no other user ever draws a hard slot.
 */
class BandCounter {
  private readonly candidates: number[];
  private readonly seen: Uint8Array[];

  constructor(
    private readonly bands: readonly RankBand[],
    private readonly userPositives: UserPositiveIndex,
    userCount: number,
  ) {
    this.candidates = bands.map(() => 0);
    this.seen = bands.map(() => new Uint8Array(userCount));
  }

  add(user: number, offset: number): void {
    if (!(this.userPositives.offsets[user + 1] > this.userPositives.offsets[user])) return;
    this.bands.forEach(([from, to], b) => {
      if (offset < from || offset >= to) return;
      this.candidates[b]++;
      this.seen[b][user] = 1;
    });
  }

  yields(): BandYield[] {
    return this.bands.map((_, b) => ({ candidates: this.candidates[b], users: this.seen[b].reduce((n, v) => n + v, 0) }));
  }
}

/** Users with a non-empty pool. */
function usersWithPool(pools: HardPools): number {
  let n = 0;
  for (let u = 0; u + 1 < pools.offsets.length; u++) if (pools.offsets[u + 1] > pools.offsets[u]) n++;
  return n;
}

/**
 * Pools from a ranking log. In each request, the target is the best-ranked item that is a training
 * positive of the request's user (rank 0 of the request when none is); a candidate is an item of the
 * request that ranking discarded, is not a positive of the user, and lies `rank − targetRank` inside
 * a band. Items ranking kept were impressed: they are ranking negatives, not retrieval ones, so only
 * discarded items qualify.
 */
export function poolsFromRankingLog(log: RankingLogData, userCount: number, userPositives: UserPositiveIndex, bands: readonly RankBand[]): HardPools {
  const n = log.requests.length;
  const order = new Int32Array(n);
  for (let r = 0; r < n; r++) order[r] = r;
  order.sort((a, b) => log.requests[a] - log.requests[b] || a - b);

  const candUsers: number[] = [];
  const candItems: number[] = [];
  const counter = new BandCounter(bands, userPositives, userCount);
  let start = 0;
  while (start < n) {
    let end = start + 1;
    const request = log.requests[order[start]];
    while (end < n && log.requests[order[end]] === request) end++;
    const user = log.users[order[start]];
    if (user < 0 || user >= userCount) throw new Error(`Ranking log row ${order[start]}: user index ${user} is outside the user vocabulary [0, ${userCount}).`);
    let target = Infinity;
    for (let k = start; k < end; k++) {
      const row = order[k];
      if (log.users[row] !== user) throw new Error(`Ranking log request ${request}: rows ${order[start]} and ${row} name different users; a request belongs to one user.`);
      if (userPositives.has(user, log.items[row])) target = Math.min(target, log.ranks[row]);
    }
    if (target === Infinity) target = 0;
    for (let k = start; k < end; k++) {
      const row = order[k];
      const item = log.items[row];
      if (item <= 0 || !log.discarded[row] || userPositives.has(user, item)) continue;
      const offset = log.ranks[row] - target;
      if (inBands(offset, bands)) {
        candUsers.push(user);
        candItems.push(item);
        counter.add(user, offset);
      }
    }
    start = end;
  }
  return poolsFromCandidates(userCount, candUsers, candItems, counter.yields());
}

/**
 * Mines pools with the model: for every user with positives, retrieve the top `topK`, drop the
 * user's training positives (and the OOV row), and keep the items whose rank in what is left lies in
 * a band. Users are scored in chunks to bound the memory of the top-K matrix.
 */
export function mineHardNegatives(
  userCount: number,
  userPositives: UserPositiveIndex,
  scoreTopK: ScoreTopK,
  topK: number,
  bands: readonly RankBand[],
  chunk = 512,
): HardPools {
  const users: number[] = [];
  for (let u = 0; u < userCount; u++) if (userPositives.offsets[u + 1] > userPositives.offsets[u]) users.push(u);
  const candUsers: number[] = [];
  const candItems: number[] = [];
  const counter = new BandCounter(bands, userPositives, userCount);
  for (let s = 0; s < users.length; s += chunk) {
    const batchUsers = Int32Array.from(users.slice(s, s + chunk));
    const top = scoreTopK(batchUsers, topK);
    if (top.length !== batchUsers.length * topK) {
      throw new Error(`Hard-negative mining: scoreTopK returned ${top.length} items for ${batchUsers.length} users × top ${topK}; it must return users × k indices.`);
    }
    for (let r = 0; r < batchUsers.length; r++) {
      const u = batchUsers[r];
      let rank = 0;
      for (let k = 0; k < topK; k++) {
        const item = top[r * topK + k];
        if (item <= 0 || userPositives.has(u, item)) continue;
        if (inBands(rank, bands)) {
          candUsers.push(u);
          candItems.push(item);
          counter.add(u, rank);
        }
        rank++;
      }
    }
  }
  return poolsFromCandidates(userCount, candUsers, candItems, counter.yields());
}

export const HARD_LOG_CODE = NEGATIVE_KIND_CODES.indexOf('hard_log');
export const HARD_MINED_CODE = NEGATIVE_KIND_CODES.indexOf('hard_mined');

/** Draws from the row user's pool; falls back to the easy sampler for users whose pool is empty. */
export class HardNegativeSampler implements NegativeSampler {
  private pools: HardPools;
  private readonly code: number;
  private readonly tally: HardSlotTally = { slots: 0, fellBack: 0 };

  constructor(
    readonly kind: 'hard_log' | 'hard_mined',
    pools: HardPools,
    readonly fallback: EasySampler,
  ) {
    this.pools = pools;
    this.code = kind === 'hard_log' ? HARD_LOG_CODE : HARD_MINED_CODE;
  }

  get currentPools(): HardPools {
    return this.pools;
  }

  setPools(pools: HardPools): void {
    this.pools = pools;
  }

  /** Users with at least one hard negative. */
  usersWithPool(): number {
    return usersWithPool(this.pools);
  }

  /** Hard slots drawn by `drawSlot` since the last `resetTally`, and how many fell back to easy. */
  slotTally(): HardSlotTally {
    return { ...this.tally };
  }

  resetTally(): void {
    this.tally.slots = 0;
    this.tally.fellBack = 0;
  }

  /** One hard draw for `user`, or −1 when the user has no pool. */
  drawHard(rng: Rng, user: number): number {
    if (user < 0 || user + 1 >= this.pools.offsets.length) return -1;
    const lo = this.pools.offsets[user];
    const size = this.pools.offsets[user + 1] - lo;
    return size > 0 ? this.pools.items[lo + rng.int(size)] : -1;
  }

  /** One slot: a hard draw if the user has a pool, else an easy one; returns the kind code. */
  drawSlot(rng: Rng, user: number, avoid: number, out: Int32Array, slot: number): number {
    const hard = this.drawHard(rng, user);
    this.tally.slots++;
    if (hard >= 0) {
      out[slot] = hard;
      return this.code;
    }
    this.tally.fellBack++;
    out[slot] = this.fallback.draw(rng, avoid);
    return NEGATIVE_KIND_CODES.indexOf(this.fallback.kind);
  }

  sample(batch: PositiveBatch, perPositive: number, rng: Rng, out: Int32Array, kinds?: Uint8Array): void {
    checkOut(batch, perPositive, out, kinds);
    for (let r = 0; r < batch.items.length; r++) {
      for (let k = 0; k < perPositive; k++) {
        const slot = r * perPositive + k;
        const code = this.drawSlot(rng, batch.users[r], batch.items[r], out, slot);
        if (kinds) kinds[slot] = code;
      }
    }
  }

  /**
   * Log pools are rebuilt from the data; mined pools are saved, since the model that mined them moved
   * on, with their band yields (for the report of a resumed run; checkpoints before them have none).
   */
  saveState(): unknown {
    if (this.kind === 'hard_log') return { kind: this.kind };
    const yields = this.pools.bandYields ? { bandYields: this.pools.bandYields.map((y) => ({ ...y })) } : {};
    return { kind: this.kind, offsets: encodeInt32(this.pools.offsets), items: encodeInt32(this.pools.items), ...yields };
  }

  restoreState(state: unknown): void {
    const rec = asRecord(state, 'the hard-negative sampler');
    const kind = field(rec, 'kind', 'string', 'hard');
    if (kind !== this.kind) throw new Error(`Checkpoint sampler state: saved by a ${kind} sampler, this run uses ${this.kind}. Start a fresh run instead of --resume.`);
    if (this.kind === 'hard_log') return;
    const offsets = decodeInt32(field(rec, 'offsets', 'string', 'hard'), 'hard.offsets');
    const items = decodeInt32(field(rec, 'items', 'string', 'hard'), 'hard.items');
    if (offsets.length !== this.pools.offsets.length || offsets[offsets.length - 1] !== items.length) {
      throw new Error(`Checkpoint sampler state: the mined pools cover ${offsets.length - 1} users, this run has ${this.pools.offsets.length - 1}. Start a fresh run instead of --resume.`);
    }
    this.pools = { offsets, items, ...savedYields(rec.bandYields) };
  }
}

/** Band yields saved with mined pools, if the checkpoint has well-formed ones. */
function savedYields(value: unknown): { bandYields?: BandYield[] } {
  if (!Array.isArray(value)) return {};
  const ok = value.every((y: unknown) => typeof y === 'object' && y !== null && typeof (y as BandYield).candidates === 'number' && typeof (y as BandYield).users === 'number');
  return ok ? { bandYields: (value as BandYield[]).map((y) => ({ candidates: y.candidates, users: y.users })) } : {};
}

/** Mined hard negatives: pools refreshed with the model every `mineEvery` epochs. */
export class MinedHardNegativeSampler extends HardNegativeSampler {
  /** The epoch (counted from 0) before which pools are first mined; until then every hard slot falls back. */
  readonly firstMiningEpoch = 1;

  constructor(
    private readonly userCount: number,
    private readonly userPositives: UserPositiveIndex,
    private readonly bands: readonly RankBand[],
    readonly topK: number,
    readonly mineEvery: number,
    easy: EasySampler,
  ) {
    super('hard_mined', emptyPools(userCount), easy);
  }

  /**
   * Whether to mine before epoch `epoch` (counted from 0): epoch 0 trains on easy negatives only,
   * then pools are mined before epoch 1, 1 + N, 1 + 2N, …
   */
  needsRefresh(epoch: number): boolean {
    return epoch >= this.firstMiningEpoch && (epoch - this.firstMiningEpoch) % this.mineEvery === 0;
  }

  refresh(scoreTopK: ScoreTopK): void {
    this.setPools(mineHardNegatives(this.userCount, this.userPositives, scoreTopK, this.topK, this.bands));
  }
}
