/**
 * evaluation.cold_start on a time split where items appear only after the cut: `drop` leaves their
 * held-out positives out (as before), `score` keeps them, embeds the cold items with the OOV ID row,
 * and recall_cold@K counts them apart (hand-derived below).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../../src/core/data/load';
import { evaluateRetrieval, planRetrieval } from '../../../src/core/eval/retrieval';
import { coldItemMask } from '../../../src/core/train/runEval';
import { experiment } from './experiment';

const dir = mkdtempSync(path.join(tmpdir(), 'ttl-cold-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Before the cut (t < 50) every user clicks warm items; after it u1–u3 click the new item c1, u4–u6 the
// new item c2, and u1 also clicks the warm w1 again.
const lines = ['user_id,item_id,timestamp,clicked'];
for (let u = 1; u <= 6; u++) for (let w = 1; w <= 4; w++) lines.push(`u${u},w${w},${u * 4 + w},1`);
for (let u = 1; u <= 6; u++) lines.push(`u${u},${u <= 3 ? 'c1' : 'c2'},60,1`);
lines.push('u1,w1,70,1');
writeFileSync(path.join(dir, 'interactions.csv'), `${lines.join('\n')}\n`);
writeFileSync(path.join(dir, 'items.csv'), 'item_id,category\nw1,A\nw2,A\nw3,B\nw4,B\nc1,A\nc2,B\n');

async function load(coldStart: 'drop' | 'score') {
  const config = experiment({
    data: { interactions: { path: 'interactions.csv' }, item_features: { path: 'items.csv', key: 'item_id' }, positive: { rule: 'clicked' }, split: { method: 'time_cut', cut: 50 } },
    item_tower: { categorical: [{ name: 'category', embedding_dim: 2 }] },
  });
  config.evaluation.cold_start = coldStart;
  return loadDataset(config, path.join(dir, 'x.tower.yaml'));
}

describe('cold_start', () => {
  it('drop: the held-out positives of the new items are dropped, as before', async () => {
    const d = await load('drop');
    expect(d.test.users).toHaveLength(1);
    expect(d.stats.droppedTestUnseen).toBe(6);
    expect(d.itemFeatures.idRows).toBeUndefined();
  });

  it('score: they are kept, and the new items take the OOV ID row (their category still counts)', async () => {
    const d = await load('score');
    expect(d.test.users).toHaveLength(7);
    expect(d.stats.droppedTestUnseen).toBe(0);
    const row = (id: string): number => d.itemFeatures.idRows![d.items.lookup(id)];
    expect([row('w1'), row('w4'), row('c1'), row('c2')]).toEqual([d.items.lookup('w1'), d.items.lookup('w4'), 0, 0]);
    const category = d.itemFeatures.categorical[0];
    expect(category.vocabulary.ids[category.values[d.items.lookup('c2')]]).toBe('B');
  });

  it('recall_cold@K pools the held-out pairs of cold items', async () => {
    const d = await load('score');
    const cold = coldItemMask(d.itemClicks);
    expect([cold[d.items.lookup('c1')], cold[d.items.lookup('c2')], cold[d.items.lookup('w1')]]).toEqual([1, 1, 0]);
    const plan = planRetrieval({ numItems: d.items.size, numUsers: d.users.size, train: d.train, test: d.test, itemClicks: d.itemClicks, ks: [1, 2, 3], metrics: ['recall'], excludeSeen: false, coldItems: cold });
    // Every user gets c1 (score 3), w1 (2), c2 (1), the rest 0.
    const score = new Map([['c1', 3], ['w1', 2], ['c2', 1]]);
    const metrics = evaluateRetrieval(plan, (users, out) => {
      for (let r = 0; r < users.length; r++) for (let i = 0; i < d.items.size; i++) out[r * d.items.size + i] = score.get(d.items.ids[i]) ?? 0;
    });
    // 6 cold pairs: top 1 = {c1} finds u1–u3's 3 → 0.5; top 2 adds w1 (warm) → 0.5; top 3 adds c2 → 6/6.
    expect(metrics['recall_cold@1']).toBe(0.5);
    expect(metrics['recall_cold@2']).toBe(0.5);
    expect(metrics['recall_cold@3']).toBe(1);
    const noCold = evaluateRetrieval(planRetrieval({ ...plan.input, coldItems: undefined }), () => undefined);
    expect(Object.keys(noCold).some((k) => k.startsWith('recall_cold'))).toBe(false);
  });
});
