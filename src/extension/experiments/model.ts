/**
 * The experiments tree as plain data: which experiment files exist and how each node is shown.
 * No `vscode` import, so it is unit-tested directly; the TreeDataProvider only maps it to TreeItems.
 * Nodes are a discriminated union so that runs can become children of an experiment later.
 */
import * as path from 'node:path';
import { experimentName, slugName } from '../../core/train/runFolder';
import { EXPERIMENT_SUFFIX } from '../commands';
import type { RunEntry } from '../runs/runRegistry';
import { runView, type RunIcon } from '../runs/runView';
import { readSweepPlan, sweepIdOf, sweepProgress, type SweepNode } from './sweepNode';

export type { SweepNode } from './sweepNode';

export interface ExperimentNode {
  readonly kind: 'experiment';
  /** Absolute file-system path of the `*.tower.yaml` file; also the node's identity. */
  readonly fsPath: string;
  /** Path relative to its workspace folder, with `/` separators. */
  readonly relativePath: string;
  /** Name of the workspace folder holding the file (shown only when there are several folders). */
  readonly folderName: string;
}

/** A run under its experiment (or under "Other runs" when its experiment is not in the workspace). */
export interface RunNode {
  readonly kind: 'run';
  readonly runId: string;
  /** The experiment node it is shown under; undefined under "Other runs". */
  readonly experiment?: string;
}

/** The root holding runs whose experiment file is not listed (deleted, renamed, elsewhere). */
export interface OtherRunsNode {
  readonly kind: 'otherRuns';
}

export type TreeNode = ExperimentNode | RunNode | OtherRunsNode | SweepNode;

/** Where the model finds runs; the run manager's registry in the extension. */
export interface RunSource {
  runsOf(experiment: string): RunEntry[];
  orphans(experiments: Iterable<string>): RunEntry[];
  get(runId: string): RunEntry | undefined;
}

const NO_RUNS: RunSource = { runsOf: () => [], orphans: () => [], get: () => undefined };

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
  /** Set for runs: a codicon with its theme colour. */
  readonly icon?: RunIcon;
  /** Set for runs: Markdown shown as the tooltip. */
  readonly tooltipMarkdown?: string;
}

export interface WorkspaceFolderInfo {
  readonly name: string;
  readonly fsPath: string;
}

/** An experiment file's label: the file name without `.tower.yaml` (the trainer's one definition, which also reads `name:`). */
export { experimentName };

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

  constructor(
    private folders: readonly WorkspaceFolderInfo[],
    private readonly runs: RunSource = NO_RUNS,
  ) {}

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

  /** Experiment nodes, sorted by folder then relative path so the order is stable. */
  roots(): ExperimentNode[] {
    return [...this.experiments.values()].sort(
      (a, b) => a.folderName.localeCompare(b.folderName) || a.relativePath.localeCompare(b.relativePath),
    );
  }

  experiment(fsPath: string): ExperimentNode | undefined {
    return this.experiments.get(path.resolve(fsPath)) ?? this.experiments.get(fsPath);
  }

  /** The top level: experiments, then "Other runs" when some runs belong to no listed experiment. */
  topLevel(): (ExperimentNode | OtherRunsNode)[] {
    const roots: (ExperimentNode | OtherRunsNode)[] = this.roots();
    if (this.runs.orphans(this.experiments.keys()).length > 0) roots.push({ kind: 'otherRuns' });
    return roots;
  }

  /** Children of a node: experiments hold their runs, newest first, a sweep's runs under one sweep node; runs are leaves. */
  children(node: TreeNode | undefined): TreeNode[] {
    if (!node) return this.topLevel();
    if (node.kind === 'experiment') return this.grouped(this.runs.runsOf(node.fsPath), node.fsPath);
    if (node.kind === 'otherRuns') return this.grouped(this.runs.orphans(this.experiments.keys()), undefined);
    if (node.kind === 'sweep') return this.sweepRuns(node).map((r) => ({ kind: 'run', runId: r.runId, ...(node.experiment !== undefined ? { experiment: node.experiment } : {}) }));
    return [];
  }

  /** Runs in order, each sweep's runs replaced by one sweep node where its newest run is. */
  private grouped(entries: readonly RunEntry[], experiment: string | undefined): TreeNode[] {
    const out: TreeNode[] = [];
    const sweeps = new Set<string>();
    for (const r of entries) {
      const sweepId = sweepIdOf(r.summary);
      if (sweepId === undefined) out.push({ kind: 'run', runId: r.runId, ...(experiment !== undefined ? { experiment } : {}) });
      else if (!sweeps.has(sweepId)) {
        sweeps.add(sweepId);
        out.push({ kind: 'sweep', sweepId, ...(experiment !== undefined ? { experiment } : {}) });
      }
    }
    return out;
  }

  private sweepRuns(node: SweepNode): RunEntry[] {
    const entries = node.experiment !== undefined ? this.runs.runsOf(node.experiment) : this.runs.orphans(this.experiments.keys());
    return entries.filter((r) => sweepIdOf(r.summary) === node.sweepId).sort((a, b) => a.runId.localeCompare(b.runId));
  }

  /** The node a run is shown under (for reveal): its sweep's node, else its experiment or "Other runs". */
  parentOf(node: TreeNode): TreeNode | undefined {
    if (node.kind === 'sweep') return node.experiment !== undefined ? this.experiments.get(node.experiment) : { kind: 'otherRuns' };
    if (node.kind !== 'run') return undefined;
    const entry = this.runs.get(node.runId);
    const sweepId = entry ? sweepIdOf(entry.summary) : undefined;
    if (sweepId !== undefined) return { kind: 'sweep', sweepId, ...(node.experiment !== undefined ? { experiment: node.experiment } : {}) };
    if (node.experiment !== undefined) return this.experiments.get(node.experiment);
    return { kind: 'otherRuns' };
  }

  /** The node of a run as the tree shows it now. */
  runNode(runId: string): RunNode | undefined {
    const entry = this.runs.get(runId);
    if (!entry) return undefined;
    return entry.experiment !== undefined && this.experiments.has(entry.experiment) ? { kind: 'run', runId, experiment: entry.experiment } : { kind: 'run', runId };
  }

  view(node: TreeNode): NodeView {
    if (node.kind === 'run') return this.runNodeView(node);
    if (node.kind === 'sweep') return this.sweepNodeView(node);
    if (node.kind === 'otherRuns') {
      return { id: 'otherRuns', label: 'Other runs', description: 'experiment file not in the workspace', tooltip: 'Runs whose experiment file is not in this workspace (deleted, renamed, or started elsewhere).', contextValue: 'otherRuns', collapsible: true, fsPath: '' };
    }
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

  private sweepNodeView(node: SweepNode): NodeView {
    const runs = this.sweepRuns(node);
    const plan = runs.length > 0 ? readSweepPlan(runs[0].dir, node.sweepId) : undefined;
    const progress = sweepProgress(runs, plan);
    const complete = progress.done === progress.total;
    return {
      id: `sweep:${node.experiment ?? ''}:${node.sweepId}`,
      label: `sweep ${node.sweepId}`,
      description: progress.description,
      tooltip: `Sweep ${node.sweepId}: ${progress.description}${plan ? ` (judged by ${plan.metric}, ${plan.goal === 'max' ? 'higher' : 'lower'} is better)` : ''}. Continue a stopped sweep with: two-tower-lab sweep --resume ${node.sweepId}`,
      contextValue: complete ? 'sweep.done' : 'sweep',
      collapsible: runs.length > 0,
      fsPath: '',
      // Done, training, or neither (stopped or killed: `two-tower-lab sweep --resume` continues it).
      icon: complete ? { id: 'pass', color: 'testing.iconPassed' } : progress.running > 0 ? { id: 'sync~spin', color: 'charts.blue' } : { id: 'debug-pause', color: 'charts.yellow' },
    };
  }

  private runNodeView(node: RunNode): NodeView {
    const entry = this.runs.get(node.runId);
    if (!entry) return { id: `run:${node.runId}`, label: node.runId, description: 'gone', tooltip: `Run ${node.runId} is no longer listed.`, contextValue: 'run.gone', collapsible: false, fsPath: '' };
    const name = entry.summary.params.name;
    const slug = node.experiment !== undefined ? slugOf(node.experiment, typeof name === 'string' ? name : undefined) : undefined;
    const v = runView(entry.summary, slug, entry.meta);
    return { id: `run:${node.runId}`, label: v.label, description: v.description, tooltip: entry.summary.error ?? entry.runId, contextValue: v.contextValue, collapsible: false, fsPath: entry.dir, icon: v.icon, tooltipMarkdown: v.tooltipMarkdown };
  }
}

/** The run-id prefix runs of this experiment get (makeRunId): its `name:` (from the run's parameters) or its file name. */
function slugOf(experimentPath: string, name: string | undefined): string {
  return slugName(experimentName(experimentPath, name));
}
