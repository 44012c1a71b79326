/**
 * A bundle's tfjs item tower in headless Chromium: the page loads TensorFlow.js' browser builds (core,
 * CPU backend, layers) and nothing of this project, calls tf.loadLayersModel with the model.json URL
 * over HTTP, and its vectors for the rows `embed --with-inputs` encodes are the ones the run wrote.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BundleManifest } from '../../src/core/serving/bundle';
import { DIM, readEmbedded, readVectors, runDir, trainedServingRun } from '../trainer/servingFixture';
import { cleanup, runTrainer } from '../trainer/trainerProcess';
import { launchBrowser, ROOT } from './harness';

/** The browser builds a page would load from a CDN, in load order (layers needs the global `tf` of core). */
const TFJS_SCRIPTS = ['tfjs-core/dist/tf-core.min.js', 'tfjs-backend-cpu/dist/tf-backend-cpu.min.js', 'tfjs-layers/dist/tf-layers.min.js'];

let cwd: string;
let browser: Browser;
let origin: string;
let close: () => Promise<void>;

beforeAll(async () => {
  cwd = await trainedServingRun();
  const ex = await runTrainer(['export', 'r1', '--out', 'bundle'], cwd);
  expect(ex.code, ex.stderr).toBe(0);
  // '/' is the page, /tfjs/<n>.js the builds, /bundle/… the bundle's files.
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname === '/') {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end(`<!doctype html>${TFJS_SCRIPTS.map((_, i) => `<script src="/tfjs/${i}.js"></script>`).join('')}`);
      return;
    }
    const script = /^\/tfjs\/(\d)\.js$/.exec(url.pathname);
    const file = script ? path.join(ROOT, 'node_modules', '@tensorflow', TFJS_SCRIPTS[Number(script[1])]) : path.join(cwd, path.normalize(url.pathname));
    if (!(script || url.pathname.startsWith('/bundle/')) || !existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : file.endsWith('.json') ? 'application/json' : 'application/octet-stream' });
    response.end(readFileSync(file));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => new Promise<void>((done) => server.close(() => done()));
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await close?.();
  cleanup();
});

describe('the tfjs item tower in a browser', () => {
  it('loads with tf.loadLayersModel(url) and gives the vectors the run wrote', async () => {
    const manifest = JSON.parse(readFileSync(path.join(cwd, 'bundle', 'manifest.json'), 'utf8')) as BundleManifest;
    const embed = await runTrainer(['embed', 'bundle', '--items', 'gen/items.csv', '--with-inputs', '--out', 'items.jsonl'], cwd);
    expect(embed.code, embed.stderr).toBe(0);
    const encoded = (readEmbedded(path.join(cwd, 'items.jsonl')) as unknown as { id: string; rows: number[]; values: number[] }[]).map(({ id, rows, values }) => ({ id, rows, values }));
    const page = await browser.newPage();
    await page.goto(origin);
    const vectors = await page.evaluate(
      async ({ url, inputs, rows }) => {
        const tf = (globalThis as unknown as { tf: typeof import('@tensorflow/tfjs-core') & typeof import('@tensorflow/tfjs-layers') }).tf;
        const model = await tf.loadLayersModel(url);
        let table = 0;
        let value = 0;
        const tensors = inputs.map((input) => {
          const column = input.kind === 'value' ? value++ : table++;
          return tf.tensor2d(rows.map((r) => (input.kind === 'value' ? r.values[column] : r.rows[column])), [rows.length, 1], input.dtype);
        });
        return Array.from((model.predict(tensors) as import('@tensorflow/tfjs-core').Tensor).dataSync());
      },
      { url: `${origin}/bundle/${manifest.towers.item_tower.tfjs.model}`, inputs: manifest.towers.item_tower.tfjs.inputs, rows: encoded },
    );
    await page.close();
    const written = readVectors(path.join(runDir(cwd), 'embeddings', 'items.bin'));
    expect(vectors).toHaveLength(encoded.length * DIM);
    encoded.forEach((row, r) => {
      const at = written.ids.indexOf(row.id);
      for (let d = 0; d < DIM; d++) expect(Math.abs(vectors[r * DIM + d] - written.vectors[at * DIM + d])).toBeLessThan(1e-5);
    });
  }, 60_000);
});
