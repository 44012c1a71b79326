/**
 * Load and generation times of the data layer (a measurement, not a test: never asserted).
 * Run from the repo root: `npx tsx test/unit/data/measure-load.ts`. Prints medians of 5 runs after a
 * warm-up, wall-clock and CPU time (CPU time is the steadier figure on a shared machine).
 */
import { Value } from '@sinclair/typebox/value';

import { ExperimentSchema, SyntheticData } from '../../../src/core/config/schema';
import { loadDataset } from '../../../src/core/data/load';
import { generateSynthetic } from '../../../src/core/data/synthetic';

const RUNS = 5;
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

async function measure(label: string, run: () => unknown): Promise<void> {
  await run();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await run();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  console.log(`${label}: median wall ${median(wall).toFixed(0)} ms, median cpu ${median(cpu).toFixed(0)} ms (wall runs ${wall.map((x) => x.toFixed(0)).join(', ')})`);
}

const movielens = Value.Default(ExperimentSchema, {
  data: { interactions: { path: '../shared/data/ml-latest-small/ratings.csv' }, positive: { rule: 'rating_at_least', threshold: 4 } },
  user_tower: {},
  item_tower: { categorical: [{ name: 'genres' }], continuous: [{ name: 'year' }] },
}) as typeof ExperimentSchema.static;
const synthetic = Value.Default(ExperimentSchema, { data: { synthetic: {} }, user_tower: {}, item_tower: {} }) as typeof ExperimentSchema.static;
const defaults = Value.Default(SyntheticData, {}) as typeof SyntheticData.static;

async function main(): Promise<void> {
  await measure('loadDataset ml-latest-small (ratings ≥ 4, leave_last_n, genres + year)', () => loadDataset(movielens, 'measure.tower.yaml'));
  await measure(`generateSynthetic ${defaults.users} users × ${defaults.items} items (ranking log on)`, () => generateSynthetic(defaults, 42));
  await measure('loadDataset synthetic defaults (generate + decode + split + ranking log)', () => loadDataset(synthetic, 'measure.tower.yaml'));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
