/** Entry point of the extension (runs in the VS Code extension host; never loads tfjs). */
import * as vscode from 'vscode';
import type { TwoTowerLabApi } from './api';
import { registerExperiments } from './experiments/register';
import { startLanguageClient } from './languageClient';
import { Ui } from './ui';

export function activate(context: vscode.ExtensionContext): TwoTowerLabApi {
  const ui = new Ui();
  context.subscriptions.push(ui);
  try {
    const experiments = registerExperiments(context, ui);
    // The initial scan runs in the background; its failure is shown, not swallowed.
    experiments.ready.catch((err: unknown) => ui.error('Could not list the *.tower.yaml experiments', err));
    startLanguageClient(context).catch((err: unknown) => ui.error('The experiment language server did not start', err));
    ui.log.info(`activated in VS Code ${vscode.version} (${vscode.env.appHost}, uiKind ${vscode.env.uiKind})`);
    return { experiments: { list: experiments.list, onDidChange: experiments.onDidChange, ready: experiments.ready } };
  } catch (err) {
    // VS Code only logs activation errors; show them so the user knows why the views stay empty.
    ui.error('Activation failed', err);
    throw err;
  }
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
