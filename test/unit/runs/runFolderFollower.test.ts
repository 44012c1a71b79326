import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RunFolderFollowers } from '../../../src/extension/runs/runFolderFollower';
import type { TrainerEvent } from '../../../src/shared/events';

const line = (step: number): string => JSON.stringify({ schemaVersion: 1, time: 't', runId: 'r', type: 'step', step, epoch: 1, loss: 1, examplesPerSec: 1, elapsedSec: step }) + '\n';
const steps = (events: readonly TrainerEvent[]): number[] => events.map((e) => (e.type === 'step' ? e.step : -1));

/** Collects a subscriber's batches; `next()` resolves at its next call. */
function recorder() {
  const batches: TrainerEvent[][] = [];
  let wake: () => void = () => undefined;
  return {
    batches,
    onEvents: (events: TrainerEvent[]) => {
      batches.push(events);
      wake();
    },
    next: () => new Promise<void>((resolve) => (wake = resolve)),
  };
}

describe('RunFolderFollowers', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('gives every reader of one run folder the same follower: one read reaches all, the events are held once', async () => {
    dir = mkdtempSync(join(tmpdir(), 'follow-'));
    const file = join(dir, 'events.jsonl');
    appendFileSync(file, line(1));
    // A poll this slow never fires in the test: every read below is one the test asked for.
    const followers = new RunFolderFollowers(60_000);
    const plots = recorder();
    const plotsFirst = plots.next();
    const plotsFeed = followers.follow(dir, { onEvents: plots.onEvents });
    const tracker = followers.follow(dir);
    await plotsFirst;
    expect(followers.followedFolders).toEqual([dir]);
    expect(steps(plots.batches[0])).toEqual([1]);

    // The tracker's own read (its tick) brings the new line to the plots as well.
    appendFileSync(file, line(2));
    const plotsSecond = plots.next();
    await tracker.read();
    expect(steps(tracker.events)).toEqual([1, 2]);
    await plotsSecond;
    expect(plots.batches.map(steps)).toEqual([[1], [2]]);
    expect(tracker.events).toBe(plotsFeed.events);
    expect(steps(tracker.events)).toEqual([1, 2]);

    // A panel opened later gets everything read so far in its first batch, then only what is new.
    const late = recorder();
    const lateFirst = late.next();
    const lateFeed = followers.follow(dir, { onEvents: late.onEvents });
    await lateFirst;
    expect(late.batches.map(steps)).toEqual([[1, 2]]);

    // The follower goes with its last reader: no more reads, no more calls.
    plotsFeed.dispose();
    tracker.dispose();
    expect(followers.followedFolders).toEqual([dir]);
    lateFeed.dispose();
    expect(followers.followedFolders).toEqual([]);
    appendFileSync(file, line(3));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(late.batches).toHaveLength(1);
    expect(plots.batches).toHaveLength(2);
  });

  it('follows a folder that does not exist yet (a queued run) and reads its events once they are written', async () => {
    dir = mkdtempSync(join(tmpdir(), 'follow-'));
    const runDir = join(dir, 'queued');
    const followers = new RunFolderFollowers(20);
    const r = recorder();
    const first = r.next();
    const feed = followers.follow(runDir, { onEvents: r.onEvents });
    try {
      await first;
      expect(r.batches).toEqual([[]]);
      const second = r.next();
      mkdirSync(runDir);
      appendFileSync(join(runDir, 'events.jsonl'), line(1));
      await second;
      expect(steps(r.batches[1])).toEqual([1]);
    } finally {
      feed.dispose();
    }
  });

  it('tells every reader of the folder when a read fails, naming the file, and keeps following', async () => {
    dir = mkdtempSync(join(tmpdir(), 'follow-'));
    // events.jsonl as a folder: open() works, reading it fails with EISDIR.
    mkdirSync(join(dir, 'events.jsonl'));
    const followers = new RunFolderFollowers(60_000);
    const errors: string[][] = [[], []];
    const feeds = [0, 1].map((i) => followers.follow(dir, { onError: (e) => errors[i].push(e.message) }));
    try {
      await feeds[0].read();
      expect(errors[0].length).toBeGreaterThan(0);
      expect(errors[1].length).toBe(errors[0].length);
      expect(errors[0][0]).toContain(join(dir, 'events.jsonl'));
      expect(followers.followedFolders).toEqual([dir]);
    } finally {
      feeds.forEach((f) => f.dispose());
    }
  });
});
