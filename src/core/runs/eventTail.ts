/**
 * Reads an `events.jsonl` incrementally: each `read()` returns only the events appended since the last
 * call. A line without its newline yet (the trainer is mid-write, or died mid-write) is held back until
 * it is complete, so a reader never sees half an event; lines are cut at newline bytes before they are
 * decoded, so a multi-byte character split across writes is never broken. Used by the extension's run manager (live
 * runs, re-attached after a window reload) and by the CLI.
 */
import { open } from 'node:fs/promises';
import { parseEventLine, type TrainerEvent } from '../../shared/events';

export class EventTail {
  /** Byte offset just after the last complete line read. */
  private offset = 0;
  private pending = '';
  /** 1-based numbers of complete lines that were not valid events (corruption, not a partial write). */
  readonly badLines: number[] = [];
  private lineNumber = 0;

  constructor(readonly file: string) {}

  async read(): Promise<TrainerEvent[]> {
    let handle;
    try {
      handle = await open(this.file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    try {
      const { size } = await handle.stat();
      if (size < this.offset) {
        // The file was replaced or truncated below what was read: start over rather than read from a stale offset.
        this.offset = 0;
        this.pending = '';
        this.lineNumber = 0;
      }
      if (size === this.offset) {
        this.pending = '';
        return [];
      }
      // Read from the end of the last complete line: a cut line that the next writer set aside (and
      // replaced by whole lines) is read afresh, never glued to what follows it.
      const buffer = Buffer.alloc(size - this.offset);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.offset);
      const chunk = buffer.subarray(0, bytesRead);
      const end = chunk.lastIndexOf(0x0a) + 1;
      this.pending = chunk.subarray(end).toString('utf8');
      this.offset += end;
      return this.consume(chunk.subarray(0, end).toString('utf8'));
    } finally {
      await handle.close();
    }
  }

  /** The incomplete last line, if any (e.g. to report a truncated write after the process died). */
  get partialLine(): string {
    return this.pending;
  }

  private consume(text: string): TrainerEvent[] {
    const lines = text.split('\n');
    lines.pop(); // text ends with a newline: the last piece is empty
    const events: TrainerEvent[] = [];
    for (const line of lines) {
      this.lineNumber++;
      if (line.trim() === '') continue;
      const event = parseEventLine(line);
      if (event) events.push(event);
      else this.badLines.push(this.lineNumber);
    }
    return events;
  }
}
