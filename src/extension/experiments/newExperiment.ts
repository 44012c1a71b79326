/** "New Experiment from Template": pick a mode, name it, write `<name>.tower.yaml` into the workspace, open it. */
import { readFile } from 'node:fs/promises';
import * as vscode from 'vscode';
import { EXPERIMENT_SUFFIX } from '../commands';
import type { Ui } from '../ui';
import { checkExperimentName, instantiateTemplate, TEMPLATES } from './templates';

export interface NewExperimentOptions {
  /** Skips the pickers (tests, other extensions). */
  mode?: string;
  name?: string;
  folder?: vscode.Uri;
}

export async function newExperiment(context: vscode.ExtensionContext, ui: Ui, options: NewExperimentOptions = {}): Promise<vscode.Uri | undefined> {
  const folder = options.folder ?? vscode.workspace.workspaceFolders?.[0]?.uri;
  if (!folder) {
    ui.refuse('Two-Tower Lab: open a folder first; a new experiment is written into the workspace.');
    return undefined;
  }
  const template = options.mode
    ? TEMPLATES.find((t) => t.mode === options.mode)
    : (await ui.pick(TEMPLATES.map((t) => ({ label: t.label, detail: t.detail, template: t })), 'Training mode of the new experiment'))?.template;
  if (!template) return undefined;
  const exists = async (name: string): Promise<boolean> => {
    try {
      await vscode.workspace.fs.stat(vscode.Uri.joinPath(folder, `${name}${EXPERIMENT_SUFFIX}`));
      return true;
    } catch {
      // stat rejects exactly when there is no such file, which is what we want to know.
      return false;
    }
  };
  let suggestion = `${template.mode}-experiment`;
  for (let i = 2; await exists(suggestion); i++) suggestion = `${template.mode}-experiment-${i}`;
  const name = options.name ?? (await ui.input('Name of the new experiment (the file is <name>.tower.yaml)', suggestion, checkExperimentName));
  if (name === undefined) return undefined;
  const problem = checkExperimentName(name);
  if (problem) {
    ui.refuse(`Two-Tower Lab: '${name}' cannot name an experiment: ${problem}`);
    return undefined;
  }
  const target = vscode.Uri.joinPath(folder, `${name}${EXPERIMENT_SUFFIX}`);
  if (await exists(name)) {
    ui.refuse(`Two-Tower Lab: ${target.fsPath} already exists; choose another name.`);
    return undefined;
  }
  const text = instantiateTemplate(await readFile(context.asAbsolutePath(template.file), 'utf8'), name);
  await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
  await vscode.window.showTextDocument(target, { preview: false });
  return target;
}
