/**
 * Runs in a real VS Code: the plots panel follows an experiment's runs (a run started after it opened
 * joins), Pin freezes the selection, and the palette's Open Plots asks what to show instead of taking
 * the tree's selection. Every wait is on an event of the extension's API, never a sleep.
 */
import * as assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { PickShown, TwoTowerLabApi } from '../../../src/extension/api';
import { Commands } from '../../../src/extension/commands';
import { activateExtension, waitUntil, workspaceRoot } from './util';

const SMALL = ['data.synthetic.users=200', 'data.synthetic.items=80', 'training.epochs=1'];

export function registerPlotsTests(): void {
  describe('plots panel', () => {
    let api: TwoTowerLabApi;
    let softmax: vscode.Uri;
    before(async function () {
      this.timeout(60_000);
      api = await activateExtension();
      await api.runs.ready;
      softmax = vscode.Uri.joinPath(workspaceRoot(), 'synthetic-softmax.tower.yaml');
    });

    const train = async (file = softmax): Promise<string> => {
      const runId = await vscode.commands.executeCommand<string | undefined>(Commands.runExperiment, file, { set: SMALL });
      assert.ok(runId, 'no run started');
      const summary = await api.runs.whenEnded(runId);
      assert.equal(summary?.status, 'completed');
      return runId;
    };

    it('follows the experiment\'s runs: a run started after the panel opened joins it; after Pin, new runs do not', async function () {
      this.timeout(120_000);
      const first = await train();
      await vscode.commands.executeCommand(Commands.openPlots, softmax);
      assert.equal(api.plots.followedExperiment(), softmax.fsPath);
      assert.ok(api.plots.shownRunIds().includes(first), 'the followed panel lacks the experiment\'s finished run');
      const runsOfFile = api.runs.list().filter((r) => r.experiment === softmax.fsPath).map((r) => r.runId);
      assert.deepEqual([...api.plots.shownRunIds()].sort(), [...runsOfFile].sort());

      const second = await train();
      await waitUntil(api.runs.onDidChange, () => api.plots.shownRunIds().includes(second), `run ${second} to join the followed plots panel`);

      await vscode.commands.executeCommand(Commands.pinPlots);
      assert.equal(api.plots.followedExperiment(), undefined);
      const pinned = [...api.plots.shownRunIds()];
      const third = await train();
      assert.ok(!api.plots.shownRunIds().includes(third), 'a pinned panel took a new run');
      assert.deepEqual(api.plots.shownRunIds(), pinned);

      // Follow again: the third run joins.
      await vscode.commands.executeCommand(Commands.followPlots);
      assert.equal(api.plots.followedExperiment(), softmax.fsPath);
      assert.ok(api.plots.shownRunIds().includes(third));
    });

    it('compares the runs with the first one in the runs table, and again when a new run is evaluated', async function () {
      this.timeout(180_000);
      // An experiment of its own: the fixture's other runs were trained on other data sizes (other splits),
      // which the table rightly does not pair with these.
      const paired = vscode.Uri.joinPath(workspaceRoot(), 'plots-compare.tower.yaml');
      writeFileSync(paired.fsPath, readFileSync(softmax.fsPath, 'utf8').replace('name: synthetic-softmax', 'name: plots-compare'));
      try {
        await waitUntil(api.experiments.onDidChange, () => api.experiments.list().includes(paired.fsPath), 'the comparison experiment in the tree', 30_000);
        await train(paired);
        await train(paired);
        await vscode.commands.executeCommand(Commands.openPlots, paired);
        const covers = (runIds: string[]): boolean => {
          const c = api.plots.comparisons();
          return c !== undefined && runIds.every((id) => c.runs.some((r) => r.runId === id && (r.status === 'compared' || r.status === 'reference')));
        };
        const shown = [...api.plots.shownRunIds()];
        assert.equal(shown.length, 2);
        await waitUntil(api.plots.onDidCompare, () => covers(shown), `comparisons of ${shown.join(', ')}`, 30_000);
        const first = api.plots.comparisons()!;
        assert.equal(first.referenceRunId, shown[0]);
        assert.equal(first.resamples, 2000);
        const other = first.runs.find((r) => r.runId !== first.referenceRunId);
        assert.ok(other?.status === 'compared', `not compared: ${JSON.stringify(other)}`);
        const recall = Object.keys(other.metrics).find((k) => k.startsWith('recall@'));
        assert.ok(other.users > 0 && recall !== undefined, JSON.stringify(other));
        const d = other.metrics[recall];
        assert.ok(d.low <= d.difference && d.difference <= d.high, JSON.stringify(d));
        // A run trained now joins the followed panel and is compared once its evaluation and checkpoint are written.
        const next = await train(paired);
        await waitUntil(api.plots.onDidCompare, () => covers([next]), `comparisons with the new run ${next}`, 30_000);
      } finally {
        rmSync(paired.fsPath, { force: true });
      }
    });

    it('the palette\'s Open Plots asks: an experiment\'s runs (followed) or one run, never the tree\'s selection silently', async function () {
      this.timeout(30_000);
      const shown: PickShown[] = [];
      const sub = api.ui.onDidShowPick((pick) => shown.push(pick));
      const answer = api.ui.answerNextPick((pick) => pick.items.findIndex((i) => i.label === '$(pulse) Runs of synthetic-softmax'));
      try {
        await vscode.commands.executeCommand(Commands.openPlots);
      } finally {
        sub.dispose();
        answer.dispose();
      }
      const pick = shown.find((p) => p.placeHolder === 'Plot which runs?');
      assert.ok(pick, 'Open Plots from the palette showed no pick');
      assert.ok(pick.items.some((i) => i.description?.endsWith('this run only')), 'the pick offers no single run');
      assert.equal(api.plots.followedExperiment(), softmax.fsPath);
    });
  });
}
