/**
 * Messages to a webview wait until its script says `initialized`: before that, `postMessage` would be
 * lost. When the webview goes away (hidden without retained context, or reloaded), what is queued is
 * dropped, because the host answers the next `initialized` with a full snapshot of the runs.
 */
export class HeldMessages<T> {
  private queue: T[] = [];
  private open = false;

  constructor(private readonly send: (message: T) => void) {}

  get isOpen(): boolean {
    return this.open;
  }

  post(message: T): void {
    if (this.open) this.send(message);
    else this.queue.push(message);
  }

  /** The webview is listening: send what waited, in order. */
  markReady(): void {
    this.open = true;
    const waiting = this.queue;
    this.queue = [];
    waiting.forEach((m) => this.send(m));
  }

  /** The webview is gone; hold (and later replace) what comes next. */
  markGone(): void {
    this.open = false;
    this.queue = [];
  }

  get pending(): number {
    return this.queue.length;
  }
}
