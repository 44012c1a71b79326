/**
 * The run queue: at most `maxConcurrent` jobs run at once, the rest wait in order. Pure (no `vscode`,
 * no processes): a job is a function that starts work and resolves when that work has ended.
 */
export interface QueuedJob {
  readonly id: string;
  /** Starts the work; the returned promise settles when it has ended (either way). */
  start(): Promise<void>;
}

export class RunQueue {
  private readonly waiting: QueuedJob[] = [];
  private readonly running = new Set<string>();

  constructor(
    private maxConcurrent: number,
    /** Told when a job's start() rejects: the queue keeps going, but the failure must reach someone. */
    private readonly onJobError: (id: string, error: unknown) => void,
  ) {
    this.maxConcurrent = RunQueue.clamp(maxConcurrent);
  }

  /** A setting of 0, a negative or a non-number would stall every run: treat it as 1. */
  private static clamp(n: number): number {
    return Number.isFinite(n) && n >= 1 ? Math.floor(n) : 1;
  }

  /** Adds a job; it starts now when there is room, else after the jobs ahead of it. */
  enqueue(job: QueuedJob): void {
    if (this.running.has(job.id) || this.waiting.some((j) => j.id === job.id)) throw new Error(`Run ${job.id} is already queued or running.`);
    this.waiting.push(job);
    this.pump();
  }

  /** Removes a job that has not started; returns false when it is not waiting (running, done or unknown). */
  cancel(id: string): boolean {
    const index = this.waiting.findIndex((j) => j.id === id);
    if (index < 0) return false;
    this.waiting.splice(index, 1);
    return true;
  }

  setMaxConcurrent(n: number): void {
    this.maxConcurrent = RunQueue.clamp(n);
    this.pump();
  }

  isWaiting(id: string): boolean {
    return this.waiting.some((j) => j.id === id);
  }

  isRunning(id: string): boolean {
    return this.running.has(id);
  }

  /** Ids of the waiting jobs, first to start first. */
  waitingIds(): string[] {
    return this.waiting.map((j) => j.id);
  }

  runningIds(): string[] {
    return [...this.running];
  }

  private pump(): void {
    while (this.running.size < this.maxConcurrent && this.waiting.length > 0) {
      const job = this.waiting.shift()!;
      this.running.add(job.id);
      let work: Promise<void>;
      try {
        work = job.start();
      } catch (error) {
        work = Promise.reject(error);
      }
      work
        .catch((error: unknown) => this.onJobError(job.id, error))
        .finally(() => {
          this.running.delete(job.id);
          this.pump();
        })
        .catch((error: unknown) => this.onJobError(job.id, error));
    }
  }
}
