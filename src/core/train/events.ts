/**
 * Writes the trainer's event stream: each event is one line appended to `<run>/events.jsonl` with a
 * single write() call (so a killed process leaves at most a truncated last line), and mirrored to a
 * second sink (the process's stdout) when asked.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { EVENTS_SCHEMA_VERSION, type TrainerEvent, type TrainerEventBody } from '../../shared/events';

export class EventWriter {
  private fd: number | undefined;

  constructor(
    readonly file: string,
    readonly runId: string,
    private readonly mirror?: (line: string) => void,
    private readonly onEvent?: (event: TrainerEvent) => void,
  ) {
    this.fd = openSync(file, 'a');
  }

  write(body: TrainerEventBody): TrainerEvent {
    const event = { schemaVersion: EVENTS_SCHEMA_VERSION, time: new Date().toISOString(), runId: this.runId, ...body } as TrainerEvent;
    const line = JSON.stringify(event, finiteOrNull) + '\n';
    if (this.fd === undefined) throw new Error(`Event writer for run ${this.runId} is closed; cannot write a '${body.type}' event.`);
    writeSync(this.fd, line);
    this.mirror?.(line);
    this.onEvent?.(event);
    return event;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

// JSON has no NaN or Infinity; a diverged loss is written as null rather than as invalid JSON.
function finiteOrNull(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}

/**
 * Decides when a `step` event is due: every `everySteps` steps or `everyMs` milliseconds, whichever
 * comes first, and reports the mean loss and the throughput since the previous one.
 */
export class StepThrottle {
  private lossSum = 0;
  private steps = 0;
  private examples = 0;
  private since: number;

  constructor(
    private readonly everyMs = 250,
    private readonly everySteps = 100,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.since = now();
  }

  /** Records one step; returns the step summary when an event is due, else undefined. */
  add(loss: number, examples: number): { loss: number; examplesPerSec: number } | undefined {
    this.lossSum += loss;
    this.steps++;
    this.examples += examples;
    const t = this.now();
    if (this.steps < this.everySteps && t - this.since < this.everyMs) return undefined;
    return this.flush(t);
  }

  /** The pending summary (at the end of an epoch), or undefined when no step is pending. */
  flush(t = this.now()): { loss: number; examplesPerSec: number } | undefined {
    if (this.steps === 0) return undefined;
    const seconds = Math.max(1e-9, (t - this.since) / 1000);
    const out = { loss: this.lossSum / this.steps, examplesPerSec: this.examples / seconds };
    this.lossSum = 0;
    this.steps = 0;
    this.examples = 0;
    this.since = t;
    return out;
  }
}
