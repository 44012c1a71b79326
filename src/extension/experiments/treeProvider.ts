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

  getParent(): undefined {
    // Experiments are roots; runs (later) will return their experiment here.
    return undefined;
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    const view = this.model.view(node);
    const uri = vscode.Uri.file(view.fsPath);
    const item = new vscode.TreeItem(
      view.label,
      view.collapsible ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
    );
    item.id = view.id;
    item.description = view.description;
    item.tooltip = view.tooltip;
    item.contextValue = view.contextValue;
    item.resourceUri = uri;
    item.command = { command: Commands.openExperiment, title: 'Open Experiment', arguments: [uri] };
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
