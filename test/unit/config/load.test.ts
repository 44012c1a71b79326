import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ConfigError, loadExperiment, loadExperimentFile, resolveDataPath, withAbsoluteDataPaths } from '../../../src/core/config/load';
import { SYNTHETIC } from './helpers';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'load-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('loadExperimentFile', () => {
  it('returns the resolved config with overrides applied', async () => {
    const p = path.join(dir, 'ok.tower.yaml');
    await fs.writeFile(p, SYNTHETIC);
    const config = await loadExperimentFile(p, ['training.epochs=2']);
    expect(config.training.epochs).toBe(2);
    expect(config.data.synthetic!.items).toBe(200);
  });

  it('throws ConfigError listing every error as file:line:col: severity code: message', async () => {
    const p = path.join(dir, 'bad.tower.yaml');
    await fs.writeFile(p, SYNTHETIC.replace('item_tower:\n  output_dim: 16', 'item_tower:\n  output_dim: 8').replace('loss: softmax', 'loss: hinge').replace('source: in_batch', 'source: impressed_not_clicked'));
    const error = await loadExperimentFile(p).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    const ce = error as ConfigError;
    expect(ce.errors.map((d) => d.code)).toEqual(['output-dim-mismatch', 'loss-mode-mismatch', 'impressed-negatives']);
    const lines = ce.message.split('\n');
    expect(lines[0]).toBe(`${p}: 3 errors in the experiment:`);
    // Line 9 (1-based), column 15: the `8` of `  output_dim: 8` under item_tower.
    expect(lines[1]).toMatch(new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:9:15: error output-dim-mismatch: `));
    // Line 12, column 9: the `hinge` of `  loss: hinge`; line 14, column 13: `impressed_not_clicked`.
    expect(lines[2]).toMatch(/:12:9: error loss-mode-mismatch: /);
    expect(lines[3]).toMatch(/:14:13: error impressed-negatives: /);
  });

  it('reports a missing experiment file as a ConfigError too', async () => {
    const p = path.join(dir, 'none.tower.yaml');
    await expect(loadExperimentFile(p)).rejects.toThrow(/does not exist/);
    await expect(loadExperimentFile(p)).rejects.toBeInstanceOf(ConfigError);
  });

  it('returns warnings beside the config from loadExperiment', async () => {
    const p = path.join(dir, 'warn.tower.yaml');
    await fs.writeFile(p, SYNTHETIC.replace('k: [10, 50]', 'k: [10, 500]'));
    const loaded = await loadExperiment(p);
    expect(loaded.warnings.map((d) => d.code)).toEqual(['k-exceeds-catalogue']);
    expect(loaded.filePath).toBe(p);
  });

  it('refuses a bad --set with its own code', async () => {
    const p = path.join(dir, 'ok2.tower.yaml');
    await fs.writeFile(p, SYNTHETIC);
    await expect(loadExperimentFile(p, ['training.epoch=3'])).rejects.toThrow(/set-unknown-path: .*Did you mean `epochs`\?/);
  });
});

describe('data paths', () => {
  it('resolves relative to the experiment file, keeping absolute paths', () => {
    expect(resolveDataPath('/w/exp/a.tower.yaml', 'data/log.csv')).toBe('/w/exp/data/log.csv');
    expect(resolveDataPath('/w/exp/a.tower.yaml', '../shared/ratings.csv')).toBe('/w/shared/ratings.csv');
    expect(resolveDataPath('/w/exp/a.tower.yaml', '/abs/x.csv')).toBe('/abs/x.csv');
  });

  it('withAbsoluteDataPaths rewrites every data path and leaves the input alone', async () => {
    const p = path.join(dir, 'paths.tower.yaml');
    await fs.writeFile(p, 'data:\n  interactions: { path: log.csv }\n  ranking_log: { path: r.csv, format: csv }\nuser_tower: {}\nitem_tower: {}\n');
    await fs.writeFile(path.join(dir, 'log.csv'), 'user_id,item_id,clicked,timestamp\n1,2,1,5\n');
    await fs.writeFile(path.join(dir, 'r.csv'), 'request_id,user_id,item_id,rank,discarded\n');
    const config = await loadExperimentFile(p);
    const abs = withAbsoluteDataPaths(config, p);
    expect(abs.data.interactions!.path).toBe(path.join(dir, 'log.csv'));
    expect(abs.data.ranking_log!.path).toBe(path.join(dir, 'r.csv'));
    expect(config.data.interactions!.path).toBe('log.csv');
  });
});
