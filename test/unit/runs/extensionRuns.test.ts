/**
 * The extension's run manager and the run store (issue 12): a run whose trainer died during start-up is
 * recorded once as failed ("died during start-up"), a run a live trainer holds (a terminal's --resume)
 * is neither resumed nor deleted, and a run entry that is not a run folder of the runs folder is refused.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { summarizeRun } from '../../../src/core/runs/runSummary';
import { RunManager, whyNotWritable } from '../../../src/extension/runs/runManager';
import { parseEventLines } from '../../../src/shared/events';

/** A pid that cannot be alive: above the kernel's largest pid_max (2^22). */
const DEAD_PID = 4_194_305;

describe('RunManager and run locks', () => {
  let root: string;
  let runsDir: string;
  let manager: RunManager;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'ttl-extlock-'));
    runsDir = path.join(root, 'runs');
    manager = new RunManager({ trainerScript: 'unused', hostExecPath: process.execPath, logDir: path.join(root, 'logs'), settings: () => ({ maxConcurrentRuns: 1 }), stopTimeoutMs: 1000, onError: (w, e) => { throw new Error(`${w}: ${String(e)}`); }, pollMs: 50 });
  });
  afterEach(() => {
    manager.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  it('records a run whose trainer died during start-up (a lock, no events) as failed once, saying so', async () => {
    const dir = path.join(runsDir, 'early');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'config.yaml'), 'name: x\n');
    writeFileSync(path.join(dir, 'run.lock'), JSON.stringify({ pid: DEAD_PID, host: hostname(), startedAt: new Date(Date.now() - 1000).toISOString(), runId: 'early' }));
    await manager.loadAll(runsDir);
    const summary = await manager.whenEnded('early')!;
    expect(summary.status).toBe('failed');
    expect(summary.error).toContain(`The trainer (pid ${DEAD_PID}) died during start-up, before its 'started' event`);
    await manager.loadAll(runsDir);
    await manager.whenEnded('early');
    const { events } = parseEventLines(readFileSync(path.join(dir, 'events.jsonl'), 'utf8'));
    expect(events.map((e) => e.type)).toEqual(['ended']);
    expect(manager.registry.get('early')?.summary.status).toBe('failed');
    // Dead, so it may be deleted and resumed (which then says there is no checkpoint).
    expect(whyNotWritable(manager.registry.get('early')!, runsDir)).toBeUndefined();
  });

  it('refuses to resume or delete a run a live trainer holds, naming pid, host and start', async () => {
    const dir = path.join(runsDir, 'held');
    mkdirSync(dir, { recursive: true });
    const startedAt = '2026-01-01T00:00:00.000Z';
    writeFileSync(path.join(dir, 'run.lock'), JSON.stringify({ pid: process.pid, host: hostname(), startedAt, runId: 'held' }));
    const entry = { runId: 'held', dir, summary: { ...summarizeRun('held', []), status: 'stopped' as const }, meta: {} };
    const message = `Run held is in use: trainer pid ${process.pid} on ${hostname()} has been writing it since ${startedAt}`;
    expect(whyNotWritable(entry, runsDir)).toContain(message);
    expect(() => manager.resume(entry, runsDir, root)).toThrow(message);
    expect(manager.isActive('held')).toBe(false);
  });

  it('does not list a run folder being made (its hidden temporary name) as a run', async () => {
    const staging = path.join(runsDir, `.fresh.tmp-${process.pid}`);
    mkdirSync(staging, { recursive: true });
    writeFileSync(path.join(staging, 'run.lock'), JSON.stringify({ pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), runId: 'fresh' }));
    await manager.refreshFolder(staging);
    await manager.loadAll(runsDir);
    expect(manager.registry.all()).toEqual([]);
    expect(manager.liveRunIds()).toEqual([]);
  });

  it('refuses an entry whose id is not a run id or whose folder is not in the runs folder', () => {
    const summary = summarizeRun('x', []);
    expect(whyNotWritable({ runId: '..', dir: root }, runsDir)).toMatch(/'\.\.' is not a run id/);
    expect(whyNotWritable({ runId: 'x', dir: path.join(root, 'elsewhere', 'x') }, runsDir)).toMatch(/is not .* in the runs folder/);
    expect(() => manager.resume({ runId: '..', dir: root, summary: { ...summary, status: 'failed' }, meta: {} }, runsDir, root)).toThrow(/not a run id/);
  });
});
