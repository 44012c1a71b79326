/** The trainer's terminal lines about hard negatives, from the events of a run. */
import { describe, expect, it } from 'vitest';
import type { HardNegativesReport, SamplingEvent, StartedEvent } from '../../../src/shared/events';
import { HardNegativeNotes } from '../../../src/trainer/hardNegatives';

const base = { schemaVersion: 1, time: '2026-01-01T00:00:00Z', runId: 'r' };
function started(hardNegatives: HardNegativesReport): StartedEvent {
  return {
    ...base,
    type: 'started',
    experiment: '/x.tower.yaml',
    mode: 'pairwise',
    loss: 'hinge',
    backend: 'cpu',
    pid: 1,
    epochs: 2,
    stepsPerEpoch: 10,
    batchSize: 32,
    resumedFromEpoch: 0,
    dataset: { users: 2000, items: 1000, trainPositives: 9000, testPositives: 2000 },
    params: {},
    hardNegatives,
  };
}
const sampling = (epoch: number, extra: Partial<SamplingEvent> = {}): SamplingEvent => ({ ...base, type: 'sampling', epoch, distribution: { positives: [], negatives: {} }, ...extra });

const LOG: HardNegativesReport = {
  source: 'ranking_log',
  bands: [
    { band: 'relatively_hard', from: 10, to: 50, candidates: 48120, usersWithCandidates: 1987, users: 2000 },
    { band: 'extremely_hard', from: 100, to: 500, candidates: 0, usersWithCandidates: 0, users: 2000 },
  ],
  usersWithPool: 1987,
  users: 2000,
  fallbackShare: 0.0065,
  logRanks: { min: 0, max: 49 },
};

describe('hard-negative notes', () => {
  it('give each band\'s yield at start, and warn about a band beyond the log with its ranks and what to do', () => {
    const lines = new HardNegativeNotes().started(started(LOG));
    expect(lines[0]).toBe(
      'hard negatives (ranking_log, ranks 0–49): relatively_hard [10, 50) 48,120 candidates for 1,987/2,000 users; extremely_hard [100, 500) 0 candidates; 0.7% of hard slots expected to fall back to easy negatives',
    );
    expect(lines[1]).toMatch(/^warning: training\.negatives\.hard\.extremely_hard \[100, 500\) yields no candidate, so hard slots draw only relatively_hard \[10, 50\) candidates\./);
    expect(lines[1]).toContain("The ranking log's ranks run from 0 to 49");
    expect(lines[1]).toMatch(/Move the band within the log's ranks, use a deeper ranking log, or mine hard negatives/);
    expect(lines).toHaveLength(2);
  });

  it('say that every hard slot falls back when the only band is empty', () => {
    const lines = new HardNegativeNotes().started(started({ ...LOG, bands: [LOG.bands![1]], usersWithPool: 0, fallbackShare: 1 }));
    expect(lines[0]).toMatch(/extremely_hard \[100, 500\) 0 candidates; 100\.0% of hard slots expected to fall back/);
    expect(lines[1]).toMatch(/so every hard slot falls back to an easy negative\./);
  });

  it('for mined pools: empty until the first mining, then the yield of each mining, warning about an empty band once', () => {
    const notes = new HardNegativeNotes();
    const mined: HardNegativesReport = { source: 'mined', bands: [{ ...LOG.bands![0], candidates: 0, usersWithCandidates: 0 }], usersWithPool: 0, users: 2000, fallbackShare: 1, mineTopK: 500, firstMiningBeforeEpoch: 2 };
    expect(notes.started(started(mined))).toEqual([
      'hard negatives (mined, relatively_hard [10, 50)): the pools are empty until the model mines them before epoch 2, so epoch 1 fills every hard slot with an easy negative',
    ]);
    const fell = { share: 1, slots: 4500, fellBack: 4500 };
    expect(notes.sampling(sampling(1, { distribution: { positives: [], negatives: {}, hardFallback: fell } }))).toEqual(['  hard slots 4,500: 100.0% fell back to easy negatives (users without a hard candidate)']);
    const empty: HardNegativesReport = { ...mined, bands: [{ band: 'extremely_hard', from: 600, to: 900, candidates: 0, usersWithCandidates: 0, users: 2000 }], firstMiningBeforeEpoch: undefined };
    const second = notes.sampling(sampling(2, { hardNegatives: empty }));
    expect(second[0]).toBe('  mined before epoch 2: extremely_hard [600, 900) 0 candidates; 100.0% of hard slots expected to fall back to easy negatives');
    expect(second[1]).toMatch(/Mining retrieves the top 500 items per user \(mine_top_k, at most the catalogue\), so its ranks stay below 500 and cannot reach 600\./);
    expect(notes.sampling(sampling(3, { hardNegatives: empty }))).toHaveLength(1);
    expect(notes.sampling(sampling(3, { distribution: { positives: [], negatives: {}, hardFallback: { share: 0, slots: 10, fellBack: 0 } } }))).toEqual(['  hard slots 10: none fell back to easy negatives']);
  });

  it('say nothing without hard negatives', () => {
    const { hardNegatives: _none, ...plain } = started(LOG);
    const notes = new HardNegativeNotes();
    expect(notes.started(plain)).toEqual([]);
    expect(notes.sampling(sampling(1))).toEqual([]);
  });
});
