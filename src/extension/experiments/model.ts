/**
 * The experiments tree as plain data: which experiment files exist and how each node is shown.
 * No `vscode` import, so it is unit-tested directly; the TreeDataProvider only maps it to TreeItems.
 * Nodes are a discriminated union so that runs can become children of an experiment later.
 */
import * as path from 'node:path';
import { EXPERIMENT_SUFFIX } from '../commands';

export interface ExperimentNode {
  readonly kind: 'experiment';
  /** Absolute file-system path of the `*.tower.yaml` file; also the node's identity. */
  readonly fsPath: string;
  /** Path relative to its workspace folder, with `/` separators. */
  readonly relativePath: string;
  /** Name of the workspace folder holding the file (shown only when there are several folders). */
  readonly folderName: string;
}

export type TreeNode = ExperimentNode;

/** How a node looks, independent of the `vscode` API. */
export interface NodeView {
  readonly id: string;
  readonly label: string;
  readonly description: string;
  readonly tooltip: string;
  /** Matched by `viewItem == …` in package.json menus. */
  readonly contextValue: string;
  readonly collapsible: boolean;
  readonly fsPath: string;
}

export interface WorkspaceFolderInfo {
  readonly name: string;
  readonly fsPath: string;
}

/** The experiment name is the file name without `.tower.yaml`. */
export function experimentName(fsPath: string): string {
  const base = path.basename(fsPath);
  return base.endsWith(EXPERIMENT_SUFFIX) ? base.slice(0, -EXPERIMENT_SUFFIX.length) : base;
}

export function isExperimentPath(fsPath: string): boolean {
  const base = path.basename(fsPath);
  return base.endsWith(EXPERIMENT_SUFFIX) && base.length > EXPERIMENT_SUFFIX.length;
}

/** The innermost workspace folder holding the file, or undefined when it is outside every folder. */
export function folderOf(fsPath: string, folders: readonly WorkspaceFolderInfo[]): WorkspaceFolderInfo | undefined {
  let best: WorkspaceFolderInfo | undefined;
  for (const folder of folders) {
    const rel = path.relative(folder.fsPath, fsPath);
    const inside = rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
    if (inside && (!best || folder.fsPath.length > best.fsPath.length)) best = folder;
  }
  return best;
}

export class ExperimentTreeModel {
  private readonly experiments = new Map<string, ExperimentNode>();

  constructor(private folders: readonly WorkspaceFolderInfo[]) {}

  /** Replaces the whole list (initial scan, or workspace folders changed). */
  reset(folders: readonly WorkspaceFolderInfo[], fsPaths: Iterable<string>): void {
    this.folders = folders;
    this.experiments.clear();
    for (const p of fsPaths) this.add(p);
  }

  /** Adds an experiment file; returns false when it was already listed, is not an experiment, or lies outside the workspace. */
  add(fsPath: string): boolean {
    if (!isExperimentPath(fsPath) || this.experiments.has(fsPath)) return false;
    const folder = folderOf(fsPath, this.folders);
    if (!folder) return false;
    const relativePath = path.relative(folder.fsPath, fsPath).split(path.sep).join('/');
    this.experiments.set(fsPath, { kind: 'experiment', fsPath, relativePath, folderName: folder.name });
    return true;
  }

  /** Removes the file, or every experiment under it when a folder was deleted; returns whether anything changed. */
  remove(fsPath: string): boolean {
    let changed = this.experiments.delete(fsPath);
    const prefix = fsPath.endsWith(path.sep) ? fsPath : fsPath + path.sep;
    for (const key of [...this.experiments.keys()]) {
      if (key.startsWith(prefix)) changed = this.experiments.delete(key) || changed;
    }
    return changed;
  }

  has(fsPath: string): boolean {
    return this.experiments.has(fsPath);
  }

  /** Top-level nodes, sorted by folder then relative path so the order is stable. */
  roots(): ExperimentNode[] {
    return [...this.experiments.values()].sort(
      (a, b) => a.folderName.localeCompare(b.folderName) || a.relativePath.localeCompare(b.relativePath),
    );
  }

  /** Children of a node; experiments have none until runs are attached. */
  children(node: TreeNode | undefined): TreeNode[] {
    if (!node) return this.roots();
    return [];
  }

  view(node: TreeNode): NodeView {
    const dir = path.posix.dirname(node.relativePath);
    const where = [this.folders.length > 1 ? node.folderName : '', dir === '.' ? '' : dir].filter((s) => s !== '').join(' · ');
    return {
      id: `experiment:${node.fsPath}`,
      label: experimentName(node.fsPath),
      description: where,
      tooltip: node.fsPath,
      contextValue: 'experiment',
      collapsible: this.children(node).length > 0,
      fsPath: node.fsPath,
    };
  }
}
