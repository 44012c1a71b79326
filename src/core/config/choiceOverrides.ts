/**
 * The one translation of a run's choices (mode, loss, epochs, seed, engine) into `--set` overrides,
 * shared by the CLI's flags (trainer/args.ts flagOverrides) and the editor's run requests
 * (extension/runs/trainerCommand.ts requestOverrides), so that the editor's preflight validates exactly
 * what the trainer will run. A mode without a loss keeps the file's loss when it suits the new mode and
 * otherwise takes the mode's default loss: `--mode pairwise` on a listwise file means hinge, not an error.
 */
import { LOSSES_BY_MODE, type EngineName } from './schema';
import type { LossName, TrainingMode } from '../../shared/events';

export interface RunChoices {
  mode?: TrainingMode;
  loss?: LossName;
  epochs?: number;
  seed?: number;
  engine?: EngineName;
  processes?: number;
  python?: string;
}

/** The overrides the choices stand for, in this order; explicit `--set`s go after them (and win). */
export function choiceOverrides(c: RunChoices, fileLoss: unknown): string[] {
  const out: string[] = [];
  if (c.mode !== undefined) out.push(`training.mode=${c.mode}`);
  if (c.loss !== undefined) out.push(`training.loss=${c.loss}`);
  else if (c.mode !== undefined && !(LOSSES_BY_MODE[c.mode] as readonly unknown[]).includes(fileLoss)) out.push(`training.loss=${LOSSES_BY_MODE[c.mode][0]}`);
  if (c.epochs !== undefined) out.push(`training.epochs=${c.epochs}`);
  if (c.seed !== undefined) out.push(`training.seed=${c.seed}`);
  if (c.engine !== undefined) out.push(`training.engine=${c.engine}`);
  if (c.processes !== undefined) out.push(`training.engine_options.processes=${c.processes}`);
  // JSON keeps a path with spaces or YAML punctuation one string.
  if (c.python !== undefined) out.push(`training.engine_options.python=${JSON.stringify(c.python)}`);
  return out;
}
