/** The `hard-band-outside-log` rule against a real ranking-log CSV, and against the synthetic generator's depth without files. */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { checkExperimentText } from '../../../src/core/config/check';
import { createFileDataProbe, numberRange, type DataProbe } from '../../../src/core/config/dataProbe';
import { at, codes, only } from './helpers';

let dir: string;
let expFile: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hardbands-'));
  await fs.mkdir(path.join(dir, 'data'));
  await fs.writeFile(path.join(dir, 'data', 'log.csv'), 'user_id,item_id,ts,clicked\nu1,a,5,1\nu2,b,6,0\nu3,c,7,1\n');
  // Two requests of 50 ranked items each (ranks 0..49), as the synthetic generator wrote them before its log went deeper.
  const rows = ['request_id,user_id,item_id,rank,discarded'];
  for (const [request, user] of [['r0', 'u1'], ['r1', 'u2']]) for (let rank = 0; rank < 50; rank++) rows.push(`${request},${user},i${rank},${rank},${rank >= 10 ? 1 : 0}`);
  await fs.writeFile(path.join(dir, 'data', 'ranking_log.csv'), `${rows.join('\n')}\n`);
  expFile = path.join(dir, 'exp.tower.yaml');
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const withLog = (hard: string) => `data:
  interactions:
    path: data/log.csv
    columns: { user: user_id, item: item_id, timestamp: ts, clicked: clicked }
  ranking_log:
    path: data/ranking_log.csv
user_tower: {}
item_tower: {}
training:
  mode: pairwise
  loss: hinge
  negatives:
    source: uniform
    hard:
      source: ranking_log
${hard}evaluation:
  k: [2]
`;
const run = (text: string, probe: DataProbe = createFileDataProbe()) => checkExperimentText(text, { filePath: expFile, probe });

describe('hard-band-outside-log with a ranking-log file', () => {
  it('warns on the default extremely_hard band [100, 500) of a log ranked 0..49, on `band`, with the ranks and what to do', async () => {
    const text = withLog('      band: extremely_hard\n');
    const r = await run(text);
    const d = only(r.diagnostics, 'hard-band-outside-log');
    expect(d.severity).toBe('warning');
    // The band is not written: the diagnostic sits on `band: extremely_hard` (line 15, value at column 12).
    expect(d.path).toEqual(['training', 'negatives', 'hard', 'band']);
    expect(at(d)).toEqual([15, 12, 15, 26]);
    expect(d.message).toContain('`extremely_hard` is [100, 500), but the ranks in `data/ranking_log.csv` (column `rank`) run from 0 to 49');
    expect(d.message).toContain('every hard slot falls back to an easy negative');
    expect(d.message).toMatch(/e\.g\. `extremely_hard: \[10, 50\]`.*a deeper ranking log.*`source: mined`/);
    expect(d.data).toEqual({ band: 'extremely_hard', ranks: { min: 0, max: 49 } });
    // A warning: the run is still allowed.
    expect(r.config).toBeDefined();
  });

  it('with `both`, says the hard slots draw only the other band, on the band written in the file', async () => {
    const text = withLog('      band: both\n      extremely_hard: [60, 200]\n');
    const d = only((await run(text)).diagnostics, 'hard-band-outside-log');
    expect(d.path).toEqual(['training', 'negatives', 'hard', 'extremely_hard']);
    expect(at(d)).toEqual([16, 22, 16, 31]);
    expect(d.message).toContain('hard slots draw only from `relatively_hard`');
    expect(d.message).toContain('`band: relatively_hard`');
  });

  it('is quiet when the used bands reach into the log, or when the band beyond it is not used', async () => {
    expect(codes((await run(withLog('      band: relatively_hard\n'))).diagnostics)).not.toContain('hard-band-outside-log');
    expect(codes((await run(withLog('      band: both\n      extremely_hard: [49, 60]\n'))).diagnostics)).not.toContain('hard-band-outside-log');
  });

  it('is quiet when the probe cannot give the ranks (no such file: that file has its own diagnostic)', async () => {
    const r = await run(withLog('      band: extremely_hard\n').replace('data/ranking_log.csv', 'data/nope.csv'));
    expect(codes(r.diagnostics)).toContain('data-file-missing');
    expect(codes(r.diagnostics)).not.toContain('hard-band-outside-log');
  });
});

describe('hard-band-outside-log on synthetic data', () => {
  const synthetic = (items: number, band: string) => `data:
  synthetic:
    users: 50
    items: ${items}
user_tower: {}
item_tower: {}
training:
  mode: pairwise
  loss: hinge
  negatives:
    source: uniform
    hard:
      source: ranking_log
      band: ${band}
evaluation:
  k: [2]
`;
  /** Reads no file: synthetic data is checked from the config alone. */
  const noFiles: DataProbe = { columns: () => Promise.reject(new Error('no file may be read')), numberRange: () => Promise.reject(new Error('no file may be read')) };

  it('knows the generator ranks at most min(items, 1000) items, so [100, 500) needs 101 items', async () => {
    const d = only((await run(synthetic(80, 'extremely_hard'), noFiles)).diagnostics, 'hard-band-outside-log');
    expect(d.message).toContain('the ranks of the synthetic ranking log (`data.synthetic` with 80 items) run from 0 to 79');
    expect(d.message).toContain('more items in `data.synthetic`');
    expect(codes((await run(synthetic(101, 'extremely_hard'), noFiles)).diagnostics)).not.toContain('hard-band-outside-log');
    // The default catalogue (1000 items) holds both default bands.
    expect(codes((await run(synthetic(1000, 'both'), noFiles)).diagnostics)).not.toContain('hard-band-outside-log');
  });
});

describe('numberRange', () => {
  it('gives the smallest and largest number of a column, skipping cells that are not numbers', async () => {
    const p = path.join(dir, 'ranks.csv');
    await fs.writeFile(p, 'rank,x\n3,a\n"12",b\n,c\nNaN,d\n-1,e\n');
    expect(await numberRange(p, 'rank')).toEqual({ min: -1, max: 12 });
    expect(await numberRange(p, 'x')).toBeUndefined();
    expect(await numberRange(p, 'nope')).toBeUndefined();
  });
});
