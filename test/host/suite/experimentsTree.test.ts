import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TwoTowerLabApi } from '../../../src/extension/api';
import { activateExtension, waitUntil, workspaceRoot } from './util';

const relativeList = (api: TwoTowerLabApi): string[] =>
  api.experiments.list().map((p) => path.relative(workspaceRoot().fsPath, p).split(path.sep).join('/'));

export function registerExperimentsTreeTests(): void {
  describe('experiments tree', () => {
    let api: TwoTowerLabApi;
    before(async () => {
      api = await activateExtension();
    });

    it('lists the fixture workspace experiments and nothing else', () => {
      assert.deepEqual(relativeList(api), ['configs/pairwise-hinge.tower.yaml', 'synthetic-softmax.tower.yaml']);
    });

    it('shows the tree view', async () => {
      await vscode.commands.executeCommand('twoTowerLab.experiments.focus');
    });

    it('adds a created file and drops a deleted one (FileSystemWatcher)', async () => {
      const added = vscode.Uri.joinPath(workspaceRoot(), 'added', 'new-one.tower.yaml');
      await vscode.workspace.fs.writeFile(added, Buffer.from('name: new-one\n'));
      await waitUntil(api.experiments.onDidChange, () => api.experiments.list().includes(added.fsPath), `${added.fsPath} to appear in the tree`);
      assert.deepEqual(relativeList(api), ['added/new-one.tower.yaml', 'configs/pairwise-hinge.tower.yaml', 'synthetic-softmax.tower.yaml']);

      await vscode.workspace.fs.delete(added);
      await waitUntil(api.experiments.onDidChange, () => !api.experiments.list().includes(added.fsPath), `${added.fsPath} to leave the tree`);
      assert.equal(api.experiments.list().length, 2);
    });
  });
}
