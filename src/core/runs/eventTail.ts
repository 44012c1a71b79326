/**
 * Reads an `events.jsonl` incrementally: each `read()` returns only the events appended since the last
 * call. A line without its newline yet (the trainer is mid-write, or died mid-write) is held back until
 * it is complete, so a reader never sees half an event. Used by the extension's run manager (live
 * runs, re-attached after a window reload) and by the CLI.
 */
import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { parseEventLine, type TrainerEvent } from '../../shared/events';

export class EventTail {
  private offset = 0;
  private pending = '';
  // A read can end inside a multi-byte character; the decoder keeps its first bytes for the next read.
  private decoder = new StringDecoder('utf8');
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
        // The file was replaced or truncated: start over rather than read from a stale offset.
        this.offset = 0;
        this.pending = '';
        this.lineNumber = 0;
        this.decoder = new StringDecoder('utf8');
      }
      if (size === this.offset) return [];
      const buffer = Buffer.alloc(size - this.offset);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.offset);
      this.offset += bytesRead;
      return this.consume(this.decoder.write(buffer.subarray(0, bytesRead)));
    } finally {
      await handle.close();
    }
  }

  /** The incomplete last line, if any (e.g. to report a truncated write after the process died). */
  get partialLine(): string {
    return this.pending;
  }

  private consume(chunk: string): TrainerEvent[] {
    const text = this.pending + chunk;
    const lines = text.split('\n');
    this.pending = lines.pop() ?? '';
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
