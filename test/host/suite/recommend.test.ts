/**
 * Runs in a real VS Code: "Recommend for a User…" on a run trained through the Run command. The user is
 * picked through `api.ui.answerNextPick` ("a random test user", the pick's first item), the panel's
 * webview draws the top K and reports the rows it drew; they are the CLI's `recommend --format jsonl`
 * rows for that user (items, marks, popularity ranks). An unknown user is shown as an error with what to do.
 */
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { NoticeShown, PickShown, RecommendShown, TwoTowerLabApi } from '../../../src/extension/api';
import { Commands } from '../../../src/extension/commands';
import { RANDOM_TEST_USER } from '../../../src/extension/recommend/register';
import { EXTENSION_ID, activateExtension, waitUntil, workspaceRoot } from './util';

/** `two-tower-lab recommend … --format jsonl` run by this test itself, as a person would in a terminal. */
function cliRecommend(runsDir: string, runId: string, user: string, k: number, exact: boolean): Promise<{ item: string; seen: boolean; heldOut: boolean; popularityRank: number }[]> {
  const trainer = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'dist', 'trainer.js');
  const args = [trainer, 'recommend', runId, '--user', user, '-k', String(k), '--format', 'jsonl', '--runs-dir', runsDir, ...(exact ? ['--exact'] : [])];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { cwd: workspaceRoot().fsPath, env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`${args.join(' ')} failed: ${stderr}`));
      resolve(stdout.trim().split('\n').map((l) => JSON.parse(l) as { item: string; seen: boolean; heldOut: boolean; popularityRank: number }));
    });
  });
}

export function registerRecommendTests(): void {
  describe('recommend for a user', () => {
    let api: TwoTowerLabApi;
    let runId: string;
    /** A second run of the same experiment and data (another temperature), to compare what two models recommend. */
    let otherRunId: string;
    before(async function () {
      this.timeout(180_000);
      api = await activateExtension();
      await api.runs.ready;
      const softmax = vscode.Uri.joinPath(workspaceRoot(), 'synthetic-softmax.tower.yaml');
      const train = async (set: string[]): Promise<string> => {
        const launched = await vscode.commands.executeCommand<string | undefined>(Commands.runExperiment, softmax, { set: ['data.synthetic.users=120', 'data.synthetic.items=60', ...set] });
        assert.ok(launched, 'runExperiment returned no run id');
        const summary = await api.runs.whenEnded(launched)!;
        assert.equal(summary.status, 'completed', `the run ended ${summary.status}: ${summary.error ?? ''}`);
        return launched;
      };
      runId = await train(['training.epochs=2']);
      otherRunId = await train(['training.epochs=1', 'score.temperature=0.2']);
    });

    /** Resolves when the panel shows `user`'s table from the trainer's answer, drawn by the webview (or its error). */
    const settled = async (user: string, exact: boolean, run = runId): Promise<RecommendShown> => {
      const done = (): boolean => {
        const s = api.recommend.shown();
        return s !== undefined && s.runId === run && s.user === user && s.exact === exact && !s.loading && (s.error !== undefined || (s.rendered?.runId === run && s.rendered.user === user && s.rendered.exact === exact));
      };
      await waitUntil(api.recommend.onDidChange, done, `the recommendations of ${user} by run ${run} (${exact ? 'exact' : 'ANN'}) drawn`, 90_000);
      return api.recommend.shown()!;
    };

    it('picks a random test user and draws the CLI\'s top K for them, with marks and popularity ranks; exact search too', async function () {
      this.timeout(180_000);
      let offered: PickShown | undefined;
      const answer = api.ui.answerNextPick((shown) => {
        offered = shown;
        return 0;
      });
      try {
        const started = await vscode.commands.executeCommand<RecommendShown | undefined>(Commands.recommendForUser, runId, { k: 10 });
        assert.ok(started, 'the command opened no panel');
        assert.ok(offered, 'no user pick was shown');
        assert.equal(offered.items[0].label, RANDOM_TEST_USER);
        // Every user of the run, with its positives: 120 synthetic users at most.
        assert.ok(offered.items.length > 20 && offered.items.length <= 121, `${offered.items.length} items offered`);
        const user = started.user;
        const pickedItem = offered.items.find((i) => i.label === user);
        assert.ok(pickedItem, `the random user ${user} is not among the users offered`);
        assert.match(pickedItem.description ?? '', /^\d+ training positives · [1-9]\d* held out$/, 'the random user is not a test user');

        const ann = await settled(user, false);
        assert.equal(ann.error, undefined, ann.error);
        // The run switch offers the experiment's completed runs, these two among them.
        assert.ok(ann.runs.includes(runId) && ann.runs.includes(otherRunId), `runs offered: ${ann.runs.join(', ')}`);
        const cli = await cliRecommend(path.dirname(api.runs.get(runId)!.dir), runId, user, 10, false);
        assert.deepEqual(ann.rendered!.items, cli.map((r) => r.item));
        // Columns as drawn: #, item, marks, score, popularity, then the item table's.
        ann.rendered!.cells.forEach((cells, j) => {
          assert.equal(cells[0], String(j + 1));
          assert.equal(cells[1], cli[j].item);
          assert.equal(cells[2], [cli[j].seen ? 'seen' : '', cli[j].heldOut ? 'held-out' : ''].join(''));
          assert.equal(cells[4], String(cli[j].popularityRank));
        });

        await vscode.commands.executeCommand(Commands.recommendForUser, runId, { user, exact: true, k: 10 });
        const exact = await settled(user, true);
        const cliExact = await cliRecommend(path.dirname(api.runs.get(runId)!.dir), runId, user, 10, true);
        assert.deepEqual(exact.rendered!.items, cliExact.map((r) => r.item));

        // The same person, the other model (what the run switch asks for).
        await vscode.commands.executeCommand(Commands.recommendForUser, otherRunId, { user, exact: true, k: 10 });
        const other = await settled(user, true, otherRunId);
        assert.equal(other.runId, otherRunId);
        assert.equal(other.rendered!.runId, otherRunId);
        const cliOther = await cliRecommend(path.dirname(api.runs.get(otherRunId)!.dir), otherRunId, user, 10, true);
        assert.deepEqual(other.rendered!.items, cliOther.map((r) => r.item));
      } finally {
        answer.dispose();
      }
    });

    it('refuses a run without a checkpoint with what to do, before any user pick', async function () {
      this.timeout(120_000);
      // The completed run's folder copied under another id, without its checkpoint: a run that ended before its first epoch.
      const dir = api.runs.get(runId)!.dir;
      const bare = `${runId}-no-checkpoint`;
      const bareDir = path.join(path.dirname(dir), bare);
      cpSync(dir, bareDir, { recursive: true });
      rmSync(path.join(bareDir, 'checkpoint'), { recursive: true, force: true });
      await waitUntil(api.runs.onDidChange, () => api.runs.get(bare) !== undefined, `run ${bare} in the registry`, 30_000);
      const notices: NoticeShown[] = [];
      const sub = api.ui.onDidNotify((n) => notices.push(n));
      let offered = false;
      const answer = api.ui.answerNextPick(() => {
        offered = true;
        return undefined;
      });
      try {
        assert.equal(await vscode.commands.executeCommand(Commands.recommendForUser, bare), undefined);
      } finally {
        sub.dispose();
        answer.dispose();
      }
      assert.equal(offered, false, 'a user pick was shown for a run without a model');
      const refusal = notices.find((n) => n.severity === 'error');
      assert.ok(refusal, `no error shown; notices: ${notices.map((n) => n.message).join(' | ')}`);
      assert.match(refusal.message, new RegExp(`run ${bare} cannot recommend: .*has no checkpoint yet.*Resume the run .* until it completes an epoch`));
    });

    it('shows an unknown user as an error that says what to do', async function () {
      this.timeout(120_000);
      await vscode.commands.executeCommand(Commands.recommendForUser, runId, { user: 'nobody', exact: false, k: 5 });
      const shown = await settled('nobody', false);
      assert.match(shown.error ?? '', /'nobody' is not a user of run .*embed a new user/);
    });
  });
}
