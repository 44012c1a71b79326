/**
 * The valid parts of an experiment that fails the schema, so that the two-tower rules still run on them and
 * every problem shows at once (a misspelled key must not hide a logQ error elsewhere in the file).
 * Each value the schema rejects is taken out (a missing required key takes out its parent) and the
 * defaults fill the gap; what was taken out is returned, so that rule diagnostics about those places,
 * which would be judging a default instead of the user's value, are dropped.
 */
import { Value } from '@sinclair/typebox/value';
import { ValueErrorType } from '@sinclair/typebox/errors';

import { pointerToPath, type ConfigPath } from './document';
import type { Experiment } from './schema';
import { applyDefaults, isValidExperiment, schemaErrors } from './validate';

export interface ValidParts {
  /** The config with every rejected value taken out and defaults filled in its place. */
  config: Experiment;
  /** The config paths that were taken out. */
  removed: ConfigPath[];
}

/** Rounds of taking out: a removal can uncover an error in the parent (a required key now missing). */
const MAX_ROUNDS = 8;

/** `undefined` when nothing valid is left (the top level itself is wrong, or a required top-level key is). */
export function validParts(raw: unknown): ValidParts | undefined {
  const trimmed = Value.Clone(raw);
  const removed: ConfigPath[] = [];
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const value = applyDefaults(trimmed);
    if (isValidExperiment(value)) return { config: value, removed };
    const targets = schemaErrors(value).map((e) => {
      const path = pointerToPath(e.path);
      return e.type === ValueErrorType.ObjectRequiredProperty ? path.slice(0, -1) : path;
    });
    let progressed = false;
    for (const path of targets) {
      const at = outsideLists(deepestPresent(trimmed, path));
      if (at.length === 0) return undefined;
      if (removeAt(trimmed, at)) {
        removed.push(at);
        progressed = true;
      }
    }
    if (!progressed) return undefined;
  }
  return undefined;
}

/** True when `a` and `b` are the same place or one lies inside the other. */
export function overlaps(a: ConfigPath, b: ConfigPath): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (String(a[i]) !== String(b[i])) return false;
  return true;
}

/**
 * A rejected list entry takes out its whole list: taking out one entry would renumber the rest, and the
 * rules' diagnostics on them would point at the wrong lines.
 */
function outsideLists(path: ConfigPath): ConfigPath {
  let end = path.length;
  while (end > 0 && typeof path[end - 1] === 'number') end--;
  return path.slice(0, end);
}

/** The longest prefix of `path` that exists in `value`: an error in a filled-in default is taken out where the user's text ends. */
function deepestPresent(value: unknown, path: ConfigPath): ConfigPath {
  let node = value;
  const present: ConfigPath = [];
  for (const segment of path) {
    if (typeof node !== 'object' || node === null || !(String(segment) in node)) break;
    node = (node as Record<string, unknown>)[String(segment)];
    present.push(segment);
  }
  return present;
}

function removeAt(value: unknown, path: ConfigPath): boolean {
  let node = value;
  for (const segment of path.slice(0, -1)) {
    if (typeof node !== 'object' || node === null) return false;
    node = (node as Record<string, unknown>)[String(segment)];
  }
  const last = path[path.length - 1];
  if (typeof node !== 'object' || node === null || !(String(last) in node)) return false;
  delete (node as Record<string, unknown>)[String(last)];
  return true;
}
