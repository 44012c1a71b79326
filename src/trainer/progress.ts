/**
 * Human progress on stderr: a redrawn bar with rate (ex/s) and ETA when stderr is a terminal, plain
 * lines (one per epoch and evaluation) otherwise, so that logs of CI runs stay readable.
 */

export interface ProgressSink {
  write(text: string): void;
  isTTY?: boolean;
  columns?: number;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export class Progress {
  private lastDraw = 0;
  private barShown = false;
  private examples = 0;
  /** Time and step count at the end of the first step seen: rate and ETA are measured from there. */
  private began: number | undefined;
  private firstStep = 0;

  constructor(
    private readonly sink: ProgressSink,
    private readonly quiet: boolean,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** A step finished: redraw the bar (at most every 100 ms), TTY only. */
  step(p: { epoch: number; epochs: number; step: number; totalSteps: number; examples: number; loss?: number }): void {
    const t = this.now();
    if (this.began === undefined) {
      // Startup (backend, data, model) is not training: measure from the end of the first step.
      this.began = t;
      this.firstStep = p.step;
      return;
    }
    this.examples += p.examples;
    if (this.quiet || !this.sink.isTTY) return;
    if (t - this.lastDraw < 100 && p.step < p.totalSteps) return;
    this.lastDraw = t;
    const seconds = (t - this.began) / 1000;
    const rate = seconds > 0 ? this.examples / seconds : 0;
    const done = p.step - this.firstStep;
    const left = p.totalSteps - p.step;
    const eta = done > 0 ? (left * seconds) / done : NaN;
    const width = 24;
    const filled = Math.round((width * p.step) / Math.max(1, p.totalSteps));
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    const loss = p.loss !== undefined ? `  loss ${p.loss.toFixed(4)}` : '';
    const text = `epoch ${p.epoch + 1}/${p.epochs} ${bar} ${p.step}/${p.totalSteps}  ${Math.round(rate)} ex/s  ETA ${formatDuration(eta)}${loss}`;
    this.sink.write(`\r${text.slice(0, (this.sink.columns ?? 120) - 1)}\x1b[K`);
    this.barShown = true;
  }

  /** A line of its own (epoch summary, evaluation, notices), clearing the bar first. */
  line(text: string): void {
    if (this.quiet) return;
    if (this.barShown) this.sink.write('\r\x1b[K');
    this.barShown = false;
    this.sink.write(text.endsWith('\n') ? text : `${text}\n`);
  }
}
