import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { summarizeRun, type RunSummary } from '../../../src/core/runs/runSummary';
import { RunRegistry } from '../../../src/extension/runs/runRegistry';
import { ExperimentTreeModel } from '../../../src/extension/experiments/model';

const ws = path.resolve('/ws');
const exp = path.join(ws, 'a.tower.yaml');
const runs = path.join(ws, '.two-tower-lab', 'runs');

function summary(runId: string, startedAt: number | undefined, experiment?: string, status: RunSummary['status'] = 'completed'): RunSummary {
  return { ...summarizeRun(runId, []), status, startedAt, experiment };
}

describe('RunRegistry and the tree of runs', () => {
  it('lists an experiment\'s runs newest first, a queued run on top, and orphans under "Other runs"', () => {
    const reg = new RunRegistry();
    reg.upsert('a-1', path.join(runs, 'a-1'), summary('a-1', 1000, exp));
    reg.upsert('a-2', path.join(runs, 'a-2'), summary('a-2', 2000, exp));
    reg.noteLaunch('a-3', exp);
    reg.upsert('a-3', path.join(runs, 'a-3'), summary('a-3', undefined, undefined, 'queued'));
    reg.upsert('gone-1', path.join(runs, 'gone-1'), summary('gone-1', 1500, path.join(ws, 'deleted.tower.yaml')));
    expect(reg.runsOf(exp).map((r) => r.runId)).toEqual(['a-3', 'a-2', 'a-1']);

    const model = new ExperimentTreeModel([{ name: 'ws', fsPath: ws }], reg);
    model.reset([{ name: 'ws', fsPath: ws }], [exp]);
    const top = model.children(undefined);
    expect(top.map((n) => n.kind)).toEqual(['experiment', 'otherRuns']);
    expect(model.children(top[0]).map((n) => (n.kind === 'run' ? n.runId : n.kind))).toEqual(['a-3', 'a-2', 'a-1']);
    expect(model.children(top[1]).map((n) => (n.kind === 'run' ? n.runId : n.kind))).toEqual(['gone-1']);
    expect(model.view(top[0]).collapsible).toBe(true);
    const run = model.children(top[0])[1];
    expect(model.parentOf(run)).toBe(top[0]);
    expect(model.view(run)).toMatchObject({ id: 'run:a-2', label: '2', contextValue: 'run.completed', icon: { id: 'pass' } });
  });

  it('keeps queued runs when the folders are re-read, and forgets deleted folders', () => {
    const reg = new RunRegistry();
    reg.upsert('q', path.join(runs, 'q'), summary('q', undefined, exp, 'queued'));
    reg.upsert('old', path.join(runs, 'old'), summary('old', 5, exp));
    reg.resetFolders(runs, [{ runId: 'new', dir: path.join(runs, 'new'), summary: summary('new', 9, exp) }]);
    expect(reg.all().map((r) => r.runId)).toEqual(['q', 'new']);
    expect(reg.remove('new')).toEqual({ found: true, experiment: exp });
    expect(reg.remove('new').found).toBe(false);
  });
});
