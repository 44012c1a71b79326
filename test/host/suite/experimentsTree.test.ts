import * as assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TwoTowerLabApi } from '../../../src/extension/api';
import { activateExtension, waitUntil, workspaceRoot } from './util';

const relativeList = (api: TwoTowerLabApi): string[] =>
  api.experiments.list().map((p) => path.relative(workspaceRoot().fsPath, p).split(path.sep).join('/'));

/**
 * The workspace file watcher starts asynchronously after the window opens, and changes made before it
 * is live are never reported. Wait until it reports a probe file (re-writing the probe each round)
 * so the test below checks the extension, not the watcher's start-up.
 */
async function waitForLiveWatcher(api: TwoTowerLabApi): Promise<void> {
  const probe = path.join(workspaceRoot().fsPath, 'watcher-probe.tower.yaml');
  for (let round = 1; ; round++) {
    await writeFile(probe, `# round ${round}\n`);
    try {
      await waitUntil(api.experiments.onDidChange, () => api.experiments.list().includes(probe), 'the watcher probe', 3_000);
      console.log(`file watcher live after ${round} probe round(s)`);
      break;
    } catch (err) {
      if (round >= 10) throw new Error(`the file watcher reported nothing in 10 rounds of 3 s: ${String(err)}`);
      await rm(probe);
    }
  }
  await rm(probe);
  await waitUntil(api.experiments.onDidChange, () => !api.experiments.list().includes(probe), 'the watcher probe to be deleted');
}

export function registerExperimentsTreeTests(): void {
  describe('experiments tree', () => {
    let api: TwoTowerLabApi;
    before(async function () {
      this.timeout(60_000);
      api = await activateExtension();
      await waitForLiveWatcher(api);
    });

    it('lists the fixture workspace experiments and nothing else', () => {
      assert.deepEqual(relativeList(api), ['configs/pairwise-hinge.tower.yaml', 'synthetic-softmax.tower.yaml']);
    });

    it('shows the tree view', async () => {
      await vscode.commands.executeCommand('twoTowerLab.experiments.focus');
    });

    it('adds a created file and drops a deleted one (FileSystemWatcher)', async () => {
      // Created outside VS Code's editors (as the trainer or a terminal would), in an existing sub-folder.
      const added = vscode.Uri.joinPath(workspaceRoot(), 'configs', 'new-one.tower.yaml');
      await writeFile(added.fsPath, 'name: new-one\n');
      await waitUntil(api.experiments.onDidChange, () => api.experiments.list().includes(added.fsPath), `${added.fsPath} to appear in the tree`);
      assert.deepEqual(relativeList(api), ['configs/new-one.tower.yaml', 'configs/pairwise-hinge.tower.yaml', 'synthetic-softmax.tower.yaml']);

      await rm(added.fsPath);
      await waitUntil(api.experiments.onDidChange, () => !api.experiments.list().includes(added.fsPath), `${added.fsPath} to leave the tree`);
      assert.equal(api.experiments.list().length, 2);
    });
  });
}
