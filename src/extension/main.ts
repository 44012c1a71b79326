/** Entry point of the extension (runs in the VS Code extension host; never loads tfjs). */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TreeItemSnapshot, TwoTowerLabApi } from './api';
import { Commands } from './commands';
import { registerData } from './data/register';
import { registerEngines } from './engines/register';
import { newExperiment, type NewExperimentOptions } from './experiments/newExperiment';
import { registerExperiments } from './experiments/register';
import { registerPlots } from './plots/register';
import { registerRecommend } from './recommend/register';
import { registerRuns, settings as runSettings, STOP_TIMEOUT_MS } from './runs/register';
import { RunManager } from './runs/runManager';
import { registerSweeps } from './runs/sweeps';
import { Ui } from './ui';

export function activate(context: vscode.ExtensionContext): TwoTowerLabApi {
  const began = performance.now();
  const ui = new Ui();
  context.subscriptions.push(ui);
  try {
    const manager = new RunManager({
      trainerScript: context.asAbsolutePath(path.join('dist', 'trainer.js')),
      hostExecPath: process.execPath,
      // Trainer stderr logs live outside the run folder (the trainer creates that) and survive a reload.
      logDir: path.join((context.storageUri ?? context.globalStorageUri).fsPath, 'trainer-logs'),
      settings: runSettings,
      stopTimeoutMs: STOP_TIMEOUT_MS,
      onError: (what, err) => ui.error(what, err),
    });
    const experiments = registerExperiments(context, ui, manager.registry);
    const plots = registerPlots(context, {
      ui,
      onSelectRuns: (runIds) => {
        const node = runIds.length > 0 ? experiments.model.runNode(runIds[0]) : undefined;
        if (node) void Promise.resolve(experiments.treeView.reveal(node, { select: true, focus: false })).catch((err: unknown) => ui.log.warn(`Could not reveal run ${runIds[0]}: ${String(err)}`));
      },
    });
    const engines = registerEngines(context, ui, { trainerScript: context.asAbsolutePath(path.join('dist', 'trainer.js')), hostExecPath: process.execPath, nodePath: () => runSettings().nodePath });
    const runs = registerRuns(context, ui, experiments, plots, manager, engines);
    registerSweeps(context, ui, {
      trainerScript: context.asAbsolutePath(path.join('dist', 'trainer.js')),
      hostExecPath: process.execPath,
      nodePath: () => runSettings().nodePath,
      runsDirOf: runs.runsDirOf,
      cwdOf: (file) => vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file))?.uri.fsPath ?? path.dirname(file),
      trusted: () => vscode.workspace.isTrusted,
      stopLiveRunsOf: async (sweepId) => {
        const live = manager.registry.all().filter((e) => e.summary.params['sweep.id'] === sweepId && (e.summary.status === 'running' || e.summary.status === 'queued') && manager.isActive(e.runId));
        await Promise.all(live.map((e) => manager.stop(e.runId).catch((err: unknown) => ui.error(`Could not stop run ${e.runId}`, err))));
        return live.length;
      },
    });
    registerData(context, ui, { trainerScript: context.asAbsolutePath(path.join('dist', 'trainer.js')), hostExecPath: process.execPath, nodePath: () => runSettings().nodePath });
    const recommend = registerRecommend(context, ui, { trainerScript: context.asAbsolutePath(path.join('dist', 'trainer.js')), hostExecPath: process.execPath, nodePath: () => runSettings().nodePath, registry: manager.registry, runsRead: runs.ready });
    context.subscriptions.push(
      vscode.commands.registerCommand(Commands.newExperiment, (options?: NewExperimentOptions) => newExperiment(context, ui, options)),
    );
    // The initial scans run in the background; their failures are shown, not swallowed.
    experiments.ready.catch((err: unknown) => ui.error('Could not list the *.tower.yaml experiments', err));
    runs.ready.catch((err: unknown) => ui.error('Could not read the runs folders', err));
    // The language client library is loaded after activation returns: it is large and the server starts asynchronously anyway.
    import('./languageClient')
      .then(({ startLanguageClient }) => startLanguageClient(context))
      .catch((err: unknown) => ui.error('The experiment language server did not start', err));
    const runDidChange = new vscode.EventEmitter<string>();
    context.subscriptions.push(runDidChange, manager.onDidChangeRun((id) => runDidChange.fire(id)));
    const activationMs = performance.now() - began;
    ui.log.info(`activated in ${activationMs.toFixed(1)} ms in VS Code ${vscode.version} (${vscode.env.appHost}, uiKind ${vscode.env.uiKind})`);
    const treeItems = (experiment: string): TreeItemSnapshot[] => {
      const node = experiments.model.experiment(experiment);
      return node ? experiments.model.children(node).map((child) => {
        const v = experiments.model.view(child);
        return { id: v.id, label: v.label, description: v.description, contextValue: v.contextValue, icon: v.icon?.id, tooltip: v.tooltipMarkdown ?? v.tooltip };
      }) : [];
    };
    return {
      experiments: { list: experiments.list, onDidChange: experiments.onDidChange, ready: experiments.ready, treeItems },
      runs: {
        ready: runs.ready,
        onDidChange: runDidChange.event,
        onDidRefuse: runs.onDidRefuse,
        get: (runId) => manager.registry.get(runId),
        list: () => manager.registry.all(),
        whenEnded: (runId) => manager.whenEnded(runId),
        runsDirOf: runs.runsDirOf,
        restrictTrust: runs.restrictTrust,
      },
      progress: { statusText: () => runs.progress.statusText, notifications: () => runs.progress.notifications(), onDidChange: runs.progress.onDidChange },
      plots: { shownRunIds: () => plots.shownRunIds(), followedExperiment: () => plots.followedExperiment(), comparisons: () => plots.comparisons(), onDidCompare: plots.onDidCompare },
      recommend: { shown: recommend.shown, onDidChange: recommend.onDidChange },
      ui: { onDidShowPick: ui.onDidShowPick, onDidNotify: ui.onDidNotify, answerNextPick: (answer) => ui.answerNextPick(answer) },
      activationMs,
    };
  } catch (err) {
    // VS Code only logs activation errors; show them so the user knows why the views stay empty.
    ui.error('Activation failed', err);
    throw err;
  }
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions; live trainers keep running and are re-attached on the next activation.
}
