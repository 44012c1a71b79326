/**
 * Whole-file and whole-folder writes that a crash (kill -9) never leaves half done: write to a
 * temporary name beside the target (`.<name>.tmp-<pid>`), then rename, which POSIX makes atomic on one
 * file system. A failed write removes its temporary file and says which file failed and why (a full
 * disk with the free space left); temporaries of a writer killed mid-write are removed by the next
 * writer of the run (removeDeadWriterTemps in runFolder.ts).
 */
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { tempName } from '../runs/runFiles';
import { writeError, WriteError } from './writeError';

export function writeFileAtomic(file: string, data: string | Uint8Array, then?: string): void {
  const tmp = path.join(path.dirname(file), tempName(`.${path.basename(file)}`));
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, file);
  } catch (error) {
    // The message first: the free space at the failure, before the temporary's bytes are given back.
    const failure = error instanceof WriteError ? error : writeError(file, error, then);
    rmSync(tmp, { force: true });
    throw failure;
  }
}

/**
 * Replaces folder `target` by the already complete folder `staged`. A folder cannot be renamed over a
 * non-empty one, so the old one moves to `<target>.prev` first; readers fall back to `.prev` when a
 * crash struck between the two renames (see `existingFolder`). When `target` is missing and `.prev`
 * holds the only complete copy (that crash happened), `.prev` is kept until `staged` is in place.
 */
export function replaceFolder(staged: string, target: string): void {
  const prev = `${target}.prev`;
  if (existsSync(target)) {
    rmSync(prev, { recursive: true, force: true });
    renameSync(target, prev);
  }
  renameSync(staged, target);
  rmSync(prev, { recursive: true, force: true });
}

/** `target` when it exists, else `<target>.prev` left by an interrupted `replaceFolder`, else undefined. */
export function existingFolder(target: string): string | undefined {
  if (existsSync(target)) return target;
  if (existsSync(`${target}.prev`)) return `${target}.prev`;
  return undefined;
}
