/**
 * Run Experiment (code lenses, tree, palette): the mode/loss pick and what switching mode changes, the
 * engine pick when torch is found, the same check as the editor and the CLI, the warnings the choices
 * cause, then a queued background run that this window follows to its end.
 */
import { cpus } from 'node:os';
import * as vscode from 'vscode';
import type { EngineName } from '../../core/config/schema';
import { multiNodeMessage, noTorchMessage, resolveDevice } from '../../core/engines/torchProbe';
import type { LossName, TrainingMode } from '../../shared/events';
import { Commands } from '../commands';
import { pythonPathSetting, type EnginesFeature } from '../engines/register';
import type { ExperimentsFeature } from '../experiments/register';
import { experimentName, type ExperimentNode } from '../experiments/model';
import type { Ui } from '../ui';
import type { FileEngine } from './engineChoice';
import type { TrainingChoice } from './preflight';
import type { RunCommandContext } from './runCommandContext';
import { requestOverrides, type EngineRequest } from './trainerCommand';

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

export async function runExperiment(ctx: RunCommandContext, target?: vscode.Uri | ExperimentNode, options: RunExperimentOptions = {}): Promise<string | undefined> {
  const { ui, manager, experiments, engines } = ctx;
  if (!ctx.trusted()) return undefined;
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
    return ctx.refuse(`Two-Tower Lab: ${experimentName(uri.fsPath)} cannot run: ${check.errors[0]}${more}`, {
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
    if (why !== undefined) return ctx.refuse(`Two-Tower Lab: ${experimentName(uri.fsPath)} cannot run: ${why}`, { 'Check Engines': () => vscode.commands.executeCommand(Commands.checkEngines) });
  }
  engine = withPythonPath(engine, resolved, pythonPathSetting());
  const runId = manager.launch({ experiment: uri.fsPath, name: check.config.name, runsDir: ctx.runsDirOf(uri.fsPath), cwd: ctx.cwdOf(uri.fsPath), mode, loss, set: options.set, engine });
  const on = resolved.engine === 'torch' ? ` on torch × ${resolved.processes}` : '';
  ctx.follow(runId, `Training ${experimentName(uri.fsPath)} (${check.choice.mode}/${check.choice.loss}${on})`);
  return runId;
}

/** Why a torch run cannot start on this machine (several nodes, no torch, no CUDA for `device: cuda`), as the front door says it. */
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
