/**
 * `two-tower-lab sweep` through the real trainer: a 2×2 grid × 2 seeds on tiny synthetic data into the
 * ordinary run folders (each tagged with the sweep and its point), the final table, --dry-run, and a
 * sweep killed with SIGKILL (with the run it was training) that resumes: finished runs kept, the dead
 * one continued, the unstarted ones launched.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import type { SweepState } from '../../src/core/sweep/sweepState';
import { parseEventLines, type StartedEvent, type TrainerEvent } from '../../src/shared/events';
import { cleanup, runTrainer, startTrainer, tinySynthetic, workspace } from './trainerProcess';

afterAll(cleanup);

const SWEEP = `sweep:
  grid:
    training.negatives.source: [in_batch, popularity]
    training.learning_rate: [0.01, 0.05]
  seeds: 2
  metric: recall@10
`;
const experiment = (epochs: number, extra = ''): string => tinySynthetic().replace('epochs: 2', `epochs: ${epochs}`) + SWEEP + extra;
const events = (cwd: string, runId: string): TrainerEvent[] => parseEventLines(readFileSync(path.join(cwd, 'runs', runId, 'events.jsonl'), 'utf8')).events;
const sweepState = (cwd: string): SweepState => {
  const [id] = readdirSync(path.join(cwd, 'runs', 'sweeps'));
  return JSON.parse(readFileSync(path.join(cwd, 'runs', 'sweeps', id, 'sweep.json'), 'utf8')) as SweepState;
};

describe('two-tower-lab sweep', () => {
  it('trains 2×2 points × 2 seeds into tagged run folders and prints the points sorted by the metric with mean ± interval', async () => {
    const cwd = workspace({ 'x.tower.yaml': experiment(1) });
    const dry = await runTrainer(['sweep', 'x.tower.yaml', '--runs-dir', 'runs', '--dry-run'], cwd);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/dry run .*4 points, 8 runs to train, 0 skipped; judged by recall@10 \(max\)/);
    expect(existsSync(path.join(cwd, 'runs'))).toBe(false);

    const r = await runTrainer(['sweep', 'x.tower.yaml', '--runs-dir', 'runs', '--parallel', '2'], cwd);
    expect(r.code, r.stderr).toBe(0);
    const state = sweepState(cwd);
    expect(state.runs).toHaveLength(8);
    expect(state.runs.every((run) => run.status === 'completed')).toBe(true);
    expect(r.stderr.match(/^\[\d\/8\] .* completed {2}recall@10 0\.\d{4}/gm)).toHaveLength(8);
    const values = new Map<number, number[]>();
    for (const run of state.runs) {
      const evs = events(cwd, run.runId);
      const started = evs.find((e): e is StartedEvent => e.type === 'started')!;
      // Tagged with the sweep and its point, trained with the point's values and the repeat's seed.
      expect(started.params).toMatchObject({ 'sweep.id': state.sweepId, 'sweep.point': run.point, 'training.seed': run.seed, 'training.negatives.source': run.values['training.negatives.source'], 'training.learning_rate': run.values['training.learning_rate'] });
      const lastEval = evs.filter((e) => e.type === 'eval').at(-1) as { metrics: Record<string, number> };
      values.set(run.point, [...(values.get(run.point) ?? []), lastEval.metrics['recall@10']]);
    }
    // The table: one row per point, best mean first, each mean that of its two seeds.
    const rows = r.stdout.split('\n').filter((l) => /^\d\s/.test(l));
    expect(rows).toHaveLength(4);
    const means = rows.map((l) => Number(/ (0\.\d{4}) ± /.exec(l)?.[1]));
    expect([...means].sort((a, b) => b - a)).toEqual(means);
    const expected = [...values.values()].map((v) => (v[0] + v[1]) / 2).sort((a, b) => b - a);
    means.forEach((m, i) => expect(m).toBeCloseTo(expected[i], 4));
    // The runs folder lists the runs, not the sweeps folder.
    expect(readdirSync(path.join(cwd, 'runs')).filter((n) => n !== 'sweeps')).toHaveLength(8);
  }, 120_000);

  it('a sweep killed with SIGKILL mid-way resumes: finished runs kept, the killed run continued, the rest launched', async () => {
    const cwd = workspace({ 'x.tower.yaml': experiment(3) });
    const sweep = startTrainer(['sweep', 'x.tower.yaml', '--runs-dir', 'runs'], cwd);
    // Until two runs have finished and the third has checkpointed an epoch.
    for (let i = 0; i < 600; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      if (!/\[2\/8\]/.test(sweep.stderr())) continue;
      const running = existsSync(path.join(cwd, 'runs', 'sweeps')) ? sweepState(cwd).runs.find((run) => run.status === 'running') : undefined;
      const folder = running && path.join(cwd, 'runs', running.runId, 'events.jsonl');
      if (folder && existsSync(folder) && events(cwd, running!.runId).some((e) => e.type === 'checkpoint')) break;
    }
    const before = sweepState(cwd);
    const victim = before.runs.find((run) => run.status === 'running')!;
    expect(victim).toBeDefined();
    const pid = events(cwd, victim.runId).find((e): e is StartedEvent => e.type === 'started')!.pid;
    sweep.child.kill('SIGKILL');
    process.kill(pid, 'SIGKILL');
    await sweep.exit;
    const finishedBefore = before.runs.filter((run) => run.status === 'completed').map((run) => run.runId);
    expect(finishedBefore.length).toBeGreaterThanOrEqual(2);

    const resumed = await runTrainer(['sweep', '--resume', before.sweepId, '--runs-dir', 'runs'], cwd);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(new RegExp(`${finishedBefore.length} of 8 runs already finished`));
    const after = sweepState(cwd);
    expect(after.runs.map((run) => `${run.runId} ${run.status}`), resumed.stderr).toEqual(after.runs.map((run) => `${run.runId} completed`));
    // Finished runs were not trained again; the killed one continued from its checkpoint (a second start).
    for (const id of finishedBefore) expect(events(cwd, id).filter((e) => e.type === 'started')).toHaveLength(1);
    const victimStarts = events(cwd, victim.runId).filter((e): e is StartedEvent => e.type === 'started');
    expect(victimStarts).toHaveLength(2);
    expect(victimStarts[1].resumedFromEpoch).toBeGreaterThanOrEqual(1);
    expect(victimStarts[1].params['sweep.id']).toBe(before.sweepId);
    expect(resumed.stdout.split('\n').filter((l) => /^\d\s/.test(l))).toHaveLength(4);
  }, 180_000);

  it('refuses a file without a sweep, a changed file on resume, and an unknown sweep id', async () => {
    const cwd = workspace({ 'plain.tower.yaml': tinySynthetic(), 'x.tower.yaml': experiment(1).replace('seeds: 2', 'seeds: 1').replace('[0.01, 0.05]', '[0.01]') });
    const plain = await runTrainer(['sweep', 'plain.tower.yaml', '--runs-dir', 'runs'], cwd);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toMatch(/has no sweep: section/);
    expect((await runTrainer(['sweep', 'x.tower.yaml', '--runs-dir', 'runs', '--quiet'], cwd)).code).toBe(0);
    const id = sweepState(cwd).sweepId;
    const again = await runTrainer(['sweep', '--resume', id, '--runs-dir', 'runs'], cwd);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/2 of 2 runs already finished/);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path.join(cwd, 'x.tower.yaml'), `${readFileSync(path.join(cwd, 'x.tower.yaml'), 'utf8')}\n# edited\n`);
    const changed = await runTrainer(['sweep', '--resume', id, '--runs-dir', 'runs'], cwd);
    expect(changed.code).toBe(2);
    expect(changed.stderr).toMatch(/has changed since/);
    const unknown = await runTrainer(['sweep', '--resume', 'nope', '--runs-dir', 'runs'], cwd);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no sweep 'nope'/);
  }, 60_000);
});
