/**
 * How a run looks in the experiments tree, as plain data: label, description, icon, tooltip (Markdown
 * text), context value. No `vscode` import; the tree provider maps this to a TreeItem.
 */
import type { RunStatus } from '../../shared/events';
import type { RunSummary } from '../../core/runs/runSummary';

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

/**
 * `listwise/softmax · recall@50 0.312 · 4m 05s` (parts that are not known yet are left out); a torch run
 * says so after the loss (`listwise/softmax · torch · cpu × 2 · …`), the embedded default does not.
 */
export function runDescription(summary: RunSummary): string {
  const parts: string[] = [];
  if (summary.mode && summary.loss) parts.push(`${summary.mode}/${summary.loss}`);
  if (summary.engine?.startsWith('torch')) parts.push(summary.engine);
  if (summary.status === 'running' && summary.epochs !== undefined) parts.push(`epoch ${Math.min(summary.epoch + 1, summary.epochs)}/${summary.epochs}`);
  if (summary.headline) parts.push(`${summary.headline.metric} ${formatMetric(summary.headline.value)}`);
  if (summary.durationSec !== undefined) parts.push(formatDuration(summary.durationSec));
  if (summary.status === 'queued') parts.push('queued');
  return parts.join(' · ');
}

/** Escapes the characters Markdown would interpret in free text (error messages, parameter values). */
export function escapeMarkdown(text: string): string {
  return text.replace(/([\\`*_{}[\]()#+\-.!|<>])/g, '\\$1');
}

export function runTooltipMarkdown(summary: RunSummary): string {
  const lines: string[] = [`**${escapeMarkdown(summary.runId)}** — ${summary.status}`, ''];
  const engine = summary.engine ?? summary.backend;
  if (summary.mode) lines.push(`${summary.mode}/${summary.loss ?? '?'}${engine ? ` on ${escapeMarkdown(engine)}` : ''}`, '');
  if (summary.epochs !== undefined) lines.push(`epoch ${summary.epoch}/${summary.epochs}, step ${summary.step}${summary.lastLoss !== undefined ? `, loss ${summary.lastLoss.toFixed(4)}` : ''}`, '');
  if (summary.headline) {
    const base = summary.headline.baseline !== undefined ? ` (popularity ${formatMetric(summary.headline.baseline)})` : '';
    lines.push(`best ${summary.headline.metric} **${formatMetric(summary.headline.value)}** at epoch ${summary.headline.epoch}${base}`, '');
  }
  if (summary.error) lines.push(`**Error:** ${escapeMarkdown(summary.error)}`, '');
  const metrics = Object.entries(summary.lastMetrics ?? {});
  if (metrics.length > 0) {
    lines.push('| metric | last |', '|---|---:|');
    for (const [k, v] of metrics) lines.push(`| ${escapeMarkdown(k)} | ${formatMetric(v)} |`);
    lines.push('');
  }
  const params = Object.entries(summary.params);
  if (params.length > 0) {
    lines.push('| parameter | value |', '|---|---|');
    for (const [k, v] of params) lines.push(`| ${escapeMarkdown(k)} | ${escapeMarkdown(String(v))} |`);
  }
  return lines.join('\n').trimEnd();
}

export function runView(summary: RunSummary, experimentSlug?: string): RunView {
  return {
    label: runLabel(summary.runId, experimentSlug),
    description: runDescription(summary),
    tooltipMarkdown: runTooltipMarkdown(summary),
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
