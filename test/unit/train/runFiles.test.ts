import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseEventLines } from '../../../src/shared/events';
import { loadCheckpoint, saveCheckpoint, CHECKPOINT_FORMAT, type CheckpointState } from '../../../src/core/train/checkpoint';
import { EventWriter, StepThrottle } from '../../../src/core/train/events';
import { experimentName, makeRunId } from '../../../src/core/train/runFolder';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'ttl-train-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('run ids', () => {
  it('are <name>-<yyyymmdd-hhmmss>-<4 hex> with a file-safe name', () => {
    const id = makeRunId('my exp/1', new Date(2026, 0, 2, 3, 4, 5), 'beef');
    expect(id).toBe('my-exp-1-20260102-030405-beef');
    expect(makeRunId('x')).toMatch(/^x-\d{8}-\d{6}-[0-9a-f]{4}$/);
  });
  it('default the name to the file name without .tower.yaml', () => {
    expect(experimentName('/a/b/synthetic.tower.yaml')).toBe('synthetic');
    expect(experimentName('/a/b/synthetic.tower.yaml', 'named')).toBe('named');
  });
});

describe('EventWriter', () => {
  it('appends one typed JSON line per event, mirrored, with non-finite numbers as null', () => {
    const dir = tempDir();
    const file = path.join(dir, 'events.jsonl');
    const mirrored: string[] = [];
    const w = new EventWriter(file, 'run-1', (l) => mirrored.push(l));
    w.write({ type: 'step', step: 1, epoch: 0, loss: NaN, examplesPerSec: 10, elapsedSec: 0.1 });
    w.write({ type: 'checkpoint', epoch: 1, step: 1, path: 'checkpoint' });
    w.close();
    const text = readFileSync(file, 'utf8');
    expect(mirrored.join('')).toBe(text);
    const { events, badLines } = parseEventLines(text);
    expect(badLines).toEqual([]);
    expect(events.map((e) => e.type)).toEqual(['step', 'checkpoint']);
    expect(events[0]).toMatchObject({ runId: 'run-1', schemaVersion: 1, loss: null });
  });
});

describe('StepThrottle', () => {
  it('emits every N steps or after the interval, with the mean loss and rate since the last one', () => {
    let t = 0;
    const th = new StepThrottle(250, 3, () => t);
    t = 100;
    expect(th.add(1, 10)).toBeUndefined();
    t = 200;
    expect(th.add(2, 10)).toBeUndefined();
    t = 300;
    // Third step: mean loss (1 + 2 + 3)/3 = 2; 30 examples in 0.3 s = 100/s.
    const s = th.add(3, 10);
    expect(s?.loss).toBeCloseTo(2, 10);
    expect(s?.examplesPerSec).toBeCloseTo(100, 6);
    t = 600;
    // 300 ms later one step is due by time: 5 examples / 0.3 s.
    expect(th.add(4, 5)?.examplesPerSec).toBeCloseTo(5 / 0.3, 6);
    expect(th.flush()).toBeUndefined();
  });

  it('measures the rate from the start of the next steps, not across the evaluation before them', () => {
    let t = 0;
    const th = new StepThrottle(250, 2, () => t);
    t = 100;
    th.add(1, 10);
    t = 200;
    expect(th.add(1, 10)?.examplesPerSec).toBeCloseTo(100, 6);
    // An evaluation takes 5 s, then the next epoch's steps start: 20 examples in 0.2 s, not in 5.2 s.
    t = 5200;
    th.startWindow();
    t = 5300;
    th.add(1, 10);
    t = 5400;
    expect(th.add(1, 10)?.examplesPerSec).toBeCloseTo(100, 6);
    // A pending step keeps its window: 10 examples from 5400 to 5600 after a start asked for at 5500.
    t = 5500;
    th.add(1, 10);
    th.startWindow();
    t = 5600;
    expect(th.flush()?.examplesPerSec).toBeCloseTo(50, 6);
  });
});

describe('checkpoints', () => {
  const state: CheckpointState = {
    format: CHECKPOINT_FORMAT,
    epoch: 2,
    step: 40,
    elapsedSec: 1.5,
    // The three streams the loop restores; loadCheckpoint refuses a state without one.
    rng: { shuffle: [1, 2, 3, 4], rebalance: [5, 6, 7, 8], sampler: [9, 10, 11, 12] },
    samplers: { negatives: { a: 1 } },
    earlyStopping: { best: 0.5, bestEpoch: 2, evalsWithoutImprovement: 0 },
    stoppedEarly: false,
  };
  const weights = { 'user/emb': { shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) }, 'adam/m': { shape: [3], data: Float32Array.from([0.5, -1, 7]) } };

  it('round-trips weights, optimiser slots and state exactly', () => {
    const target = path.join(tempDir(), 'checkpoint');
    saveCheckpoint(target, weights, state);
    const back = loadCheckpoint(target);
    expect(back?.state).toEqual(state);
    expect(back?.weights['user/emb'].data).toEqual(weights['user/emb'].data);
    expect(back?.weights['adam/m'].shape).toEqual([3]);
    // A second save replaces the first, leaving no temp or .prev folder behind.
    saveCheckpoint(target, weights, { ...state, epoch: 3 });
    expect(loadCheckpoint(target)?.state.epoch).toBe(3);
    expect(existsSync(`${target}.prev`)).toBe(false);
  });

  it('falls back to the previous complete checkpoint when a crash struck between the renames', () => {
    const target = path.join(tempDir(), 'checkpoint');
    saveCheckpoint(target, weights, state);
    renameSync(target, `${target}.prev`);
    expect(loadCheckpoint(target)?.state.epoch).toBe(2);
  });

  it('says the checkpoint is damaged when weights.bin does not match the manifest', () => {
    const target = path.join(tempDir(), 'checkpoint');
    saveCheckpoint(target, weights, state);
    writeFileSync(path.join(target, 'weights.bin'), new Uint8Array(8));
    expect(() => loadCheckpoint(target)).toThrow(/weights\.bin.*damaged/);
  });

  it('has no checkpoint before the first epoch ends', () => {
    expect(loadCheckpoint(path.join(tempDir(), 'checkpoint'))).toBeUndefined();
  });
});
