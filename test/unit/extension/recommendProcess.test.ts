/** "Recommend for a User…" without vscode: the trainer command lines it runs and how it reads their output and errors. */
import { describe, expect, it } from 'vitest';

import { listUsersCommandLine, parseRecommendOutput, parseUserList, recommendCommandLine, trainerFailure } from '../../../src/extension/recommend/recommendProcess';
import { readRecommendState } from '../../../src/shared/recommendProtocol';

const launch = { trainerScript: '/ext/dist/trainer.js', hostExecPath: '/vscode/code', nodePath: undefined, runsDir: '/w/.two-tower-lab/runs', runId: 'shop-1' };

describe('recommend command lines', () => {
  it('runs `recommend <run> --user ID -k K --format jsonl` in the runs folder, with --exact only for exact search, as Node', () => {
    const ann = recommendCommandLine(launch, { user: 'u7', k: 20, exact: false });
    expect(ann.args).toEqual(['/ext/dist/trainer.js', 'recommend', 'shop-1', '--user', 'u7', '-k', '20', '--format', 'jsonl', '--runs-dir', '/w/.two-tower-lab/runs']);
    expect(ann.command).toBe('/vscode/code');
    expect(ann.env).toEqual({ ELECTRON_RUN_AS_NODE: '1' });
    expect(recommendCommandLine({ ...launch, nodePath: '/usr/bin/node' }, { user: 'u7', k: 5, exact: true }).args.slice(-2)).toEqual(['/w/.two-tower-lab/runs', '--exact']);
    expect(listUsersCommandLine(launch).args).toEqual(['/ext/dist/trainer.js', 'recommend', 'shop-1', '--list-users', '--runs-dir', '/w/.two-tower-lab/runs']);
  });
});

describe('reading the trainer output', () => {
  it('reads rows and takes the item table columns from the keys after the row fields, in order', () => {
    const out = [
      { user: '1', rank: 1, item: '318', score: 0.91, seen: false, heldOut: true, popularityRank: 3, title: 'Shawshank', genres: 'Drama', year: 1994 },
      { user: '1', rank: 2, item: '9', score: 0.5, seen: true, heldOut: false, popularityRank: 70, title: 'Sudden Death', genres: 'Action', year: null },
    ]
      .map((o) => JSON.stringify(o))
      .join('\n');
    const { columns, rows } = parseRecommendOutput(`${out}\n`);
    expect(columns).toEqual(['title', 'genres', 'year']);
    expect(rows).toEqual([
      { rank: 1, item: '318', score: 0.91, seen: false, heldOut: true, popularityRank: 3, cells: ['Shawshank', 'Drama', '1994'] },
      { rank: 2, item: '9', score: 0.5, seen: true, heldOut: false, popularityRank: 70, cells: ['Sudden Death', 'Action', ''] },
    ]);
    expect(parseRecommendOutput('')).toEqual({ columns: [], rows: [] });
    expect(() => parseRecommendOutput('{"user":"1"}\n')).toThrow(/line 1 of the trainer's output is no recommendation/);
    expect(() => parseRecommendOutput('oops\n')).toThrow(/line 1 of the trainer's output is not JSON/);
  });

  it('reads the user list', () => {
    expect(parseUserList('{"user":"u1","trainPositives":4,"heldOut":1}\n{"user":"u2","trainPositives":1,"heldOut":0}\n')).toEqual([
      { user: 'u1', trainPositives: 4, heldOut: 1 },
      { user: 'u2', trainPositives: 1, heldOut: 0 },
    ]);
    expect(() => parseUserList('{"user":3}\n')).toThrow(/line 1 of the user list/);
  });

  it('says what went wrong from the trainer\'s own lines, and what to do about a run without a checkpoint', () => {
    const failed = { message: 'Command failed', timedOut: false };
    expect(trainerFailure("(tfjs noise)\ntwo-tower-lab: 'ghost' is not a user of run r1 (its 150 users are e.g. 'u1'). recommend serves the users the run trained on.\n", failed)).toBe(
      "'ghost' is not a user of run r1 (its 150 users are e.g. 'u1'). recommend serves the users the run trained on.",
    );
    expect(trainerFailure('two-tower-lab: Run r1 has no checkpoint yet (it ended before its first epoch did), so there is no model to load.\n', failed)).toMatch(/no model to load\. Resume the run .* until it completes an epoch\.$/);
    expect(trainerFailure('', { message: 'spawn ENOENT', timedOut: false })).toBe('spawn ENOENT');
    expect(trainerFailure('', { timedOut: true, message: '' })).toMatch(/no answer within 300 s/);
  });
});

describe('the saved question of a restored recommendations panel', () => {
  it('reads run, user, search and K; K defaults to 20; damaged or empty state has no question', () => {
    expect(readRecommendState({ runId: 'r1', user: '7', exact: true, k: 10 })).toEqual({ runId: 'r1', user: '7', exact: true, k: 10 });
    expect(readRecommendState({ runId: 'r1', user: '7' })).toEqual({ runId: 'r1', user: '7', exact: false, k: 20 });
    expect(readRecommendState({ runId: 'r1', user: '7', k: -3 })?.k).toBe(20);
    expect(readRecommendState({ runId: '', user: '7' })).toBeUndefined();
    expect(readRecommendState({ runId: 'r1' })).toBeUndefined();
    expect(readRecommendState(null)).toBeUndefined();
    expect(readRecommendState('x')).toBeUndefined();
  });
});
