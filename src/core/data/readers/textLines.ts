/**
 * The physical side of text tables, read in JavaScript beside DuckDB (which yields rows, not lines):
 * the header record (so that DuckDB reads with fixed column names and never guesses a header from a
 * data line) and the line each data record starts on (so that a message about row 17 says line 23 when
 * quoted fields spanned lines, or blank lines came before). Both read the decompressed bytes: `.gz` with
 * node:zlib; `.zst` with node:zlib's zstd where Node has it (22.15 and later). Node 20 has none, so there a
 * `.zst` file's lines are not known (`undefined`): the reader then numbers rows from the header down.
 * This module loads no DuckDB: the language server reads headers through it too.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import * as zlib from 'node:zlib';

import { compressionOf } from './paths';

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
/** The header is looked for in the first bytes only: a "header" longer than this is not one. */
export const HEADER_READ_LIMIT = 64 * 1024;

type ZstdZlib = typeof zlib & { createZstdDecompress?: () => zlib.Gunzip };

/** True when this Node can decompress `file` itself (every file but `.zst` before Node 22.15). */
export function canDecompress(file: string): boolean {
  return compressionOf(file) !== 'zstd' || typeof (zlib as ZstdZlib).createZstdDecompress === 'function';
}

/** The decompressed bytes of `file`, or undefined when this Node cannot decompress it. */
export function openBytes(file: string, options: { end?: number } = {}): Readable | undefined {
  const compression = compressionOf(file);
  if (compression === undefined) return createReadStream(file, { end: options.end });
  if (!canDecompress(file)) return undefined;
  const raw = createReadStream(file);
  const inflate = compression === 'gzip' ? zlib.createGunzip() : (zlib as ZstdZlib).createZstdDecompress!();
  raw.on('error', (e) => inflate.destroy(e));
  return raw.pipe(inflate);
}

/** The first `limit` decompressed bytes (fewer at the end of the file); undefined when they cannot be read here. */
export async function firstBytes(file: string, limit = HEADER_READ_LIMIT): Promise<Buffer | undefined> {
  const stream = openBytes(file, { end: limit - 1 });
  if (!stream) return undefined;
  const parts: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      parts.push(chunk);
      length += chunk.length;
      if (length >= limit) break;
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(parts).subarray(0, limit);
}

/**
 * The first non-blank record of delimited text: its fields (quotes removed, `""` unescaped, trimmed),
 * its 1-based line, and whether the record ended within `text` (false: it may go on beyond).
 */
export function firstRecord(text: string, delimiter: string, quote: string | undefined): { fields: string[]; line: number; complete: boolean } | undefined {
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  for (;;) {
    if (pos >= text.length) return undefined;
    const nl = text.indexOf('\n', pos);
    const rawLine = text.slice(pos, nl < 0 ? text.length : nl).replace(/\r$/, '');
    if (rawLine.trim() !== '') break;
    if (nl < 0) return undefined;
    pos = nl + 1;
    line++;
  }
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = pos; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === quote) {
        if (text[i + 1] === quote) {
          field += quote;
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (quote !== undefined && ch === quote && field.trim() === '') {
      quoted = true;
      field = '';
    } else if (text.startsWith(delimiter, i)) {
      fields.push(field.trim());
      field = '';
      i += delimiter.length - 1;
    } else if (ch === '\n') {
      fields.push(field.replace(/\r$/, '').trim());
      return { fields, line, complete: true };
    } else field += ch;
  }
  fields.push(field.trim());
  return { fields, line, complete: false };
}

/**
 * The 1-based line each record starts on, in file order, leaving out blank lines (DuckDB skips them) and,
 * with `skipFirst`, the first record (the header). A newline inside a quoted field does not end a record.
 * `quote` is the quote byte, or undefined for files that never quote. Undefined when the bytes cannot be
 * read here (`.zst` before Node 22.15).
 */
export async function recordLines(file: string, quote: number | undefined, skipFirst: boolean): Promise<Int32Array | undefined> {
  const stream = openBytes(file);
  if (!stream) return undefined;
  let out = new Int32Array(1024);
  let count = 0;
  let line = 1;
  let inQuote = false;
  /** More than 0 once the current record has a byte other than `\r` (0 = blank so far). */
  let recordBytes = 0;
  let recordLine = 1;
  let skipped = !skipFirst;
  const endRecord = () => {
    if (recordBytes > 0) {
      if (!skipped) skipped = true;
      else {
        if (count === out.length) {
          const bigger = new Int32Array(out.length * 2);
          bigger.set(out);
          out = bigger;
        }
        out[count++] = recordLine;
      }
    }
    recordBytes = 0;
  };
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let pos = 0;
    // The next quote byte at or after `pos`, found once and reused until passed: searching from every line
    // to the end of the chunk would be quadratic in the lines of a chunk for files without quotes.
    let nextQuote = -1;
    while (pos < chunk.length) {
      if (recordBytes === 0) recordLine = line;
      if (!inQuote) {
        const nl = chunk.indexOf(NEWLINE, pos);
        const end = nl < 0 ? chunk.length : nl;
        if (quote !== undefined && nextQuote < pos && nextQuote !== -2) {
          nextQuote = chunk.indexOf(quote, pos);
          if (nextQuote < 0) nextQuote = -2; // none left in this chunk
        }
        if (nextQuote >= 0 && nextQuote < end) {
          // A quote opens before the end of the line: the record goes on until it closes.
          recordBytes++;
          inQuote = true;
          pos = nextQuote + 1;
          continue;
        }
        // Only whether the record has a byte other than `\r` matters: stop at the first one.
        for (let i = pos; i < end; i++) {
          if (chunk[i] !== CARRIAGE_RETURN) {
            recordBytes++;
            break;
          }
        }
        if (nl < 0) break;
        endRecord();
        line++;
        pos = nl + 1;
      } else {
        // Inside quotes: newlines count as lines but do not end the record; `""` closes and reopens.
        const q = chunk.indexOf(quote!, pos);
        const end = q < 0 ? chunk.length : q;
        for (let i = chunk.indexOf(NEWLINE, pos); i >= 0 && i < end; i = chunk.indexOf(NEWLINE, i + 1)) line++;
        recordBytes += end - pos;
        if (q < 0) break;
        inQuote = false;
        pos = q + 1;
        nextQuote = -1;
      }
    }
  }
  endRecord();
  return out.subarray(0, count);
}
