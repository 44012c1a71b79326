/**
 * The experiments feature: scans the workspace for `*.tower.yaml`, keeps the tree current with a
 * FileSystemWatcher (no polling), and registers `openExperiment`.
 */
import * as vscode from 'vscode';
import { Commands, EXPERIMENT_GLOB, Views } from '../commands';
import { ExperimentNode, ExperimentTreeModel, type RunSource, type TreeNode, WorkspaceFolderInfo } from './model';
import { ExperimentTreeProvider } from './treeProvider';
import { Ui } from '../ui';

/** Folders whose experiment-looking files are not experiments of this workspace. */
const SCAN_EXCLUDE = '**/{node_modules,.git,.two-tower-lab}/**';

/** What the rest of the extension (and the host tests) can ask of the experiments feature. */
export interface ExperimentsFeature {
  /** Absolute paths of the listed experiment files, in tree order. */
  list(): string[];
  /** Fires after the tree changed (file created, changed, deleted, or a rescan). */
  readonly onDidChange: vscode.Event<void>;
  /** Resolves after the initial workspace scan. */
  readonly ready: Promise<void>;
  readonly treeView: vscode.TreeView<TreeNode>;
  readonly model: ExperimentTreeModel;
  /** Re-reads one experiment's subtree (its runs changed), or the whole tree. */
  refresh(experiment?: string): void;
}

function workspaceFolders(): WorkspaceFolderInfo[] {
  return (vscode.workspace.workspaceFolders ?? [])
    .filter((f) => f.uri.scheme === 'file')
    .map((f) => ({ name: f.name, fsPath: f.uri.fsPath }));
}

export function registerExperiments(context: vscode.ExtensionContext, ui: Ui, runs?: RunSource): ExperimentsFeature {
  const model = new ExperimentTreeModel(workspaceFolders(), runs);
  const provider = new ExperimentTreeProvider(model);
  const didChange = new vscode.EventEmitter<void>();
  // Several runs can be selected at once, to compare them.
  const treeView = vscode.window.createTreeView(Views.experiments, { treeDataProvider: provider, showCollapseAll: true, canSelectMany: true });
  context.subscriptions.push(provider, didChange, treeView);

  const changed = (): void => {
    provider.refresh();
    didChange.fire();
  };

  const rescan = async (): Promise<void> => {
    const uris = await vscode.workspace.findFiles(EXPERIMENT_GLOB, SCAN_EXCLUDE);
    model.reset(workspaceFolders(), uris.map((u) => u.fsPath));
    changed();
  };

  const watcher = vscode.workspace.createFileSystemWatcher(EXPERIMENT_GLOB);
  context.subscriptions.push(
    watcher,
    watcher.onDidCreate((uri) => {
      if (model.add(uri.fsPath)) changed();
    }),
    // A changed file keeps its place; later its runs or validity may change how it is shown.
    watcher.onDidChange((uri) => {
      if (model.has(uri.fsPath)) changed();
    }),
    watcher.onDidDelete((uri) => {
      if (model.remove(uri.fsPath)) changed();
    }),
    vscode.workspace.onDidChangeWorkspaceFolders(() => {
      rescan().catch((err: unknown) => ui.error('Could not rescan the workspace for *.tower.yaml files', err));
    }),
  );

  context.subscriptions.push(
    vscode.commands.registerCommand(Commands.openExperiment, async (target?: vscode.Uri | ExperimentNode) => {
      const uri = await resolveTarget(target, treeView, model, ui);
      if (uri) await vscode.window.showTextDocument(uri, { preview: false });
    }),
  );

  return {
    list: () => model.roots().map((n) => n.fsPath),
    onDidChange: didChange.event,
    ready: rescan(),
    treeView,
    model,
    refresh: (experiment) => {
      const node = experiment !== undefined ? model.experiment(experiment) : undefined;
      // A run whose experiment is not listed lives under "Other runs", whose presence may change: refresh all.
      provider.refresh(node);
      didChange.fire();
    },
  };
}

/** The file to open: the argument (a Uri or a tree node), else the tree selection, else a quick pick. */
async function resolveTarget(
  target: vscode.Uri | ExperimentNode | undefined,
  treeView: vscode.TreeView<TreeNode>,
  model: ExperimentTreeModel,
  ui: Ui,
): Promise<vscode.Uri | undefined> {
  if (target instanceof vscode.Uri) return target;
  if (target?.kind === 'experiment') return vscode.Uri.file(target.fsPath);
  const selected = treeView.selection.find((n): n is ExperimentNode => n.kind === 'experiment');
  if (selected) return vscode.Uri.file(selected.fsPath);
  const roots = model.roots();
  if (roots.length === 0) {
    ui.info('No *.tower.yaml experiment in this workspace yet: create one, then open it from the Experiments view.');
    return undefined;
  }
  const picked = await ui.pick(
    roots.map((n) => ({ label: model.view(n).label, description: n.relativePath, fsPath: n.fsPath })),
    'Experiment to open',
  );
  return picked ? vscode.Uri.file(picked.fsPath) : undefined;
}
