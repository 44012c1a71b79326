/** Sweep runs grouped under a sweep node with its progress, and the sweep command line the editor starts. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import type { RunSummary } from '../../../src/core/runs/runSummary';
import { ExperimentTreeModel, type RunSource } from '../../../src/extension/experiments/model';
import type { RunEntry } from '../../../src/extension/runs/runRegistry';
import { sweepCommandLine } from '../../../src/extension/runs/sweepCommand';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the sweep node of the experiments tree', () => {
  it('groups a sweep\'s runs under one node: "3/4 done · 1 running · best recall@50 0.3410", from sweep.json and the runs', () => {
    const ws = mkdtempSync(path.join(tmpdir(), 'ttl-tree-'));
    dirs.push(ws);
    const runsDir = path.join(ws, 'runs');
    const experiment = path.join(ws, 'x.tower.yaml');
    mkdirSync(path.join(runsDir, 'sweeps', 'x-sweep-1'), { recursive: true });
    writeFileSync(path.join(runsDir, 'sweeps', 'x-sweep-1', 'sweep.json'), JSON.stringify({ runs: [{}, {}, {}, {}, {}], metric: 'recall@50', goal: 'max' }));
    const entry = (runId: string, status: RunSummary['status'], startedAt: number, sweep?: string, value?: number): RunEntry => ({
      runId,
      dir: path.join(runsDir, runId),
      experiment,
      meta: {},
      summary: { runId, status, epoch: 1, step: 1, startedAt, params: sweep ? { 'sweep.id': sweep, 'sweep.point': 0 } : {}, ...(value !== undefined ? { bestModel: { metric: 'recall@50', value, epoch: 1 } } : {}) },
    });
    const entries = [
      entry('plain-new', 'completed', 9),
      entry('x-sweep-1-p0-s1', 'completed', 8, 'x-sweep-1', 0.341),
      entry('x-sweep-1-p0-s2', 'completed', 7, 'x-sweep-1', 0.2),
      entry('x-sweep-1-p1-s1', 'failed', 6, 'x-sweep-1'),
      entry('x-sweep-1-p1-s2', 'running', 5, 'x-sweep-1', 0.9),
      entry('plain-old', 'completed', 1),
    ];
    const source: RunSource = { runsOf: () => entries, orphans: () => [], get: (id) => entries.find((e) => e.runId === id) };
    const model = new ExperimentTreeModel([{ name: 'ws', fsPath: ws }], source);
    model.add(experiment);
    const [node] = model.roots();
    const children = model.children(node);
    expect(children.map((c) => (c.kind === 'sweep' ? `sweep ${c.sweepId}` : c.kind === 'run' ? c.runId : c.kind))).toEqual(['plain-new', 'sweep x-sweep-1', 'plain-old']);
    const sweep = children[1];
    const view = model.view(sweep);
    // Finished: 2 completed + 1 failed of the 5 the plan holds; the running run's value does not count yet.
    expect(view.description).toBe('3/5 done · 1 running · best recall@50 0.3410');
    expect(view.contextValue).toBe('sweep');
    expect(view.icon?.id).toBe('sync~spin');
    expect(model.children(sweep).map((c) => (c.kind === 'run' ? c.runId : ''))).toEqual(['x-sweep-1-p0-s1', 'x-sweep-1-p0-s2', 'x-sweep-1-p1-s1', 'x-sweep-1-p1-s2']);
    const run = model.children(sweep)[0];
    expect(model.parentOf(run)).toEqual({ kind: 'sweep', sweepId: 'x-sweep-1', experiment });
    expect(model.parentOf(sweep)).toBe(node);
    // All finished: done, with the pass icon.
    entries[4] = entry('x-sweep-1-p1-s2', 'completed', 5, 'x-sweep-1', 0.5);
    entries.push(entry('x-sweep-1-p2-s1', 'completed', 4, 'x-sweep-1', 0.1));
    expect(model.view(sweep)).toMatchObject({ description: '5/5 done · best recall@50 0.5000', contextValue: 'sweep.done', icon: { id: 'pass' } });
  });
});

describe('sweepCommandLine', () => {
  it('starts or resumes the sweep with the runs folder, through the host\'s Node', () => {
    const launch = { trainerScript: '/ext/dist/trainer.js', hostExecPath: '/vscode/code', runsDir: '/ws/.two-tower-lab/runs' };
    expect(sweepCommandLine(launch, { kind: 'start', experiment: '/ws/x.tower.yaml' })).toEqual({
      command: '/vscode/code',
      args: ['/ext/dist/trainer.js', 'sweep', '/ws/x.tower.yaml', '--runs-dir', '/ws/.two-tower-lab/runs'],
      env: { ELECTRON_RUN_AS_NODE: '1' },
    });
    expect(sweepCommandLine({ ...launch, nodePath: '/usr/bin/node' }, { kind: 'resume', sweepId: 'x-sweep-1' }).args.slice(1, 4)).toEqual(['sweep', '--resume', 'x-sweep-1']);
  });
});
