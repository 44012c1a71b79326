/**
 * `two-tower-lab data <file.tower.yaml>`: loads the experiment's data as training would (same loader,
 * same positive rule and split) and prints its profile (core/data/profile.ts). `--svg FILE` also writes
 * the log-log rank/frequency plot; `--json` prints the profile as JSON instead of the table.
 */
import * as path from 'node:path';

import { ConfigError, loadExperiment } from '../core/config/load';
import { DataError } from '../core/data/errors';
import { loadDataset } from '../core/data/load';
import { formatProfile, profileDataset, rankFrequencySvg } from '../core/data/profile';
import { writeFileAtomic } from '../core/train/atomicWrite';
import { UsageError } from './args';
import { parseFlags, stringFlag } from './cliFlags';
import type { ProgressSink } from './progress';
import { EXIT_FAILED, EXIT_INVALID, EXIT_OK } from './train';

export const DATA_USAGE = `usage: two-tower-lab data <file.tower.yaml> [--svg FILE] [--json] [--set key=value ...]

Loads the experiment's data as training would and prints its profile: rows read, users, items, positives,
positives per user (median, p95), the split (and the held-out positives dropped, and why), the popularity
of items (share of the top 1/5/20%, Gini, a log-log rank/frequency sparkline) and the load time.
  --svg FILE   also write the rank/frequency plot (log-log) as an SVG file
  --json       print the profile as JSON
`;

export interface DataArgs {
  file: string;
  svg?: string;
  json: boolean;
  set: string[];
}

export function parseDataArgs(argv: string[]): DataArgs {
  const { values, positionals } = parseFlags(argv, { svg: { type: 'string' }, json: { type: 'boolean' }, set: { type: 'string', multiple: true } });
  if (positionals.length !== 1) throw new UsageError(`data takes one experiment file, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}.\n${DATA_USAGE}`);
  return { file: positionals[0], svg: stringFlag(values, 'svg'), json: values.json === true, set: (values.set as string[] | undefined) ?? [] };
}

export async function dataCommand(args: DataArgs, stdout: ProgressSink, stderr: ProgressSink): Promise<number> {
  let loaded: Awaited<ReturnType<typeof loadExperiment>>;
  try {
    loaded = await loadExperiment(args.file, args.set);
  } catch (e) {
    if (e instanceof ConfigError) {
      stderr.write(`${e.message}\n`);
      return EXIT_INVALID;
    }
    throw e;
  }
  const began = performance.now();
  let dataset;
  try {
    dataset = await loadDataset(loaded.config, loaded.filePath);
  } catch (e) {
    if (e instanceof DataError) {
      stderr.write(`two-tower-lab: ${e.message}\n`);
      return EXIT_FAILED;
    }
    throw e;
  }
  const profile = profileDataset(dataset, (performance.now() - began) / 1000);
  if (args.svg) {
    writeFileAtomic(path.resolve(args.svg), rankFrequencySvg(profile.rankFrequency, `${path.basename(profile.source)}: training positives per item, by rank`));
  }
  stdout.write(args.json ? `${JSON.stringify(profile)}\n` : formatProfile(profile));
  if (args.svg && !args.json) stdout.write(`rank/frequency plot: ${path.resolve(args.svg)}\n`);
  return EXIT_OK;
}
