/**
 * Whole-file and whole-folder writes that a crash (kill -9) never leaves half done: write to a
 * temporary name beside the target, then rename, which POSIX makes atomic on one file system.
 */
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}`);
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

/**
 * Replaces folder `target` by the already complete folder `staged`. A folder cannot be renamed over a
 * non-empty one, so the old one moves to `<target>.prev` first; readers fall back to `.prev` when a
 * crash struck between the two renames (see `existingFolder`).
 */
export function replaceFolder(staged: string, target: string): void {
  const prev = `${target}.prev`;
  rmSync(prev, { recursive: true, force: true });
  if (existsSync(target)) renameSync(target, prev);
  renameSync(staged, target);
  rmSync(prev, { recursive: true, force: true });
}

/** `target` when it exists, else `<target>.prev` left by an interrupted `replaceFolder`, else undefined. */
export function existingFolder(target: string): string | undefined {
  if (existsSync(target)) return target;
  if (existsSync(`${target}.prev`)) return `${target}.prev`;
  return undefined;
}
