/**
 * The check a run must pass before it is queued: the same validation as the language server and the CLI
 * (core/config/check), with the data files probed and the run's mode/loss applied as overrides. Also the
 * training choices the run quick pick offers, the file's own first. No `vscode` import.
 */
import { checkExperimentText, checkExperimentTextSync } from '../../core/config/check';
import { createFileDataProbe } from '../../core/config/dataProbe';
import { formatDiagnostic } from '../../core/config/diagnostics';
import { LOSSES_BY_MODE, type Experiment } from '../../core/config/schema';
import type { LossName, TrainingMode } from '../../shared/events';

export { modeSwitch, modeSwitchOverride } from '../../core/config/modeSwitch';
export { writtenLoss } from '../../core/config/writtenLoss';

export interface TrainingChoice {
  mode: TrainingMode;
  loss: LossName;
}

/** `config`: the resolved experiment the trainer will run (its engine decides `--python`, and a multi-node run is refused). */
export type PreflightResult = { ok: true; choice: TrainingChoice; config: Experiment; warnings: string[] } | { ok: false; errors: string[] };

/** Validates what the trainer would run; `errors` are `file:line:col: error code: message` lines. */
export async function preflight(text: string, filePath: string, overrides: readonly string[]): Promise<PreflightResult> {
  const result = await checkExperimentText(text, { filePath, overrides, probe: createFileDataProbe() });
  const errors = result.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(filePath, d));
  if (!result.config || errors.length > 0) return { ok: false, errors: errors.length > 0 ? errors : [`${filePath}: the experiment could not be resolved.`] };
  // The warnings the run's own choices cause (the file's own are in the Problems view already).
  const fileAlone = new Set(checkExperimentTextSync(text, { filePath }).diagnostics.map((d) => `${d.code}\u0000${d.message}`));
  const warnings = result.diagnostics.filter((d) => d.severity === 'warning' && !fileAlone.has(`${d.code}\u0000${d.message}`)).map((d) => `${d.code}: ${d.message}`);
  return { ok: true, choice: { mode: result.config.training.mode, loss: result.config.training.loss }, config: result.config, warnings };
}

/** Every mode/loss pair, the file's own (when it parses) first; `source` is the file's negative source. */
export function trainingChoices(text: string, filePath: string): { choices: TrainingChoice[]; own?: TrainingChoice; source?: string } {
  const all: TrainingChoice[] = (Object.entries(LOSSES_BY_MODE) as [TrainingMode, readonly LossName[]][]).flatMap(([mode, losses]) => losses.map((loss) => ({ mode, loss })));
  const config = checkExperimentTextSync(text, { filePath }).config;
  if (!config) return { choices: all };
  const own = { mode: config.training.mode, loss: config.training.loss };
  return { choices: [own, ...all.filter((c) => c.mode !== own.mode || c.loss !== own.loss)], own, source: config.training.negatives.source };
}
