/** Builds trainer events for tests with the fields the writer fills in. */
import { EVENTS_SCHEMA_VERSION, type TrainerEvent, type TrainerEventBody } from '../../../src/shared/events';
import { RunColumnsFeed } from '../../../src/shared/runColumns';
import type { RunRef } from '../../../src/shared/webviewProtocol';
import type { RunRecord, RunStore } from '../../../src/webview/model/runStore';

export function ev(runId: string, body: TrainerEventBody): TrainerEvent {
  return { schemaVersion: EVENTS_SCHEMA_VERSION, time: '2026-11-20T09:00:00.000Z', runId, ...body } as TrainerEvent;
}

export function started(runId: string, params: Record<string, string | number | boolean>, stepsPerEpoch = 10): TrainerEvent {
  return ev(runId, {
    type: 'started',
    experiment: '/w/a.tower.yaml',
    mode: 'listwise',
    loss: 'softmax',
    backend: 'cpu',
    pid: 1,
    epochs: 2,
    stepsPerEpoch,
    batchSize: 4,
    resumedFromEpoch: 0,
    dataset: { users: 3, items: 5, trainPositives: 6, testPositives: 2 },
    params,
  });
}

export function step(runId: string, stepNo: number, loss: number, elapsedSec = stepNo, epoch = 1): TrainerEvent {
  return ev(runId, { type: 'step', step: stepNo, epoch, loss, examplesPerSec: 100 * stepNo, elapsedSec });
}

export function evalEvent(runId: string, epoch: number, stepNo: number, metrics: Record<string, number>, baseline: Record<string, number> = {}): TrainerEvent {
  return ev(runId, { type: 'eval', epoch, step: stepNo, metrics, baseline, elapsedSec: stepNo });
}

/**
 * Plays the plots panel host: folds a run's events into columns (RunColumnsFeed, as PlotsPanel does)
 * and hands the store the chunks the host would post: the whole run for showRuns, then only new points.
 */
const feeds = new WeakMap<RunStore, Map<string, RunColumnsFeed>>();

function feedsOf(store: RunStore): Map<string, RunColumnsFeed> {
  let map = feeds.get(store);
  if (!map) feeds.set(store, (map = new Map()));
  return map;
}

export function showEvents(store: RunStore, ref: RunRef, events: TrainerEvent[]): RunRecord {
  const feed = new RunColumnsFeed();
  feed.add(events);
  feedsOf(store).set(ref.runId, feed);
  return store.setRun(ref, feed.fullChunk());
}

export function appendEvents(store: RunStore, runId: string, events: TrainerEvent[]): RunRecord {
  const feed = feedsOf(store).get(runId) ?? new RunColumnsFeed();
  feed.add(events);
  return store.append(runId, feed.takeChunk());
}
