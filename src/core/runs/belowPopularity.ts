/**
 * A run whose kept model ends below the popularity baseline on its headline metric learned less than
 * "recommend what is popular": worth saying wherever the run's result is shown (the end-of-run table, the
 * tree), with the likely reasons, each a departure from what the per-mode sweeps found to work
 * (modeDefaults.ts). Pure: reads a run's summary only.
 */
import { MODE_DEFAULTS } from '../config/modeDefaults';
import type { TrainingMode } from '../../shared/vocabulary';
import type { RunSummary } from './runSummary';

/** Where the tuned settings and the sweeps behind them are shown. */
export const TUNING_DOC = 'docs/benchmarks.md, "Every mode at its best"';

export interface BelowPopularity {
  metric: string;
  value: number;
  baseline: number;
  /** Short reasons, most likely first; empty when the run follows the tuned settings of its mode. */
  reasons: string[];
}

/** A learning rate this many times above or below the tuned one is called out. */
const LEARNING_RATE_FACTOR = 3;

const isMode = (mode: string | undefined): mode is TrainingMode => mode !== undefined && mode in MODE_DEFAULTS;

/** Undefined unless the run completed or stopped with a headline metric below popularity's. */
export function belowPopularity(summary: Pick<RunSummary, 'status' | 'headline' | 'epoch' | 'epochs' | 'mode' | 'params'>): BelowPopularity | undefined {
  const h = summary.headline;
  if (!h || h.baseline === undefined || !(h.value < h.baseline)) return undefined;
  if (summary.status !== 'completed' && summary.status !== 'stopped') return undefined;
  const reasons: string[] = [];
  const p = summary.params;
  if (summary.status === 'completed' && h.epoch >= summary.epoch && summary.epoch > 0) {
    reasons.push(`too few epochs (its best evaluation was its last, epoch ${summary.epoch}): raise training.epochs, with early stopping`);
  }
  if (isMode(summary.mode)) {
    const tuned = MODE_DEFAULTS[summary.mode];
    const lr = Number(p['training.learning_rate']);
    if (Number.isFinite(lr) && (lr > tuned.learningRate * LEARNING_RATE_FACTOR || lr < tuned.learningRate / LEARNING_RATE_FACTOR)) {
      reasons.push(`learning rate ${lr} (${summary.mode} does best near ${tuned.learningRate})`);
    }
    reasons.push(...negativesReasons(summary.mode, p));
  }
  return { metric: h.metric, value: h.value, baseline: h.baseline, reasons };
}

function negativesReasons(mode: TrainingMode, p: RunSummary['params']): string[] {
  const tuned = MODE_DEFAULTS[mode];
  const out: string[] = [];
  const source = String(p['training.negatives.source'] ?? '');
  const tunedSource = String(tuned.negatives.source);
  if (mode === 'listwise') {
    if ((source === 'in_batch' || source === 'mixed') && p['training.negatives.logq_correction'] === false) {
      out.push('in-batch negatives without the logQ correction over-penalise popular items (set logq_correction: true)');
    } else if (source !== tunedSource) {
      out.push(`a sampled softmax over ${source} negatives (${mode} does best with ${tunedSource} + logQ)`);
    }
    return out;
  }
  if (source !== tunedSource) {
    const why = source === 'popularity' || source === 'in_batch' ? ' push popular items down, where many held-out positives are' : '';
    out.push(`${source} negatives${why} (${mode} does best with ${tunedSource})`);
  }
  const n = Number(p['training.negatives.per_positive']);
  const tunedN = Number(tuned.negatives.per_positive);
  if (Number.isFinite(n) && Number.isFinite(tunedN) && n < tunedN / 2) out.push(`${n} negative${n === 1 ? '' : 's'} per positive (${mode} does best with ${tunedN})`);
  if (mode === 'pairwise' && tuned.pairwiseReduction !== undefined && (p['training.pairwise_reduction'] ?? 'mean') !== tuned.pairwiseReduction) {
    out.push(`pairwise_reduction ${String(p['training.pairwise_reduction'] ?? 'mean')} (pairwise does best with ${tuned.pairwiseReduction})`);
  }
  return out;
}

/** One line for a terminal or a notification: `below popularity on recall@50 (0.1064 vs 0.1298): …; see …`. */
export function belowPopularityLine(b: BelowPopularity): string {
  const why = b.reasons.length > 0 ? `: ${b.reasons.join('; ')}` : '';
  return `below popularity on ${b.metric} (${b.value.toFixed(4)} vs ${b.baseline.toFixed(4)})${why}; see ${TUNING_DOC}`;
}
