/**
 * Where runs live: the run settings, the runs folder of each workspace folder, and the watchers that
 * re-read a run folder when its events change (a run started from a terminal appears in the tree).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExperimentsFeature } from '../experiments/register';
import type { Ui } from '../ui';
import type { RunManager } from './runManager';
import { watchRunsDir } from './runsDirWatcher';

export const SETTINGS = 'twoTowerLab';
const DEFAULT_RUNS_DIRECTORY = '.two-tower-lab/runs';

/** The run settings of package.json `contributes.configuration`, read fresh each time. */
export function settings(): { nodePath?: string; maxConcurrentRuns: number; runsDirectory: string } {
  const c = vscode.workspace.getConfiguration(SETTINGS);
  return {
    nodePath: c.get<string>('nodePath') || undefined,
    maxConcurrentRuns: c.get<number>('maxConcurrentRuns', 1),
    runsDirectory: c.get<string>('runsDirectory', DEFAULT_RUNS_DIRECTORY) || DEFAULT_RUNS_DIRECTORY,
  };
}

function fileFolders(): vscode.WorkspaceFolder[] {
  return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
}

/** The workspace folder of a file (the first folder for a file outside all of them). */
export function folderOf(file: string): vscode.WorkspaceFolder | undefined {
  return vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file)) ?? fileFolders()[0];
}

function runsDirOfFolder(folder: vscode.WorkspaceFolder): string {
  return path.resolve(folder.uri.fsPath, settings().runsDirectory);
}

/** The runs folder used for an experiment file (from the twoTowerLab.runsDirectory setting). */
export function runsDirOf(file: string): string {
  const folder = folderOf(file);
  return folder ? runsDirOfFolder(folder) : path.resolve(path.dirname(file), settings().runsDirectory);
}

/**
 * Watches the runs folder of every workspace folder (again when folders or the runsDirectory setting
 * change) and reads them once; the promise resolves after that first read.
 */
export function watchRunsFolders(context: vscode.ExtensionContext, ui: Ui, manager: RunManager, experiments: ExperimentsFeature): Promise<void> {
// Watchers on every runs folder: a run started from a terminal appears; only the affected run is re-read.
let watchers: vscode.Disposable[] = [];
const watchAll = (): Promise<void> => {
  for (const w of watchers) w.dispose();
  watchers = [];
  const loads: Promise<void>[] = [];
  for (const folder of fileFolders()) {
    const runsDir = runsDirOfFolder(folder);
    const pattern = runsPattern(folder, runsDir);
    const events = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(pattern.base, `${pattern.prefix}*/events.jsonl`));
    const folders = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(pattern.base, `${pattern.prefix}*`), true, true, false);
    const reread = (uri: vscode.Uri): void => {
      manager.refreshFolder(path.dirname(uri.fsPath)).catch((err: unknown) => ui.error(`Could not read the run folder ${path.dirname(uri.fsPath)}`, err));
    };
    const settled = (dir: string): boolean => {
      const runId = path.basename(dir);
      const status = manager.registry.get(runId)?.summary.status;
      return manager.isActive(runId) || (status !== undefined && status !== 'queued');
    };
    const refresh = (dir: string): Promise<void> => manager.refreshFolder(dir).catch((err: unknown) => ui.error(`Could not read the run folder ${dir}`, err));
    watchers.push(
      watchRunsDir(runsDir, refresh, settled),
      events,
      folders,
      events.onDidCreate(reread),
      events.onDidChange(reread),
      events.onDidDelete((uri) => manager.forgetFolder(path.dirname(uri.fsPath))),
      folders.onDidDelete((uri) => manager.forgetFolder(uri.fsPath)),
    );
    loads.push(manager.loadAll(runsDir));
  }
  return Promise.all(loads).then(() => experiments.refresh());
};
context.subscriptions.push(
  { dispose: () => watchers.forEach((w) => w.dispose()) },
  vscode.workspace.onDidChangeWorkspaceFolders(() => void watchAll().catch((err: unknown) => ui.error('Could not read the runs folders', err))),
  vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration(`${SETTINGS}.maxConcurrentRuns`)) manager.settingsChanged();
    if (e.affectsConfiguration(`${SETTINGS}.runsDirectory`)) void watchAll().catch((err: unknown) => ui.error('Could not read the runs folders', err));
  }),
);

  return watchAll();
}

/**
 * Where to watch a runs folder from. Inside the workspace folder, the pattern is relative to the folder, so
 * the workspace's own recursive watcher serves it even before the runs folder exists (a watcher based on a
 * folder that does not exist yet may never report anything). Outside, the runs folder itself is the base.
 */
function runsPattern(folder: vscode.WorkspaceFolder, runsDir: string): { base: vscode.WorkspaceFolder | vscode.Uri; prefix: string } {
  const rel = path.relative(folder.uri.fsPath, runsDir);
  if (rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel)) return { base: folder, prefix: `${rel.split(path.sep).join('/')}/` };
  return { base: vscode.Uri.file(runsDir), prefix: '' };
}
