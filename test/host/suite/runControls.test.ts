/**
 * Runs in a real VS Code: the Run command's mode/loss quick pick (the file's own pair first) and the
 * chosen pair reaching the trainer; runs refused in an untrusted workspace; the training status bar item
 * and the cancellable progress notification, cancelled through the workbench's own notification command.
 * Every wait is on an event of the extension's API, never a sleep.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PickShown, TwoTowerLabApi } from '../../../src/extension/api';
import { MODE_DEFAULTS } from '../../../src/core/config/modeDefaults';
import { Commands } from '../../../src/extension/commands';
import { activateExtension, waitUntil, workspaceRoot } from './util';

/** A few hundred users and two epochs: seconds of training. */
const SMALL = ['data.synthetic.users=300', 'data.synthetic.items=120', 'training.epochs=2'];

function nextRefusal(api: TwoTowerLabApi): Promise<string> {
  return new Promise<string>((resolve) => {
    const sub = api.runs.onDidRefuse((message) => {
      sub.dispose();
      resolve(message);
    });
  });
}

/** `promise`, or a rejection saying what did not happen within `timeoutMs` (a deadline, not a sleep). */
function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

export function registerRunControlsTests(): void {
  describe('run controls', () => {
    let api: TwoTowerLabApi;
    let softmax: vscode.Uri;
    before(async function () {
      this.timeout(60_000);
      api = await activateExtension();
      await api.runs.ready;
      softmax = vscode.Uri.joinPath(workspaceRoot(), 'synthetic-softmax.tower.yaml');
    });

    it('offers every mode/loss pair in the Run quick pick, the file\'s own first, and trains with the pair chosen', async function () {
      this.timeout(120_000);
      const shown: PickShown[] = [];
      const sub = api.ui.onDidShowPick((pick) => shown.push(pick));
      const answers: vscode.Disposable[] = [];
      let runId: string | undefined;
      try {
        // Dismissing the pick starts nothing.
        const before = api.runs.list().length;
        answers.push(api.ui.answerNextPick(() => undefined));
        const dismissed = await vscode.commands.executeCommand<string | undefined>(Commands.runExperiment, softmax, { pickLoss: true, set: SMALL });
        assert.equal(dismissed, undefined);
        assert.equal(api.runs.list().length, before, 'a dismissed pick started a run');

        answers.push(api.ui.answerNextPick((pick) => pick.items.findIndex((i) => i.label === 'pairwise · logistic')));
        // Where a Python with torch is found, an engine pick follows: the file's tfjs (engines.test.ts covers it).
        answers.push(api.ui.answerNextPick((pick) => pick.items.findIndex((i) => i.label === 'tfjs (embedded)')));
        runId = await vscode.commands.executeCommand<string | undefined>(Commands.runExperiment, softmax, { pickLoss: true, set: SMALL });
      } finally {
        sub.dispose();
        for (const answer of answers) answer.dispose();
      }
      const modePicks = shown.filter((p) => p.placeHolder.endsWith('with which mode and loss?'));
      assert.equal(modePicks.length, 2, `expected one mode/loss pick per Run command, saw ${modePicks.length}`);
      assert.ok(shown.length - modePicks.length <= 1, 'the dismissed mode/loss pick was followed by another pick');
      for (const pick of modePicks) {
        assert.equal(pick.placeHolder, 'Train synthetic-softmax with which mode and loss?');
        // The fixture says listwise/softmax: that pair first, marked; then LOSSES_BY_MODE's other pairs in order.
        assert.deepEqual(pick.items, [
          { label: 'listwise · softmax', description: 'as in the file' },
          { label: 'pointwise · bce', description: undefined },
          { label: 'pairwise · hinge', description: undefined },
          { label: 'pairwise · logistic', description: undefined },
        ]);
      }
      assert.ok(runId, 'runExperiment returned no run id after the pick was answered');
      const summary = await api.runs.whenEnded(runId);
      assert.ok(summary, 'the run manager does not follow the run it launched');
      assert.equal(summary.status, 'completed', `the run ended ${summary.status}: ${summary.error ?? ''}`);
      assert.equal(summary.mode, 'pairwise');
      assert.equal(summary.loss, 'logistic');
      // The trainer itself trained with the chosen pair: its started event says so.
      const started = readFileSync(path.join(api.runs.get(runId)!.dir, 'events.jsonl'), 'utf8').split('\n').find((l) => l.includes('"type":"started"'));
      assert.ok(started, 'no started event in events.jsonl');
      const event = JSON.parse(started) as { mode: string; loss: string };
      assert.deepEqual({ mode: event.mode, loss: event.loss }, { mode: 'pairwise', loss: 'logistic' });
    });

    it('Train with loss… in another mode says what of the file\'s negatives changes, and shows the warnings of the result before training', async function () {
      this.timeout(120_000);
      // A listwise file with in-batch negatives and logQ, as the examples have: written for this test, removed after.
      const inBatch = vscode.Uri.joinPath(workspaceRoot(), 'inbatch-logq.tower.yaml');
      const text = readFileSync(softmax.fsPath, 'utf8').replace('name: synthetic-softmax', 'name: inbatch-logq').replace('  epochs: 1\n', '  epochs: 1\n  negatives:\n    source: in_batch\n    logq_correction: true\n');
      await vscode.workspace.fs.writeFile(inBatch, new TextEncoder().encode(text));
      const shown: PickShown[] = [];
      const sub = api.ui.onDidShowPick((pick) => shown.push(pick));
      const answers: vscode.Disposable[] = [];
      /** Answers every pick of the Run command by its placeholder: pairwise · hinge, then `negatives`, tfjs, then `warnings`. */
      const answerAll = (negatives: RegExp, warnings: string) => {
        for (let i = 0; i < 4; i++) {
          answers.push(
            api.ui.answerNextPick((pick) => {
              const want = pick.placeHolder.endsWith('with which mode and loss?') ? /^pairwise · hinge$/ : pick.placeHolder.endsWith('on which engine?') ? /^tfjs/ : pick.placeHolder.includes('negatives are set up for') ? negatives : new RegExp(`^${warnings}$`);
              return pick.items.findIndex((item) => want.test(item.label));
            }),
          );
        }
      };
      try {
        answerAll(/^Use pairwise's own negatives$/, 'Train anyway');
        const runId = await vscode.commands.executeCommand<string | undefined>(Commands.runExperiment, inBatch, { pickLoss: true, set: SMALL });
        for (const a of answers.splice(0)) a.dispose();
        const negativesPick = shown.find((p) => p.placeHolder === "pairwise · hinge: the file's negatives are set up for listwise");
        assert.ok(negativesPick, `no negatives pick among ${shown.map((p) => p.placeHolder).join(' | ')}`);
        assert.deepEqual(negativesPick.items.map((i) => i.label), ["Use pairwise's own negatives", "Keep the file's negatives"]);
        const own = MODE_DEFAULTS.pairwise.negatives;
        assert.ok((negativesPick.items[0].description ?? '').startsWith(`source: in_batch → ${own.source}; logq_correction: true → (removed)`), negativesPick.items[0].description);
        // The run's own negatives leave nothing to warn about: no warnings pick.
        assert.ok(!shown.some((p) => p.items.some((i) => i.label === 'Train anyway')), 'a warnings pick was shown for a config without warnings');
        assert.ok(runId, 'no run started');
        const summary = await api.runs.whenEnded(runId);
        assert.equal(summary?.status, 'completed');
        const config = readFileSync(path.join(api.runs.get(runId)!.dir, 'config.yaml'), 'utf8');
        assert.match(config, new RegExp(`source: ${own.source}\\b`));
        assert.match(config, /logq_correction: false/);

        // Keeping the file's negatives: the rule that fires on the result is shown before training, and Cancel starts nothing.
        shown.length = 0;
        const before = api.runs.list().length;
        answerAll(/^Keep the file's negatives$/, 'Cancel');
        const cancelled = await vscode.commands.executeCommand<string | undefined>(Commands.runExperiment, inBatch, { pickLoss: true, set: SMALL });
        assert.equal(cancelled, undefined);
        assert.equal(api.runs.list().length, before, 'a cancelled run started');
        const warningsPick = shown.find((p) => p.items.some((i) => i.label === 'Train anyway'));
        assert.ok(warningsPick, `no warnings pick among ${shown.map((p) => p.placeHolder).join(' | ')}`);
        assert.match(warningsPick.placeHolder, /^pairwise · hinge: logq-needs-softmax: /);
      } finally {
        sub.dispose();
        for (const answer of answers) answer.dispose();
        await vscode.workspace.fs.delete(inBatch);
        await waitUntil(api.experiments.onDidChange, () => !api.experiments.list().includes(inBatch.fsPath), `${inBatch.fsPath} to leave the tree`);
      }
    });

    it('refuses runs in an untrusted workspace with a message that says why and how to trust it', async function () {
      this.timeout(30_000);
      // The harness starts code-server with --disable-workspace-trust, so the workspace is trusted and
      // trust cannot be withdrawn from inside the host: the extension's restrictTrust() seam narrows it.
      assert.equal(vscode.workspace.isTrusted, true);
      const before = api.runs.list().length;
      const restriction = api.runs.restrictTrust();
      try {
        const refusal = nextRefusal(api);
        const runId = await vscode.commands.executeCommand<string | undefined>(Commands.runExperiment, softmax, { set: SMALL });
        assert.equal(runId, undefined);
        const message = await refusal;
        assert.match(message, /^Two-Tower Lab: training is disabled in an untrusted workspace, because a run executes the trainer/);
        assert.match(message, /Trust the workspace to train\.$/);
        // Resume executes the trainer too.
        const resumeRefusal = nextRefusal(api);
        assert.equal(await vscode.commands.executeCommand<string | undefined>(Commands.resumeRun, 'any-run'), undefined);
        assert.match(await resumeRefusal, /untrusted workspace/);
        assert.equal(api.runs.list().length, before, 'a run was started in an untrusted workspace');
      } finally {
        restriction.dispose();
      }
      // Trust restored: the pick is offered again (and dismissed), so the trust check no longer refuses.
      let picked = false;
      const answer = api.ui.answerNextPick(() => {
        picked = true;
        return undefined;
      });
      try {
        await vscode.commands.executeCommand<string | undefined>(Commands.runExperiment, softmax, { pickLoss: true });
      } finally {
        answer.dispose();
      }
      assert.ok(picked, 'after the restriction was disposed, the Run command still refused');
    });

    it('shows "epoch N/M · loss X · N ex/s" in the status bar while training, and the notification\'s Cancel stops the run', async function () {
      this.timeout(120_000);
      // Older notifications go, so the progress notification is the newest one the workbench holds.
      await vscode.commands.executeCommand('notifications.clearAll');
      const runId = await vscode.commands.executeCommand<string | undefined>(Commands.runExperiment, softmax, { set: ['training.epochs=500'] });
      assert.ok(runId);
      const ended = api.runs.whenEnded(runId);
      assert.ok(ended, 'the run manager does not follow the run it launched');
      // e.g. "$(sync~spin) epoch 2/500 · loss 3.71 · 41k ex/s" (below 10k examples/s the rate is "8123 ex/s").
      const statusPattern = /^\$\(sync~spin\) epoch (\d+)\/500 · loss \d+\.\d{2} · \d+k? ex\/s$/;
      await waitUntil(api.progress.onDidChange, () => statusPattern.test(api.progress.statusText() ?? ''), `the status bar to show run ${runId}'s epoch, loss and rate`, 60_000);
      const epochShown = Number(statusPattern.exec(api.progress.statusText()!)![1]);
      assert.ok(epochShown >= 1 && epochShown <= 500);
      assert.deepEqual(api.progress.notifications().filter((n) => n.runId === runId), [{ runId, title: 'Training synthetic-softmax (listwise/softmax)' }]);
      assert.equal(api.runs.get(runId)?.summary.status, 'running');

      // The workbench's "accept primary action" runs the newest notification's first button: the progress
      // notification's Cancel, as a click would. The extension hears it as the progress token's cancellation.
      await vscode.commands.executeCommand('notification.acceptPrimaryAction');
      const summary = await within(ended, 60_000, `run ${runId} to end after its notification was cancelled`);
      assert.equal(summary.status, 'stopped', `cancelling the notification ended the run ${summary.status}: ${summary.error ?? ''}`);
      await waitUntil(api.progress.onDidChange, () => api.progress.statusText() === undefined && !api.progress.notifications().some((n) => n.runId === runId), 'the status bar item and the notification to go after the run stopped');
    });
  });
}
