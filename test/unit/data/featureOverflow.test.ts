/**
 * A continuous feature whose values are too large to normalise (1e308: the mean or the standard deviation
 * overflows) is refused when the data is loaded, naming the file, the feature, its config key and the
 * line of its largest value, instead of a "loss became NaN … lower learning_rate" at the first step.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

import { DataError } from '../../../src/core/data/errors';
import { loadDataset } from '../../../src/core/data/load';
import { experiment } from './experiment';

const INTERACTIONS = fileURLToPath(new URL('../../fixtures/data/tiny/interactions.csv', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'feature-overflow-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The tiny fixture's items (i1…), with `price` set per item. */
function itemsWith(prices: Record<string, string>): string {
  const ids = [...new Set(readFileSync(INTERACTIONS, 'utf8').trim().split('\n').slice(1).filter((l) => l !== '').map((l) => l.split(',')[1]))];
  const file = path.join(dir, `items-${Object.values(prices).join('-')}.csv`);
  writeFileSync(file, `item_id,price\n${ids.map((id) => `${id},${prices[id] ?? '2'}`).join('\n')}\n`);
  return file;
}

async function load(itemsFile: string, normalize = 'zscore') {
  return loadDataset(
    experiment({
      data: { interactions: { path: INTERACTIONS, format: 'auto' }, item_features: { path: itemsFile, format: 'auto', key: 'item_id' }, split: { method: 'random' } },
      item_tower: { continuous: [{ name: 'price', normalize }] },
    }),
    path.join(dir, 'x.tower.yaml'),
  );
}

async function loadError(itemsFile: string, normalize?: string): Promise<DataError> {
  const e = await load(itemsFile, normalize).then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(e).toBeInstanceOf(DataError);
  return e as DataError;
}

describe('a continuous feature that overflows its normalisation', () => {
  it('1e308 twice under zscore: the mean is infinite; the feature, its key, the file and the line are named', async () => {
    // Lines: 1 is the header, i1 is on line 2, i2 on line 3.
    const file = itemsWith({ i1: '1e308', i2: '1e308' });
    const e = await loadError(file);
    expect(e.file).toBe(file);
    expect(e.column).toBe('price');
    expect(e.message).toContain(`${file}: the continuous feature 'price' (item_tower.continuous[0]) overflows under normalize: zscore: the training mean and standard deviation are not finite`);
    expect(e.message).toContain('its largest value is 1e+308, at line 2');
    expect(e.message).toContain('use normalize: log');
    expect(e.message).not.toMatch(/NaN loss|learning_rate/);
  });

  it('1e308 once under zscore: the variance overflows (the feature would silently become all zeros)', async () => {
    expect((await loadError(itemsWith({ i2: '-1e308' }))).message).toContain('its largest value is -1e+308, at line 3');
  });

  it('minmax over ±1e308: the range overflows', async () => {
    expect((await loadError(itemsWith({ i1: '1e308', i2: '-1e308' }), 'minmax')).message).toContain('the range max − min of the training values is not finite');
  });

  it('none: a value beyond float32', async () => {
    expect((await loadError(itemsWith({ i1: '1e39' }), 'none')).message).toContain('values beyond ±3.4e+38 do not fit a 32-bit float');
  });

  it('log takes 1e308 in its stride, and large values that fit are fine', async () => {
    await expect(load(itemsWith({ i1: '1e308' }), 'log')).resolves.toBeDefined();
    await expect(load(itemsWith({ i1: '1e30' }))).resolves.toBeDefined();
  });

  it('Infinity in a cell: the line, not a silent missing value', async () => {
    const e = await loadError(itemsWith({ i2: 'Infinity' }));
    expect(e.row).toBe(3);
    expect(e.message).toContain(":3: column 'price' has Infinity, which is not a finite number");
  });
});
