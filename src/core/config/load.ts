/**
 * Loading an experiment file for the CLI and the trainer: the same check as the editor, with the data
 * files probed, and a ConfigError listing every error as file:line:col when the config cannot run.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

import { checkExperimentText } from './check';
import { createFileDataProbe, type DataProbe } from './dataProbe';
import { formatDiagnostic, type ConfigDiagnostic } from './diagnostics';
import type { Experiment } from './schema';

export { resolveDataPath, withAbsoluteDataPaths } from './paths';

/** A config that must not run. `diagnostics` holds every diagnostic (errors and warnings), positions 0-based. */
export class ConfigError extends Error {
  constructor(
    readonly filePath: string,
    readonly diagnostics: ConfigDiagnostic[],
  ) {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    const lines = errors.map((d) => formatDiagnostic(filePath, d));
    super(`${filePath}: ${errors.length} error${errors.length === 1 ? '' : 's'} in the experiment:\n${lines.join('\n')}`);
    this.name = 'ConfigError';
  }

  get errors(): ConfigDiagnostic[] {
    return this.diagnostics.filter((d) => d.severity === 'error');
  }
}

export interface LoadedExperiment {
  /** Resolved: defaults filled and overrides applied. Data paths are still as written; see resolveDataPath. */
  config: Experiment;
  /** Warnings and infos (a loaded config has no errors). */
  warnings: ConfigDiagnostic[];
  /** The absolute path of the experiment file. */
  filePath: string;
}

/**
 * Reads, checks (including data headers) and resolves an experiment file.
 * Throws ConfigError when the file cannot be read or has an error; warnings come back with the config.
 */
export async function loadExperiment(filePath: string, overrides: readonly string[] = [], probe: DataProbe = createFileDataProbe()): Promise<LoadedExperiment> {
  const abs = path.resolve(filePath);
  let text: string;
  try {
    text = await fs.readFile(abs, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const message = code === 'ENOENT' ? `The experiment file does not exist (looked for ${abs}).` : `The experiment file cannot be read: ${e instanceof Error ? e.message : String(e)}`;
    throw new ConfigError(abs, [{ code: code === 'ENOENT' ? 'file-missing' : 'file-unreadable', severity: 'error', message, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } }]);
  }
  const result = await checkExperimentText(text, { filePath: abs, overrides, probe });
  if (!result.config) throw new ConfigError(abs, result.diagnostics);
  return { config: result.config, warnings: result.diagnostics, filePath: abs };
}

/** The resolved config of an experiment file; throws ConfigError (see loadExperiment). Warnings are dropped: use loadExperiment to show them. */
export async function loadExperimentFile(filePath: string, overrides: readonly string[] = []): Promise<Experiment> {
  return (await loadExperiment(filePath, overrides)).config;
}
