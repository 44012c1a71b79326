import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { Commands } from '../../../src/extension/commands';
import { activateExtension, waitUntil, workspaceRoot } from './util';

export function registerOpenExperimentTests(): void {
  describe('openExperiment', () => {
    before(async () => {
      await activateExtension();
    });

    it('opens the given experiment file in an editor, with the two-tower language', async () => {
      const target = vscode.Uri.joinPath(workspaceRoot(), 'configs', 'pairwise-hinge.tower.yaml');
      const isOpen = (): boolean => vscode.window.activeTextEditor?.document.uri.fsPath === target.fsPath;
      const opened = waitUntil(vscode.window.onDidChangeActiveTextEditor, isOpen, `${target.fsPath} to become the active editor`);
      await vscode.commands.executeCommand(Commands.openExperiment, target);
      await opened;
      const doc = vscode.window.activeTextEditor?.document;
      assert.equal(doc?.languageId, 'two-tower');
      assert.match(doc?.getText() ?? '', /^name: pairwise-hinge$/m);
    });
  });
}
