import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { watchRunsDir, type RunsDirWatch } from '../../../src/extension/runs/runsDirWatcher';

describe('watchRunsDir (inotify beside VS Code’s watcher)', () => {
  let root: string;
  let watcher: RunsDirWatch | undefined;
  afterEach(() => {
    watcher?.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  it('finds a run folder created after the runs folder itself appeared, and its events.jsonl, then lets it go once settled', async () => {
    root = mkdtempSync(path.join(tmpdir(), 'ttl-watch-'));
    const runsDir = path.join(root, '.two-tower-lab', 'runs');
    const runDir = path.join(runsDir, 'cli-run-1');
    const calls: string[] = [];
    let settled = false;
    let onCall: (() => void) | undefined;
    const nextCall = () => new Promise<void>((resolve) => (onCall = resolve));
    watcher = watchRunsDir(runsDir, async (dir) => {
      calls.push(dir);
      onCall?.();
    }, () => settled, 20);

    // The runs folder does not exist yet: the watcher waits for it, then sees the new run folder.
    let called = nextCall();
    mkdirSync(runDir, { recursive: true });
    // The run folder was made together with the runs folder, before any watch could see it: found by the
    // one listing when the runs folder appears.
    await called;
    expect(calls[0]).toBe(runDir);
    // Let the watcher judge that report (not settled yet) before the run starts.
    await new Promise((resolve) => setImmediate(resolve));

    // The trainer writes its first event: reported again; the caller now follows the run by itself.
    called = nextCall();
    settled = true;
    writeFileSync(path.join(runDir, 'events.jsonl'), '{"schemaVersion":1,"type":"started"}\n');
    await called;
    // One write can raise several inotify events (create, modify): all of that batch is reported, then released.
    await new Promise((resolve) => setImmediate(resolve));
    const count = calls.length;
    // Released: later writes to that folder are no longer reported (VS Code's watcher and the run's own tail take over).
    appendFileSync(path.join(runDir, 'events.jsonl'), '{"schemaVersion":1,"type":"ended"}\n');
    const other = path.join(runsDir, 'cli-run-2');
    called = nextCall();
    settled = false;
    mkdirSync(other);
    await called;
    expect(calls.slice(count).every((d) => d === other)).toBe(true);
  });

  it('lists the runs folder again every rescanMs, for a share where another machine\'s writes raise no event', async () => {
    root = mkdtempSync(path.join(tmpdir(), 'ttl-watch-'));
    const runsDir = path.join(root, 'runs');
    const runDir = path.join(runsDir, 'cluster-run-1');
    mkdirSync(runDir, { recursive: true });
    let settled = false;
    const calls: number[] = [];
    let onCall: (() => void) | undefined;
    const nextCall = () => new Promise<void>((resolve) => (onCall = resolve));
    let called = nextCall();
    watcher = watchRunsDir(runsDir, async () => {
      calls.push(Date.now());
      onCall?.();
    }, () => settled, 20, 50);
    await called;
    // No write at all (what a share shows of a cluster job's writes): reported again by the listing.
    called = nextCall();
    await called;
    expect(calls.length).toBeGreaterThanOrEqual(2);
    // Settled: the listing leaves it alone.
    settled = true;
    await new Promise((resolve) => setTimeout(resolve, 80));
    const count = calls.length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(calls.length).toBe(count);
  });
});
