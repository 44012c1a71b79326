/**
 * Writes the trainer's event stream: each event is one line appended to `<run>/events.jsonl` (so a
 * killed process leaves at most a truncated last line), and mirrored to a second sink (the process's
 * stdout) when asked.
 *
 * Whole lines, always: before its first append the writer sets aside a cut last line left by an earlier
 * writer (setAsidePartialLine), and a write that fails part-way (a short write, then ENOSPC or EIO) is
 * truncated back to the line boundary and reported as a WriteError naming the file, the free space and
 * what to do. So that the run's `ended` event still fits on a full disk, the writer keeps a small
 * reserve file beside the events, released just before the `ended` event is written again after a failure.
 */
import { closeSync, fstatSync, ftruncateSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import * as path from 'node:path';
import { EVENTS_SCHEMA_VERSION, type TrainerEvent, type TrainerEventBody } from '../../shared/events';
import { setAsidePartialLine, type SetAside } from '../runs/eventsFile';
import { tempName } from '../runs/runFiles';
import { writeError, WriteError } from './writeError';

/** Room kept for the last events of a run (an `ended` event with its error is well under 8 KB). */
export const EVENTS_RESERVE_BYTES = 64 * 1024;

export class EventWriter {
  private fd: number | undefined;
  private reserve: string | undefined;
  /** The cut last line an earlier writer left, when this writer set it aside. */
  readonly setAside: SetAside | undefined;

  constructor(
    readonly file: string,
    readonly runId: string,
    private readonly mirror?: (line: string) => void,
    private readonly onEvent?: (event: TrainerEvent) => void,
  ) {
    this.setAside = setAsidePartialLine(file);
    this.reserve = this.takeReserve(path.join(path.dirname(file), tempName(`.${path.basename(file)}.reserve`)));
    this.fd = openSync(file, 'a');
  }

  write(body: TrainerEventBody): TrainerEvent {
    const event = { schemaVersion: EVENTS_SCHEMA_VERSION, time: new Date().toISOString(), runId: this.runId, ...body } as TrainerEvent;
    const line = JSON.stringify(event, finiteOrNull) + '\n';
    if (this.fd === undefined) throw new Error(`Event writer for run ${this.runId} is closed; cannot write a '${body.type}' event.`);
    const bytes = Buffer.from(line, 'utf8');
    const error = this.append(this.fd, bytes);
    if (error !== undefined) {
      // The last event of a run gets the reserve's room; any other failure ends the run (with that `ended`).
      if (body.type !== 'ended' || this.reserve === undefined) throw this.failure(body.type, error);
      this.releaseReserve();
      const again = this.append(this.fd, bytes);
      if (again !== undefined) throw this.failure(body.type, again);
    }
    this.mirror?.(line);
    this.onEvent?.(event);
    return event;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.releaseReserve();
  }

  /** Appends all of `bytes`, or truncates back to the line boundary and returns the error. */
  private append(fd: number, bytes: Buffer): unknown {
    const before = fstatSync(fd).size;
    let done = 0;
    try {
      while (done < bytes.length) {
        const n = writeSync(fd, bytes, done, bytes.length - done);
        // A short write is retried for the rest; the retry reports why (ENOSPC, EIO). Zero bytes is that too.
        if (n <= 0) throw Object.assign(new Error(`wrote 0 of ${bytes.length - done} bytes`), { code: 'ENOSPC' });
        done += n;
      }
      return undefined;
    } catch (error) {
      if (done > 0) {
        try {
          ftruncateSync(fd, before);
        } catch (truncateError) {
          // The cut line stays; the next writer sets it aside. The write's own error is the one to report.
          void truncateError;
        }
      }
      return error;
    }
  }

  private failure(type: string, error: unknown): WriteError {
    const resume = `then continue the run with: two-tower-lab train --resume ${this.runId} (with the same --runs-dir)`;
    const e = writeError(this.file, error, resume);
    return new WriteError(`The '${type}' event of run ${this.runId} could not be written. ${e.message}`, this.file, e.code);
  }

  /** Writes the reserve file; a disk without even that room cannot hold a run: refuse before the first event. */
  private takeReserve(file: string): string {
    try {
      writeFileSync(file, Buffer.alloc(EVENTS_RESERVE_BYTES));
      return file;
    } catch (error) {
      const e = writeError(this.file, error, `then start the run again`);
      rmSync(file, { force: true });
      throw new WriteError(`Run ${this.runId} cannot start: its events need ${EVENTS_RESERVE_BYTES / 1024} KB of room. ${e.message}`, this.file, e.code);
    }
  }

  private releaseReserve(): void {
    if (this.reserve !== undefined) rmSync(this.reserve, { force: true });
    this.reserve = undefined;
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

  /**
   * Training steps begin again after work that is not training (evaluation, mining hard negatives):
   * the next rate is measured from now, so that work does not show as a dip in examples/s. Steps
   * still pending keep their window.
   */
  startWindow(): void {
    if (this.steps === 0) this.since = this.now();
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
