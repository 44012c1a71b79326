import { describe, expect, it } from 'vitest';
import { RunQueue } from '../../../src/extension/runs/queue';

/** A job whose end the test controls. */
function controlled(id: string, log: string[]) {
  let finish!: () => void;
  let fail!: (e: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  return {
    job: { id, start: () => (log.push(`start ${id}`), done) },
    finish: () => finish(),
    fail: (e: Error) => fail(e),
    ended: done.catch(() => undefined),
  };
}

/** Lets the queue's promise callbacks (finally → pump) run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('RunQueue', () => {
  it('runs one job at a time by default, in order', async () => {
    const log: string[] = [];
    const q = new RunQueue(1, () => undefined);
    const a = controlled('a', log);
    const b = controlled('b', log);
    const c = controlled('c', log);
    q.enqueue(a.job);
    q.enqueue(b.job);
    q.enqueue(c.job);
    expect(log).toEqual(['start a']);
    expect(q.waitingIds()).toEqual(['b', 'c']);
    a.finish();
    await settle();
    expect(log).toEqual(['start a', 'start b']);
    b.finish();
    await settle();
    expect(log).toEqual(['start a', 'start b', 'start c']);
    expect(q.runningIds()).toEqual(['c']);
  });

  it('cancels a waiting job but not a running one; a failed job frees its slot and is reported', async () => {
    const log: string[] = [];
    const errors: string[] = [];
    const q = new RunQueue(1, (id, e) => errors.push(`${id}: ${(e as Error).message}`));
    const a = controlled('a', log);
    const b = controlled('b', log);
    const c = controlled('c', log);
    q.enqueue(a.job);
    q.enqueue(b.job);
    q.enqueue(c.job);
    expect(q.cancel('a')).toBe(false);
    expect(q.cancel('b')).toBe(true);
    a.fail(new Error('trainer missing'));
    await settle();
    expect(errors).toEqual(['a: trainer missing']);
    expect(log).toEqual(['start a', 'start c']);
  });

  it('starts waiting jobs at once when the limit is raised, and treats a limit below 1 as 1', async () => {
    const log: string[] = [];
    const q = new RunQueue(0, () => undefined);
    const jobs = ['a', 'b', 'c'].map((id) => controlled(id, log));
    for (const j of jobs) q.enqueue(j.job);
    expect(log).toEqual(['start a']);
    q.setMaxConcurrent(3);
    expect(log).toEqual(['start a', 'start b', 'start c']);
    expect(() => q.enqueue(jobs[0].job)).toThrow(/already queued or running/);
  });
});
