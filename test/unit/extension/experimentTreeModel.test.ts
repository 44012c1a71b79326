import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExperimentTreeModel, experimentName, folderOf, isExperimentPath, type RunSource } from '../../../src/extension/experiments/model';
import type { RunEntry } from '../../../src/extension/runs/runRegistry';

const ws = path.resolve('/ws/proj');
const other = path.resolve('/ws/other');
const p = (...parts: string[]): string => path.join(ws, ...parts);

describe('experiment file names', () => {
  it('strips .tower.yaml and rejects files that are only the suffix or another extension', () => {
    expect(experimentName(p('movielens.tower.yaml'))).toBe('movielens');
    expect(isExperimentPath(p('a.tower.yaml'))).toBe(true);
    expect(isExperimentPath(p('.tower.yaml'))).toBe(false);
    expect(isExperimentPath(p('a.tower.yml'))).toBe(false);
    expect(isExperimentPath(p('a.yaml'))).toBe(false);
  });

  it('finds the innermost workspace folder and none for files outside', () => {
    const folders = [{ name: 'proj', fsPath: ws }, { name: 'nested', fsPath: p('nested') }];
    expect(folderOf(p('nested', 'x.tower.yaml'), folders)?.name).toBe('nested');
    expect(folderOf(p('x.tower.yaml'), folders)?.name).toBe('proj');
    // "/ws/proj2" shares a string prefix with "/ws/proj" but is not inside it.
    expect(folderOf(path.resolve('/ws/proj2/x.tower.yaml'), folders)).toBeUndefined();
  });
});

describe('ExperimentTreeModel', () => {
  it('lists experiments sorted by relative path, ignoring duplicates and non-experiments', () => {
    const model = new ExperimentTreeModel([{ name: 'proj', fsPath: ws }]);
    model.reset([{ name: 'proj', fsPath: ws }], [p('b.tower.yaml'), p('sub', 'a.tower.yaml'), p('a.tower.yaml'), p('notes.yaml')]);
    expect(model.add(p('a.tower.yaml'))).toBe(false);
    expect(model.add(path.join(other, 'z.tower.yaml'))).toBe(false);
    expect(model.roots().map((n) => n.relativePath)).toEqual(['a.tower.yaml', 'b.tower.yaml', 'sub/a.tower.yaml']);
  });

  it('removes a deleted file, or every experiment under a deleted folder', () => {
    const model = new ExperimentTreeModel([{ name: 'proj', fsPath: ws }]);
    for (const f of [p('a.tower.yaml'), p('sub', 'b.tower.yaml'), p('sub', 'deep', 'c.tower.yaml'), p('subway.tower.yaml')]) model.add(f);
    expect(model.remove(p('a.tower.yaml'))).toBe(true);
    expect(model.remove(p('a.tower.yaml'))).toBe(false);
    expect(model.remove(p('sub'))).toBe(true);
    // "subway.tower.yaml" starts with "sub" but is not inside the folder "sub".
    expect(model.roots().map((n) => n.relativePath)).toEqual(['subway.tower.yaml']);
  });

  it('shows the name as label, the folder as description, and has no children yet', () => {
    const model = new ExperimentTreeModel([{ name: 'proj', fsPath: ws }]);
    model.add(p('configs', 'mf.tower.yaml'));
    model.add(p('top.tower.yaml'));
    const [configsNode, topNode] = model.roots();
    expect(model.view(configsNode)).toMatchObject({ label: 'mf', description: 'configs', contextValue: 'experiment', collapsible: false, fsPath: p('configs', 'mf.tower.yaml') });
    expect(model.view(topNode).description).toBe('');
    expect(model.children(configsNode)).toEqual([]);
    expect(model.children(undefined)).toHaveLength(2);
  });

  it('names the workspace folder in the description only when there are several', () => {
    const folders = [{ name: 'proj', fsPath: ws }, { name: 'other', fsPath: other }];
    const model = new ExperimentTreeModel(folders);
    model.add(path.join(other, 'x', 'o.tower.yaml'));
    model.add(p('q.tower.yaml'));
    // Sorted by folder name first: "other" < "proj".
    expect(model.roots().map((n) => model.view(n).description)).toEqual(['other · x', 'proj']);
  });
});

describe('run labels under their experiment', () => {
  it('drop the run-id prefix the trainer gave: the experiment\'s `name:` when it has one, else its file name', () => {
    const experiment = p('file-name.tower.yaml');
    const entry = (runId: string, params: Record<string, string>): RunEntry => ({
      runId,
      dir: p('runs', runId),
      experiment,
      meta: {},
      summary: { runId, status: 'completed', epoch: 1, step: 1, startedAt: 1, params },
    });
    const entries = [entry('My-Model-20261203-101500-ab12', { name: 'My Model' }), entry('file-name-20261203-101600-cd34', {})];
    const source: RunSource = { runsOf: () => entries, orphans: () => [], get: (id) => entries.find((e) => e.runId === id) };
    const model = new ExperimentTreeModel([{ name: 'proj', fsPath: ws }], source);
    model.add(experiment);
    const labels = model.children(model.roots()[0]).map((n) => model.view(n).label);
    expect(labels).toEqual(['20261203-101500-ab12', '20261203-101600-cd34']);
  });
});
