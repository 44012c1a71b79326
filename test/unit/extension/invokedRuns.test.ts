import { describe, expect, it } from 'vitest';

import { invokedRunIds } from '../../../src/extension/runs/invokedRuns';

const run = (runId: string) => ({ kind: 'run' as const, runId });
const experiment = { kind: 'experiment', fsPath: '/w/a.tower.yaml' };

describe('invokedRunIds: which runs a command means', () => {
  const selection = [run('a'), run('b'), run('c')];
  it('a view-title button passes the focused run alone: the multi-selection it is part of is meant', () => {
    expect(invokedRunIds(run('b'), undefined, selection)).toEqual(['a', 'b', 'c']);
  });
  it('a context menu passes the clicked item and the selected ones: those', () => {
    expect(invokedRunIds(run('b'), [run('b'), run('c')], selection)).toEqual(['b', 'c']);
  });
  it('a run outside the selection (a context menu on an unselected row) is that run alone', () => {
    expect(invokedRunIds(run('z'), undefined, selection)).toEqual(['z']);
  });
  it('no argument (palette, keybinding): the selection; experiments in it are not runs', () => {
    expect(invokedRunIds(undefined, undefined, [experiment, run('a')])).toEqual(['a']);
    expect(invokedRunIds(undefined, undefined, [])).toEqual([]);
  });
  it('a run id string (the API) is taken as given', () => {
    expect(invokedRunIds('r1', undefined, selection)).toEqual(['r1']);
    expect(invokedRunIds(experiment, undefined, selection)).toEqual([]);
  });
});
