/**
 * "Two-Tower Lab: Recommend for a User…": on a completed run (the Experiments tree's context menu, or
 * the palette's pick), pick one of the run's users (or a random test user) and see what the model
 * recommends in a panel (RecommendPanel.ts). The trainer answers in child processes; it reads the
 * workspace's data files as training does, so the command is refused in an untrusted workspace.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';

import { readRecommendState, type RecommendRunChoice } from '../../shared/recommendProtocol';
import { Commands } from '../commands';
import { invokedRunIds } from '../runs/invokedRuns';
import type { RunEntry, RunRegistry } from '../runs/runRegistry';
import { changedLabel } from '../runs/runView';
import type { Ui } from '../ui';
import { RECOMMEND_VIEW_TYPE, RecommendPanel, type RecommendShown } from './RecommendPanel';
import { listUsersCommandLine, parseUserList, recommendCommandLine, runTrainerCommand, type RecommendLaunch, type RunUser } from './recommendProcess';

export interface RecommendOptions {
  trainerScript: string;
  hostExecPath: string;
  nodePath(): string | undefined;
  registry: RunRegistry;
  /** Settles once the runs folders have been read (a panel restored after a reload waits for it). */
  runsRead: Promise<unknown>;
}

/** The command's options after the run (the API and tests): the user (no pick then), the search and K. */
export interface RecommendCommandOptions {
  user?: string;
  exact?: boolean;
  k?: number;
}

export interface RecommendFeature {
  /** What the open panel shows; undefined when none is open. */
  shown(): RecommendShown | undefined;
  readonly onDidChange: vscode.Event<void>;
}

/** The label of the pick's first item. */
export const RANDOM_TEST_USER = '$(question) A random test user';

export function registerRecommend(context: vscode.ExtensionContext, ui: Ui, options: RecommendOptions): RecommendFeature {
  const { registry } = options;
  /** Each run's users, asked once per window (a run's data does not change once it completed). */
  const users = new Map<string, Promise<RunUser[]>>();

  const launchOf = (entry: RunEntry): RecommendLaunch & { cwd: string } => ({
    trainerScript: options.trainerScript,
    hostExecPath: options.hostExecPath,
    nodePath: options.nodePath(),
    runsDir: path.dirname(entry.dir),
    runId: entry.runId,
    // Where training ran: the experiment's workspace folder (its data paths are relative to the experiment file either way).
    cwd: (entry.experiment && vscode.workspace.getWorkspaceFolder(vscode.Uri.file(entry.experiment))?.uri.fsPath) ?? path.dirname(entry.dir),
  });
  const entryOf = (runId: string): RunEntry => {
    const entry = registry.get(runId);
    if (!entry) throw new Error(`run ${runId} is not in the runs folders any more (deleted?)`);
    return entry;
  };
  const usersOf = (runId: string): Promise<RunUser[]> => {
    let listed = users.get(runId);
    if (!listed) {
      const launch = launchOf(entryOf(runId));
      listed = runTrainerCommand(listUsersCommandLine(launch), launch.cwd).then(parseUserList);
      // A failure (no checkpoint yet, data moved) is not remembered: the next try asks again.
      listed.catch(() => users.delete(runId));
      users.set(runId, listed);
    }
    return listed;
  };
  const labelOf = (e: RunEntry): string => {
    const name = e.meta.name ?? changedLabel(e.meta.changed);
    return name ? `${name} · ${e.runId}` : e.runId;
  };
  const runsLike = (runId: string): RecommendRunChoice[] => {
    const entry = registry.get(runId);
    const siblings = entry?.experiment ? registry.runsOf(entry.experiment).filter((e) => e.summary.status === 'completed' || e.runId === runId) : entry ? [entry] : [];
    return siblings.map((e) => ({ runId: e.runId, label: labelOf(e) }));
  };

  /** The searchable pick of the run's users, "a random test user" (one with held-out positives) first. */
  const pickUser = async (runId: string): Promise<string | undefined> => {
    const list = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Two-Tower Lab: reading the users of run ${runId}…` }, () => usersOf(runId));
    const testUsers = list.filter((u) => u.heldOut > 0);
    const items = [
      { label: RANDOM_TEST_USER, description: `one of the ${testUsers.length} users with held-out positives`, user: undefined as string | undefined },
      ...list.map((u) => ({ label: u.user, description: `${u.trainPositives} training positives · ${u.heldOut} held out`, user: u.user })),
    ];
    const chosen = await ui.pick(items, `Recommend for which user of run ${runId}? (type to search)`);
    if (!chosen) return undefined;
    if (chosen.user !== undefined) return chosen.user;
    const pool = testUsers.length > 0 ? testUsers : list;
    return pool[Math.floor(Math.random() * pool.length)]?.user;
  };

  const deps = {
    runsLike,
    usersOf,
    pickUser,
    recommend: (runId: string, user: string, exact: boolean, k: number): Promise<string> => {
      const launch = launchOf(entryOf(runId));
      return runTrainerCommand(recommendCommandLine(launch, { user, exact, k }), launch.cwd);
    },
    onError: (what: string, err: unknown) => ui.error(what, err),
  };

  const recommendForUser = async (node?: unknown, commandOptions: RecommendCommandOptions = {}): Promise<RecommendShown | undefined> => {
    if (!vscode.workspace.isTrusted) {
      ui.warn('Two-Tower Lab: recommending reads the workspace\'s data files as training does, which an untrusted workspace does not allow. Trust the workspace first.');
      return undefined;
    }
    const [invoked] = invokedRunIds(node, node === undefined ? undefined : [node], []);
    let entry = invoked !== undefined ? registry.get(invoked) : undefined;
    if (invoked !== undefined && !entry) {
      ui.refuse(`Two-Tower Lab: run ${invoked} is not in the runs folders (deleted?); pick a run in the Experiments view.`);
      return undefined;
    }
    if (!entry) {
      const completed = registry.all().filter((e) => e.summary.status === 'completed');
      if (completed.length === 0) {
        ui.info('Two-Tower Lab: no completed run to recommend from yet; train one with "Two-Tower Lab: Run Experiment".');
        return undefined;
      }
      entry = (await ui.pick(completed.map((e) => ({ label: labelOf(e), description: e.experiment ? path.basename(e.experiment) : '', entry: e })), 'Recommend with which run?'))?.entry;
      if (!entry) return undefined;
    }
    let user = commandOptions.user;
    if (user === undefined) {
      try {
        user = await pickUser(entry.runId);
      } catch (err) {
        ui.refuse(`Two-Tower Lab: run ${entry.runId} cannot recommend: ${err instanceof Error ? err.message : String(err)}`);
        return undefined;
      }
      if (user === undefined) return undefined;
    }
    return RecommendPanel.show(context, deps, entry.runId, user, { exact: commandOptions.exact, k: commandOptions.k }).shown();
  };

  context.subscriptions.push(
    vscode.commands.registerCommand(Commands.recommendForUser, recommendForUser),
    vscode.window.registerWebviewPanelSerializer(RECOMMEND_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel: vscode.WebviewPanel, state: unknown) => {
        const saved = readRecommendState(state);
        // Nothing to ask again (a panel closed before its first answer, or foreign state): no empty panel.
        if (!saved) return panel.dispose();
        RecommendPanel.revive(panel, context, deps, saved, options.runsRead);
      },
    }),
    { dispose: () => RecommendPanel.current?.dispose() },
  );
  return { shown: () => RecommendPanel.current?.shown(), onDidChange: RecommendPanel.onDidChange };
}
