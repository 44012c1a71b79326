/**
 * The runs feature's one registration point: the run manager, the run-folder watchers, progress, trainer
 * logs, and the run commands (run, stop, resume, open plots, compare, reveal, delete, show log).
 */
import { rm } from 'node:fs/promises';
import { cpus } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunSummary } from '../../core/runs/runSummary';
import type { EngineName } from '../../core/config/schema';
import { multiNodeMessage, noTorchMessage, resolveDevice } from '../../core/engines/torchProbe';
import type { LossName, TrainingMode } from '../../shared/events';
import type { RunRef } from '../../shared/webviewProtocol';
import { Commands } from '../commands';
import { pythonPathSetting, type EnginesFeature } from '../engines/register';
import type { ExperimentsFeature } from '../experiments/register';
import { experimentName, type ExperimentNode } from '../experiments/model';
import type { PlotsController } from '../plots/register';
import type { Ui } from '../ui';
import type { FileEngine } from './engineChoice';
import type { TrainingChoice } from './preflight';
import { RunProgress } from './progress';
import type { RunEntry } from './runRegistry';
import { RunManager, whyNotWritable } from './runManager';
import { requestOverrides, type EngineRequest } from './trainerCommand';
import { TrainerLogs } from './trainerLogs';
import { invokedRunIds } from './invokedRuns';
import type { ExperimentRuns } from '../plots/register';
import { changedLabel } from './runView';
import { readRunMeta, renameRun, runNameProblem } from '../../core/runs/runMeta';
import { runEndNotice, type RunEndAction } from './runEndNotice';
import { watchRunsDir } from './runsDirWatcher';

const SETTINGS = 'twoTowerLab';
const DEFAULT_RUNS_DIRECTORY = '.two-tower-lab/runs';
/** A trainer checkpoints within one step of SIGTERM; this covers a slow step plus the checkpoint write. */
export const STOP_TIMEOUT_MS = 60_000;

/** Options of `twoTowerLab.runExperiment` after the file: the code lens passes `{pickLoss: true}`. */
export interface RunExperimentOptions {
  pickLoss?: boolean;
  mode?: TrainingMode;
  loss?: LossName;
  /** Extra `--set path=value` overrides (tests, sweeps from other extensions). */
  set?: string[];
  /** The engine (and torch's processes on this machine) instead of the file's; given, no engine pick is shown. */
  engine?: EngineName;
  processes?: number;
}

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

/** The run settings of package.json `contributes.configuration`, read fresh each time. */
export function settings(): { nodePath?: string; maxConcurrentRuns: number; runsDirectory: string } {
  const c = vscode.workspace.getConfiguration(SETTINGS);
  return {
    nodePath: c.get<string>('nodePath') || undefined,
    maxConcurrentRuns: c.get<number>('maxConcurrentRuns', 1),
    runsDirectory: c.get<string>('runsDirectory', DEFAULT_RUNS_DIRECTORY) || DEFAULT_RUNS_DIRECTORY,
  };
}

function fileFolders(): vscode.WorkspaceFolder[] {
  return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
}

/** The workspace folder of a file (the first folder for a file outside all of them). */
function folderOf(file: string): vscode.WorkspaceFolder | undefined {
  return vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file)) ?? fileFolders()[0];
}

function runsDirOfFolder(folder: vscode.WorkspaceFolder): string {
  return path.resolve(folder.uri.fsPath, settings().runsDirectory);
}

export function registerRuns(context: vscode.ExtensionContext, ui: Ui, experiments: ExperimentsFeature, plots: PlotsController, manager: RunManager, engines: EnginesFeature): RunsFeature {
  const refused = new vscode.EventEmitter<string>();
  const progress = new RunProgress(manager);
  const logs = new TrainerLogs(manager);
  context.subscriptions.push(refused, progress, logs, { dispose: () => manager.dispose() });

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

  const runsDirOf = (file: string): string => {
    const folder = folderOf(file);
    return folder ? runsDirOfFolder(folder) : path.resolve(path.dirname(file), settings().runsDirectory);
  };

  // Watchers on every runs folder: a run started from a terminal appears; only the affected run is re-read.
  let watchers: vscode.Disposable[] = [];
  const watchAll = (): Promise<void> => {
    for (const w of watchers) w.dispose();
    watchers = [];
    const loads: Promise<void>[] = [];
    for (const folder of fileFolders()) {
      const runsDir = runsDirOfFolder(folder);
      const pattern = runsPattern(folder, runsDir);
      const events = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(pattern.base, `${pattern.prefix}*/events.jsonl`));
      const folders = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(pattern.base, `${pattern.prefix}*`), true, true, false);
      const reread = (uri: vscode.Uri): void => {
        manager.refreshFolder(path.dirname(uri.fsPath)).catch((err: unknown) => ui.error(`Could not read the run folder ${path.dirname(uri.fsPath)}`, err));
      };
      const settled = (dir: string): boolean => {
        const runId = path.basename(dir);
        const status = manager.registry.get(runId)?.summary.status;
        return manager.isActive(runId) || (status !== undefined && status !== 'queued');
      };
      const refresh = (dir: string): Promise<void> => manager.refreshFolder(dir).catch((err: unknown) => ui.error(`Could not read the run folder ${dir}`, err));
      watchers.push(
        watchRunsDir(runsDir, refresh, settled),
        events,
        folders,
        events.onDidCreate(reread),
        events.onDidChange(reread),
        events.onDidDelete((uri) => manager.forgetFolder(path.dirname(uri.fsPath))),
        folders.onDidDelete((uri) => manager.forgetFolder(uri.fsPath)),
      );
      loads.push(manager.loadAll(runsDir));
    }
    return Promise.all(loads).then(() => experiments.refresh());
  };
  context.subscriptions.push(
    { dispose: () => watchers.forEach((w) => w.dispose()) },
    vscode.workspace.onDidChangeWorkspaceFolders(() => void watchAll().catch((err: unknown) => ui.error('Could not read the runs folders', err))),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(`${SETTINGS}.maxConcurrentRuns`)) manager.settingsChanged();
      if (e.affectsConfiguration(`${SETTINGS}.runsDirectory`)) void watchAll().catch((err: unknown) => ui.error('Could not read the runs folders', err));
    }),
  );

  const refuse = (message: string, actions?: Record<string, () => unknown>): undefined => {
    ui.refuse(message, actions);
    refused.fire(message);
    return undefined;
  };

  let trustRestrictions = 0;
  const restrictTrust = (): vscode.Disposable => {
    trustRestrictions++;
    let disposed = false;
    return new vscode.Disposable(() => {
      if (!disposed) trustRestrictions--;
      disposed = true;
    });
  };

  /** Training runs code and writes files: never in a workspace the user has not trusted. */
  const trusted = (): boolean => {
    if (vscode.workspace.isTrusted && trustRestrictions === 0) return true;
    refuse('Two-Tower Lab: training is disabled in an untrusted workspace, because a run executes the trainer on this folder\'s data and writes run folders into it. Trust the workspace to train.', {
      'Manage Workspace Trust': () => vscode.commands.executeCommand('workbench.trust.manage'),
    });
    return false;
  };

  const runExperiment = async (target?: vscode.Uri | ExperimentNode, options: RunExperimentOptions = {}): Promise<string | undefined> => {
    if (!trusted()) return undefined;
    const uri = await experimentUri(target, experiments, ui);
    if (!uri) return undefined;
    // The trainer reads the file from disk: save pending edits so the run is what the editor shows.
    const open = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === uri.fsPath);
    if (open?.isDirty) await open.save();
    const text = open?.getText() ?? new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    // Loaded on first use: the config checker (schema, data readers) is not needed to activate.
    const { preflight, trainingChoices, modeSwitch, modeSwitchOverride, writtenLoss } = await import('./preflight');
    const { enginePickItems, engineRequestOf, fileEngineOf, fileEngineOfText, withPythonPath } = await import('./engineChoice');
    const interactive = options.pickLoss === true || !(target instanceof vscode.Uri);
    const fileEngine = fileEngineOfText(text, uri.fsPath, options.set);
    // Probed while the mode/loss pick is open: the engine pick is offered only when a Python with torch is found.
    const torchFound = interactive && options.engine === undefined ? engines.torch.get(fileEngine?.python ?? pythonPathSetting()) : undefined;
    let choice: TrainingChoice | undefined;
    if (options.mode !== undefined || options.loss !== undefined) {
      choice = undefined;
    } else if (interactive) {
      const { choices, own, source } = trainingChoices(text, uri.fsPath);
      const picked = await ui.pick(
        choices.map((c) => ({ label: `${c.mode} · ${c.loss}`, description: own && c.mode === own.mode && c.loss === own.loss ? 'as in the file' : undefined, choice: c })),
        `Train ${experimentName(uri.fsPath)} with which mode and loss?`,
      );
      if (!picked) return undefined;
      choice = own && picked.choice.mode === own.mode && picked.choice.loss === own.loss ? undefined : picked.choice;
      // Another mode: say what of the file's negatives belongs to the file's mode, and offer the new mode's own.
      const change = own && choice && source !== undefined ? modeSwitch(text, own.mode, choice.mode, source) : undefined;
      if (change && choice) {
        const picked2 = await ui.pick(
          [
            { label: `Use ${choice.mode}'s own negatives`, description: change.changes.join('; '), take: true },
            { label: "Keep the file's negatives", description: `as written for ${own!.mode}`, take: false },
          ],
          `${choice.mode} · ${choice.loss}: the file's negatives are set up for ${own!.mode}`,
        );
        if (!picked2) return undefined;
        if (picked2.take) options = { ...options, set: [modeSwitchOverride(change), ...(options.set ?? [])] };
      }
    }
    const mode = options.mode ?? choice?.mode;
    const loss = options.loss ?? choice?.loss;
    let engine: EngineRequest = options.engine !== undefined ? engineRequestOf({ engine: options.engine, processes: options.processes }, fileEngine) : {};
    const torch = (await torchFound)?.chosen;
    if (torch) {
      const items = enginePickItems(fileEngine, torch, cpus().length);
      const picked = await ui.pick(items, `Train ${experimentName(uri.fsPath)} on which engine?`);
      if (!picked) return undefined;
      engine = engineRequestOf(picked, fileEngine);
    }
    const request = { kind: 'train' as const, experiment: uri.fsPath, mode, loss, set: options.set, engine };
    const check = await preflight(text, uri.fsPath, requestOverrides(request, writtenLoss(text)));
    if (!check.ok) {
      // Opening the file lets the language server list the same errors in the Problems view.
      await vscode.window.showTextDocument(uri, { preview: false, preserveFocus: true });
      const more = check.errors.length > 1 ? ` (and ${check.errors.length - 1} more)` : '';
      return refuse(`Two-Tower Lab: ${experimentName(uri.fsPath)} cannot run: ${check.errors[0]}${more}`, {
        'Show Problems': () => vscode.commands.executeCommand('workbench.actions.view.problems'),
      });
    }
    if (interactive && check.warnings.length > 0) {
      // Warnings the choices cause are shown before the run, not left in the trainer's log.
      const go = await ui.pick(
        [
          { label: 'Train anyway', description: check.warnings.join(' · '), go: true },
          { label: 'Cancel', description: 'change the choice or the file first', go: false },
        ],
        `${check.choice.mode} · ${check.choice.loss}: ${check.warnings.length === 1 ? check.warnings[0] : `${check.warnings.length} warnings: ${check.warnings[0]} …`}`,
      );
      if (!go?.go) return undefined;
    }
    const resolved = fileEngineOf(check.config);
    if (resolved.engine === 'torch') {
      // What the trainer would refuse (exit 2, no run folder), refused here with its words and a way on.
      const why = await torchRefusal(resolved, engines);
      if (why !== undefined) return refuse(`Two-Tower Lab: ${experimentName(uri.fsPath)} cannot run: ${why}`, { 'Check Engines': () => vscode.commands.executeCommand(Commands.checkEngines) });
    }
    engine = withPythonPath(engine, resolved, pythonPathSetting());
    const folder = folderOf(uri.fsPath);
    const runId = manager.launch({ experiment: uri.fsPath, name: check.config.name, runsDir: runsDirOf(uri.fsPath), cwd: folder?.uri.fsPath ?? path.dirname(uri.fsPath), mode, loss, set: options.set, engine });
    const on = resolved.engine === 'torch' ? ` on torch × ${resolved.processes}` : '';
    follow(runId, `Training ${experimentName(uri.fsPath)} (${check.choice.mode}/${check.choice.loss}${on})`);
    return runId;
  };

  const stop = async (runId: string): Promise<RunSummary | undefined> => {
    try {
      return await manager.stop(runId);
    } catch (err) {
      ui.error(`Could not stop run ${runId}`, err);
      return undefined;
    }
  };

  /** Shows a run's progress while it trains, then says how it ended, with the run revealed in the tree. */
  const follow = (runId: string, title: string): void => {
    progress.notify(runId, title, (id) => void stop(id));
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
  };

  /** The runs of an experiment as the plots panel follows them: oldest first, so colours stay as runs join. */
  const experimentRuns = (experiment: string): ExperimentRuns => ({
    experiment,
    label: experimentName(experiment),
    refs: () => manager.registry.runsOf(experiment).reverse().map(refOf),
    onDidChange: (listener) => {
      const subscription = manager.onDidChangeRun(() => listener(undefined));
      return new vscode.Disposable(() => subscription.dispose());
    },
  });

  /** The palette's Open Plots: an experiment's runs (followed) first, the active editor's experiment on top, then single runs. */
  const pickPlotsTarget = async (experimentsOnly = false): Promise<{ experiment?: string; entry?: RunEntry } | undefined> => {
    const active = vscode.window.activeTextEditor?.document.uri.fsPath;
    const all = manager.registry.all();
    const experimentsWithRuns = [...new Set(all.map((e) => e.experiment).filter((e): e is string => e !== undefined))].sort((a, b) => Number(b === active) - Number(a === active));
    const items = [
      ...experimentsWithRuns.map((experiment) => ({ label: `$(pulse) Runs of ${experimentName(experiment)}`, description: `${manager.registry.runsOf(experiment).length} so far; new runs join as they start`, experiment, entry: undefined })),
      ...(experimentsOnly ? [] : all.map((entry) => ({ label: refOf(entry).label ?? entry.runId, description: `${entry.summary.status} · this run only`, experiment: undefined, entry }))),
    ];
    if (items.length === 0) {
      ui.info('Two-Tower Lab: no run to plot yet; start one with "Two-Tower Lab: Run Experiment".');
      return undefined;
    }
    return ui.pick(items, 'Plot which runs?');
  };

  const entriesOf = (node: unknown, nodes: unknown): RunEntry[] => {
    const ids = invokedRunIds(node, nodes, experiments.treeView.selection);
    return ids.map((id) => manager.registry.get(id)).filter((e): e is RunEntry => e !== undefined);
  };
  const refOf = (e: RunEntry): RunRef => {
    const name = e.meta.name ?? changedLabel(e.meta.changed) ?? e.runId;
    return { runId: e.runId, runDir: e.dir, label: e.summary.mode ? `${name} (${e.summary.mode}/${e.summary.loss ?? '?'})` : name };
  };
  /** One run: the argument, else the selected run, else a pick among all runs. */
  const oneRun = async (node: unknown, placeHolder: string, filter: (e: RunEntry) => boolean = () => true): Promise<RunEntry | undefined> => {
    // One run: the item itself, not the multi-selection it may be part of.
    const [entry] = entriesOf(node, node === undefined ? undefined : [node]);
    if (entry) return entry;
    const candidates = manager.registry.all().filter(filter);
    if (candidates.length === 0) {
      ui.info('Two-Tower Lab: no run fits; start one with "Two-Tower Lab: Run Experiment".');
      return undefined;
    }
    return (await ui.pick(candidates.map((e) => ({ label: e.runId, description: e.summary.status, entry: e })), placeHolder))?.entry;
  };

  context.subscriptions.push(
    vscode.commands.registerCommand(Commands.runExperiment, runExperiment),
    vscode.commands.registerCommand(Commands.stopRun, async (node?: unknown) => {
      const entry = await oneRun(node, 'Run to stop', (e) => manager.isActive(e.runId));
      if (!entry) return undefined;
      if (!manager.isActive(entry.runId)) return refuse(`Two-Tower Lab: run ${entry.runId} is ${entry.summary.status}, not running.`);
      return stop(entry.runId);
    }),
    vscode.commands.registerCommand(Commands.resumeRun, async (node?: unknown) => {
      if (!trusted()) return undefined;
      const entry = await oneRun(node, 'Run to resume', (e) => e.summary.status === 'stopped' || e.summary.status === 'failed');
      if (!entry) return undefined;
      if (entry.summary.status !== 'stopped' && entry.summary.status !== 'failed') return refuse(`Two-Tower Lab: run ${entry.runId} is ${entry.summary.status}; only a stopped or failed run can be resumed.`);
      const file = entry.experiment ?? entry.dir;
      try {
        manager.resume(entry, path.dirname(entry.dir), folderOf(file)?.uri.fsPath ?? path.dirname(entry.dir));
      } catch (err) {
        // A live trainer holds the run (a terminal's --resume, another window), or its id is not a run id.
        return refuse(`Two-Tower Lab: ${err instanceof Error ? err.message : String(err)}`);
      }
      follow(entry.runId, `Resuming ${entry.runId}`);
      return entry.runId;
    }),
    vscode.commands.registerCommand(Commands.openPlots, async (node?: unknown) => {
      // An experiment (its tree item, or its file): follow its runs. A run: that run, pinned.
      const experiment = node instanceof vscode.Uri ? node.fsPath : isExperimentNode(node) ? node.fsPath : undefined;
      if (experiment !== undefined) return plots.follow(experimentRuns(experiment));
      if (node !== undefined) {
        const entry = await oneRun(node, 'Run to plot');
        if (entry) plots.show([refOf(entry)]);
        return undefined;
      }
      // From the palette: say what will be shown instead of silently taking the tree's selection.
      const target = await pickPlotsTarget();
      if (target?.experiment !== undefined) plots.follow(experimentRuns(target.experiment));
      else if (target?.entry) plots.show([refOf(target.entry)]);
      return undefined;
    }),
    vscode.commands.registerCommand(Commands.pinPlots, () => plots.pin()),
    vscode.commands.registerCommand(Commands.followPlots, async () => {
      const shown = plots.shownRunIds().map((id) => manager.registry.get(id)?.experiment).find((e) => e !== undefined);
      if (shown !== undefined) return plots.follow(experimentRuns(shown));
      const target = await pickPlotsTarget(true);
      if (target?.experiment !== undefined) plots.follow(experimentRuns(target.experiment));
      return undefined;
    }),
    vscode.commands.registerCommand(Commands.compareRuns, async (node?: unknown, nodes?: unknown) => {
      let entries = entriesOf(node, nodes);
      if (entries.length < 2) {
        const picked = await ui.pickMany(manager.registry.all().map((e) => ({ label: e.runId, description: e.summary.status, entry: e, picked: entries.some((x) => x.runId === e.runId) })), 'Runs to compare');
        if (!picked) return;
        entries = picked.map((p) => p.entry);
      }
      if (entries.length === 0) return;
      plots.show(entries.map(refOf));
    }),
    vscode.commands.registerCommand(Commands.revealRun, async (node?: unknown) => {
      const entry = await oneRun(node, 'Run folder to reveal');
      if (!entry) return;
      const uri = vscode.Uri.file(entry.dir);
      // Remote and web windows cannot open the OS file manager of the machine that holds the folder.
      const local = vscode.env.remoteName === undefined && vscode.env.uiKind === vscode.UIKind.Desktop;
      await vscode.commands.executeCommand(local ? 'revealFileInOS' : 'revealInExplorer', uri);
    }),
    vscode.commands.registerCommand(Commands.deleteRun, async (node?: unknown, nodes?: unknown) => {
      let entries = entriesOf(node, nodes);
      if (entries.length === 0) {
        const one = await oneRun(undefined, 'Run to delete');
        entries = one ? [one] : [];
      }
      if (entries.length === 0) return false;
      const active = entries.filter((e) => manager.isActive(e.runId) || e.summary.status === 'running');
      if (active.length > 0) {
        refuse(`Two-Tower Lab: run ${active.map((e) => e.runId).join(', ')} is still ${active[0].summary.status}; stop it before deleting it.`);
        return false;
      }
      // A trainer started elsewhere may hold a run this window sees as ended (a terminal's --resume starting up).
      const held = entries.map((e) => whyNotWritable(e, path.dirname(e.dir))).find((why) => why !== undefined);
      if (held !== undefined) {
        refuse(`Two-Tower Lab: ${held}`);
        return false;
      }
      const what = entries.length === 1 ? `run ${entries[0].runId}` : `${entries.length} runs`;
      const ok = await ui.confirm(`Delete ${what}?`, `This deletes ${entries.map((e) => e.dir).join(', ')} with its events, checkpoint and embeddings. It cannot be undone.`, 'Delete');
      if (!ok) return false;
      for (const e of entries) {
        await rm(e.dir, { recursive: true, force: true });
        manager.forgetFolder(e.dir);
      }
      return true;
    }),
    vscode.commands.registerCommand(Commands.renameRun, async (node?: unknown, name?: unknown) => {
      const entry = await oneRun(node, 'Run to rename');
      if (!entry) return undefined;
      // A name given (the API, tests) is used as is; else the user types one, checked as typed.
      const chosen = typeof name === 'string' ? name : await ui.input(`Name of run ${entry.runId} (shown in the tree and the plots instead of its id)`, entry.meta.name ?? '', (text) => runNameProblem(text));
      if (chosen === undefined) return undefined;
      const problem = runNameProblem(chosen);
      if (problem) return refuse(`Two-Tower Lab: run ${entry.runId} keeps its name: ${problem}`);
      try {
        renameRun(entry.dir, chosen);
      } catch (err) {
        ui.error(`Could not rename run ${entry.runId}`, err);
        return undefined;
      }
      manager.registry.setMeta(entry.runId, readRunMeta(entry.dir));
      experiments.refresh();
      return chosen.trim();
    }),
    vscode.commands.registerCommand(Commands.showTrainerLog, async (node?: unknown) => {
      const entry = await oneRun(node, 'Run whose trainer log to show');
      if (!entry) return;
      if (!(await logs.show(entry.runId, entry.dir))) {
        ui.info(`Two-Tower Lab: run ${entry.runId} was started outside VS Code, so its trainer output went to the terminal that started it.`);
      }
    }),
  );

  return { manager, ready: watchAll(), onDidRefuse: refused.event, progress, runsDirOf, restrictTrust };
}

/**
 * Where to watch a runs folder from. Inside the workspace folder, the pattern is relative to the folder, so
 * the workspace's own recursive watcher serves it even before the runs folder exists (a watcher based on a
 * folder that does not exist yet may never report anything). Outside, the runs folder itself is the base.
 */
function runsPattern(folder: vscode.WorkspaceFolder, runsDir: string): { base: vscode.WorkspaceFolder | vscode.Uri; prefix: string } {
  const rel = path.relative(folder.uri.fsPath, runsDir);
  if (rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel)) return { base: folder, prefix: `${rel.split(path.sep).join('/')}/` };
  return { base: vscode.Uri.file(runsDir), prefix: '' };
}

/** Why a torch run cannot start on this machine (several nodes, no torch, no CUDA for `device: cuda`), as the front door says it. */
function isExperimentNode(n: unknown): n is ExperimentNode {
  return typeof n === 'object' && n !== null && (n as { kind?: unknown }).kind === 'experiment';
}

async function torchRefusal(resolved: FileEngine, engines: EnginesFeature): Promise<string | undefined> {
  if (resolved.nodes > 1) return multiNodeMessage(resolved.nodes);
  const finding = await engines.torch.get(resolved.python ?? pythonPathSetting());
  if (!finding.chosen) return noTorchMessage(finding.probes);
  const device = resolveDevice(resolved.device, finding.chosen);
  return 'error' in device ? device.error : undefined;
}

/** The experiment to run: the argument, else the selected experiment, else the active editor, else a pick. */
async function experimentUri(target: vscode.Uri | ExperimentNode | undefined, experiments: ExperimentsFeature, ui: Ui): Promise<vscode.Uri | undefined> {
  if (target instanceof vscode.Uri) return target;
  if (target?.kind === 'experiment') return vscode.Uri.file(target.fsPath);
  const selected = experiments.treeView.selection.find((n): n is ExperimentNode => n.kind === 'experiment');
  if (selected) return vscode.Uri.file(selected.fsPath);
  const active = vscode.window.activeTextEditor?.document;
  if (active && experiments.model.experiment(active.uri.fsPath)) return active.uri;
  const roots = experiments.model.roots();
  if (roots.length === 0) {
    ui.info('Two-Tower Lab: no *.tower.yaml experiment in this workspace yet; create one with "Two-Tower Lab: New Experiment from Template".');
    return undefined;
  }
  return (await ui.pick(roots.map((n) => ({ label: experimentName(n.fsPath), description: n.relativePath, uri: vscode.Uri.file(n.fsPath) })), 'Experiment to run'))?.uri;
}
