/**
 * The real server warns about a model too large to train comfortably (≈ GB, at the key that makes it big),
 * and marks one that cannot be built at all as an error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { fixtureUri, LspTestClient } from './lspClient';

let client: LspTestClient;
beforeAll(async () => {
  client = await LspTestClient.start();
});
afterAll(async () => {
  await client?.stop();
});

const experiment = (items: number, userTower: string) => `data:\n  synthetic: { users: 1000, items: ${items} }\nuser_tower: ${userTower}\nitem_tower: {}\nscore: {}\ntraining: {}\nevaluation: { k: [10] }\n`;

describe('model memory', () => {
  it('4 million items: a warning "≈ 4.7 GB" on item_tower', async () => {
    const diagnostics = await client.open(fixtureUri('memory-1.tower.yaml'), experiment(4_080_000, '{}'));
    const warning = diagnostics.find((d) => d.code === 'model-memory');
    expect(warning?.severity).toBe(2); // Warning
    expect(warning?.message).toMatch(/≈ 4\.7 GB at its peak/);
    expect(warning?.message).toContain('item_tower.id_embedding_dim');
  });

  it('id_embedding_dim: 200000000: an error on that value', async () => {
    const text = experiment(1000, '{ id_embedding_dim: 200000000 }');
    const diagnostics = await client.open(fixtureUri('memory-2.tower.yaml'), text);
    const error = diagnostics.find((d) => d.code === 'model-too-large');
    expect(error?.severity).toBe(1); // Error
    expect(error?.range.start).toEqual({ line: 2, character: text.split('\n')[2].indexOf('200000000') });
    expect(error?.message).toContain('Lower `user_tower.id_embedding_dim`');
  });
});
