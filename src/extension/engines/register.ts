/**
 * The engines feature's one registration point: "Two-Tower Lab: Check Engines" (`two-tower-lab doctor
 * --json` in a child process, its report in the "Two-Tower Lab: Engines" output channel and a summary
 * notification), the twoTowerLab.pythonPath setting, and what the Run command knows about torch on this
 * machine (TorchAvailability), forgotten when the setting changes or the engines are checked again.
 */
import * as vscode from 'vscode';
import { formatDoctor, type DoctorReport } from '../../shared/engines';
import { Commands } from '../commands';
import type { Ui } from '../ui';
import { TorchAvailability } from '../runs/torchAvailability';
import { doctorCommandLine, doctorSummary, runDoctor } from './doctor';

const SETTINGS = 'twoTowerLab';

/** twoTowerLab.pythonPath, trimmed; undefined when empty. A restricted setting: an untrusted workspace cannot set it. */
export function pythonPathSetting(): string | undefined {
  return vscode.workspace.getConfiguration(SETTINGS).get<string>('pythonPath')?.trim() || undefined;
}

export interface EnginesOptions {
  trainerScript: string;
  hostExecPath: string;
  nodePath(): string | undefined;
}

export interface EnginesFeature {
  readonly torch: TorchAvailability;
}

/** What the command resolves with (the host tests read it; people read the notification and the channel). */
export interface CheckEnginesResult {
  report: DoctorReport;
  summary: string;
  ok: boolean;
}

export function registerEngines(context: vscode.ExtensionContext, ui: Ui, options: EnginesOptions): EnginesFeature {
  const torch = new TorchAvailability();
  const channel = vscode.window.createOutputChannel('Two-Tower Lab: Engines');
  context.subscriptions.push(
    channel,
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(`${SETTINGS}.pythonPath`)) torch.clear();
    }),
  );

  const checkEngines = async (): Promise<CheckEnginesResult | undefined> => {
    const python = pythonPathSetting();
    const line = doctorCommandLine({ trainerScript: options.trainerScript, hostExecPath: options.hostExecPath, nodePath: options.nodePath() }, python);
    let report: DoctorReport;
    try {
      // The extension's own folder as working folder: the doctor reads nothing of the workspace.
      report = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Two-Tower Lab: checking the engines…' }, () => runDoctor(line, context.extensionPath));
    } catch (err) {
      ui.error('Could not check the engines', err);
      return undefined;
    }
    torch.clear();
    channel.clear();
    channel.append(`$ two-tower-lab doctor${python ? ` --python ${python}` : ''}\n\n${formatDoctor(report)}`);
    const { ok, message } = doctorSummary(report);
    const details = { 'Show Details': () => channel.show(true) };
    if (ok) ui.info(message, details);
    else ui.warn(message, { ...details, 'Open Settings': () => vscode.commands.executeCommand('workbench.action.openSettings', `${SETTINGS}.pythonPath`) });
    return { report, summary: message, ok };
  };

  context.subscriptions.push(vscode.commands.registerCommand(Commands.checkEngines, checkEngines));
  return { torch };
}
