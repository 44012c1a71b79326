/**
 * How a run looks in the experiments tree, as plain data: label, description, icon, tooltip (Markdown
 * text), context value. No `vscode` import; the tree provider maps this to a TreeItem.
 */
import type { RunStatus } from '../../shared/events';
import type { RunMeta } from '../../core/runs/runMeta';
import type { RunSummary } from '../../core/runs/runSummary';
import { belowPopularity, TUNING_DOC } from '../../core/runs/belowPopularity';

export interface RunIcon {
  /** Codicon id, e.g. `sync~spin`. */
  id: string;
  /** Theme colour id. */
  color: string;
}

export interface RunView {
  label: string;
  description: string;
  tooltipMarkdown: string;
  icon: RunIcon;
  /** `run.<status>`, matched by `viewItem =~ /^run\./` in package.json menus. */
  contextValue: string;
}

const ICONS: Record<RunStatus, RunIcon> = {
  queued: { id: 'clock', color: 'charts.yellow' },
  running: { id: 'sync~spin', color: 'charts.blue' },
  completed: { id: 'pass', color: 'testing.iconPassed' },
  failed: { id: 'error', color: 'testing.iconFailed' },
  stopped: { id: 'debug-stop', color: 'charts.orange' },
};

export function runIcon(status: RunStatus): RunIcon {
  return ICONS[status];
}

export function runContextValue(status: RunStatus): string {
  return `run.${status}`;
}

/** `12s`, `4m 05s`, `2h 03m`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** Metric values: three significant decimals, as the tree has little room. */
export function formatMetric(value: number): string {
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(3);
}

/** `22k ex/s` above ten thousand, else the whole number. */
export function formatRate(examplesPerSec: number): string {
  return examplesPerSec >= 10_000 ? `${Math.round(examplesPerSec / 1000)}k ex/s` : `${Math.round(examplesPerSec)} ex/s`;
}

/** The run id without the experiment's name in front (the tree already shows it one level up). */
export function runLabel(runId: string, experimentSlug?: string): string {
  if (experimentSlug && runId.startsWith(`${experimentSlug}-`) && runId.length > experimentSlug.length + 1) return runId.slice(experimentSlug.length + 1);
  return runId;
}

/** Short names of the parameters a label shows most (the rest go by the last part of their path). */
const SHORT_PARAM: Record<string, string> = {
  'training.learning_rate': 'lr',
  'training.batch_size': 'batch',
  'training.negatives.source': 'negatives',
  'training.negatives.per_positive': 'negatives/positive',
  'training.negatives.logq_correction': 'logQ',
  'training.score.temperature': 'τ',
};
/** A label shows this many changes, then "+N". */
const LABEL_CHANGES = 3;

/**
 * What a run changes from its experiment file, as a label: `pairwise · hinge · lr 0.01`; mode and loss
 * by their value alone. Undefined when the run is the file as it is.
 */
export function changedLabel(changed: Record<string, string | number | boolean> | undefined): string | undefined {
  const entries = Object.entries(changed ?? {});
  if (entries.length === 0) return undefined;
  const order = (key: string) => (key === 'training.mode' ? 0 : key === 'training.loss' ? 1 : 2);
  entries.sort((a, b) => order(a[0]) - order(b[0]));
  const words = entries.map(([key, value]) => (order(key) < 2 ? String(value) : `${SHORT_PARAM[key] ?? key.split('.').at(-1)} ${String(value)}`));
  const more = words.length > LABEL_CHANGES ? ` +${words.length - LABEL_CHANGES}` : '';
  return words.slice(0, LABEL_CHANGES).join(' · ') + more;
}

/** The words for a status the icon alone does not say well enough (a colour is not a word). */
const STATUS_WORDS: Partial<Record<RunStatus, string>> = { stopped: 'stopped', failed: 'failed', queued: 'queued' };

/**
 * The headline metric first, so that the default sidebar width still shows it: `recall@50 0.312 ·
 * stopped · listwise/softmax · 4m 05s` (parts not known yet are left out); a torch run says so after
 * the loss (`… · torch · cpu × 2 · …`), the embedded default does not.
 */
export function runDescription(summary: RunSummary): string {
  const parts: string[] = [];
  if (summary.headline) parts.push(`${summary.headline.metric} ${formatMetric(summary.headline.value)}`);
  if (belowPopularity(summary)) parts.push('below popularity');
  const status = STATUS_WORDS[summary.status];
  if (status) parts.push(status);
  if (summary.status === 'running' && summary.epochs !== undefined) parts.push(`epoch ${Math.min(summary.epoch + 1, summary.epochs)}/${summary.epochs}`);
  if (summary.mode && summary.loss) parts.push(`${summary.mode}/${summary.loss}`);
  if (summary.engine?.startsWith('torch')) parts.push(summary.engine);
  if (summary.durationSec !== undefined) parts.push(formatDuration(summary.durationSec));
  return parts.join(' · ');
}

/** Escapes the characters Markdown would interpret in free text (error messages, parameter values). */
export function escapeMarkdown(text: string): string {
  return text.replace(/([\\`*_{}[\]()#+\-.!|<>])/g, '\\$1');
}

/** The metrics a tooltip lists: recall and NDCG at each K, and MRR (the rest are in the plots). */
function headlineMetrics(metrics: Record<string, number>): [string, number][] {
  return Object.entries(metrics).filter(([k]) => /^(recall|ndcg)@\d+$/.test(k) || k === 'mrr');
}

/**
 * A few lines a person reads at a glance: name and status, what the run changes from its experiment
 * file (not the ~100 parameters it has: those are in the plots' runs table), its best headline metric
 * beside popularity, recall/NDCG of the last evaluation, and the error of a failed run.
 */
export function runTooltipMarkdown(summary: RunSummary, meta: RunMeta = {}): string {
  const title = meta.name ? `**${escapeMarkdown(meta.name)}** (${escapeMarkdown(summary.runId)})` : `**${escapeMarkdown(summary.runId)}**`;
  const lines: string[] = [`${title} — ${summary.status}`, ''];
  const engine = summary.engine ?? summary.backend;
  if (summary.mode) lines.push(`${summary.mode}/${summary.loss ?? '?'}${engine ? ` on ${escapeMarkdown(engine)}` : ''}`, '');
  if (summary.epochs !== undefined) lines.push(`epoch ${summary.epoch}/${summary.epochs}, step ${summary.step}${summary.lastLoss !== undefined ? `, loss ${summary.lastLoss.toFixed(4)}` : ''}${summary.durationSec !== undefined ? `, ${formatDuration(summary.durationSec)} of training` : ''}`, '');
  if (summary.headline) {
    const base = summary.headline.baseline !== undefined ? ` (popularity ${formatMetric(summary.headline.baseline)})` : '';
    lines.push(`best ${summary.headline.metric} **${formatMetric(summary.headline.value)}** at epoch ${summary.headline.epoch}${base}`, '');
  }
  const below = belowPopularity(summary);
  if (below) {
    lines.push(`**Below popularity** on ${below.metric}: it learned less than recommending the most popular items. See ${escapeMarkdown(TUNING_DOC)}.`, '');
    for (const reason of below.reasons) lines.push(`- ${escapeMarkdown(reason)}`);
    if (below.reasons.length > 0) lines.push('');
  }
  if (summary.error) lines.push(`**Error:** ${escapeMarkdown(summary.error)}`, '');
  const changed = Object.entries(meta.changed ?? {});
  if (changed.length > 0) {
    lines.push('| changed from the file | value |', '|---|---|');
    for (const [k, v] of changed) lines.push(`| ${escapeMarkdown(k)} | ${escapeMarkdown(String(v))} |`);
    lines.push('');
  } else if (meta.changed !== undefined) {
    lines.push('the experiment file as it is', '');
  }
  const metrics = headlineMetrics(summary.lastMetrics ?? {});
  if (metrics.length > 0) {
    lines.push('| metric | last |', '|---|---:|');
    for (const [k, v] of metrics) lines.push(`| ${escapeMarkdown(k)} | ${formatMetric(v)} |`);
  }
  return lines.join('\n').trimEnd();
}

export function runView(summary: RunSummary, experimentSlug?: string, meta: RunMeta = {}): RunView {
  return {
    label: meta.name ?? changedLabel(meta.changed) ?? runLabel(summary.runId, experimentSlug),
    description: runDescription(summary),
    tooltipMarkdown: runTooltipMarkdown(summary, meta),
    icon: runIcon(summary.status),
    contextValue: runContextValue(summary.status),
  };
}

/** The status bar text for a live run: `epoch 3/10 · loss 4.31 · 22k ex/s`. */
export function progressText(summary: RunSummary): string {
  const parts: string[] = [];
  if (summary.epochs !== undefined) parts.push(`epoch ${Math.min(summary.epoch + 1, summary.epochs)}/${summary.epochs}`);
  else parts.push('starting');
  if (summary.lastLoss !== undefined) parts.push(`loss ${summary.lastLoss.toFixed(2)}`);
  if (summary.examplesPerSec !== undefined) parts.push(formatRate(summary.examplesPerSec));
  return parts.join(' · ');
}
