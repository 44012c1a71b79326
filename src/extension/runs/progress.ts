/**
 * Progress of live runs: one status bar item for the latest live run ("epoch 3/10 · loss 4.31 · 22k ex/s"),
 * and a cancellable notification per run started from this window (cancel = stop).
 */
import * as vscode from 'vscode';
import type { RunSummary } from '../../core/runs/runSummary';
import { Commands } from '../commands';
import { experimentName } from '../experiments/model';
import type { RunManager } from './runManager';
import { progressText } from './runView';

/** A progress notification this window shows for a run. */
export interface ProgressNotification {
  readonly runId: string;
  readonly title: string;
}

export class RunProgress implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('twoTowerLab.runProgress', vscode.StatusBarAlignment.Left, 10);
  private readonly subscription: { dispose(): void };
  private readonly didChange = new vscode.EventEmitter<void>();
  /** Fires after the status bar item or the set of notifications changed (the exported API reads them). */
  readonly onDidChange = this.didChange.event;
  private readonly open = new Map<string, ProgressNotification>();
  private shownText: string | undefined;

  constructor(private readonly manager: RunManager) {
    this.item.name = 'Two-Tower Lab: training progress';
    this.subscription = manager.onDidChangeRun(() => this.update());
  }

  /** Shows the newest live run, or hides the item when none runs. */
  private update(): void {
    const live = this.manager
      .liveRunIds()
      .map((id) => this.manager.registry.get(id))
      .filter((e) => e !== undefined && e.summary.status === 'running')
      .sort((a, b) => (b!.summary.startedAt ?? 0) - (a!.summary.startedAt ?? 0));
    const entry = live[0];
    if (!entry) {
      this.item.hide();
      this.shownText = undefined;
      this.didChange.fire();
      return;
    }
    const more = live.length > 1 ? ` (+${live.length - 1})` : '';
    this.item.text = `$(sync~spin) ${progressText(entry.summary)}${more}`;
    this.item.tooltip = `Two-Tower Lab: run ${entry.runId}${entry.experiment ? ` of ${experimentName(entry.experiment)}` : ''}. Click to open its plots.`;
    this.item.command = { command: Commands.openPlots, title: 'Open Plots', arguments: [entry.runId] };
    this.item.show();
    this.shownText = this.item.text;
    this.didChange.fire();
  }

  /** The status bar item's text while it is shown, else undefined. */
  get statusText(): string | undefined {
    return this.shownText;
  }

  /** The progress notifications open now, oldest first. */
  notifications(): ProgressNotification[] {
    return [...this.open.values()];
  }

  /** A notification that follows one run until it ends; its Cancel button stops the run. */
  notify(runId: string, title: string, stop: (runId: string) => void): void {
    const ended = this.manager.whenEnded(runId);
    if (!ended) return;
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
      this.open.set(runId, { runId, title });
      this.didChange.fire();
      let reported = 0;
      const cancel = token.onCancellationRequested(() => stop(runId));
      const sub = this.manager.onDidChangeRun((id) => {
        if (id !== runId) return;
        const summary = this.manager.registry.get(runId)?.summary;
        if (!summary) return;
        const done = fractionDone(summary);
        progress.report({ message: summary.status === 'queued' ? 'queued' : progressText(summary), increment: Math.max(0, done - reported) * 100 });
        reported = Math.max(reported, done);
      });
      try {
        await ended;
      } finally {
        cancel.dispose();
        sub.dispose();
        this.open.delete(runId);
        this.didChange.fire();
      }
    });
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
    this.didChange.dispose();
  }
}

/** Share of planned epochs completed (0 before the run starts). */
function fractionDone(summary: RunSummary): number {
  if (!summary.epochs) return 0;
  return Math.min(1, summary.epoch / summary.epochs);
}
