/** Thin TreeDataProvider over ExperimentTreeModel: maps nodes to TreeItems and relays change events. */
import * as vscode from 'vscode';
import { Commands } from '../commands';
import { ExperimentTreeModel, TreeNode } from './model';

export class ExperimentTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly model: ExperimentTreeModel) {}

  /** Tells the view to re-read the model (one node, or everything). */
  refresh(node?: TreeNode): void {
    this.changed.fire(node);
  }

  getChildren(node?: TreeNode): TreeNode[] {
    return this.model.children(node);
  }

  getParent(node: TreeNode): TreeNode | undefined {
    return this.model.parentOf(node);
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    const view = this.model.view(node);
    const item = new vscode.TreeItem(
      view.label,
      // Experiments with runs open by default so a new run is seen at once; the user's collapse is kept by id.
      view.collapsible ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None,
    );
    item.id = view.id;
    item.description = view.description;
    item.contextValue = view.contextValue;
    if (node.kind === 'experiment') {
      const uri = vscode.Uri.file(view.fsPath);
      item.tooltip = view.tooltip;
      item.resourceUri = uri;
      item.command = { command: Commands.openExperiment, title: 'Open Experiment', arguments: [uri] };
    } else if (node.kind === 'run') {
      item.tooltip = view.tooltipMarkdown !== undefined ? new vscode.MarkdownString(view.tooltipMarkdown) : view.tooltip;
      if (view.icon) item.iconPath = new vscode.ThemeIcon(view.icon.id, new vscode.ThemeColor(view.icon.color));
      // No click command: a click selects, so several runs can be selected and compared.
    } else if (node.kind === 'sweep') {
      item.tooltip = view.tooltip;
      if (view.icon) item.iconPath = new vscode.ThemeIcon(view.icon.id, new vscode.ThemeColor(view.icon.color));
    } else {
      item.tooltip = view.tooltip;
      item.iconPath = new vscode.ThemeIcon('question');
    }
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
