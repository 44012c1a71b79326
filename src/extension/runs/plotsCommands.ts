/**
 * The plots commands: Open Plots (an experiment's runs, followed as new ones start; one run; or, from the
 * palette, a pick that says which), Pin and Follow on the panel's title bar, and Compare Selected Runs.
 */
import * as vscode from 'vscode';
import { experimentName, type ExperimentNode } from '../experiments/model';
import type { ExperimentRuns } from '../plots/register';
import type { RunCommandContext } from './runCommandContext';
import type { RunEntry } from './runRegistry';

/** The runs of an experiment as the plots panel follows them: oldest first, so colours stay as runs join. */
export function experimentRuns(ctx: RunCommandContext, experiment: string): ExperimentRuns {
  const { manager } = ctx;
  return {
    experiment,
    label: experimentName(experiment),
    refs: () => manager.registry.runsOf(experiment).reverse().map((e) => ctx.refOf(e)),
    onDidChange: (listener) => {
      const subscription = manager.onDidChangeRun(() => listener(undefined));
      return new vscode.Disposable(() => subscription.dispose());
    },
  };
}

/** The palette's Open Plots: an experiment's runs (followed) first, the active editor's experiment on top, then single runs. */
async function pickPlotsTarget(ctx: RunCommandContext, experimentsOnly = false): Promise<{ experiment?: string; entry?: RunEntry } | undefined> {
  const { manager, ui } = ctx;
  const active = vscode.window.activeTextEditor?.document.uri.fsPath;
  const all = manager.registry.all();
  const experimentsWithRuns = [...new Set(all.map((e) => e.experiment).filter((e): e is string => e !== undefined))].sort((a, b) => Number(b === active) - Number(a === active));
  const items = [
    ...experimentsWithRuns.map((experiment) => ({ label: `$(pulse) Runs of ${experimentName(experiment)}`, description: `${manager.registry.runsOf(experiment).length} so far; new runs join as they start`, experiment, entry: undefined })),
    ...(experimentsOnly ? [] : all.map((entry) => ({ label: ctx.refOf(entry).label ?? entry.runId, description: `${entry.summary.status} · this run only`, experiment: undefined, entry }))),
  ];
  if (items.length === 0) {
    ui.info('Two-Tower Lab: no run to plot yet; start one with "Two-Tower Lab: Run Experiment".');
    return undefined;
  }
  return ui.pick(items, 'Plot which runs?');
}

function isExperimentNode(n: unknown): n is ExperimentNode {
  return typeof n === 'object' && n !== null && (n as { kind?: unknown }).kind === 'experiment';
}

/** An experiment (its tree item, or its file): follow its runs. A run: that run, pinned. Nothing: ask. */
export async function openPlots(ctx: RunCommandContext, node?: unknown): Promise<void> {
  const { plots } = ctx;
  const experiment = node instanceof vscode.Uri ? node.fsPath : isExperimentNode(node) ? node.fsPath : undefined;
  if (experiment !== undefined) return plots.follow(experimentRuns(ctx, experiment));
  if (node !== undefined) {
    const entry = await ctx.oneRun(node, 'Run to plot');
    if (entry) plots.show([ctx.refOf(entry)]);
    return undefined;
  }
  // From the palette: say what will be shown instead of silently taking the tree's selection.
  const target = await pickPlotsTarget(ctx);
  if (target?.experiment !== undefined) plots.follow(experimentRuns(ctx, target.experiment));
  else if (target?.entry) plots.show([ctx.refOf(target.entry)]);
  return undefined;
}

/** Follow again: the experiment of the runs shown, else a pick. */
export async function followPlots(ctx: RunCommandContext): Promise<void> {
  const shown = ctx.plots.shownRunIds().map((id) => ctx.manager.registry.get(id)?.experiment).find((e) => e !== undefined);
  if (shown !== undefined) return ctx.plots.follow(experimentRuns(ctx, shown));
  const target = await pickPlotsTarget(ctx, true);
  if (target?.experiment !== undefined) ctx.plots.follow(experimentRuns(ctx, target.experiment));
  return undefined;
}

/** The runs the command means (the tree's multi-selection from the title bar too), else a pick of several. */
export async function compareRuns(ctx: RunCommandContext, node?: unknown, nodes?: unknown): Promise<void> {
  let entries = ctx.entriesOf(node, nodes);
  if (entries.length < 2) {
    const picked = await ctx.ui.pickMany(ctx.manager.registry.all().map((e) => ({ label: e.runId, description: e.summary.status, entry: e, picked: entries.some((x) => x.runId === e.runId) })), 'Runs to compare');
    if (!picked) return;
    entries = picked.map((p) => p.entry);
  }
  if (entries.length === 0) return;
  ctx.plots.show(entries.map((e) => ctx.refOf(e)));
}
