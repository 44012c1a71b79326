/**
 * A watch on the LSP base protocol of a stream transport (`--stdio`): `Content-Length: N\r\n\r\n` then N
 * bytes of JSON. vscode-jsonrpc's reader, given a non-numeric or negative Content-Length, a header line
 * without `:` or a body that is not JSON, reports it to no one and then waits forever: the server stays
 * alive and answers nothing. This guard reads the same bytes beside it and, at the first violation, says
 * what it was; the caller logs it and exits non-zero, so that the client sees the server die and restarts it.
 */

import { jsonSyntaxProblem } from '../core/data/readers/header';

/** Headers longer than this without the blank line that ends them are not LSP headers. */
export const MAX_HEADER_BYTES = 8 * 1024;
/** A larger message is not one an editor sends (a document of 512 MB); its length is taken as garbage. */
export const MAX_MESSAGE_BYTES = 512 * 1024 * 1024;

const HEADER_END = Buffer.from('\r\n\r\n', 'ascii');

/** Quotes a header value for a message, shortened: it came from the wire. */
function quoted(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

export class FramingGuard {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes of the current body still to come; undefined while reading headers. */
  private bodyLength: number | undefined;
  private messages = 0;

  /** Takes the next chunk of the stream; returns the first protocol violation, or undefined while all is well. */
  push(chunk: Buffer): string | undefined {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    for (;;) {
      if (this.bodyLength === undefined) {
        const buffer = this.take();
        const end = buffer.indexOf(HEADER_END);
        if (end < 0) {
          this.keep(buffer);
          return buffer.length > MAX_HEADER_BYTES ? `message ${this.messages + 1}: no end of headers (a blank line) within ${MAX_HEADER_BYTES} bytes` : undefined;
        }
        const problem = this.readHeaders(buffer.subarray(0, end).toString('ascii'));
        if (problem !== undefined) return `message ${this.messages + 1}: ${problem}`;
        this.keep(buffer.subarray(end + HEADER_END.length));
      }
      const length = this.bodyLength!;
      if (this.pendingBytes < length) return undefined;
      const buffer = this.take();
      const body = buffer.subarray(0, length).toString('utf8');
      this.keep(buffer.subarray(length));
      this.bodyLength = undefined;
      this.messages++;
      try {
        JSON.parse(body);
      } catch (error) {
        return `message ${this.messages}: the body of ${length} bytes is not JSON (${jsonSyntaxProblem(error)})`;
      }
    }
  }

  /** Sets bodyLength from the header block, or says what is wrong with it. */
  private readHeaders(block: string): string | undefined {
    let length: number | undefined;
    for (const line of block.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon <= 0) return `the header line ${quoted(line)} is not "Name: value"`;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name !== 'content-length') continue;
      if (!/^\d+$/.test(value)) return `Content-Length is ${quoted(value)}, not a number of bytes (a whole number ≥ 0)`;
      length = Number(value);
      if (length > MAX_MESSAGE_BYTES) return `Content-Length ${value} is larger than any message (${MAX_MESSAGE_BYTES} bytes at most)`;
    }
    if (length === undefined) return 'the headers have no Content-Length';
    this.bodyLength = length;
    return undefined;
  }

  private take(): Buffer {
    const all = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    return all;
  }

  private keep(rest: Buffer): void {
    if (rest.length === 0) return;
    this.pending = [rest];
    this.pendingBytes = rest.length;
  }
}

/**
 * Watches `input` (the server's stdin) beside the LSP reader; at the first violation calls `fail` with a
 * sentence for the log. Listening adds a second 'data' listener: both see every chunk.
 */
export function watchFraming(input: NodeJS.ReadableStream, fail: (problem: string) => void): void {
  const guard = new FramingGuard();
  let failed = false;
  input.on('data', (chunk: Buffer | string) => {
    if (failed) return;
    const problem = guard.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
    if (problem === undefined) return;
    failed = true;
    fail(problem);
  });
}
