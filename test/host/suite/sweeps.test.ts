/**
 * A sweep in a real VS Code: the Run Sweep code lens of a file with a `sweep:` section starts
 * `two-tower-lab sweep`; its runs appear under one sweep node of the tree, which ends `4/4 done` with
 * the pass icon and the best value of the sweep's metric. Waits are on the extension's events.
 */
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TwoTowerLabApi } from '../../../src/extension/api';
import { activateExtension, waitUntil, workspaceRoot } from './util';

const SWEEP_EXPERIMENT = `name: sweep-host
data:
  synthetic:
    users: 60
    items: 40
    latent_dim: 4
  seed: 7
user_tower:
  id_embedding_dim: 8
  output_dim: 8
item_tower:
  id_embedding_dim: 8
  output_dim: 8
score:
  temperature: 0.1
training:
  mode: listwise
  loss: softmax
  epochs: 1
  batch_size: 16
evaluation:
  k: [5]
sweep:
  grid:
    training.learning_rate: [0.01, 0.05]
  seeds: 2
  parallel: 2
`;

export function registerSweepsTests(): void {
  describe('sweeps', () => {
    let api: TwoTowerLabApi;
    let uri: vscode.Uri;
    before(async function () {
      this.timeout(60_000);
      api = await activateExtension();
      await api.runs.ready;
      uri = vscode.Uri.joinPath(workspaceRoot(), 'sweep-host.tower.yaml');
      writeFileSync(uri.fsPath, SWEEP_EXPERIMENT);
      await waitUntil(api.experiments.onDidChange, () => api.experiments.list().includes(uri.fsPath), 'the sweep experiment in the tree', 30_000);
    });
    // Registered last, but the workspace copy is shared: leave it with only the fixture's experiments.
    after(() => rmSync(uri.fsPath, { force: true }));

    it('runs a sweep from its code lens and shows its runs under a sweep node that completes', async function () {
      this.timeout(180_000);
      await vscode.window.showTextDocument(uri);
      // The language server answers once it has the document.
      let lens: vscode.CodeLens | undefined;
      for (let attempt = 0; attempt < 60 && lens === undefined; attempt++) {
        const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
        lens = lenses.find((l) => l.command?.command === 'twoTowerLab.runSweep');
        if (lens === undefined) await new Promise((resolve) => setTimeout(resolve, 500));
      }
      assert.ok(lens?.command, 'no Run Sweep lens on a file with a sweep: section');
      assert.equal(lens.command.title, '$(run-all) Run Sweep');
      const code = await vscode.commands.executeCommand<number | null>(lens.command.command, ...(lens.command.arguments ?? []));
      assert.equal(code, 0, 'the sweep did not finish with exit code 0 (see the Two-Tower Lab Sweeps output)');
      const sweepNode = () => api.experiments.treeItems(uri.fsPath).find((i) => i.id.startsWith('sweep:'));
      await waitUntil(api.runs.onDidChange, () => /^4\/4 done · best recall@5 0\.\d{4}$/.test(sweepNode()?.description ?? ''), 'the sweep node to show 4/4 done', 60_000);
      const node = sweepNode()!;
      assert.equal(node.contextValue, 'sweep.done');
      assert.equal(node.icon, 'pass');
      assert.match(node.label, /^sweep sweep-host-sweep-\d{8}-\d{6}-[0-9a-f]{4}$/);
      // The sweep's runs are under its node, not beside it.
      assert.equal(api.experiments.treeItems(uri.fsPath).filter((i) => i.id.startsWith('run:')).length, 0);
    });

    it('Stop Sweep stops the sweep process: its live run checkpoints and stops, no further run starts, Resume Sweep can continue', async function () {
      this.timeout(180_000);
      const long = vscode.Uri.joinPath(workspaceRoot(), 'sweep-stop.tower.yaml');
      writeFileSync(long.fsPath, SWEEP_EXPERIMENT.replace('name: sweep-host', 'name: sweep-stop').replace('  epochs: 1\n', '  epochs: 400\n').replace('  seeds: 2\n  parallel: 2\n', '  seeds: 1\n  parallel: 1\n'));
      try {
        await waitUntil(api.experiments.onDidChange, () => api.experiments.list().includes(long.fsPath), 'the second sweep experiment in the tree', 30_000);
        const finished = vscode.commands.executeCommand<number | null>('twoTowerLab.runSweep', long);
        const liveRun = () => api.runs.list().find((r) => r.experiment === long.fsPath && r.summary.status === 'running' && r.summary.epoch >= 1);
        await waitUntil(api.runs.onDidChange, () => liveRun() !== undefined, 'a run of the sweep to train its first epoch', 90_000);
        const sweepItem = api.experiments.treeItems(long.fsPath).find((i) => i.id.startsWith('sweep:'))!;
        const sweepId = sweepItem.id.split(':').at(-1)!;
        const runsDir = api.runs.runsDirOf(long.fsPath);
        assert.ok(JSON.parse(readFileSync(path.join(runsDir, 'sweeps', sweepId, 'sweep.json'), 'utf8')).driver?.pid, 'sweep.json does not name the sweep process');
        const how = await vscode.commands.executeCommand<string | undefined>('twoTowerLab.stopSweep', { kind: 'sweep', sweepId, experiment: long.fsPath });
        assert.equal(how, 'signalled');
        assert.equal(await finished, 0, 'the stopped sweep process did not exit 0');
        const state = JSON.parse(readFileSync(path.join(runsDir, 'sweeps', sweepId, 'sweep.json'), 'utf8')) as { driver?: unknown; runs: { runId: string }[] };
        assert.equal(state.driver, undefined, 'sweep.json still names a driver after the sweep stopped');
        const started = state.runs.filter((r) => existsSync(path.join(runsDir, r.runId, 'events.jsonl')));
        assert.equal(started.length, 1, 'a run started after Stop Sweep');
        assert.match(readFileSync(path.join(runsDir, started[0].runId, 'events.jsonl'), 'utf8'), /"type":"ended","status":"stopped"/);
      } finally {
        rmSync(long.fsPath, { force: true });
      }
    });
  });
}
