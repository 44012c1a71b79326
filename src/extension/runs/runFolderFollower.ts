/**
 * One follower per run folder in the extension host. The live-run tracker (tree, status bar, progress)
 * and every plots panel showing a run subscribe to the same follower: one incremental tail of its
 * `events.jsonl`, one `fs.watch`, one poll, and the run's events held once, however many readers there
 * are. A subscriber first gets every event read so far (an empty batch when there is none yet), then each
 * fresh batch. The follower goes away with its last subscriber. No `vscode` import.
 *
 * `fs.watch` can miss changes (network drives, some containers, a folder that does not exist yet), so a
 * slow poll backs it up; a live run's tracker also reads on its own beat (`read()`), which every
 * subscriber hears of.
 */
import { watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { EventTail } from '../../core/runs/eventTail';
import { EVENTS_FILE } from '../../core/runs/runFiles';
import type { TrainerEvent } from '../../shared/events';

/** How often a followed folder is read when no file event arrives. */
export const FOLLOW_POLL_MS = 1000;

export interface RunFolderSubscriber {
  /** Every event so far on the first call, then the events appended since the previous call. */
  onEvents?(events: TrainerEvent[]): void;
  /** A read that failed (the follower keeps going: the next read tries again). */
  onError?(error: Error): void;
  /** Poll at least this often (the folder's poll is the shortest any subscriber asked for). */
  pollMs?: number;
}

/** A subscriber's handle on the folder's follower. */
export interface RunFolderFeed {
  /** The run's events read so far, in file order: the one copy every subscriber shares. */
  readonly events: readonly TrainerEvent[];
  /** Reads what was appended since the last read (serialised with every other read of this folder); then `events` has it. */
  read(): Promise<void>;
  dispose(): void;
}

interface Subscription {
  subscriber: RunFolderSubscriber;
  /** Has had its first call (every event so far). */
  primed: boolean;
}

class Follower {
  readonly events: TrainerEvent[] = [];
  readonly subscriptions = new Set<Subscription>();
  private readonly tail: EventTail;
  private readonly file: string;
  private reading: Promise<void> | undefined;
  private again = false;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private pollMs = Infinity;
  private closed = false;

  constructor(runDir: string) {
    this.file = join(runDir, EVENTS_FILE);
    this.tail = new EventTail(this.file);
    try {
      this.watcher = watch(runDir, () => void this.read());
      this.watcher.on('error', () => this.watcher?.close());
    } catch (error) {
      // The folder may not exist yet (a queued run): the poll picks the file up when it appears.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }

  pollAtLeastEvery(ms: number): void {
    if (ms >= this.pollMs) return;
    this.pollMs = ms;
    clearInterval(this.timer);
    this.timer = setInterval(() => void this.read(), ms);
  }

  /**
   * One read at a time: a read asked for while one runs (a burst of watch events, a poll, a tick) makes
   * one more read after it, and resolves after that one.
   */
  read(): Promise<void> {
    if (this.reading) {
      this.again = true;
      return this.reading;
    }
    this.reading = this.readAll().finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async readAll(): Promise<void> {
    do {
      this.again = false;
      let fresh: TrainerEvent[];
      try {
        fresh = await this.tail.read();
      } catch (error) {
        const failure = new Error(`Cannot read ${this.file}: ${error instanceof Error ? error.message : String(error)}`);
        for (const s of this.subscriptions) s.subscriber.onError?.(failure);
        break;
      }
      if (this.closed) return;
      this.events.push(...fresh);
      for (const s of this.subscriptions) {
        if (!s.primed) {
          s.primed = true;
          s.subscriber.onEvents?.(this.events.slice());
        } else if (fresh.length > 0) {
          s.subscriber.onEvents?.(fresh);
        }
      }
    } while (this.again && !this.closed);
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.watcher?.close();
  }
}

export class RunFolderFollowers {
  private readonly followers = new Map<string, Follower>();

  constructor(private readonly pollMs = FOLLOW_POLL_MS) {}

  /** Subscribes to `runDir`'s follower, making it on first use; the first call of `onEvents` comes after a read. */
  follow(runDir: string, subscriber: RunFolderSubscriber = {}): RunFolderFeed {
    let follower = this.followers.get(runDir);
    if (!follower) {
      follower = new Follower(runDir);
      this.followers.set(runDir, follower);
    }
    const own = follower;
    own.pollAtLeastEvery(subscriber.pollMs ?? this.pollMs);
    const subscription: Subscription = { subscriber, primed: false };
    own.subscriptions.add(subscription);
    void own.read();
    let disposed = false;
    return {
      get events() {
        return own.events;
      },
      read: () => own.read(),
      dispose: () => {
        if (disposed) return;
        disposed = true;
        own.subscriptions.delete(subscription);
        if (own.subscriptions.size === 0) {
          own.close();
          if (this.followers.get(runDir) === own) this.followers.delete(runDir);
        }
      },
    };
  }

  /** Run folders followed now (for tests: one follower however many subscribe). */
  get followedFolders(): string[] {
    return [...this.followers.keys()];
  }
}

/** The extension host's followers: the live-run tracker and the plots panels share them. */
export const runFolders = new RunFolderFollowers();
