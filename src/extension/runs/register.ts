/**
 * The runs feature's one registration point: it builds the shared RunCommandContext, starts the
 * run-folder watchers, and wires each run command's id to the function, in a file named after what it
 * does, that carries it out.
 */
import * as vscode from 'vscode';
import { Commands } from '../commands';
import type { EnginesFeature } from '../engines/register';
import type { ExperimentsFeature } from '../experiments/register';
import type { PlotsController } from '../plots/register';
import type { Ui } from '../ui';
import { compareRuns, experimentRuns, followPlots, openPlots } from './plotsCommands';
import { RunProgress } from './progress';
import { RunCommandContext } from './runCommandContext';
import { runExperiment, type RunExperimentOptions } from './runExperiment';
import { deleteRuns, renameRun, revealRun, showTrainerLog } from './runFolderCommands';
import { resumeRun, stopRun } from './runLifecycleCommands';
import type { RunManager } from './runManager';
import { runsDirOf, watchRunsFolders } from './runsFolders';
import { TrainerLogs } from './trainerLogs';

export type { RunExperimentOptions } from './runExperiment';
export { settings } from './runsFolders';
/** A trainer checkpoints within one step of SIGTERM; this covers a slow step plus the checkpoint write. */
export const STOP_TIMEOUT_MS = 60_000;

export interface RunsFeature {
  readonly manager: RunManager;
  /** Resolves after every runs folder was read once (and live runs re-attached). */
  readonly ready: Promise<void>;
  /** Fires with the reason each time a run is refused (invalid config, untrusted workspace). */
  readonly onDidRefuse: vscode.Event<string>;
  /** The status bar item and progress notifications of live runs. */
  readonly progress: RunProgress;
  runsDirOf(file: string): string;
  /**
   * Treats the workspace as untrusted until the returned disposable is disposed. It can only narrow trust,
   * never grant it: the extension-host tests use it where the host runs with workspace trust disabled.
   */
  restrictTrust(): vscode.Disposable;
}

export function registerRuns(context: vscode.ExtensionContext, ui: Ui, experiments: ExperimentsFeature, plots: PlotsController, manager: RunManager, engines: EnginesFeature): RunsFeature {
  const progress = new RunProgress(manager);
  const logs = new TrainerLogs(manager);
  const ctx = new RunCommandContext(ui, manager, experiments, plots, engines, progress, logs);
  context.subscriptions.push(ctx, progress, logs, { dispose: () => manager.dispose() });
  plots.provideExperimentRuns((experiment) => experimentRuns(ctx, experiment));

  // Refresh only the experiment whose run changed (and the old one, should a run move).
  const experimentOfRun = new Map<string, string | undefined>();
  context.subscriptions.push(
    manager.onDidChangeRun((runId) => {
      const now = manager.registry.get(runId)?.experiment;
      const before = experimentOfRun.get(runId);
      experimentOfRun.set(runId, now);
      const listed = (e: string | undefined) => e !== undefined && experiments.model.experiment(e) !== undefined;
      if (!listed(now) || (before !== now && before !== undefined)) experiments.refresh();
      else experiments.refresh(now);
    }),
  );

  context.subscriptions.push(
    vscode.commands.registerCommand(Commands.runExperiment, (target?: vscode.Uri, options?: RunExperimentOptions) => runExperiment(ctx, target, options)),
    vscode.commands.registerCommand(Commands.stopRun, (node?: unknown) => stopRun(ctx, node)),
    vscode.commands.registerCommand(Commands.resumeRun, (node?: unknown) => resumeRun(ctx, node)),
    vscode.commands.registerCommand(Commands.openPlots, (node?: unknown) => openPlots(ctx, node)),
    vscode.commands.registerCommand(Commands.pinPlots, () => plots.pin()),
    vscode.commands.registerCommand(Commands.followPlots, () => followPlots(ctx)),
    vscode.commands.registerCommand(Commands.compareRuns, (node?: unknown, nodes?: unknown) => compareRuns(ctx, node, nodes)),
    vscode.commands.registerCommand(Commands.revealRun, (node?: unknown) => revealRun(ctx, node)),
    vscode.commands.registerCommand(Commands.deleteRun, (node?: unknown, nodes?: unknown) => deleteRuns(ctx, node, nodes)),
    vscode.commands.registerCommand(Commands.renameRun, (node?: unknown, name?: unknown) => renameRun(ctx, node, name)),
    vscode.commands.registerCommand(Commands.showTrainerLog, (node?: unknown) => showTrainerLog(ctx, node)),
  );

  return { manager, ready: watchRunsFolders(context, ui, manager, experiments), onDidRefuse: ctx.onDidRefuse, progress, runsDirOf, restrictTrust: () => ctx.restrictTrust() };
}
