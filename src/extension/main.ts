/** Entry point of the extension (runs in the VS Code extension host; never loads tfjs). */
import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): void {
  context.subscriptions.push(vscode.commands.registerCommand('twoTowerLab.openExperiment', async (uri?: vscode.Uri) => {
    if (uri) await vscode.window.showTextDocument(uri);
  }));
}

export function deactivate(): void {}
