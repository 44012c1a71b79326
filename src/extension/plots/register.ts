/**
 * The plots feature's one registration point, called from activate(): the serializer that revives the
 * panel after a reload, and a small controller the run commands (Open plots, Compare runs) call.
 */
import * as vscode from 'vscode';
import { readViewState, type RunRef } from '../../shared/webviewProtocol';
import type { PlotsDeps } from './deps';
import { PLOTS_VIEW_TYPE, PlotsPanel, setPlotsDeps } from './PlotsPanel';

export interface PlotsController {
  /** Opens (or reveals) the plots panel showing exactly these runs, in this order. */
  show(runs: RunRef[]): void;
  /** Run ids the open panel shows (empty when no panel is open). */
  shownRunIds(): string[];
}

export function registerPlots(context: vscode.ExtensionContext, deps: PlotsDeps): PlotsController {
  setPlotsDeps(deps);
  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(PLOTS_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel: vscode.WebviewPanel, state: unknown) => {
        // The state is what the webview saved with setState; damaged or old state shows an empty panel.
        PlotsPanel.revive(panel, context, readViewState(state).runs);
      },
    }),
    { dispose: () => PlotsPanel.current?.dispose() },
  );
  return {
    show: (runs) => void PlotsPanel.createOrShow(context, runs),
    shownRunIds: () => PlotsPanel.current?.shownRunIds() ?? [],
  };
}
