/**
 * The real language server warns when a hard-negative band lies beyond the ranking log: read from a
 * ranking-log CSV beside the experiment, or known from `data.synthetic` without any file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { LspTestClient } from './lspClient';

let client: LspTestClient;
let scratch: string;
beforeAll(async () => {
  client = await LspTestClient.start();
  scratch = mkdtempSync(path.join(tmpdir(), 'tt-lsp-bands-'));
  writeFileSync(path.join(scratch, 'interactions.csv'), 'user_id,item_id,timestamp,clicked\nu1,i1,1,1\nu2,i2,2,1\n');
  // One request of 50 items, ranks 0..49.
  const rows = ['request_id,user_id,item_id,rank,discarded', ...Array.from({ length: 50 }, (_, r) => `r1,u1,i${r},${r},${r >= 10 ? 1 : 0}`)];
  writeFileSync(path.join(scratch, 'ranking_log.csv'), `${rows.join('\n')}\n`);
});
afterAll(async () => {
  await client?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const negatives = (band: string) => `training:\n  mode: pairwise\n  loss: hinge\n  negatives:\n    source: uniform\n    hard:\n      source: ranking_log\n      band: ${band}\nevaluation:\n  k: [1]\n`;

describe('hard-band-outside-log over LSP', () => {
  it('warns on `band` when the ranking log file ranks only 0..49 and the band is [100, 500)', async () => {
    const uri = pathToFileURL(path.join(scratch, 'file-log.tower.yaml')).href;
    const text = `data:\n  interactions:\n    path: interactions.csv\n  ranking_log:\n    path: ranking_log.csv\nuser_tower: {}\nitem_tower: {}\n${negatives('extremely_hard')}`;
    const diagnostics = await client.open(uri, text);
    expect(diagnostics.map((d) => d.code)).toEqual(['hard-band-outside-log']);
    const [d] = diagnostics;
    expect(d.severity).toBe(2); // Warning
    const line = text.split('\n').indexOf('      band: extremely_hard');
    expect(d.range.start).toEqual({ line, character: 12 });
    expect(d.message).toContain('run from 0 to 49');
    // Moving the band into the log's ranks clears it.
    expect(await client.change(uri, text.replace('band: extremely_hard', 'band: relatively_hard'))).toEqual([]);
  });

  it('warns for data.synthetic from the config alone: 80 items rank 0..79', async () => {
    const uri = pathToFileURL(path.join(scratch, 'synthetic.tower.yaml')).href;
    const text = `data:\n  synthetic:\n    users: 40\n    items: 80\nuser_tower: {}\nitem_tower: {}\n${negatives('both')}`;
    const diagnostics = await client.open(uri, text);
    expect(diagnostics.map((d) => d.code)).toEqual(['hard-band-outside-log']);
    expect(diagnostics[0].message).toMatch(/synthetic ranking log .* run from 0 to 79.*draw only from `relatively_hard`/);
    expect(await client.change(uri, text.replace('items: 80', 'items: 1000'))).toEqual([]);
  });
});
