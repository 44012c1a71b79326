/**
 * Errors of writes into a run folder, for people: which file, what happened, how much room the disk
 * has left (fs.statfsSync), and what to do. Node's own message ("ENOSPC: no space left on device,
 * write") names neither the file nor the disk.
 */
import { statfsSync } from 'node:fs';
import * as path from 'node:path';

/** The error codes of a disk that cannot take more data (full, over quota, failing). */
const DISK_CODES: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EFBIG: 'the file is larger than the file system allows',
  EIO: 'the disk reported an input/output error',
};

export class WriteError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/** True for errors that mean "the disk has no room" (or fails), as opposed to a bug or a permission. */
export function isDiskError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && code in DISK_CODES;
}

/** `12 KB free of 2.0 MB`, for the file system holding `file` (its nearest existing folder). */
export function freeSpaceText(file: string): string {
  let dir = path.dirname(file);
  for (let i = 0; i < 64; i++) {
    try {
      const s = statfsSync(dir);
      return `${formatBytes(s.bavail * s.bsize)} free of ${formatBytes(s.blocks * s.bsize)}`;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return `free space unknown (${(error as Error).message})`;
      const up = path.dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  return 'free space unknown';
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[u]}`;
}

/**
 * A WriteError for a failed write of `file`: `Could not write <file>: the disk is full (ENOSPC):
 * 0 B free of 2.0 MB there. <what to do>`. `then` says what to do once there is room (e.g. resume).
 */
export function writeError(file: string, error: unknown, then = 'then try again'): WriteError {
  const e = error as NodeJS.ErrnoException;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  if (code !== undefined && code in DISK_CODES) {
    const hint = code === 'EIO' ? 'Check the disk (dmesg, SMART),' : 'Free some space on that disk (or move the runs folder elsewhere with --runs-dir or the twoTowerLab.runsDirectory setting),';
    return new WriteError(`Could not write ${file}: ${DISK_CODES[code]} (${code}): ${freeSpaceText(file)} there. ${hint} ${then}.`, file, code);
  }
  const what = e instanceof Error ? e.message : String(error);
  return new WriteError(`Could not write ${file}: ${what}`, file, code);
}
