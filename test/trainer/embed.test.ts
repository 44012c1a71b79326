/**
 * `export` writes a bundle and `embed` computes vectors from feature rows with it, in real trainer
 * processes: known ids get exactly the vectors the run wrote, unseen ids the OOV row with their
 * features counted, and bad bundles and bad rows are clear errors (exit 2).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ItemIndex } from '../../src/core/serving/annIndex';
import type { BundleManifest, BundleTowerFile } from '../../src/core/serving/bundle';
import { cleanup, runTrainer } from './trainerProcess';
import { DIM, readEmbedded, readVectors, runDir, trainedServingRun } from './servingFixture';

afterAll(cleanup);

let cwd: string;
beforeAll(async () => {
  cwd = await trainedServingRun();
  const ex = await runTrainer(['export', 'r1', '--out', 'bundle'], cwd);
  expect(ex.code, ex.stderr).toBe(0);
}, 60_000);

/** The vector of `id` in a trainer-written .bin as plain numbers. */
function rowOf(written: { ids: string[]; vectors: Float32Array }, id: string): number[] {
  const i = written.ids.indexOf(id);
  expect(i, `id ${id}`).toBeGreaterThan(0);
  return Array.from(written.vectors.subarray(i * DIM, (i + 1) * DIM));
}

describe('export bundle', () => {
  it('is self-describing: manifest, vocabularies with the OOV row, feature encoders, score', () => {
    const manifest = JSON.parse(readFileSync(path.join(cwd, 'bundle', 'manifest.json'), 'utf8')) as BundleManifest;
    expect(manifest.format).toBe('two-tower-lab/bundle@1');
    expect(manifest.createdBy.tool).toBe('two-tower-lab');
    expect(manifest.createdBy.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(manifest.run).toMatchObject({ id: 'r1', epoch: 1, engine: 'tfjs' });
    expect(manifest.score).toEqual({ metric: 'cosine', temperature: 0.05 });
    expect(manifest.experiment.item_tower.continuous[0]).toMatchObject({ name: 'price', normalize: 'log', buckets: 4 });
    expect(manifest.towers.item_tower.keyColumn).toBe('item_id');
    const items = JSON.parse(readFileSync(path.join(cwd, 'bundle', 'item_tower.json'), 'utf8')) as BundleTowerFile;
    expect(items.ids[0]).toBe('<oov>');
    expect(items.ids).toHaveLength(manifest.towers.item_tower.rows);
    expect(items.categorical[0].name).toBe('category');
    expect(items.categorical[0].ids[0]).toBe('<oov>');
    // price: log normalisation with its statistics, and 4 buckets = 3 boundaries in raw units.
    expect(items.continuous[0]).toMatchObject({ name: 'price', normalize: 'log' });
    expect(items.continuous[0].boundaries).toHaveLength(3);
    expect(items.continuous[0].stats.std).toBeGreaterThan(0);
    expect(items.continuous[1]).toMatchObject({ name: 'age_days', normalize: 'minmax' });
    expect(items.continuous[1].boundaries).toBeUndefined();
  });

  it('holds the usearch index of the item vectors, which finds each item as its own nearest neighbour', () => {
    const manifest = JSON.parse(readFileSync(path.join(cwd, 'bundle', 'manifest.json'), 'utf8')) as BundleManifest;
    expect(manifest.files.itemIndex).toBe('items.usearch');
    const index = ItemIndex.load(path.join(cwd, 'bundle', 'items.usearch'), DIM, manifest.score.metric, manifest.experiment.serving);
    const items = readVectors(path.join(cwd, 'bundle', 'items.bin'));
    expect(index.size).toBe(items.ids.length - 1);
    for (const row of [1, 17, 80]) expect(index.search(items.vectors.subarray(row * DIM, (row + 1) * DIM), 1).items[0]).toBe(row);
  });
});

describe('two-tower-lab embed', () => {
  it('gives known items and users exactly the vectors the run wrote', async () => {
    const items = await runTrainer(['embed', 'bundle', '--items', 'gen/items.csv', '--out', 'items.jsonl'], cwd);
    expect(items.code, items.stderr).toBe(0);
    const runItems = readVectors(path.join(runDir(cwd), 'embeddings', 'items.bin'));
    const embedded = readEmbedded(path.join(cwd, 'items.jsonl'));
    expect(embedded).toHaveLength(80);
    for (const row of embedded) {
      expect(row.known).toBe(true);
      expect(row.vector.map(Math.fround)).toEqual(rowOf(runItems, row.id));
    }
    // Users: to stdout, against the users.bin of the bundle (the run folder holds item vectors only).
    const users = await runTrainer(['embed', 'bundle', '--users', 'gen/users.csv'], cwd);
    expect(users.code, users.stderr).toBe(0);
    const bundleUsers = readVectors(path.join(cwd, 'bundle', 'users.bin'));
    const lines = users.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string; known: boolean; vector: number[] });
    const known = lines.filter((l) => l.known);
    expect(known.length).toBe(bundleUsers.ids.length - 1);
    for (const row of known) expect(row.vector.map(Math.fround)).toEqual(rowOf(bundleUsers, row.id));
  }, 60_000);

  it('embeds unseen ids with the OOV row and counts their features (cold start)', async () => {
    const header = readFileSync(path.join(cwd, 'gen', 'items.csv'), 'utf8').split('\n')[0];
    const i0 = readFileSync(path.join(cwd, 'gen', 'items.csv'), 'utf8').split('\n')[1].split(',');
    // Two new ids with i0's features, one with other features, one with a category never seen.
    writeFileSync(
      path.join(cwd, 'new-items.csv'),
      `${header}\nnew_a,${i0.slice(1).join(',')}\nnew_b,${i0.slice(1).join(',')}\nnew_c,c1,999,1\nnew_d,never_seen,${i0.slice(2).join(',')}\n${i0.join(',')}\n`,
    );
    const r = await runTrainer(['embed', 'bundle', '--items', 'new-items.csv', '--out', 'new.jsonl'], cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('4 with an id the model never saw');
    const [a, b, c, d, known] = readEmbedded(path.join(cwd, 'new.jsonl'));
    expect([a.known, b.known, c.known, d.known, known.known]).toEqual([false, false, false, false, true]);
    // The id does not matter once it is unknown: the same features give the same vector …
    expect(b.vector).toEqual(a.vector);
    // … the features do: other features give another vector, and so does the OOV ID row vs i0's own row.
    expect(c.vector).not.toEqual(a.vector);
    expect(a.vector).not.toEqual(known.vector);
    // An unseen category is its OOV row, not an error.
    expect(d.vector).not.toEqual(a.vector);
    expect(known.vector.map(Math.fround)).toEqual(rowOf(readVectors(path.join(runDir(cwd), 'embeddings', 'items.bin')), i0[0]));
  }, 60_000);

  it('refuses a missing feature column, a folder that is no bundle, and damaged weights (exit 2)', async () => {
    writeFileSync(path.join(cwd, 'no-price.csv'), 'item_id,category,age_days\ni0,c1,3\n');
    const missing = await runTrainer(['embed', 'bundle', '--items', 'no-price.csv'], cwd);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no-price\.csv: no column 'price' \(a continuous feature of item_tower\).*add the column.*columns are: item_id, category, age_days/);

    const noKey = await runTrainer(['embed', 'bundle', '--items', 'no-price.csv', '--key', 'movie'], cwd);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/no column 'movie' \(the id column \(--key\)\)/);

    const notBundle = await runTrainer(['embed', 'gen', '--items', 'gen/items.csv'], cwd);
    expect(notBundle.code).toBe(2);
    expect(notBundle.stderr).toMatch(/gen has no manifest\.json, so it is not an export bundle\. Make one with: two-tower-lab export <run-id>/);

    const usage = await runTrainer(['embed', 'bundle', '--items', 'a.csv', '--users', 'b.csv'], cwd);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/exactly one of --users FILE or --items FILE/);

    const weights = path.join(cwd, 'bundle', 'weights.bin');
    writeFileSync(weights, readFileSync(weights).subarray(0, 100));
    const damaged = await runTrainer(['embed', 'bundle', '--items', 'gen/items.csv'], cwd);
    expect(damaged.code).toBe(2);
    expect(damaged.stderr).toMatch(/weights\.bin: holds 100 bytes.*The bundle .* is damaged; export the run again/);
    rmSync(path.join(cwd, 'bundle'), { recursive: true });
  }, 60_000);
});

const PYTHON = '/usr/bin/python3';
const hasTorch = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8' }).status === 0;

describe.skipIf(!hasTorch)('embed with the bundle of a torch run (skipped without torch in /usr/bin/python3)', () => {
  it('reads the torch checkpoint: the same vectors as the bundle, and the run\'s own within float32 rounding', async () => {
    const r = await runTrainer(['train', 'serving.tower.yaml', '--run-id', 't1', '--engine', 'torch', '--python', PYTHON, '--processes', '1', '--events-stdout', 'off', '--quiet'], cwd);
    expect(r.code, r.stderr).toBe(0);
    expect((await runTrainer(['export', 't1', '--out', 'torch-bundle'], cwd)).code).toBe(0);
    const manifest = JSON.parse(readFileSync(path.join(cwd, 'torch-bundle', 'manifest.json'), 'utf8')) as BundleManifest;
    expect(manifest.run.engine).toBe('torch');
    // The front door builds the index from the vectors the torch workers wrote.
    expect(existsSync(path.join(runDir(cwd, 't1'), 'embeddings', 'items.usearch'))).toBe(true);
    const e = await runTrainer(['embed', 'torch-bundle', '--items', 'gen/items.csv', '--out', 'torch-items.jsonl'], cwd);
    expect(e.code, e.stderr).toBe(0);
    const bundleItems = readVectors(path.join(cwd, 'torch-bundle', 'items.bin'));
    // torch wrote the run's vectors with its own matmul: the same model, rounded differently (≤ a few float32 ulps).
    const torchItems = readVectors(path.join(runDir(cwd, 't1'), 'embeddings', 'items.bin'));
    for (const row of readEmbedded(path.join(cwd, 'torch-items.jsonl'))) {
      expect(row.vector.map(Math.fround)).toEqual(rowOf(bundleItems, row.id));
      rowOf(torchItems, row.id).forEach((v, d) => expect(Math.abs(v - row.vector[d])).toBeLessThan(1e-6));
    }
  }, 120_000);

  it('exports the towers as TorchScript, which give the vectors from embed --with-inputs when loaded back in Python', async () => {
    const manifest = JSON.parse(readFileSync(path.join(cwd, 'torch-bundle', 'manifest.json'), 'utf8')) as BundleManifest;
    expect(manifest.files).toMatchObject({ userTowerTorchScript: 'user_tower.pt', itemTowerTorchScript: 'item_tower.pt' });
    for (const side of ['items', 'users'] as const) {
      const e = await runTrainer(['embed', 'torch-bundle', `--${side}`, `gen/${side}.csv`, '--with-inputs', '--out', `${side}-inputs.jsonl`], cwd);
      expect(e.code, e.stderr).toBe(0);
      const first = readEmbedded(path.join(cwd, `${side}-inputs.jsonl`))[0] as unknown as { rows: number[]; values: number[] };
      // The id row, the categorical row, (a bucket row,) and the normalised values.
      expect(first.rows.length).toBe(side === 'items' ? 3 : 2);
      expect(first.values.length).toBe(side === 'items' ? 1 : 2);
      const check = spawnSync(
        PYTHON,
        [
          '-c',
          `import json, sys, torch
m = torch.jit.load(sys.argv[1])
rows = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
got = m(torch.tensor([r["rows"] for r in rows], dtype=torch.int64), torch.tensor([r["values"] for r in rows], dtype=torch.float32))
want = torch.tensor([r["vector"] for r in rows])
print(len(rows), float((got - want).abs().max()))`,
          path.join(cwd, 'torch-bundle', side === 'items' ? 'item_tower.pt' : 'user_tower.pt'),
          path.join(cwd, `${side}-inputs.jsonl`),
        ],
        { encoding: 'utf8' },
      );
      expect(check.status, check.stderr).toBe(0);
      const [count, maxDiff] = check.stdout.trim().split(' ').map(Number);
      expect(count).toBe(side === 'items' ? 80 : 150);
      expect(maxDiff).toBeLessThan(1e-5);
    }
  }, 120_000);
});
