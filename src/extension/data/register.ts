/**
 * "Two-Tower Lab: Profile Data": the data profile of an experiment (`two-tower-lab data --json` in a child
 * process, see profileData.ts) in the "Two-Tower Lab: Data" output channel, with a one-line summary. It reads
 * the workspace's data files as training does, so it is refused in an untrusted workspace, like a run.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';

import { formatProfile, type DataProfile } from '../../core/data/profile';
import { Commands, EXPERIMENT_SUFFIX } from '../commands';
import type { ExperimentNode } from '../experiments/model';
import type { Ui } from '../ui';
import { dataCommandLine, runDataProfile } from './profileData';

export interface DataOptions {
  trainerScript: string;
  hostExecPath: string;
  nodePath(): string | undefined;
}

export function registerData(context: vscode.ExtensionContext, ui: Ui, options: DataOptions): void {
  const channel = vscode.window.createOutputChannel('Two-Tower Lab: Data');
  context.subscriptions.push(channel);

  /** The experiment: a Uri (the palette, tests), an experiments-tree node, else the active editor's file. */
  const profileData = async (target?: vscode.Uri | Pick<ExperimentNode, 'kind' | 'fsPath'>): Promise<DataProfile | undefined> => {
    const uri = target instanceof vscode.Uri ? target : target?.kind === 'experiment' ? vscode.Uri.file(target.fsPath) : vscode.window.activeTextEditor?.document.uri;
    if (!uri || !uri.fsPath.endsWith(EXPERIMENT_SUFFIX)) {
      ui.warn(`Two-Tower Lab: open an experiment (*${EXPERIMENT_SUFFIX}) to profile its data.`);
      return undefined;
    }
    if (!vscode.workspace.isTrusted) {
      ui.warn('Two-Tower Lab: profiling data reads the workspace\'s data files as training does, which an untrusted workspace does not allow. Trust the workspace first.');
      return undefined;
    }
    const file = uri.fsPath;
    let profile: DataProfile;
    try {
      const line = dataCommandLine({ trainerScript: options.trainerScript, hostExecPath: options.hostExecPath, nodePath: options.nodePath() }, file);
      profile = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Two-Tower Lab: profiling the data of ${path.basename(file)}…` },
        () => runDataProfile(line, path.dirname(file)),
      );
    } catch (err) {
      ui.error(`Could not profile the data of ${path.basename(file)}`, err);
      return undefined;
    }
    channel.clear();
    channel.append(`$ two-tower-lab data ${path.basename(file)}\n\n${formatProfile(profile)}`);
    ui.info(
      `Two-Tower Lab: ${profile.rows} rows, ${profile.users} users, ${profile.items} items, ${profile.positives} positives (train ${profile.split.train}, test ${profile.split.test}); loaded in ${profile.loadSec.toFixed(1)} s.`,
      { 'Show Profile': () => channel.show(true) },
    );
    return profile;
  };

  context.subscriptions.push(vscode.commands.registerCommand(Commands.profileData, profileData));
}
