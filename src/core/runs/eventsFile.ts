/**
 * Keeps `events.jsonl` on a line boundary for the next writer. A writer killed mid-write (or stopped by
 * a full disk) can leave a cut last line such as `{"type":"st`; an event appended after it would share
 * its line and both would be lost to every reader. So each writer (the trainer's EventWriter, the
 * extension recording a dead trainer) first moves such a tail into a side file
 * `events.jsonl.partial-<time>` (kept for inspection) and truncates the file after its last newline.
 * Truncating rather than terminating the cut line keeps every line of the file a whole event.
 */
import { closeSync, fstatSync, ftruncateSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { writeError, WriteError } from '../train/writeError';
import { PARTIAL_LINE_PREFIX } from './runFiles';

export interface SetAside {
  /** Where the cut line's bytes went. */
  sideFile: string;
  bytes: number;
}

const NEWLINE = 0x0a;
const CHUNK = 64 * 1024;

/**
 * Moves the bytes after the last newline of `file` into a side file and truncates `file` there.
 * Returns what was set aside, or undefined when the file is missing, empty or already ends with a newline.
 * Throws a WriteError (naming the side file and the free space) when the side file cannot be written;
 * the events file is then left as it was.
 */
export function setAsidePartialLine(file: string, now: Date = new Date()): SetAside | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r+');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return undefined;
    const cut = afterLastNewline(fd, size);
    if (cut === size) return undefined;
    const partial = Buffer.alloc(size - cut);
    readSync(fd, partial, 0, partial.length, cut);
    const sideFile = writeSideFile(file, partial, now);
    ftruncateSync(fd, cut);
    return { sideFile, bytes: partial.length };
  } finally {
    closeSync(fd);
  }
}

/** The offset just after the last newline of the open file (0 when it has none). */
function afterLastNewline(fd: number, size: number): number {
  const last = Buffer.alloc(1);
  readSync(fd, last, 0, 1, size - 1);
  if (last[0] === NEWLINE) return size;
  const chunk = Buffer.alloc(CHUNK);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - CHUNK);
    const n = readSync(fd, chunk, 0, end - start, start);
    const at = chunk.subarray(0, n).lastIndexOf(NEWLINE);
    if (at >= 0) return start + at + 1;
    end = start;
  }
  return 0;
}

/** Writes `bytes` to a new `events.jsonl.partial-<time>` (with `-2`, `-3`… if that name is taken). */
function writeSideFile(file: string, bytes: Buffer, now: Date): string {
  const base = path.join(path.dirname(file), `${PARTIAL_LINE_PREFIX}${now.toISOString().replace(/:/g, '')}`);
  for (let n = 1; ; n++) {
    const sideFile = n === 1 ? base : `${base}-${n}`;
    try {
      writeFileSync(sideFile, bytes, { flag: 'wx' });
      return sideFile;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      rmSync(sideFile, { force: true });
      throw error instanceof WriteError ? error : writeError(sideFile, error, `then start the writer again (${file} ends with a cut line of ${bytes.length} bytes, which is set aside before anything is appended)`);
    }
  }
}
