/** `two-tower-lab data` through the real trainer process: the profile table, --json, --svg, and bad input. */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { cleanup, runTrainer, workspace } from './trainerProcess';

afterAll(cleanup);

// u1: i1, i2, i3; u2: i1, i2; u3: i1, i9 (i9 only held out: dropped). leave_last_n holds out each user's last.
const ROWS = 'user_id,item_id,clicked,timestamp\nu1,i1,1,1\nu1,i2,1,2\nu1,i3,1,3\nu2,i1,1,1\nu2,i2,1,2\nu3,i1,1,1\nu3,i9,1,2\nu3,i2,0,3\n';
const EXPERIMENT = `data:
  interactions: { path: i.csv }
  split: { method: leave_last_n, n: 1 }
user_tower: {}
item_tower: {}
`;

describe('two-tower-lab data', () => {
  it('prints the profile, writes the SVG, and --json gives the same numbers', async () => {
    const cwd = workspace({ 'i.csv': ROWS, 'x.tower.yaml': EXPERIMENT });
    const r = await runTrainer(['data', 'x.tower.yaml', '--svg', 'rf.svg'], cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/rows read\s+8/);
    expect(r.stdout).toMatch(/users\s+3\n/);
    expect(r.stdout).toMatch(/items\s+4\n/);
    expect(r.stdout).toMatch(/positives\s+7/);
    // Train: u1 i1,i2; u2 i1; u3 i1 → test u1 i3 (dropped: i3 not trained), u2 i2 (kept), u3 i9 (dropped).
    expect(r.stdout).toMatch(/split\s+train 4, test 1/);
    expect(r.stdout).toMatch(/held out, dropped\s+2: their user or item never appears in the training split/);
    expect(r.stdout).toMatch(/rank\/frequency\s+\S+/);
    expect(readFileSync(path.join(cwd, 'rf.svg'), 'utf8')).toMatch(/^<svg[\s\S]*<polyline[\s\S]*<\/svg>\n$/);
    const j = await runTrainer(['data', 'x.tower.yaml', '--json'], cwd);
    const profile = JSON.parse(j.stdout) as { rows: number; popularity: { top20: number; gini: number }; rankFrequency: number[] };
    // Training clicks per item: i1 3, i2 1, i3 0, i9 0 → top 20% of 4 items = 1 item = 3/4.
    expect(profile.rows).toBe(8);
    expect(profile.rankFrequency).toEqual([3, 1]);
    expect(profile.popularity.top20).toBeCloseTo(0.75, 12);
  }, 60_000);

  it('a data error exits 1 with the file and line; no SVG is written', async () => {
    const cwd = workspace({ 'i.csv': ROWS.replace('u2,i2,1,2', 'u2,i2,perhaps,2'), 'x.tower.yaml': EXPERIMENT });
    const r = await runTrainer(['data', 'x.tower.yaml', '--svg', 'rf.svg'], cwd);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/i\.csv:6: column 'clicked' has "perhaps"/);
    expect(existsSync(path.join(cwd, 'rf.svg'))).toBe(false);
  }, 60_000);
});
