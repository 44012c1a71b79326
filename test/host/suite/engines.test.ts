/**
 * Runs in a real VS Code: "Two-Tower Lab: Check Engines" runs `two-tower-lab doctor --json` in a child
 * process and sums it up (and names the interpreter of twoTowerLab.pythonPath); the Run quick pick
 * offers the engine when a Python with torch is found, and a run on torch picked there trains through
 * torchrun with the setting's interpreter, shows in the tree as `torch · cpu × 1` and completes.
 * Every wait is on an event of the extension's API, never a sleep.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PickShown, TwoTowerLabApi } from '../../../src/extension/api';
import { Commands } from '../../../src/extension/commands';
import type { CheckEnginesResult } from '../../../src/extension/engines/register';
import { activateExtension, workspaceRoot } from './util';

const SMALL = ['data.synthetic.users=300', 'data.synthetic.items=120', 'training.epochs=2'];

async function setPythonPath(value: string | undefined): Promise<void> {
  await vscode.workspace.getConfiguration('twoTowerLab').update('pythonPath', value, vscode.ConfigurationTarget.Global);
}

export function registerEnginesTests(): void {
  describe('engines', () => {
    let api: TwoTowerLabApi;
    let softmax: vscode.Uri;
    /** The interpreter Check Engines found with torch, if this machine has one. */
    let torchPython: string | undefined;
    before(async function () {
      this.timeout(60_000);
      api = await activateExtension();
      await api.runs.ready;
      softmax = vscode.Uri.joinPath(workspaceRoot(), 'synthetic-softmax.tower.yaml');
    });
    after(async () => {
      await setPythonPath(undefined);
    });

    it('Check Engines runs the doctor in a child process and sums up tfjs and torch', async function () {
      this.timeout(120_000);
      const result = await vscode.commands.executeCommand<CheckEnginesResult | undefined>(Commands.checkEngines);
      assert.ok(result, 'the command reported a failure instead of a report');
      assert.equal(result.report.tfjs.backend, 'wasm', `tfjs: ${result.report.tfjs.problem ?? ''}`);
      assert.ok(result.report.torch.probes.length >= 1, 'no interpreter was probed');
      torchPython = result.report.torch.usable?.python;
      if (torchPython) {
        assert.equal(result.ok, true);
        assert.match(result.summary, new RegExp(`^Two-Tower Lab: tfjs ready \\(wasm\\); torch \\S+ ready with ${torchPython.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\((cpu|cuda: \\d+ GPUs?)`));
      } else {
        assert.equal(result.ok, false);
        assert.match(result.summary, /torch engine not ready: .*Install python3-torch/);
      }
    });

    it('Check Engines probes the interpreter of twoTowerLab.pythonPath, and says what to do when it has no torch', async function () {
      this.timeout(120_000);
      const missing = path.join(workspaceRoot().fsPath, 'no-such-python3');
      await setPythonPath(missing);
      try {
        const result = await vscode.commands.executeCommand<CheckEnginesResult | undefined>(Commands.checkEngines);
        assert.ok(result);
        assert.deepEqual(result.report.torch.probes.map((p) => p.python), [missing]);
        assert.match(result.report.torch.probes[0].problem ?? '', /not found/);
        assert.equal(result.ok, false);
        assert.equal(
          result.summary,
          `Two-Tower Lab: tfjs ready (wasm); torch engine not ready: no Python with torch, numpy and torchrun (tried ${missing}). Install python3-torch and python3-numpy (or pip install torch numpy), or set twoTowerLab.pythonPath to the Python that has them.`,
        );
      } finally {
        await setPythonPath(undefined);
      }
    });

    it('offers the engine in the Run quick pick when torch is found; torch · 1 process trains on torch with the pythonPath interpreter and the tree says so', async function () {
      this.timeout(180_000);
      if (!torchPython) this.skip();
      // The setting reaches the trainer as --python (the fixture names no interpreter).
      await setPythonPath(torchPython);
      const shown: PickShown[] = [];
      const sub = api.ui.onDidShowPick((pick) => shown.push(pick));
      const answers = [
        api.ui.answerNextPick(() => 0),
        api.ui.answerNextPick((pick) => pick.items.findIndex((i) => i.label === 'torch · 1 process')),
      ];
      let runId: string | undefined;
      try {
        runId = await vscode.commands.executeCommand<string | undefined>(Commands.runExperiment, softmax, { pickLoss: true, set: SMALL });
      } finally {
        sub.dispose();
        for (const a of answers) a.dispose();
      }
      const enginePick = shown.find((p) => p.placeHolder === 'Train synthetic-softmax on which engine?');
      assert.ok(enginePick, `no engine pick among ${JSON.stringify(shown.map((p) => p.placeHolder))}`);
      const cores = Math.max(1, cpus().length);
      assert.deepEqual(
        enginePick.items.map((i) => i.label),
        ['tfjs (embedded)', 'torch · 1 process', ...(cores > 1 ? [`torch · ${cores} processes`] : [])],
      );
      assert.equal(enginePick.items[0].description, 'as in the file');
      assert.match(enginePick.items[1].description ?? '', /^PyTorch \S+, (cpu|cuda)$/);

      assert.ok(runId, 'runExperiment returned no run id after the engine pick');
      const summary = await api.runs.whenEnded(runId);
      assert.ok(summary);
      assert.equal(summary.status, 'completed', `the torch run ended ${summary.status}: ${summary.error ?? ''}`);
      assert.match(summary.engine ?? '', /^torch · (cpu|cuda) × 1$/);
      const dir = api.runs.get(runId)!.dir;
      const started = JSON.parse(readFileSync(path.join(dir, 'events.jsonl'), 'utf8').split('\n').find((l) => l.includes('"type":"started"'))!) as { engine?: string; processes?: number; backend: string };
      assert.deepEqual({ engine: started.engine, processes: started.processes, backend: started.backend }, { engine: 'torch', processes: 1, backend: 'torch' });
      // --engine torch --processes 1 --python <setting>, as the resolved config.yaml records.
      const config = readFileSync(path.join(dir, 'config.yaml'), 'utf8');
      assert.match(config, /^ {2}engine: torch$/m);
      assert.ok(config.includes(`python: ${torchPython}`), `config.yaml has no python: ${torchPython}`);
      const item = api.experiments.treeItems(softmax.fsPath).find((i) => i.id === `run:${runId}`);
      assert.ok(item);
      assert.match(item.description, /^recall@5 \d\.\d{3} · listwise\/softmax · torch · (cpu|cuda) × 1/);
      assert.match(item.tooltip, /listwise\/softmax on torch · (cpu|cuda) × 1/);
    });
  });
}
