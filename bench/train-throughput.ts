/**
 * Training throughput of the reference model of PERFORMANCE.md, our trainer's step vs a PyTorch peer
 * (bench/peers/two_tower_torch.py, one thread), side by side in one run. Examples/s at B = 256/512/1024,
 * median of timed windows after warm-up, and tf.memory().numTensors across steps.
 *
 *   npx tsx bench/train-throughput.ts [--quick] [--backend wasm|cpu|tensorflow] [--no-peer]
 *
 * The last line is `ratio_vs_pytorch_b512=<number>` (ours / PyTorch at B = 512).
 */
import * as tf from '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

import type { Dataset } from '../src/core/data/dataset';
import { TwoTowerModel } from '../src/core/model/twoTowerModel';
import { initBackend, type BackendName } from '../src/core/train/backend';
import { Rng } from '../src/core/util/rng';
import { ITEMS, USERS, referenceDataset, referenceExperiment } from './train-throughput.reference';

const BATCHES = [256, 512, 1024];

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const noPeer = args.includes('--no-peer');
const backendArg = args[args.indexOf('--backend') + 1] as BackendName | undefined;
const preferred: BackendName = args.includes('--backend') && backendArg ? backendArg : 'wasm';
const plan = quick ? { warmup: 3, windows: 3, steps: 5 } : { warmup: 10, windows: 7, steps: 20 };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

interface Row {
  batch: number;
  ours: number;
  numTensors: number[];
  ms: number;
}

function benchOurs(ds: Dataset, batch: number): Row {
  const rng = new Rng(batch);
  const model = TwoTowerModel.create(referenceExperiment(batch), ds, rng);
  const users = new Int32Array(batch);
  const items = new Int32Array(batch);
  const step = () => {
    for (let r = 0; r < batch; r++) {
      users[r] = 1 + rng.int(USERS);
      items[r] = 1 + rng.int(ITEMS);
    }
    const loss = model.trainStep({ users, posItems: items });
    if (!Number.isFinite(loss)) throw new Error(`bench: non-finite loss ${loss} at B=${batch}`);
  };
  for (let s = 0; s < plan.warmup; s++) step();
  const rates: number[] = [];
  const numTensors: number[] = [];
  for (let w = 0; w < plan.windows; w++) {
    const t0 = performance.now();
    for (let s = 0; s < plan.steps; s++) step();
    const dt = performance.now() - t0;
    rates.push((plan.steps * batch * 1000) / dt);
    numTensors.push(tf.memory().numTensors);
  }
  model.dispose();
  const ours = median(rates);
  return { batch, ours, numTensors, ms: (batch * 1000) / ours };
}

function benchPeer(): Map<number, number> | string {
  const script = path.join(__dirname, 'peers', 'two_tower_torch.py');
  const r = spawnSync('/usr/bin/python3', [script, '--batch-sizes', BATCHES.join(','), '--warmup', String(plan.warmup), '--windows', String(plan.windows), '--steps', String(plan.steps)], { encoding: 'utf8', timeout: 600_000 });
  if (r.error) return `could not start /usr/bin/python3 (${r.error.message}); install python3-torch and libopenblas0-pthread with apt-get`;
  if (r.status !== 0) return `the PyTorch peer failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`;
  const out = new Map<number, number>();
  for (const line of r.stdout.trim().split('\n')) {
    const o = JSON.parse(line) as { batch: number; examples_per_s: number };
    out.set(o.batch, o.examples_per_s);
  }
  return out;
}

async function main(): Promise<void> {
  const backend = await initBackend(preferred);
  const ds = referenceDataset(new Rng(7));
  console.log(`train-throughput: reference model (${USERS} users × ${ITEMS} items, ID 32 + 2×cat 8 + 2 cont → MLP [128, 64] ReLU → 64, L2, in-batch softmax τ=0.05, Adam 1e-3)`);
  console.log(`backend=${backend} mode=${quick ? 'quick' : 'full'} warmup=${plan.warmup} windows=${plan.windows}×${plan.steps} steps`);
  const rows = BATCHES.map((b) => benchOurs(ds, b));
  const peer = noPeer ? 'skipped (--no-peer)' : benchPeer();
  console.log('| B | ours (examples/s) | ms/step | PyTorch 1 thread (examples/s) | ratio | numTensors per window |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) {
    const p = typeof peer === 'string' ? undefined : peer.get(r.batch);
    console.log(`| ${r.batch} | ${r.ours.toFixed(0)} | ${r.ms.toFixed(1)} | ${p ? p.toFixed(0) : '–'} | ${p ? (r.ours / p).toFixed(2) : '–'} | ${r.numTensors.join(' ')} |`);
  }
  if (typeof peer === 'string') console.log(`PyTorch peer: ${peer}`);
  const ours512 = rows.find((r) => r.batch === 512)?.ours ?? NaN;
  const peer512 = typeof peer === 'string' ? NaN : (peer.get(512) ?? NaN);
  console.log(`ratio_vs_pytorch_b512=${(ours512 / peer512).toFixed(3)}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : String(err));
  process.exit(1);
});
