/**
 * What the run commands share: the run manager and the views they act on, and the few helpers every
 * command uses (refuse with a reason, the trust check, stop, follow a run to its end, which runs a
 * command means, a run as the plots panel names it). One object built by register.ts; the commands
 * live in files named after what they do.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunSummary } from '../../core/runs/runSummary';
import type { RunRef } from '../../shared/webviewProtocol';
import { Commands } from '../commands';
import type { EnginesFeature } from '../engines/register';
import type { ExperimentsFeature } from '../experiments/register';
import { experimentName } from '../experiments/model';
import type { PlotsController } from '../plots/register';
import type { Ui } from '../ui';
import { invokedRunIds } from './invokedRuns';
import type { RunProgress } from './progress';
import { runEndNotice, type RunEndAction } from './runEndNotice';
import type { RunManager } from './runManager';
import type { RunEntry } from './runRegistry';
import { folderOf, runsDirOf } from './runsFolders';
import { changedLabel } from './runView';
import type { TrainerLogs } from './trainerLogs';

export class RunCommandContext {
  private readonly refused = new vscode.EventEmitter<string>();
  /** Fires with the reason each time a run is refused (invalid config, untrusted workspace). */
  readonly onDidRefuse = this.refused.event;
  private trustRestrictions = 0;

  constructor(
    readonly ui: Ui,
    readonly manager: RunManager,
    readonly experiments: ExperimentsFeature,
    readonly plots: PlotsController,
    readonly engines: EnginesFeature,
    readonly progress: RunProgress,
    readonly logs: TrainerLogs,
  ) {}

  readonly runsDirOf = runsDirOf;
  readonly folderOf = folderOf;

  /** The trainer's working folder for a file: its workspace folder, else the file's folder. */
  cwdOf(file: string): string {
    return this.folderOf(file)?.uri.fsPath ?? path.dirname(file);
  }

  refuse(message: string, actions?: Record<string, () => unknown>): undefined {
    this.ui.refuse(message, actions);
    this.refused.fire(message);
    return undefined;
  }

  /** Treats the workspace as untrusted until disposed (tests: the host runs with workspace trust disabled); it never grants trust. */
  restrictTrust(): vscode.Disposable {
    this.trustRestrictions++;
    let disposed = false;
    return new vscode.Disposable(() => {
      if (!disposed) this.trustRestrictions--;
      disposed = true;
    });
  }

  /** Training runs code and writes files: never in a workspace the user has not trusted. */
  trusted(): boolean {
    if (vscode.workspace.isTrusted && this.trustRestrictions === 0) return true;
    this.refuse('Two-Tower Lab: training is disabled in an untrusted workspace, because a run executes the trainer on this folder\'s data and writes run folders into it. Trust the workspace to train.', {
      'Manage Workspace Trust': () => vscode.commands.executeCommand('workbench.trust.manage'),
    });
    return false;
  }

  async stop(runId: string): Promise<RunSummary | undefined> {
    try {
      return await this.manager.stop(runId);
    } catch (err) {
      this.ui.error(`Could not stop run ${runId}`, err);
      return undefined;
    }
  }

  /** Shows a run's progress while it trains, then says how it ended, with the run revealed in the tree. */
  follow(runId: string, title: string): void {
    const { manager, experiments, ui } = this;
    this.progress.notify(runId, title, (id) => void this.stop(id));
    void manager.whenEnded(runId)?.then((summary) => {
      const entry = manager.registry.get(runId);
      const notice = runEndNotice(summary, entry?.experiment ? experimentName(entry.experiment) : runId);
      if (!notice) return;
      const actions: Record<RunEndAction, () => unknown> = {
        'Open Plots': () => vscode.commands.executeCommand(Commands.openPlots, runId),
        'Show Log': () => vscode.commands.executeCommand(Commands.showTrainerLog, runId),
        Resume: () => vscode.commands.executeCommand(Commands.resumeRun, runId),
      };
      ui.notify(notice.severity, notice.message, Object.fromEntries(notice.actions.map((a) => [a, actions[a]])));
      const node = experiments.model.runNode(runId);
      // reveal expands the experiment the run is under; no select, so the tree's selection stays the user's.
      if (node) void Promise.resolve(experiments.treeView.reveal(node, { select: false, focus: false })).catch((err: unknown) => ui.log.warn(`Could not reveal run ${runId}: ${String(err)}`));
    });
  }

  /** The runs a command's arguments mean (invokedRuns.ts). */
  entriesOf(node: unknown, nodes: unknown): RunEntry[] {
    const ids = invokedRunIds(node, nodes, this.experiments.treeView.selection);
    return ids.map((id) => this.manager.registry.get(id)).filter((e): e is RunEntry => e !== undefined);
  }

  /** A run as the plots panel names it: its name or what it changes, with mode/loss. */
  refOf(e: RunEntry): RunRef {
    const name = e.meta.name ?? changedLabel(e.meta.changed) ?? e.runId;
    return { runId: e.runId, runDir: e.dir, label: e.summary.mode ? `${name} (${e.summary.mode}/${e.summary.loss ?? '?'})` : name };
  }

  /** One run: the argument (the item itself, not the multi-selection it may be part of), else the selected run, else a pick. */
  async oneRun(node: unknown, placeHolder: string, filter: (e: RunEntry) => boolean = () => true): Promise<RunEntry | undefined> {
    const [entry] = this.entriesOf(node, node === undefined ? undefined : [node]);
    if (entry) return entry;
    const candidates = this.manager.registry.all().filter(filter);
    if (candidates.length === 0) {
      this.ui.info('Two-Tower Lab: no run fits; start one with "Two-Tower Lab: Run Experiment".');
      return undefined;
    }
    return (await this.ui.pick(candidates.map((e) => ({ label: e.runId, description: e.summary.status, entry: e })), placeHolder))?.entry;
  }

  dispose(): void {
    this.refused.dispose();
  }
}
