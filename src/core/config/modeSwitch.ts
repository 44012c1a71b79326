/**
 * Training an experiment in another mode than its file's ("Train with loss…"): the negatives a file
 * sets up for its own mode mostly belong to that mode (in-batch columns and logQ correct a softmax;
 * pairwise and pointwise sample per row). Switching the mode alone kept them, and a pairwise run on a
 * listwise file's in-batch + logQ negatives ended below popularity with nothing said. This module says
 * what the mode's own negatives are (those of its template) and what taking them changes.
 */
import { parseExperimentText } from './document';
import { MODE_DEFAULTS } from './modeDefaults';
import type { TrainingMode } from '../../shared/events';

/** Keys that only a listwise softmax reads. */
const LISTWISE_ONLY = ['logq_correction', 'logq_strength', 'logq_estimate', 'extra', 'extra_sampler'];
/** Sources that only a listwise softmax uses as intended (columns shared by the batch). */
const COLUMN_SOURCES = ['in_batch', 'mixed'];

export interface ModeSwitch {
  /** The new `training.negatives` mapping (what the file wrote, with the other mode's parts replaced). */
  negatives: Record<string, unknown>;
  /** What changes, one line each: `source: in_batch → popularity`. */
  changes: string[];
}

const show = (v: unknown): string => (v === undefined ? '(default)' : typeof v === 'object' ? JSON.stringify(v) : String(v));

/**
 * What the negatives of `text` become when it trains in `mode` (its file's mode is `fileMode`), or
 * undefined when nothing of them belongs to another mode. Keys that serve every mode (hard negatives,
 * their mix, accidental-hit removal) are kept as written.
 */
export function modeSwitch(text: string, fileMode: TrainingMode, mode: TrainingMode, fileSource: string): ModeSwitch | undefined {
  if (mode === fileMode) return undefined;
  const raw = parseExperimentText(text).doc.toJS() as { training?: { negatives?: Record<string, unknown> } } | null;
  const written = raw?.training?.negatives && typeof raw.training.negatives === 'object' ? raw.training.negatives : {};
  const next: Record<string, unknown> = { ...written };
  // The negatives the mode's template starts from (its tuned defaults).
  const own = MODE_DEFAULTS[mode].negatives;
  if (mode === 'listwise') {
    if (COLUMN_SOURCES.includes(fileSource)) return undefined;
    delete next.per_positive;
    delete next.alpha;
    Object.assign(next, own);
    // Per-row slots beside the columns exist only with hard negatives.
    if (written.hard !== undefined && written.per_positive !== undefined) next.per_positive = written.per_positive;
  } else {
    for (const key of LISTWISE_ONLY) delete next[key];
    if (COLUMN_SOURCES.includes(fileSource)) {
      delete next.alpha;
      Object.assign(next, { ...own, ...(written.per_positive !== undefined ? { per_positive: written.per_positive } : {}) });
    }
  }
  const keys = [...new Set([...Object.keys(written), ...Object.keys(next)])];
  const changes = keys
    .filter((k) => JSON.stringify(written[k]) !== JSON.stringify(next[k]))
    .map((k) => (k === 'source' && written[k] === undefined ? `source: ${fileSource} → ${show(next[k])}` : `${k}: ${show(written[k])} → ${next[k] === undefined ? '(removed)' : show(next[k])}`));
  return changes.length === 0 ? undefined : { negatives: next, changes };
}

/** The `--set` that applies a mode switch. */
export function modeSwitchOverride(change: ModeSwitch): string {
  return `training.negatives=${JSON.stringify(change.negatives)}`;
}
