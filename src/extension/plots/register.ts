/**
 * The plots feature's one registration point, called from activate(): the serializer that revives the
 * panel after a reload, and a small controller the run commands (Open plots, Compare runs) call.
 */
import * as vscode from 'vscode';
import { readViewState, type ComparisonsMessage, type RunRef } from '../../shared/webviewProtocol';
import type { PlotsDeps } from './deps';
import { PLOTS_VIEW_TYPE, PlotsPanel, setPlotsDeps, type ExperimentRuns } from './PlotsPanel';

export type { ExperimentRuns };

export interface PlotsController {
  /** Opens (or reveals) the plots panel showing exactly these runs, in this order (pinned). */
  show(runs: RunRef[]): void;
  /** Opens (or reveals) the plots panel following an experiment's runs: runs started later join. */
  follow(source: ExperimentRuns): void;
  /** Freezes the open panel's runs (no-op when none is open). */
  pin(): void;
  /** The experiment the open panel follows, or undefined (pinned, or no panel). */
  followedExperiment(): string | undefined;
  /** Run ids the open panel shows (empty when no panel is open). */
  shownRunIds(): string[];
  /** The runs table's comparisons the open panel last sent (undefined: none yet, or no panel). */
  comparisons(): ComparisonsMessage | undefined;
  /** Fires after the panel sent new comparisons. */
  readonly onDidCompare: vscode.Event<ComparisonsMessage>;
  /** How an experiment's runs are followed (the runs feature knows them): a restored panel follows again with it. */
  provideExperimentRuns(factory: (experiment: string) => ExperimentRuns): void;
}

export function registerPlots(context: vscode.ExtensionContext, deps: PlotsDeps): PlotsController {
  setPlotsDeps(deps);
  let experimentRuns: ((experiment: string) => ExperimentRuns) | undefined;
  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(PLOTS_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel: vscode.WebviewPanel, state: unknown) => {
        // The state is what the webview saved with setState; damaged or old state shows an empty panel.
        const saved = readViewState(state);
        const followed = saved.followedExperiment !== null ? experimentRuns?.(saved.followedExperiment) : undefined;
        PlotsPanel.revive(panel, context, saved.runs, followed);
      },
    }),
    { dispose: () => PlotsPanel.current?.dispose() },
    PlotsPanel.comparisonsSent,
  );
  return {
    show: (runs) => void PlotsPanel.createOrShow(context, runs),
    follow: (source) => void PlotsPanel.follow(context, source),
    pin: () => PlotsPanel.current?.pin(),
    followedExperiment: () => PlotsPanel.current?.followedExperiment(),
    shownRunIds: () => PlotsPanel.current?.shownRunIds() ?? [],
    comparisons: () => PlotsPanel.current?.comparisonsShown(),
    onDidCompare: PlotsPanel.comparisonsSent.event,
    provideExperimentRuns: (factory) => {
      experimentRuns = factory;
    },
  };
}
