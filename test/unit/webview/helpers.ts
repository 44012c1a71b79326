/** Builds trainer events for tests with the fields the writer fills in. */
import { EVENTS_SCHEMA_VERSION, type TrainerEvent, type TrainerEventBody } from '../../../src/shared/events';

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
