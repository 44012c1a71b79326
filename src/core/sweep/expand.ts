/**
 * The runs of a sweep: every grid combination × every random trial × every seed. Grid combinations
 * vary the last parameter fastest, in the order the file writes them; random trials are drawn from one
 * seeded stream (sweep.random.seed), parameter by parameter in the file's order, so the same file gives
 * the same points; each point is repeated over the seeds (`training.seed`). A run is the list of
 * `--set` overrides it adds to the experiment, so it goes through the same check and run folder as any
 * `train --set` (points that check refuses are skipped by the sweep, with the reasons).
 */
import type { SweepConfig, SweepDistributionConfig } from '../config/schema';
import { Rng } from '../util/rng';

export type SweepValue = unknown;

export interface SweepPoint {
  /** 0-based index of the point (a grid combination and a random trial), the same across seeds. */
  index: number;
  /** The swept parameters' values at this point, by path, in the file's order. */
  values: Record<string, SweepValue>;
}

export interface SweepRunPlan {
  point: SweepPoint;
  seed: number;
  /** `path=value` overrides (YAML values, as --set takes them): the point's values, then training.seed. */
  overrides: string[];
}

export interface ExpandOptions {
  /** The experiment's training.seed: `seeds: N` repeats with it and the N − 1 after it. */
  baseSeed: number;
  /** Paths whose field is an integer: random draws of them are rounded. */
  integerPaths?: ReadonlySet<string>;
}

/** The seeds each point is repeated with. */
export function sweepSeeds(seeds: SweepConfig['seeds'], baseSeed: number): number[] {
  return typeof seeds === 'number' ? Array.from({ length: seeds }, (_, i) => baseSeed + i) : [...seeds];
}

/** Every combination of the grid's values, the last parameter varying fastest ([{}] for no grid). */
export function gridCombinations(grid: Record<string, readonly SweepValue[]> | undefined): Record<string, SweepValue>[] {
  let out: Record<string, SweepValue>[] = [{}];
  for (const [name, values] of Object.entries(grid ?? {})) out = out.flatMap((partial) => values.map((v) => ({ ...partial, [name]: v })));
  return out;
}

function draw(d: SweepDistributionConfig, rng: Rng, integer: boolean): SweepValue {
  if (d.distribution === 'choice') return (d.values ?? [])[rng.int((d.values ?? []).length)];
  const min = d.min ?? 0;
  const max = d.max ?? 1;
  const u = rng.next();
  const x = d.distribution === 'log_uniform' ? Math.exp(Math.log(min) + u * (Math.log(max) - Math.log(min))) : min + u * (max - min);
  return integer ? Math.round(x) : x;
}

/** The random trials' values ([{}] without a random search). */
export function randomTrials(random: SweepConfig['random'], integerPaths: ReadonlySet<string> = new Set()): Record<string, SweepValue>[] {
  if (!random) return [{}];
  const rng = new Rng(random.seed);
  return Array.from({ length: random.trials }, () => {
    const values: Record<string, SweepValue> = {};
    for (const [name, d] of Object.entries(random.parameters)) values[name] = draw(d, rng, integerPaths.has(name));
    return values;
  });
}

export function sweepPoints(sweep: SweepConfig, integerPaths?: ReadonlySet<string>): SweepPoint[] {
  const trials = randomTrials(sweep.random, integerPaths);
  return gridCombinations(sweep.grid).flatMap((combination) => trials.map((trial) => ({ ...combination, ...trial }))).map((values, index) => ({ index, values }));
}

/** `path=value` with the value as YAML (JSON is YAML, and keeps strings strings). */
export function overrideOf(name: string, value: SweepValue): string {
  return `${name}=${JSON.stringify(value)}`;
}

export function expandSweep(sweep: SweepConfig, options: ExpandOptions): SweepRunPlan[] {
  const seeds = sweepSeeds(sweep.seeds, options.baseSeed);
  return sweepPoints(sweep, options.integerPaths).flatMap((point) =>
    seeds.map((seed) => ({ point, seed, overrides: [...Object.entries(point.values).map(([name, v]) => overrideOf(name, v)), `training.seed=${seed}`] })),
  );
}

/** The point's values for a line or a table cell: `training.loss=hinge training.negatives.source=popularity`. */
export function describePoint(values: Record<string, SweepValue>): string {
  const entries = Object.entries(values);
  if (entries.length === 0) return '(the file as written)';
  return entries.map(([name, v]) => `${name}=${typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(4)) : typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
}
