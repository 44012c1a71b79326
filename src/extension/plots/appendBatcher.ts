/**
 * Gathers the new points of live runs into one `appendRunData` message per interval, however many runs
 * append and however often: 20 live runs whose trainers each write a few events per 10 ms would
 * otherwise cost the webview (and VS Code's message relay) 2,000 messages a second. No `vscode` import:
 * the browser tests and the render benchmark run it in the page.
 */
import type { RunChunk } from '../../shared/runColumns';
import type { AppendRunDataMessage } from '../../shared/webviewProtocol';

export interface ChunkSource {
  /** What changed in the run since its last chunk (RunColumnsFeed.takeChunk). */
  takeChunk(runId: string): RunChunk | undefined;
}

export class AppendBatcher {
  private readonly waiting = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly source: ChunkSource,
    private readonly send: (message: AppendRunDataMessage) => void,
    /** The longest a new point waits before it is sent. */
    private readonly intervalMs = 50,
  ) {}

  /** A run has new points: they go out with the next batch. */
  mark(runId: string): void {
    this.waiting.add(runId);
    this.timer ??= setTimeout(() => this.flush(), this.intervalMs);
  }

  /** Sends what waits now (before any other message, so the webview sees changes in order). */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const runs: AppendRunDataMessage['runs'] = [];
    for (const runId of this.waiting) {
      const data = this.source.takeChunk(runId);
      if (data) runs.push({ runId, data });
    }
    this.waiting.clear();
    if (runs.length > 0) this.send({ type: 'appendRunData', runs });
  }

  /** Forgets what waits (the webview reloaded and gets a full snapshot instead, or the panel closed). */
  drop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.waiting.clear();
  }
}
