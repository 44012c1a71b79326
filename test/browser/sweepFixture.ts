/**
 * The runs of a real sweep (`two-tower-lab sweep` on tiny synthetic data, one epoch) as the plots
 * panel's browser tests post them: the sweep view and its parallel coordinates read these.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { parseEventLines } from '../../src/shared/events';
import { runTrainer, tinySynthetic } from '../trainer/trainerProcess';
import type { FixtureRun } from './harness';

/** Trains the sweep `sweepYaml` (a `sweep:` section) in a new temporary folder; returns the folder (for clean-up) and its runs, sorted by id. */
export async function sweepFixtureRuns(prefix: string, sweepYaml: string): Promise<{ dir: string; runs: FixtureRun[] }> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const file = join(dir, 'x.tower.yaml');
  writeFileSync(file, `${tinySynthetic().replace('epochs: 2', 'epochs: 1')}${sweepYaml}`);
  const r = await runTrainer(['sweep', file, '--runs-dir', join(dir, 'runs'), '--quiet'], dir);
  if (r.code !== 0) throw new Error(`the sweep failed (exit ${r.code}): ${r.stderr}`);
  const runs = readdirSync(join(dir, 'runs'))
    .filter((n) => n !== 'sweeps')
    .sort()
    .map((runId) => ({ ref: { runId, runDir: join(dir, 'runs', runId) }, events: parseEventLines(readFileSync(join(dir, 'runs', runId, 'events.jsonl'), 'utf8')).events }));
  return { dir, runs };
}
