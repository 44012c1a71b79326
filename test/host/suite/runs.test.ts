/**
 * Runs in a real VS Code: a tiny training through the Run command shows in the tree as running, then
 * completed with its metric; Stop ends a longer run as stopped; an invalid config is refused with the
 * validator's file:line:column; a run folder written by the CLI (a separate process) appears in the tree.
 * Every wait is on an event of the extension's API, never a sleep.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { NoticeShown, TreeItemSnapshot, TwoTowerLabApi } from '../../../src/extension/api';
import { Commands } from '../../../src/extension/commands';
import { EXTENSION_ID, activateExtension, experimentWithImpressedNegatives, waitUntil, workspaceRoot } from './util';

const INVALID = experimentWithImpressedNegatives('refused');

function treeItem(api: TwoTowerLabApi, experiment: string, runId: string): TreeItemSnapshot | undefined {
  return api.experiments.treeItems(experiment).find((i) => i.id === `run:${runId}`);
}

export function registerRunsTests(): void {
  describe('runs', () => {
    let api: TwoTowerLabApi;
    let softmax: vscode.Uri;
    let stoppedRunId: string | undefined;
    before(async function () {
      this.timeout(60_000);
      api = await activateExtension();
      await api.runs.ready;
      console.log(`activate() took ${api.activationMs.toFixed(1)} ms in this extension host (measured inside activate)`);
      softmax = vscode.Uri.joinPath(workspaceRoot(), 'synthetic-softmax.tower.yaml');
    });

    it('trains the fixture through the Run command: the tree shows it running, then completed with recall@5', async function () {
      this.timeout(120_000);
      // Everything the tree showed for this run while it changed, so a short running phase is not missed.
      const seen: TreeItemSnapshot[] = [];
      const notices: NoticeShown[] = [];
      let runId: string | undefined;
      const sub = api.runs.onDidChange((id) => {
        if (id !== runId) return;
        const item = treeItem(api, softmax.fsPath, id);
        if (item) seen.push(item);
      });
      const noticeSub = api.ui.onDidNotify((n) => notices.push(n));
      try {
        // A few hundred users and two epochs: a couple of seconds of training, long enough to be seen running.
        runId = await vscode.commands.executeCommand<string | undefined>(Commands.runExperiment, softmax, {
          set: ['data.synthetic.users=300', 'data.synthetic.items=120', 'training.epochs=2'],
        });
        assert.ok(runId, 'runExperiment returned no run id');
        const ended = api.runs.whenEnded(runId);
        assert.ok(ended, 'the run manager does not follow the run it launched');
        const summary = await ended;
        assert.equal(summary.status, 'completed', `the run ended ${summary.status}: ${summary.error ?? ''}`);
        // The end is said, not only drawn as an icon: a notification with the metric and the next steps.
        await waitUntil(api.ui.onDidNotify, () => notices.some((n) => n.message.includes(runId!)), `a notification that run ${runId} ended`, 10_000);
      } finally {
        sub.dispose();
        noticeSub.dispose();
      }
      const notice = notices.find((n) => n.message.includes(runId!))!;
      assert.match(notice.message, /completed in \d+s: recall@5 \d\.\d{3} \(epoch \d\), popularity \d\.\d{3}/);
      assert.deepEqual(notice.actions, ['Open Plots', 'Show Log']);
      const icons = seen.map((i) => i.icon);
      assert.ok(icons.includes('sync~spin'), `the tree never showed the run running; icons seen: ${icons.join(', ')}`);
      assert.ok(seen.some((i) => i.contextValue === 'run.running'));
      const final = treeItem(api, softmax.fsPath, runId)!;
      assert.equal(final.icon, 'pass');
      assert.equal(final.contextValue, 'run.completed');
      // e.g. "recall@5 0.180 · listwise/softmax · 6s": the metric first, where the sidebar does not cut it.
      assert.match(final.description, /^recall@5 \d\.\d{3} · listwise\/softmax · \d+(s|m \d\ds)$/);
      // Labelled by what it changes from its file (its --set), not by a timestamp.
      assert.equal(final.label, 'users 300 · items 120 · epochs 2');
      // Rename Run: the name replaces the label, and lives in the run folder.
      assert.equal(await vscode.commands.executeCommand<string>(Commands.renameRun, runId, 'tiny softmax'), 'tiny softmax');
      assert.equal(treeItem(api, softmax.fsPath, runId)!.label, 'tiny softmax');
      assert.match(readFileSync(path.join(api.runs.get(runId)!.dir, 'meta.json'), 'utf8'), /"name": "tiny softmax"/);
      const run = api.runs.get(runId)!;
      assert.equal(run.experiment, softmax.fsPath);
      assert.equal(run.summary.epoch, 2);
      assert.ok(run.summary.headline && run.summary.headline.value >= 0 && run.summary.headline.value <= 1);
      assert.ok(existsSync(path.join(run.dir, 'trainer.log')), 'the trainer stderr was not copied to trainer.log');
      assert.match(readFileSync(path.join(run.dir, 'events.jsonl'), 'utf8'), /"type":"ended","status":"completed"/);
      // Newest first: this run is the first child of its experiment.
      assert.equal(api.experiments.treeItems(softmax.fsPath)[0].id, `run:${runId}`);
    });

    it('stops a longer run: SIGTERM, checkpoint, and the tree shows it stopped (delete is refused while it runs)', async function () {
      this.timeout(120_000);
      const runId = await vscode.commands.executeCommand<string | undefined>(Commands.runExperiment, softmax, { set: ['training.epochs=500'] });
      assert.ok(runId);
      await waitUntil(api.runs.onDidChange, () => api.runs.get(runId)?.summary.status === 'running' && api.runs.get(runId)!.summary.epoch >= 1, `run ${runId} to finish its first epoch`, 60_000);

      const refusal = new Promise<string>((resolve) => {
        const sub = api.runs.onDidRefuse((message) => {
          sub.dispose();
          resolve(message);
        });
      });
      const deleted = await vscode.commands.executeCommand<boolean>(Commands.deleteRun, runId);
      assert.equal(deleted, false);
      assert.match(await refusal, /stop it before deleting it/);

      const summary = await vscode.commands.executeCommand<{ status: string } | undefined>(Commands.stopRun, runId);
      assert.equal(summary?.status, 'stopped');
      const item = treeItem(api, softmax.fsPath, runId)!;
      assert.equal(item.icon, 'debug-stop');
      assert.equal(item.contextValue, 'run.stopped');
      const dir = api.runs.get(runId)!.dir;
      assert.ok(existsSync(path.join(dir, 'checkpoint')), 'a stopped run keeps a checkpoint to resume from');
      stoppedRunId = runId;
    });

    it('resumes the stopped run from its checkpoint in the same folder (then stops it again)', async function () {
      this.timeout(120_000);
      assert.ok(stoppedRunId, 'the stop test did not leave a stopped run');
      const runId = stoppedRunId;
      const epochBefore = api.runs.get(runId)!.summary.epoch;
      const resumed = await vscode.commands.executeCommand<string | undefined>(Commands.resumeRun, runId);
      assert.equal(resumed, runId);
      await waitUntil(api.runs.onDidChange, () => api.runs.get(runId)?.summary.status === 'running' && api.runs.get(runId)!.summary.epoch > epochBefore, `resumed run ${runId} to train past epoch ${epochBefore}`, 60_000);
      assert.equal(treeItem(api, softmax.fsPath, runId)?.icon, 'sync~spin');
      const summary = await vscode.commands.executeCommand<{ status: string } | undefined>(Commands.stopRun, runId);
      assert.equal(summary?.status, 'stopped');
      const starts = readFileSync(path.join(api.runs.get(runId)!.dir, 'events.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"type":"started"'));
      assert.equal(starts.length, 2, 'a resumed run writes a second started event into the same events.jsonl');
      assert.match(starts[1], /"resumedFromEpoch":[1-9]/);
    });

    it('refuses an invalid config with the validator\'s file:line:column and starts nothing', async function () {
      this.timeout(30_000);
      const uri = vscode.Uri.joinPath(workspaceRoot(), 'refused.tower.yaml');
      await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(INVALID));
      try {
        const before = api.runs.list().length;
        const refusal = new Promise<string>((resolve) => {
          const sub = api.runs.onDidRefuse((message) => {
            sub.dispose();
            resolve(message);
          });
        });
        const runId = await vscode.commands.executeCommand<string | undefined>(Commands.runExperiment, uri);
        assert.equal(runId, undefined);
        const message = await refusal;
        // Line 16, column 13 is the `impressed_not_clicked` of `source:`, as the language server reports it.
        assert.ok(message.includes(`${uri.fsPath}:16:13: error impressed-negatives`), message);
        assert.equal(api.runs.list().length, before);
        // A mode/loss pair that does not fit is refused the same way, before any process starts.
        const mismatch = await vscode.commands.executeCommand<string | undefined>(Commands.runExperiment, softmax, { mode: 'pointwise', loss: 'softmax' });
        assert.equal(mismatch, undefined);
      } finally {
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        await vscode.workspace.fs.delete(uri);
      }
    });

    it('shows a run that the CLI wrote into the runs folder (FileSystemWatcher on events.jsonl)', async function () {
      this.timeout(120_000);
      const experiment = path.join(workspaceRoot().fsPath, 'configs', 'pairwise-hinge.tower.yaml');
      const runsDir = api.runs.runsDirOf(experiment);
      const runId = `cli-run-${Date.now()}`;
      const trainer = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'dist', 'trainer.js');
      const appeared = waitUntil(api.runs.onDidChange, () => api.runs.get(runId)?.summary.status === 'completed', `CLI run ${runId} to appear completed`, 90_000);
      const child = spawn(process.execPath, [trainer, 'train', experiment, '--runs-dir', runsDir, '--run-id', runId, '--events-stdout', 'off', '--quiet'], {
        cwd: workspaceRoot().fsPath,
        env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      assert.equal(code, 0, `the CLI failed: ${stderr}`);
      await appeared;
      const item = treeItem(api, experiment, runId);
      assert.ok(item, `the tree does not list ${runId} under pairwise-hinge`);
      assert.equal(item.icon, 'pass');
      assert.match(item.description, /^recall@5 \d\.\d{3} · pairwise\/hinge/);
    });

    it('writes a new experiment from a template and lists it', async function () {
      this.timeout(30_000);
      const uri = await vscode.commands.executeCommand<vscode.Uri | undefined>(Commands.newExperiment, { mode: 'pairwise', name: 'from-template' });
      assert.ok(uri);
      try {
        await waitUntil(api.experiments.onDidChange, () => api.experiments.list().includes(uri.fsPath), 'the new experiment in the tree');
        const text = readFileSync(uri.fsPath, 'utf8');
        assert.match(text, /^name: from-template$/m);
        assert.match(text, /^ {2}mode: pairwise$/m);
        assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, uri.fsPath);
      } finally {
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        await vscode.workspace.fs.delete(uri);
      }
    });
  });
}
