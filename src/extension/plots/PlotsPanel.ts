/**
 * The plots panel host: one panel (createOrShow), revived after a window reload by the serializer in
 * register.ts. It follows each shown run folder, folds its events into columns, sends the webview only
 * the new points, and answers every `initialized` (first load, or a reload after being hidden) with the full set.
 */
import * as vscode from 'vscode';
import type { StartedEvent, TrainerEvent } from '../../shared/events';
import { RunColumnsFeed } from '../../shared/runColumns';
import { isWebviewToHostMessage, readLayout, type ComparisonsMessage, type HostToWebviewMessage, type RunRef, type WebviewToHostMessage } from '../../shared/webviewProtocol';
import { AppendBatcher } from './appendBatcher';
import { RunComparisons } from './comparisons';
import { decodePngDataUrl } from './dataUrl';
import type { PlotsDeps } from './deps';
import { followRunFolder } from './followRun';
import { HeldMessages } from './heldMessages';
import { makeNonce, PLOTS_MEDIA, renderPlotsHtml } from './html';
import { askSaveLocation } from './saveDialog';

export const PLOTS_VIEW_TYPE = 'twoTowerLab.plots';
const PLOTS_TITLE = 'Two-Tower Lab: plots';
/** Where the workspace keeps the plots layout (sections collapsed, K per family, table columns). */
export const PLOTS_LAYOUT_KEY = 'twoTowerLab.plotsLayout';
/** A context key for the panel's title-bar buttons: Pin while following, Follow while pinned. */
export const PLOTS_FOLLOWING_CONTEXT = 'twoTowerLab.plotsFollowing';
/** How long the comparisons wait after a change for the next one (an eval is followed by its checkpoint). */
const COMPARISON_DELAY_MS = 300;

interface FollowedRun {
  ref: RunRef;
  /** The run's events folded into columns; each message to the webview carries the points added since the last. */
  feed: RunColumnsFeed;
  /** The first batch (everything written so far) has arrived. */
  loaded: boolean;
  /** The run's last `started` event: its dataset counts are part of its split (comparisons). */
  started?: StartedEvent;
  /** The webview has been sent this run with `showRuns`. */
  announced: boolean;
  subscription: { dispose(): void };
}

/**
 * The runs of one experiment, as the panel follows them: it shows every run `refs()` lists and picks up
 * new ones when `onDidChange` fires (like W&B's workspace), until the user pins the selection.
 */
export interface ExperimentRuns {
  /** The experiment's name, for the panel title. */
  readonly label: string;
  readonly experiment: string;
  refs(): RunRef[];
  readonly onDidChange: vscode.Event<unknown>;
}

let registeredDeps: PlotsDeps | undefined;

/** Called once by registerPlots; createOrShow and revive use these. */
export function setPlotsDeps(deps: PlotsDeps): void {
  registeredDeps = deps;
}

function requireDeps(): PlotsDeps {
  if (!registeredDeps) throw new Error('The plots panel was opened before registerPlots(context, deps) ran in activate(); call it first.');
  return registeredDeps;
}

export class PlotsPanel {
  static current: PlotsPanel | undefined;
  /** Fires after any panel sent the webview new comparisons (for the extension's API and its tests). */
  static readonly comparisonsSent = new vscode.EventEmitter<ComparisonsMessage>();

  private readonly runs = new Map<string, FollowedRun>();
  private readonly outbox: HeldMessages<HostToWebviewMessage>;
  /** Live runs' new points, sent together; flushed before any other message so the webview sees changes in order. */
  private readonly appends: AppendBatcher;
  private readonly disposables: vscode.Disposable[] = [];
  /** The experiment whose runs the panel follows; undefined when its runs are pinned (a fixed selection). */
  private followed: { source: ExperimentRuns; subscription: vscode.Disposable } | undefined;
  /** The runs table's intervals against the reference run; recomputed (debounced) when a run's kept model may have changed. */
  private readonly comparisons = new RunComparisons();
  private chosenReference: string | null = null;
  private lastComparisons: ComparisonsMessage | undefined;
  private comparisonTimer: ReturnType<typeof setTimeout> | undefined;

  /** Shows the panel (creating it if needed) with these runs, pinned; `runs` replaces what it showed before. */
  static createOrShow(context: vscode.ExtensionContext, runs: RunRef[]): PlotsPanel {
    const current = PlotsPanel.open(context);
    current.stopFollowing();
    current.show(runs);
    return current;
  }

  /** Shows the panel (creating it if needed) following an experiment's runs: new runs join as they start. */
  static follow(context: vscode.ExtensionContext, source: ExperimentRuns): PlotsPanel {
    const current = PlotsPanel.open(context);
    current.stopFollowing();
    current.startFollowing(source);
    current.show(source.refs());
    return current;
  }

  private startFollowing(source: ExperimentRuns): void {
    this.followed = { source, subscription: source.onDidChange(() => this.followed?.source === source && this.show(source.refs())) };
    this.updateTitle();
  }

  private static open(context: vscode.ExtensionContext): PlotsPanel {
    const column = vscode.window.activeTextEditor ? vscode.ViewColumn.Beside : vscode.ViewColumn.One;
    if (PlotsPanel.current) {
      PlotsPanel.current.panel.reveal(column);
      return PlotsPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(PLOTS_VIEW_TYPE, PLOTS_TITLE, column, webviewOptions(context));
    PlotsPanel.current = new PlotsPanel(panel, context, requireDeps());
    return PlotsPanel.current;
  }

  /** Freezes the runs shown now: runs started later no longer join. */
  pin(): void {
    this.stopFollowing();
  }

  /** The experiment file followed, or undefined when pinned. */
  followedExperiment(): string | undefined {
    return this.followed?.source.experiment;
  }

  private stopFollowing(): void {
    this.followed?.subscription.dispose();
    this.followed = undefined;
    this.updateTitle();
  }

  private updateTitle(): void {
    this.panel.title = this.followed ? `${PLOTS_TITLE} · ${this.followed.source.label} (following)` : PLOTS_TITLE;
    void vscode.commands.executeCommand('setContext', PLOTS_FOLLOWING_CONTEXT, this.followed !== undefined);
    this.outbox.post({ type: 'following', experiment: this.followed?.source.experiment ?? null });
  }

  /**
   * Takes over a panel VS Code restored after a reload; the runs come from the webview's saved state. A
   * panel that followed an experiment follows it again: the saved runs show at once, and the experiment's
   * runs replace them as the runs folders are read (they may not be yet, right after a reload).
   */
  static revive(panel: vscode.WebviewPanel, context: vscode.ExtensionContext, runs: RunRef[], followed?: ExperimentRuns): PlotsPanel {
    PlotsPanel.current?.dispose();
    panel.webview.options = webviewOptions(context);
    const current = new PlotsPanel(panel, context, requireDeps());
    PlotsPanel.current = current;
    current.show(runs);
    if (followed) {
      current.startFollowing(followed);
      if (followed.refs().length > 0) current.show(followed.refs());
    } else {
      current.updateTitle();
    }
    return current;
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly context: vscode.ExtensionContext,
    private readonly deps: PlotsDeps,
  ) {
    this.outbox = new HeldMessages((message) => void this.panel.webview.postMessage(message));
    this.appends = new AppendBatcher({ takeChunk: (runId) => this.runs.get(runId)?.feed.takeChunk() }, (message) => this.outbox.post(message));
    panel.webview.html = this.html();
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'tower.svg');
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((message: unknown) => {
        if (isWebviewToHostMessage(message)) void this.receive(message);
        else deps.ui.error('The plots panel sent a message the extension does not know', JSON.stringify(message)?.slice(0, 200));
      }),
      panel.onDidChangeViewState(() => {
        // A hidden webview (no retained context) is destroyed; it sends `initialized` again when shown.
        if (!panel.visible) this.outbox.markGone();
      }),
    );
  }

  /** The runs shown from now on, in this order; runs no longer listed are dropped. */
  show(refs: RunRef[]): void {
    this.appends.flush();
    const wanted = new Set(refs.map((r) => r.runId));
    for (const [runId, run] of this.runs) {
      if (wanted.has(runId)) continue;
      run.subscription.dispose();
      this.runs.delete(runId);
      if (run.announced) this.outbox.post({ type: 'removeRun', runId });
    }
    for (const ref of refs) {
      if (this.runs.has(ref.runId)) continue;
      const run: FollowedRun = { ref, feed: new RunColumnsFeed(), loaded: false, announced: false, subscription: { dispose: () => undefined } };
      this.runs.set(ref.runId, run);
      run.subscription = this.follow(run);
    }
    this.announceLoaded();
    this.scheduleComparisons();
  }

  private follow(run: FollowedRun): { dispose(): void } {
    const onEvents = (events: TrainerEvent[]): void => {
      if (!this.runs.has(run.ref.runId)) return;
      run.feed.add(events);
      for (const e of events) if (e.type === 'started') run.started = e;
      // The per-user file comes before its eval event, the best model after it (with the checkpoint).
      if (events.some((e) => e.type === 'eval' || e.type === 'checkpoint' || e.type === 'ended')) this.scheduleComparisons();
      if (!run.loaded) {
        run.loaded = true;
        this.announceLoaded();
      } else if (run.announced && events.length > 0) {
        this.appends.mark(run.ref.runId);
      }
    };
    try {
      if (this.deps.followRun) return this.deps.followRun(run.ref.runDir, onEvents);
      return followRunFolder(run.ref.runDir, onEvents, (err) => this.deps.ui.error(`Plots: cannot follow run ${run.ref.runId}`, err));
    } catch (err) {
      this.deps.ui.error(`Plots: cannot follow run ${run.ref.runId} in ${run.ref.runDir}`, err);
      run.loaded = true;
      return { dispose: () => undefined };
    }
  }

  /** Announces new runs together once all of them have loaded, so their order (and colours) is the order asked for. */
  private announceLoaded(): void {
    const waiting = [...this.runs.values()].filter((r) => !r.announced);
    if (waiting.length === 0 || waiting.some((r) => !r.loaded)) return;
    waiting.forEach((r) => (r.announced = true));
    this.outbox.post({ type: 'showRuns', replace: false, runs: waiting.map((r) => ({ ref: r.ref, data: r.feed.fullChunk() })) });
    this.scheduleComparisons();
  }

  /** Recomputes the comparisons soon: events come in bursts (eval, then checkpoint), and several runs may end at once. */
  private scheduleComparisons(): void {
    if (this.comparisonTimer) clearTimeout(this.comparisonTimer);
    this.comparisonTimer = setTimeout(() => {
      this.comparisonTimer = undefined;
      void this.sendComparisons();
    }, COMPARISON_DELAY_MS);
  }

  private async sendComparisons(): Promise<void> {
    const shown = [...this.runs.values()].filter((r) => r.announced).map((r) => ({ runId: r.ref.runId, runDir: r.ref.runDir, started: r.started }));
    if (shown.length < 2) this.lastComparisons = undefined;
    try {
      const message = await this.comparisons.compute(shown, this.chosenReference);
      // undefined: fewer than two runs, or a newer computation superseded this one.
      if (message === undefined || this.runs.size === 0) return;
      this.lastComparisons = message;
      this.appends.flush();
      this.outbox.post(message);
      PlotsPanel.comparisonsSent.fire(message);
    } catch (err) {
      this.deps.ui.error('Plots: could not compare the runs with the reference run', err);
    }
  }

  /** Everything announced so far, for a webview that (re)loaded; later appends continue from it. */
  private snapshot(): HostToWebviewMessage {
    const runs = [...this.runs.values()].filter((r) => r.announced).map((r) => ({ ref: r.ref, data: r.feed.fullChunk() }));
    return { type: 'showRuns', replace: true, runs };
  }

  private async receive(message: WebviewToHostMessage): Promise<void> {
    switch (message.type) {
      case 'initialized':
        this.appends.drop();
        this.outbox.markGone();
        this.outbox.post({ type: 'restoreLayout', layout: readLayout(this.context.workspaceState.get(PLOTS_LAYOUT_KEY)) });
        this.outbox.post(this.snapshot());
        if (this.lastComparisons) this.outbox.post(this.lastComparisons);
        this.outbox.markReady();
        if (message.referenceRunId !== undefined && message.referenceRunId !== this.chosenReference) {
          this.chosenReference = message.referenceRunId;
          this.scheduleComparisons();
        }
        return;
      case 'chooseReference':
        this.chosenReference = message.runId;
        this.scheduleComparisons();
        return;
      case 'saveLayout':
        await this.context.workspaceState.update(PLOTS_LAYOUT_KEY, readLayout(message.layout));
        return;
      case 'exportPng':
        await this.save('png', message.chart, () => decodePngDataUrl(message.dataUrl));
        return;
      case 'exportCsv':
        await this.save('csv', message.chart, () => new TextEncoder().encode(message.csv));
        return;
      case 'selectRuns':
        this.deps.onSelectRuns?.(message.runIds);
        return;
      case 'webviewError':
        this.deps.ui.error('The plots panel failed', message.message);
        return;
    }
  }

  private async save(format: 'png' | 'csv', chart: string, bytes: () => Uint8Array): Promise<void> {
    try {
      const data = bytes();
      const target = await askSaveLocation(`${chart}.${format}`, format);
      if (!target) {
        this.outbox.post({ type: 'exportResult', format, outcome: 'cancelled' });
        return;
      }
      await vscode.workspace.fs.writeFile(target, data);
      this.outbox.post({ type: 'exportResult', format, outcome: 'saved', detail: target.fsPath });
    } catch (err) {
      this.deps.ui.error(`Could not export the ${format.toUpperCase()} of ${chart}`, err);
      this.outbox.post({ type: 'exportResult', format, outcome: 'failed', detail: err instanceof Error ? err.message : String(err) });
    }
  }

  private html(): string {
    const webview = this.panel.webview;
    const media = (file: string): string => webview.asWebviewUri(vscode.Uri.joinPath(this.context.extensionUri, 'media', file)).toString();
    return renderPlotsHtml({ cspSource: webview.cspSource, nonce: makeNonce(), scriptUri: media(PLOTS_MEDIA.script), styleUris: PLOTS_MEDIA.styles.map(media) });
  }

  /** The comparisons last sent to the webview (undefined before any, or with fewer than two runs). */
  comparisonsShown(): ComparisonsMessage | undefined {
    return this.lastComparisons;
  }

  /** Run ids shown (for tests and the run manager). */
  shownRunIds(): string[] {
    return [...this.runs.keys()];
  }

  dispose(): void {
    if (PlotsPanel.current === this) PlotsPanel.current = undefined;
    this.followed?.subscription.dispose();
    this.followed = undefined;
    this.appends.drop();
    if (this.comparisonTimer) clearTimeout(this.comparisonTimer);
    this.comparisonTimer = undefined;
    for (const run of this.runs.values()) run.subscription.dispose();
    this.runs.clear();
    this.disposables.forEach((d) => d.dispose());
    this.disposables.length = 0;
    this.panel.dispose();
  }
}

function webviewOptions(context: vscode.ExtensionContext): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'media')],
  };
}
