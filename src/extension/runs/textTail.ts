/** Reads a growing text file incrementally (the trainer's stderr log): each read returns what was appended. */
import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';

export class TextTail {
  private offset = 0;
  private decoder = new StringDecoder('utf8');

  constructor(readonly file: string) {}

  async read(): Promise<string> {
    let handle;
    try {
      handle = await open(this.file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw error;
    }
    try {
      const { size } = await handle.stat();
      if (size < this.offset) {
        this.offset = 0;
        this.decoder = new StringDecoder('utf8');
      }
      if (size === this.offset) return '';
      const buffer = Buffer.alloc(size - this.offset);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.offset);
      this.offset += bytesRead;
      return this.decoder.write(buffer.subarray(0, bytesRead));
    } finally {
      await handle.close();
    }
  }
}

/** The last `n` non-empty lines of a text (what a failed run's message quotes from stderr). */
export function lastLines(text: string, n: number): string[] {
  return text
    .split(/\r?\n|\r/)
    .map((l) => l.trimEnd())
    .filter((l) => l !== '')
    .slice(-n);
}
