/**
 * The tfjs towers of a real export: a small run is trained and exported by the built trainer, each
 * tower's model.json is loaded with plain tf.loadLayersModel from the files the bundle holds, and fed
 * the rows `embed --with-inputs` encodes: known ids give the vectors the run wrote, unseen ids (the
 * OOV row) and unseen categories give what `embed` computes for them.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BundleManifest } from '../../../src/core/serving/bundle';
import { initBackend } from '../../../src/core/train/backend';
import { DIM, readEmbedded, readVectors, runDir, servingExperiment, type EmbeddedLine } from '../../trainer/servingFixture';
import { cleanup, runTrainer, workspace } from '../../trainer/trainerProcess';
import { filesHandler, loadTower, maxAbsDiff, towerVectors } from './tfjsTowerLoading';

afterAll(cleanup);

type EncodedLine = EmbeddedLine & { rows: number[]; values: number[] };

/** Trains `experiment` as run r1 on generated data and exports it to `bundle/`; returns the workspace. */
async function exportedRun(experiment: string): Promise<string> {
  const cwd = workspace({ 'serving.tower.yaml': experiment });
  for (const args of [
    ['generate', '--out', 'gen', '--users', '150', '--items', '80', '--seed', '3'],
    ['train', 'serving.tower.yaml', '--run-id', 'r1', '--events-stdout', 'off', '--quiet'],
    ['export', 'r1', '--out', 'bundle'],
  ]) {
    const r = await runTrainer(args, cwd);
    if (r.code !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  }
  return cwd;
}

/** `embed --with-inputs` of `file` for one tower: each row's id, vector and the trainer's encoding of it. */
async function embedWithInputs(cwd: string, side: 'users' | 'items', file: string): Promise<EncodedLine[]> {
  const out = `${side}-${path.basename(file)}.jsonl`;
  const r = await runTrainer(['embed', 'bundle', `--${side}`, file, '--with-inputs', '--out', out], cwd);
  expect(r.code, r.stderr).toBe(0);
  return readEmbedded(path.join(cwd, out)) as EncodedLine[];
}

function manifestOf(cwd: string): BundleManifest {
  return JSON.parse(readFileSync(path.join(cwd, 'bundle', 'manifest.json'), 'utf8')) as BundleManifest;
}

async function loadBundleTower(cwd: string, side: 'user_tower' | 'item_tower'): Promise<{ model: tfl.LayersModel; inputs: BundleManifest['towers']['user_tower']['tfjs']['inputs'] }> {
  const { tfjs } = manifestOf(cwd).towers[side];
  return { model: await loadTower(filesHandler(path.join(cwd, 'bundle', tfjs.model))), inputs: tfjs.inputs };
}

/** The rows of `written` (a trainer .bin) for `ids`, concatenated. */
function writtenRows(written: { ids: string[]; vectors: Float32Array }, ids: string[]): Float32Array {
  const out = new Float32Array(ids.length * DIM);
  ids.forEach((id, r) => {
    const row = written.ids.indexOf(id);
    expect(row, id).toBeGreaterThan(0);
    out.set(written.vectors.subarray(row * DIM, (row + 1) * DIM), r * DIM);
  });
  return out;
}

beforeAll(async () => {
  await initBackend('cpu');
});

describe('the tfjs towers of the serving experiment (categorical, zscore, log, minmax, bucketised log)', () => {
  let cwd: string;
  beforeAll(async () => {
    cwd = await exportedRun(servingExperiment());
  }, 120_000);

  it('are listed in the manifest with their inputs in the trainer\'s order', () => {
    const manifest = manifestOf(cwd);
    expect(manifest.files).toMatchObject({ userTowerTfjs: 'user_tower/model.json', itemTowerTfjs: 'item_tower/model.json' });
    expect(manifest.towers.item_tower.tfjs.inputs).toEqual([
      { name: 'id', kind: 'id', dtype: 'int32', rows: manifest.towers.item_tower.rows },
      { name: 'categorical_category', kind: 'categorical', feature: 'category', dtype: 'int32', rows: expect.any(Number) as number },
      { name: 'bucket_price', kind: 'bucket', feature: 'price', dtype: 'int32', rows: 4 },
      { name: 'value_age_days', kind: 'value', feature: 'age_days', dtype: 'float32' },
    ]);
    expect(manifest.towers.user_tower.tfjs.inputs.map((i) => `${i.kind}:${i.feature ?? ''}`)).toEqual(['id:', 'categorical:segment', 'value:age', 'value:activity']);
  });

  it('item tower (categorical, bucketised and plain continuous): known items get the vectors the run wrote', async () => {
    const { model, inputs } = await loadBundleTower(cwd, 'item_tower');
    const lines = await embedWithInputs(cwd, 'items', 'gen/items.csv');
    expect(lines).toHaveLength(80);
    const want = writtenRows(readVectors(path.join(runDir(cwd), 'embeddings', 'items.bin')), lines.map((l) => l.id));
    expect(maxAbsDiff(towerVectors(model, inputs, lines), want)).toBeLessThan(1e-5);
    model.dispose();
  });

  it('user tower: known users get the vectors of the bundle\'s users.bin', async () => {
    const { model, inputs } = await loadBundleTower(cwd, 'user_tower');
    const lines = (await embedWithInputs(cwd, 'users', 'gen/users.csv')).filter((l) => l.known);
    expect(lines.length).toBeGreaterThan(100);
    const want = writtenRows(readVectors(path.join(cwd, 'bundle', 'users.bin')), lines.map((l) => l.id));
    expect(maxAbsDiff(towerVectors(model, inputs, lines), want)).toBeLessThan(1e-5);
    model.dispose();
  });

  it('unseen ids (the OOV row) and unseen categories get what embed computes', async () => {
    const items = readFileSync(path.join(cwd, 'gen', 'items.csv'), 'utf8').split('\n');
    const i0 = items[1].split(',');
    writeFileSync(path.join(cwd, 'new-items.csv'), `${items[0]}\nnew_a,${i0.slice(1).join(',')}\nnew_b,c1,999,1\nnew_c,never_seen,,${i0[3]}\n`);
    const lines = await embedWithInputs(cwd, 'items', 'new-items.csv');
    expect(lines.map((l) => [l.known, l.rows[0]])).toEqual([[false, 0], [false, 0], [false, 0]]);
    // new_c: the category is out of vocabulary (row 0), the missing price takes the training mean's bucket.
    expect(lines[2].rows[1]).toBe(0);
    const { model, inputs } = await loadBundleTower(cwd, 'item_tower');
    const embedded = Float32Array.from(lines.flatMap((l) => l.vector));
    expect(maxAbsDiff(towerVectors(model, inputs, lines), embedded)).toBeLessThan(1e-5);
    model.dispose();
  });
});

describe('the tfjs towers of a run with GELU, two hidden layers, normalize: none and no L2 normalisation', () => {
  it('give the vectors the run wrote', async () => {
    const experiment = servingExperiment()
      .replace('{ name: activity, normalize: log }', '{ name: activity, normalize: none }')
      .replaceAll('mlp: { hidden: [16] }', 'mlp: { hidden: [16, 12], activation: gelu }\n  l2_normalize: false');
    expect(experiment.match(/l2_normalize: false/g)).toHaveLength(2);
    const cwd = await exportedRun(experiment);
    expect(manifestOf(cwd).score.metric).toBe('dot');
    for (const [side, file, written] of [
      ['item_tower', 'gen/items.csv', path.join(runDir(cwd), 'embeddings', 'items.bin')],
      ['user_tower', 'gen/users.csv', path.join(cwd, 'bundle', 'users.bin')],
    ] as const) {
      const { model, inputs } = await loadBundleTower(cwd, side);
      const lines = (await embedWithInputs(cwd, side === 'item_tower' ? 'items' : 'users', file)).filter((l) => l.known);
      const want = writtenRows(readVectors(written), lines.map((l) => l.id));
      expect(maxAbsDiff(towerVectors(model, inputs, lines), want)).toBeLessThan(1e-5);
      model.dispose();
    }
  }, 120_000);
});
