import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { Commands } from '../../../src/extension/commands';
import { EXTENSION_ID, activateExtension } from './util';

export function registerActivationTests(): void {
  describe('activation', () => {
    it('reports the VS Code version the tests run in', () => {
      console.log(`vscode.version = ${vscode.version}`);
      assert.match(vscode.version, /^\d+\.\d+\.\d+/);
    });

    it('activates and returns its API', async () => {
      const api = await activateExtension();
      assert.equal(vscode.extensions.getExtension(EXTENSION_ID)?.isActive, true);
      assert.equal(typeof api.experiments.list, 'function');
    });

    it('registers openExperiment', async () => {
      const all = await vscode.commands.getCommands(true);
      assert.ok(all.includes(Commands.openExperiment), `${Commands.openExperiment} is not registered`);
    });
  });
}
