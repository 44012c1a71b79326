/**
 * A run whose trainer is on another machine (a cluster job writing to a share this machine mounts): its
 * pid cannot be checked here, so readers take it as running until its `ended`, the editor never
 * appends an `ended failed` of its own into the shared folder, and Stop says where to stop it instead of
 * signalling a local process that happens to have that pid.
 */
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

import { startedElsewhere, summarizeRun } from '../../../src/core/runs/runSummary';
import { RunManager } from '../../../src/extension/runs/runManager';
import { parseEventLines, type TrainerEvent } from '../../../src/shared/events';

// A pid that cannot be alive here (above the kernel's pid_max of 2^22).
const DEAD_PID = 4_194_305;
const started = (host: string | undefined): TrainerEvent => ({
  schemaVersion: 1,
  time: new Date().toISOString(),
  runId: 'exp-remote',
  type: 'started',
  experiment: '/share/exp.tower.yaml',
  mode: 'listwise',
  loss: 'softmax',
  backend: 'torch',
  engine: 'torch',
  device: 'cuda',
  processes: 8,
  worldSize: 16,
  pid: DEAD_PID,
  ...(host !== undefined ? { host } : {}),
  epochs: 2,
  stepsPerEpoch: 1,
  batchSize: 1,
  resumedFromEpoch: 0,
  dataset: { users: 1, items: 1, trainPositives: 1, testPositives: 1 },
  params: {},
});

describe('a run started on another host', () => {
  it('is running for summarizeRun whatever its pid does here; a run of this host (or of no host) is not', () => {
    const dead = () => false;
    expect(startedElsewhere({ host: 'gpu-node-0' }, 'laptop')).toBe(true);
    expect(startedElsewhere({ host: 'laptop' }, 'laptop')).toBe(false);
    expect(startedElsewhere({}, 'laptop')).toBe(false);
    expect(summarizeRun('exp-remote', [started('gpu-node-0')], { isAlive: dead, host: 'laptop' }).status).toBe('running');
    expect(summarizeRun('exp-remote', [started('laptop')], { isAlive: dead, host: 'laptop' }).status).toBe('failed');
    expect(summarizeRun('exp-remote', [started(undefined)], { isAlive: dead, host: 'laptop' }).status).toBe('failed');
  });

  it('is followed by the run manager until its own ended, with nothing appended by the editor', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'ttl-remote-'));
    const manager = new RunManager({ trainerScript: 'unused', hostExecPath: process.execPath, logDir: path.join(root, 'logs'), settings: () => ({ maxConcurrentRuns: 1 }), stopTimeoutMs: 1000, onError: (w, e) => { throw new Error(`${w}: ${String(e)}`); }, pollMs: 20 });
    try {
      const runsDir = path.join(root, 'runs');
      const dir = path.join(runsDir, 'exp-remote');
      mkdirSync(dir, { recursive: true });
      const events = path.join(dir, 'events.jsonl');
      writeFileSync(events, `${JSON.stringify(started(`not-${hostname()}`))}\n`);
      await manager.loadAll(runsDir);
      expect(manager.liveRunIds()).toEqual(['exp-remote']);
      const ended = manager.whenEnded('exp-remote')!;
      // Several polls later it is still followed and running (a dead local pid would have ended it at the first).
      const epoch = { schemaVersion: 1, time: new Date().toISOString(), runId: 'exp-remote', type: 'epoch', epoch: 1, step: 1, loss: 2.5, examplesPerSec: 9e5, durationSec: 1, elapsedSec: 1 };
      const sawEpoch = new Promise<void>((resolve) => {
        const sub = manager.onDidChangeRun(() => {
          if (manager.registry.get('exp-remote')?.summary.epoch === 1) {
            sub.dispose();
            resolve();
          }
        });
      });
      appendFileSync(events, `${JSON.stringify(epoch)}\n`);
      await sawEpoch;
      expect(manager.registry.get('exp-remote')?.summary.status).toBe('running');
      // Stop cannot reach another machine's process (and must not signal this machine's process of that pid).
      await expect(manager.stop('exp-remote')).rejects.toThrow(/trains on not-.*, not on this machine: stop it there \(scancel/);
      expect(manager.registry.get('exp-remote')?.summary.status).toBe('running');
      appendFileSync(events, `${JSON.stringify({ schemaVersion: 1, time: new Date().toISOString(), runId: 'exp-remote', type: 'ended', status: 'completed', epoch: 2, step: 2, elapsedSec: 2 })}\n`);
      expect((await ended).status).toBe('completed');
      expect(parseEventLines(readFileSync(events, 'utf8')).events.map((e) => e.type)).toEqual(['started', 'epoch', 'ended']);
    } finally {
      manager.dispose();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
