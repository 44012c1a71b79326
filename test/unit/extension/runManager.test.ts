/**
 * The run manager against a fake trainer (a small Node script that speaks the event protocol), so the
 * process handling is tested for real: a trainer that dies is recorded as failed with its exit code and
 * last stderr lines (in events.jsonl and trainer.log); SIGTERM gives `stopped`; a trainer that ignores
 * SIGTERM is killed after the timeout and recorded as failed.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseEventLines } from '../../../src/shared/events';
import { newRunId, RunManager } from '../../../src/extension/runs/runManager';
import { experimentName, makeRunId } from '../../../src/core/train/runFolder';

// Behaviour by the experiment file's name: die, stop on SIGTERM, or ignore SIGTERM.
const FAKE_TRAINER = String.raw`
const fs = require('node:fs');
const path = require('node:path');
const args = process.argv.slice(2);
const get = (flag) => args[args.indexOf(flag) + 1];
if (args[1] === '--resume') {
  const runId = get('--resume');
  const events = path.join(get('--runs-dir'), runId, 'events.jsonl');
  const write = (e) => fs.appendFileSync(events, JSON.stringify({ schemaVersion: 1, time: new Date().toISOString(), runId, ...e }) + '\n');
  // Slow enough to be seen starting: the old 'ended' must not make the resumed run look stopped meanwhile.
  setTimeout(() => {
    write({ type: 'started', experiment: 'x', mode: 'listwise', loss: 'softmax', backend: 'cpu', pid: process.pid, epochs: 3, stepsPerEpoch: 1, batchSize: 1, resumedFromEpoch: 1, dataset: { users: 1, items: 1, trainPositives: 1, testPositives: 1 }, params: {} });
    write({ type: 'ended', status: 'completed', epoch: 3, step: 3, elapsedSec: 3 });
    process.exit(0);
  }, 300);
  return;
}
const file = args[1];
const runId = get('--run-id');
const dir = path.join(get('--runs-dir'), runId);
fs.mkdirSync(dir, { recursive: true });
const events = path.join(dir, 'events.jsonl');
const write = (e) => fs.appendFileSync(events, JSON.stringify({ schemaVersion: 1, time: new Date().toISOString(), runId, ...e }) + '\n');
write({ type: 'started', experiment: file, mode: 'listwise', loss: 'softmax', backend: 'cpu', pid: process.pid, epochs: 3, stepsPerEpoch: 1, batchSize: 1, resumedFromEpoch: 0, dataset: { users: 1, items: 1, trainPositives: 1, testPositives: 1 }, params: {} });
const behaviour = path.basename(file);
if (behaviour.startsWith('die')) {
  process.stderr.write('loading data\nRangeError: boom in step 7\n');
  fs.appendFileSync(events, '{"schemaVersion":1,"type":"st'); // killed mid-write
  process.exit(3);
}
if (behaviour.startsWith('stop')) {
  process.on('SIGTERM', () => { write({ type: 'ended', status: 'stopped', epoch: 1, step: 1, elapsedSec: 1 }); process.exit(0); });
} else {
  process.on('SIGTERM', () => process.stderr.write('ignoring SIGTERM\n'));
}
write({ type: 'epoch', epoch: 1, step: 1, loss: 1, examplesPerSec: 1, durationSec: 1, elapsedSec: 1 });
setInterval(() => undefined, 1000);
`;

describe('RunManager with a fake trainer process', () => {
  let root: string;
  let manager: RunManager;
  let errors: string[];

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'ttl-runmanager-'));
    writeFileSync(path.join(root, 'trainer.js'), FAKE_TRAINER);
    errors = [];
    manager = new RunManager({
      trainerScript: path.join(root, 'trainer.js'),
      hostExecPath: process.execPath,
      logDir: path.join(root, 'logs'),
      settings: () => ({ maxConcurrentRuns: 1 }),
      stopTimeoutMs: 1000,
      onError: (what, e) => errors.push(`${what}: ${String(e)}`),
      pollMs: 50,
    });
  });

  afterEach(() => {
    manager.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  const launch = (name: string): string =>
    manager.launch({ experiment: path.join(root, `${name}.tower.yaml`), runsDir: path.join(root, 'runs'), cwd: root });

  it('run ids start with the experiment\'s `name:` when it has one, as the CLI\'s do, else with the file name', () => {
    expect(newRunId(path.join(root, 'file-name.tower.yaml'), 'My Exp')).toMatch(/^My-Exp-\d{8}-\d{6}-[0-9a-f]{4}$/);
    expect(newRunId(path.join(root, 'file-name.tower.yaml'))).toMatch(/^file-name-\d{8}-\d{6}-[0-9a-f]{4}$/);
    // What the CLI names a run of the same file (trainer/train.ts: makeRunId(experimentName(file, config.name))).
    expect(makeRunId(experimentName('/x/file-name.tower.yaml', 'My Exp'))).toMatch(/^My-Exp-/);
  });

  it('records a trainer that exits without `ended` as failed, with its exit code and last stderr lines', async () => {
    const runId = launch('die');
    expect(manager.registry.get(runId)?.summary.status).toBe('queued');
    const summary = await manager.whenEnded(runId)!;
    expect(summary.status).toBe('failed');
    expect(summary.error).toContain("exited with code 3 without writing an 'ended' event");
    expect(summary.error).toContain('RangeError: boom in step 7');
    const dir = path.join(root, 'runs', runId);
    // The failure is in the run folder too, on a line of its own (the cut line is set aside), so a reload still knows.
    const { events, badLines } = parseEventLines(readFileSync(path.join(dir, 'events.jsonl'), 'utf8'));
    expect(badLines).toEqual([]);
    expect(readdirSync(dir).filter((n) => n.startsWith('events.jsonl.partial-'))).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({ type: 'ended', status: 'failed' });
    expect(readFileSync(path.join(dir, 'trainer.log'), 'utf8')).toBe('loading data\nRangeError: boom in step 7\n');
    expect(manager.registry.runsOf(path.join(root, 'die.tower.yaml')).map((r) => r.runId)).toEqual([runId]);
    expect(errors).toEqual([]);
  });

  it('stops a run with SIGTERM (the trainer writes `ended` stopped) and drops a queued run without starting it', async () => {
    const first = launch('stop-a');
    const second = launch('stop-b');
    expect(manager.registry.get(second)?.summary.status).toBe('queued');
    await new Promise<void>((resolve) => {
      const sub = manager.onDidChangeRun(() => {
        if (manager.registry.get(first)?.summary.epoch === 1) {
          sub.dispose();
          resolve();
        }
      });
    });
    // The queued one is dropped from the queue without ever starting.
    expect((await manager.stop(second)).status).toBe('stopped');
    expect(manager.registry.get(second)?.summary.error).toBe('Removed from the queue before it started.');
    expect((await manager.stop(first)).status).toBe('stopped');
    expect(manager.liveRunIds()).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('resumes a stopped run in its folder: shown queued (not stopped) until the new process starts, then completed', async () => {
    const runId = launch('stop-then-resume');
    await new Promise<void>((resolve) => {
      const sub = manager.onDidChangeRun(() => {
        if (manager.registry.get(runId)?.summary.epoch === 1) {
          sub.dispose();
          resolve();
        }
      });
    });
    expect((await manager.stop(runId)).status).toBe('stopped');
    const statuses: string[] = [];
    manager.onDidChangeRun((id) => {
      if (id === runId) statuses.push(manager.registry.get(id)!.summary.status);
    });
    manager.resume(manager.registry.get(runId)!, path.join(root, 'runs'), root);
    const summary = await manager.whenEnded(runId)!;
    expect(summary.status).toBe('completed');
    expect(summary.epoch).toBe(3);
    expect(statuses[0]).toBe('queued');
    expect(statuses).not.toContain('stopped');
    expect(statuses.at(-1)).toBe('completed');
  });

  it('kills a trainer that ignores SIGTERM after the timeout and records it as failed', async () => {
    const runId = launch('stubborn');
    await new Promise<void>((resolve) => {
      const sub = manager.onDidChangeRun(() => {
        if (manager.registry.get(runId)?.summary.epoch === 1) {
          sub.dispose();
          resolve();
        }
      });
    });
    const summary = await manager.stop(runId);
    expect(summary.status).toBe('failed');
    expect(summary.error).toContain('did not stop within 1 s of SIGTERM, so it was killed (SIGKILL)');
    expect(summary.error).toContain('ignoring SIGTERM');
  });
});

describe('RunManager re-attaching after a reload', () => {
  it('records a run folder whose trainer died unseen as failed, appending the ended event once', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'ttl-reattach-'));
    try {
      const runsDir = path.join(root, 'runs');
      const dir = path.join(runsDir, 'exp-1');
      mkdirSync(dir, { recursive: true });
      // A pid that cannot be alive (above the kernel's pid_max of 2^22).
      const started = { schemaVersion: 1, time: new Date().toISOString(), runId: 'exp-1', type: 'started', experiment: path.join(root, 'exp.tower.yaml'), mode: 'listwise', loss: 'softmax', backend: 'cpu', pid: 4_194_305, epochs: 2, stepsPerEpoch: 1, batchSize: 1, resumedFromEpoch: 0, dataset: { users: 1, items: 1, trainPositives: 1, testPositives: 1 }, params: {} };
      writeFileSync(path.join(dir, 'events.jsonl'), `${JSON.stringify(started)}\n`);
      const manager = new RunManager({ trainerScript: 'unused', hostExecPath: process.execPath, logDir: path.join(root, 'logs'), settings: () => ({ maxConcurrentRuns: 1 }), stopTimeoutMs: 1000, onError: (w, e) => { throw new Error(`${w}: ${String(e)}`); }, pollMs: 50 });
      await manager.loadAll(runsDir);
      const summary = await manager.whenEnded('exp-1')!;
      expect(summary.status).toBe('failed');
      expect(summary.error).toContain("(pid 4194305) is gone without writing an 'ended' event");
      // A second window reading the folder now sees the recorded ending and follows nothing.
      await manager.loadAll(runsDir);
      expect(manager.liveRunIds()).toEqual([]);
      const { events } = parseEventLines(readFileSync(path.join(dir, 'events.jsonl'), 'utf8'));
      expect(events.map((e) => e.type)).toEqual(['started', 'ended']);
      manager.dispose();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
