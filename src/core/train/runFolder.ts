/**
 * A run folder (DESIGN.md): `<runs-dir>/<run-id>/` with config.yaml, events.jsonl, checkpoint/,
 * embeddings/. The run id is `<experiment-name>-<yyyymmdd-hhmmss>-<4 hex>`: sortable by time, and
 * unique even when a sweep starts several runs in the same second.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { EVENTS_FILE } from '../runs/runsDir';

export interface RunPaths {
  runId: string;
  dir: string;
  config: string;
  events: string;
  checkpoint: string;
  embeddings: string;
}

export function runPaths(runsDir: string, runId: string): RunPaths {
  const dir = path.resolve(runsDir, runId);
  return {
    runId,
    dir,
    config: path.join(dir, 'config.yaml'),
    events: path.join(dir, EVENTS_FILE),
    checkpoint: path.join(dir, 'checkpoint'),
    embeddings: path.join(dir, 'embeddings'),
  };
}

/** A file-name-safe form of the experiment name: letters, digits, `-`, `_`, `.` (others become `-`). */
export function slugName(name: string): string {
  const slug = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '');
  return slug === '' ? 'experiment' : slug.slice(0, 60);
}

export function makeRunId(experimentName: string, date = new Date(), hex = randomBytes(2).toString('hex')): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  const stamp = `${date.getFullYear()}${p(date.getMonth() + 1)}${p(date.getDate())}-${p(date.getHours())}${p(date.getMinutes())}${p(date.getSeconds())}`;
  return `${slugName(experimentName)}-${stamp}-${hex}`;
}

/** The experiment's name: its `name` field, else the file name without `.tower.yaml`. */
export function experimentName(file: string, name?: string): string {
  if (name !== undefined && name.trim() !== '') return name;
  return path.basename(file).replace(/\.tower\.ya?ml$/i, '').replace(/\.ya?ml$/i, '');
}

/** Creates a fresh run folder; refuses to reuse an existing one (a new run never overwrites another). */
export function createRunFolder(runsDir: string, runId: string): RunPaths {
  const paths = runPaths(runsDir, runId);
  if (existsSync(paths.dir)) throw new Error(`Run folder ${paths.dir} already exists; pick another run id.`);
  mkdirSync(paths.dir, { recursive: true });
  return paths;
}
