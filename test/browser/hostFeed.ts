/**
 * What the plots panel host does with events, run inside the test page: folds each run's events with
 * the host's RunColumnsFeed and posts the chunks as PlotsPanel does (VS Code transfers their buffers
 * into the webview; here `postMessage`'s transfer list does the same). Bundled and installed by
 * harness.ts; browser tests and the render benchmark post through it.
 */
import type { TrainerEvent } from '../../src/shared/events';
import { AppendBatcher } from '../../src/extension/plots/appendBatcher';
import { chunkBuffers, RunColumnsFeed } from '../../src/shared/runColumns';
import type { AppendRunDataMessage, RunRef, ShowRunsMessage } from '../../src/shared/webviewProtocol';

export interface TestHost {
  /** The showRuns message for these runs (each folded afresh) and its buffers. */
  showRunsMessage(runs: { ref: RunRef; events: TrainerEvent[] }[], replace: boolean): { message: ShowRunsMessage; transfer: ArrayBuffer[] };
  /** The appendRunData message for events a shown run appended, at once. */
  appendMessage(runId: string, events: TrainerEvent[]): { message: AppendRunDataMessage; transfer: ArrayBuffer[] };
  /** Events a shown run appended, posted as PlotsPanel posts them: with other runs' new points, at most every 50 ms. */
  appendBatched(runId: string, events: TrainerEvent[]): void;
  post(built: { message: unknown; transfer: ArrayBuffer[] }): void;
}

declare global {
  interface Window {
    __host: TestHost;
  }
}

const feeds = new Map<string, RunColumnsFeed>();
const batcher = new AppendBatcher({ takeChunk: (runId) => feeds.get(runId)?.takeChunk() }, (message) =>
  window.postMessage(message, '*', message.runs.flatMap((r) => chunkBuffers(r.data))),
);

window.__host = {
  showRunsMessage(runs, replace) {
    if (replace) feeds.clear();
    const shown = runs.map(({ ref, events }) => {
      const feed = new RunColumnsFeed();
      feed.add(events);
      feeds.set(ref.runId, feed);
      return { ref, data: feed.fullChunk() };
    });
    return { message: { type: 'showRuns', replace, runs: shown }, transfer: shown.flatMap((r) => chunkBuffers(r.data)) };
  },
  appendMessage(runId, events) {
    // A run the host does not follow still gets a message, so tests can check that the webview refuses it.
    const feed = feeds.get(runId) ?? new RunColumnsFeed();
    feed.add(events);
    const data = feed.takeChunk();
    return { message: { type: 'appendRunData', runs: [{ runId, data }] }, transfer: chunkBuffers(data) };
  },
  appendBatched(runId, events) {
    feeds.get(runId)?.add(events);
    batcher.mark(runId);
  },
  post({ message, transfer }) {
    window.postMessage(message, '*', transfer);
  },
};
