/**
 * What the editor says when a run it follows ends: a notification with the outcome in words and the
 * next steps as buttons, and the run revealed in the tree (its experiment expanded), so that a run
 * that ends never passes unnoticed.
 */
import type { RunSummary } from '../../core/runs/runSummary';
import { belowPopularity, TUNING_DOC } from '../../core/runs/belowPopularity';
import { formatDuration, formatMetric } from './runView';

export type NoticeSeverity = 'info' | 'warning' | 'error';

export interface RunEndNotice {
  severity: NoticeSeverity;
  message: string;
  /** Button labels, in order; the caller binds them to commands. */
  actions: RunEndAction[];
}

export type RunEndAction = 'Open Plots' | 'Show Log' | 'Resume';

/** `completed`: headline metric beside popularity; `stopped`: where it stopped and how to continue; `failed`: the last error. */
export function runEndNotice(summary: RunSummary, experimentLabel: string): RunEndNotice | undefined {
  const who = `Run ${summary.runId} of ${experimentLabel}`;
  const took = summary.durationSec !== undefined ? ` in ${formatDuration(summary.durationSec)}` : '';
  switch (summary.status) {
    case 'completed': {
      const h = summary.headline;
      const below = belowPopularity(summary);
      const metric = h ? `: ${h.metric} ${formatMetric(h.value)} (epoch ${h.epoch})${h.baseline !== undefined ? `, popularity ${formatMetric(h.baseline)}` : ''}` : '';
      const why = below ? `, below popularity${below.reasons.length > 0 ? ` — ${below.reasons.join('; ')}` : ''} (see ${TUNING_DOC})` : '';
      return { severity: below ? 'warning' : 'info', message: `${who} completed${took}${metric}${why}.`, actions: ['Open Plots', 'Show Log'] };
    }
    case 'stopped':
      return { severity: 'info', message: `${who} stopped after epoch ${summary.epoch} of ${summary.epochs ?? '?'}${took}; Resume continues it from its checkpoint.`, actions: ['Resume', 'Open Plots'] };
    case 'failed':
      return { severity: 'error', message: `${who} failed${summary.error ? `: ${summary.error}` : ''}`, actions: ['Show Log', 'Open Plots'] };
    default:
      return undefined;
  }
}
