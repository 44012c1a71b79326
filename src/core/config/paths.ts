/** Data paths in an experiment are relative to the experiment file, so a project can move as a whole. */
import * as path from 'node:path';

import type { Experiment } from './schema';

/** The absolute path of `relPath` as written in the experiment file `experimentFile` (absolute paths stay). */
export function resolveDataPath(experimentFile: string, relPath: string): string {
  const expanded = relPath.startsWith('~/') && process.env.HOME ? path.join(process.env.HOME, relPath.slice(2)) : relPath;
  return path.resolve(path.dirname(path.resolve(experimentFile)), expanded);
}

/**
 * A copy of the config whose data paths are absolute: what a run folder records, because its config.yaml
 * lives elsewhere than the experiment file.
 */
export function withAbsoluteDataPaths(config: Experiment, experimentFile: string): Experiment {
  const copy = structuredClone(config);
  const d = copy.data;
  if (d.interactions) d.interactions.path = resolveDataPath(experimentFile, d.interactions.path);
  if (d.user_features) d.user_features.path = resolveDataPath(experimentFile, d.user_features.path);
  if (d.item_features) d.item_features.path = resolveDataPath(experimentFile, d.item_features.path);
  if (d.ranking_log) d.ranking_log.path = resolveDataPath(experimentFile, d.ranking_log.path);
  return copy;
}
