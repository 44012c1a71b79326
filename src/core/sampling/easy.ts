/**
 * Easy negatives drawn from the whole catalogue: uniform, or P(i) ∝ clicks_i^α through an alias
 * table. Index 0 is the out-of-vocabulary row and is never drawn. The row's own positive item is
 * never drawn either (unless it is the only item that can be), so a positive is not pushed down as
 * its own negative: draws come from the target distribution conditioned on "not the positive".
 */
import type { Rng } from '../util/rng';
import { buildAliasTable, drawAlias, type AliasTable } from './alias';
import { NEGATIVE_KIND_CODES, type NegativeSampler, type PositiveBatch } from './types';

export const UNIFORM_CODE = NEGATIVE_KIND_CODES.indexOf('uniform');
export const POPULARITY_CODE = NEGATIVE_KIND_CODES.indexOf('popularity');

/** Uniform over items 1 .. itemCount − 1. */
export class UniformSampler implements NegativeSampler {
  readonly kind = 'uniform' as const;

  constructor(private readonly itemCount: number) {
    if (itemCount < 2) throw new Error(`Uniform negatives need at least one item besides the out-of-vocabulary row; the vocabulary has ${itemCount} rows.`);
  }

  /** One draw, uniform over the items other than `avoid` (one draw from n − 2 values, shifted past it). */
  draw(rng: Rng, avoid: number): number {
    const span = this.itemCount - 1;
    if (avoid < 1 || avoid >= this.itemCount || span === 1) return 1 + rng.int(span);
    const item = 1 + rng.int(span - 1);
    return item >= avoid ? item + 1 : item;
  }

  sample(batch: PositiveBatch, perPositive: number, rng: Rng, out: Int32Array, kinds?: Uint8Array): void {
    fillRows(batch, perPositive, out, kinds, UNIFORM_CODE, (avoid) => this.draw(rng, avoid));
  }

  /** P(i): 0 for the OOV row, 1/(n − 1) otherwise. */
  probabilities(): Float64Array {
    const p = new Float64Array(this.itemCount).fill(1 / (this.itemCount - 1));
    p[0] = 0;
    return p;
  }
}

/** P(i) ∝ clicks_i^α over items with at least one click (items never clicked get weight 0). */
export class PopularitySampler implements NegativeSampler {
  readonly kind = 'popularity' as const;
  private readonly table: AliasTable;

  constructor(itemClicks: ArrayLike<number>, readonly alpha: number) {
    const weights = new Float64Array(itemClicks.length);
    for (let i = 1; i < itemClicks.length; i++) {
      const c = itemClicks[i];
      // 0^0 would be 1: an item nobody clicked stays out even at α = 0.
      weights[i] = c > 0 ? Math.pow(c, alpha) : 0;
    }
    if (!weights.some((w) => w > 0)) {
      throw new Error('Popularity negatives need click counts, but no training item has a click. Check the positive rule of the data section, or use `training.negatives.source: uniform`.');
    }
    this.table = buildAliasTable(weights);
  }

  /** Rejection: the expected number of draws is 1 / (1 − P(avoid)); an item certain to be drawn is not avoided. */
  draw(rng: Rng, avoid: number): number {
    const p = this.table.probabilities;
    const avoidable = avoid >= 0 && avoid < p.length && p[avoid] < 1 - 1e-9;
    let item = drawAlias(this.table, rng);
    while (avoidable && item === avoid) item = drawAlias(this.table, rng);
    return item;
  }

  sample(batch: PositiveBatch, perPositive: number, rng: Rng, out: Int32Array, kinds?: Uint8Array): void {
    fillRows(batch, perPositive, out, kinds, POPULARITY_CODE, (avoid) => this.draw(rng, avoid));
  }

  probabilities(): Float64Array {
    return this.table.probabilities;
  }
}

/** An easy sampler the mixer and the hard samplers can fall back to, one draw at a time. */
export type EasySampler = UniformSampler | PopularitySampler;

export function fillRows(
  batch: PositiveBatch,
  perPositive: number,
  out: Int32Array,
  kinds: Uint8Array | undefined,
  code: number,
  draw: (avoid: number) => number,
): void {
  checkOut(batch, perPositive, out, kinds);
  const rows = batch.items.length;
  for (let r = 0; r < rows; r++) {
    const avoid = batch.items[r];
    const base = r * perPositive;
    for (let k = 0; k < perPositive; k++) out[base + k] = draw(avoid);
  }
  if (kinds) kinds.fill(code, 0, rows * perPositive);
}

export function checkOut(batch: PositiveBatch, perPositive: number, out: Int32Array, kinds?: Uint8Array): void {
  const need = batch.items.length * perPositive;
  if (out.length < need) throw new Error(`Negative sampler: the output holds ${out.length} slots but ${batch.items.length} rows × ${perPositive} negatives need ${need}.`);
  if (kinds && kinds.length < need) throw new Error(`Negative sampler: the kinds array holds ${kinds.length} slots but ${need} are needed.`);
}
