/**
 * What a run folder says about a run besides its events: the name a person gave it (`--name` on the CLI,
 * "Rename Run" in the editor) and the parameters it sets differently from its experiment file (`--set`,
 * `--mode`, `--loss`, …), which label it in the tree. Kept in `meta.json` beside the events, which only
 * the trainer appends to; written whole to a temporary name and renamed. A missing or unreadable file
 * means no name and nothing changed.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

import { writeFileAtomic } from '../train/atomicWrite';

export const RUN_META_FILE = 'meta.json';
/** Longer names are refused: the tree has little room, and the label is one line. */
export const MAX_RUN_NAME_LENGTH = 80;

export type ParamValue = string | number | boolean;

export interface RunMeta {
  name?: string;
  /** Flattened parameter → the run's value, for each parameter the run sets differently from its experiment file. */
  changed?: Record<string, ParamValue>;
}

/** Why `name` cannot be a run's name, or undefined when it can. */
export function runNameProblem(name: string): string | undefined {
  if (name.trim() === '') return 'A run name cannot be empty.';
  if (name.length > MAX_RUN_NAME_LENGTH) return `A run name has at most ${MAX_RUN_NAME_LENGTH} characters (this one has ${name.length}).`;
  if (/[\n\r\t]/.test(name)) return 'A run name is one line, without tabs.';
  return undefined;
}

export function readRunMeta(dir: string): RunMeta {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path.join(dir, RUN_META_FILE), 'utf8'));
  } catch {
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null) return {};
  const { name, changed } = parsed as { name?: unknown; changed?: unknown };
  const meta: RunMeta = {};
  if (typeof name === 'string' && runNameProblem(name) === undefined) meta.name = name;
  if (typeof changed === 'object' && changed !== null && !Array.isArray(changed)) {
    const entries = Object.entries(changed).filter((e): e is [string, ParamValue] => ['string', 'number', 'boolean'].includes(typeof e[1]));
    meta.changed = Object.fromEntries(entries);
  }
  return meta;
}

export function writeRunMeta(dir: string, meta: RunMeta): void {
  if (meta.name !== undefined) {
    const problem = runNameProblem(meta.name);
    if (problem) throw new Error(problem);
  }
  writeFileAtomic(path.join(dir, RUN_META_FILE), `${JSON.stringify(meta, null, 2)}\n`);
}

/** Gives the run a name, keeping the rest of its meta; throws with the reason for a name that cannot be one. */
export function renameRun(dir: string, name: string): void {
  writeRunMeta(dir, { ...readRunMeta(dir), name: name.trim() });
}

/** The parameters of `run` that differ from `file` (a key only one of them has differs too), in `run`'s key order. */
export function changedParams(file: Record<string, ParamValue>, run: Record<string, ParamValue>): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const [key, value] of Object.entries(run)) if (file[key] !== value) out[key] = value;
  return out;
}
