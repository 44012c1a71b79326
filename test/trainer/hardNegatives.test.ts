/** The real trainer process says what its hard negatives yield: in the started event, on stderr at the start, and per epoch. */
import { afterAll, describe, expect, it } from 'vitest';
import type { SamplingEvent, StartedEvent } from '../../src/shared/events';
import { cleanup, runTrainer, tinySynthetic, workspace } from './trainerProcess';

afterAll(cleanup);

/** The tiny experiment with its ranking log (80 items: ranks 0..79) and pairwise triplets on uniform + ranking-log hard negatives. */
function withHardNegatives(band: string): string {
  const text = tinySynthetic()
    .replace('    ranking_log: false', '    ranking_log: true')
    .replace('  mode: listwise\n  loss: softmax\n  negatives:\n    source: in_batch\n    logq_correction: true', `  mode: pairwise\n  loss: hinge\n  negatives:\n    source: uniform\n    hard:\n      source: ranking_log\n      band: ${band}`);
  expect(text).toContain('source: ranking_log');
  return text;
}

describe('two-tower-lab train with hard negatives', () => {
  it('reports the yield of each band at the start, warns about the band beyond the log, and prints the fallback share per epoch', async () => {
    const cwd = workspace({ 'hard.tower.yaml': withHardNegatives('both') });
    const r = await runTrainer(['train', 'hard.tower.yaml', '--set', 'training.epochs=1'], cwd);
    expect(r.code, r.stderr).toBe(0);
    const started = r.events.find((e): e is StartedEvent => e.type === 'started')!;
    const [relatively, extremely] = started.hardNegatives!.bands!;
    expect(relatively).toMatchObject({ band: 'relatively_hard', from: 10, to: 50 });
    expect(relatively.candidates).toBeGreaterThan(0);
    expect(extremely).toMatchObject({ band: 'extremely_hard', from: 100, to: 500, candidates: 0 });
    expect(r.stderr).toMatch(/hard negatives \(ranking_log, ranks 0–79\): relatively_hard \[10, 50\) [\d,]+ candidates for [\d,]+\/[\d,]+ users; extremely_hard \[100, 500\) 0 candidates/);
    expect(r.stderr).toMatch(/warning: training\.negatives\.hard\.extremely_hard \[100, 500\) yields no candidate.*ranks run from 0 to 79/);
    const sampling = r.events.find((e): e is SamplingEvent => e.type === 'sampling')!;
    expect(sampling.distribution.hardFallback?.slots).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/ {2}hard slots [\d,]+: /);
  });

  it('pairwise triplets take the easy/hard mix of the seed: half of the slots hard at mix 0.5/0.5, all of them at hard: 1', async () => {
    const hardShare = async (mix: string): Promise<number> => {
      const cwd = workspace({ 'hard.tower.yaml': withHardNegatives('relatively_hard') });
      const r = await runTrainer(['train', 'hard.tower.yaml', '--set', 'training.epochs=1', '--set', 'training.negatives.per_positive=4', '--set', `training.negatives.mix=${mix}`], cwd);
      expect(r.code, r.stderr).toBe(0);
      const started = r.events.find((e): e is StartedEvent => e.type === 'started')!;
      const sampling = r.events.find((e): e is SamplingEvent => e.type === 'sampling')!;
      return sampling.distribution.hardFallback!.slots! / (started.dataset.trainPositives * 4);
    };
    // Each slot is hard with probability 0.5: over ~2,000 slots the share is within a few hundredths of it.
    expect(Math.abs((await hardShare('{"easy":0.5,"hard":0.5}')) - 0.5)).toBeLessThan(0.05);
    expect(await hardShare('{"easy":0,"hard":1}')).toBeCloseTo(1, 5);
  });
});
