/**
 * Training throughput of the reference model of PERFORMANCE.md, our trainer's step vs a PyTorch peer
 * (bench/peers/two_tower_torch.py, one thread), side by side in one run. Examples/s at B = 256/512/1024,
 * median of timed windows after warm-up (our windows and the peer's alternate, so load from other
 * processes hits both alike), examples per CPU-second as a steadier second view, and tf.memory().numTensors.
 *
 *   npx tsx bench/train-throughput.ts [--quick] [--backend wasm|cpu|tensorflow] [--no-peer] [--threads N]
 *
 * Then the wasm backend's threads (training.threads): B = 512 in child processes of 1 and 2 threads
 * (the pool is fixed when a process starts its backend), alternating over 3 rounds.
 * The last lines are `ratio_vs_pytorch_b512=<number>` (ours / PyTorch at B = 512, one thread) and
 * `threads2_over_threads1=<number>`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { createInterface } from 'node:readline';
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
const threads = args.includes('--threads') ? Number(args[args.indexOf('--threads') + 1]) : 1;
/** A child of the threads comparison: one batch size, no peer, one line `rate=<examples/s>`. */
const rateOnly = args.includes('--rate-only');
const plan = quick ? { warmup: 2, windows: 3, steps: 4 } : { warmup: 10, windows: 7, steps: 20 };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

interface Row {
  batch: number;
  ours: number;
  peer: number | undefined;
  oursCpu: number;
  peerCpu: number | undefined;
  numTensors: number[];
}

/** The PyTorch peer in `--serve` mode: one timed window per request, so its windows interleave with ours. */
class Peer {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: string[] = [];
  private waiting: ((line: string | null) => void) | null = null;
  private stderr = '';

  constructor() {
    const script = path.join(__dirname, 'peers', 'two_tower_torch.py');
    this.child = spawn('/usr/bin/python3', [script, '--serve', '--warmup', String(plan.warmup)]);
    createInterface({ input: this.child.stdout }).on('line', (line) => this.deliver(line));
    this.child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.child.on('close', () => this.deliver(null));
    this.child.on('error', (err) => {
      this.stderr += err.message;
      this.deliver(null);
    });
  }

  private deliver(line: string | null): void {
    const w = this.waiting;
    this.waiting = null;
    if (w) w(line);
    else if (line !== null) this.lines.push(line);
  }

  private next(): Promise<string> {
    const queued = this.lines.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      this.waiting = (line) => (line === null ? reject(new Error(`the PyTorch peer ended: ${this.stderr.trim().split('\n').slice(-3).join(' | ') || 'no output'} (needs /usr/bin/python3 with python3-torch; apt-get install -y python3-torch libopenblas0-pthread)`)) : resolve(line));
    });
  }

  async ready(): Promise<string> {
    const o = JSON.parse(await this.next()) as { torch: string; threads: number };
    return `torch ${o.torch}, ${o.threads} thread`;
  }

  async window(batch: number, steps: number): Promise<{ wall: number; cpu: number }> {
    this.child.stdin.write(`${batch} ${steps}\n`);
    const o = JSON.parse(await this.next()) as { examples_per_s: number; examples_per_cpu_s: number };
    return { wall: o.examples_per_s, cpu: o.examples_per_cpu_s };
  }

  close(): void {
    this.child.stdin.end();
  }
}

/** Our windows and the peer's alternate (ours, peer, ours, …) so that load from other processes hits both alike. */
async function benchBatch(ds: Dataset, batch: number, peer: Peer | null): Promise<Row> {
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
  const cpuRates: number[] = [];
  const peerRates: { wall: number; cpu: number }[] = [];
  const numTensors: number[] = [];
  for (let w = 0; w < plan.windows; w++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (let s = 0; s < plan.steps; s++) step();
    const cpu = process.cpuUsage(c0);
    rates.push((plan.steps * batch * 1000) / (performance.now() - t0));
    cpuRates.push((plan.steps * batch * 1e6) / (cpu.user + cpu.system));
    numTensors.push(tf.memory().numTensors);
    if (peer) peerRates.push(await peer.window(batch, plan.steps));
  }
  model.dispose();
  return {
    batch,
    ours: median(rates),
    peer: peer ? median(peerRates.map((p) => p.wall)) : undefined,
    oursCpu: median(cpuRates),
    peerCpu: peer ? median(peerRates.map((p) => p.cpu)) : undefined,
    numTensors,
  };
}

/** Examples/s at B = 512 in a child process with `n` wasm threads. */
function childRate(n: number): number {
  const out = execFileSync(process.execPath, [...process.execArgv, __filename, '--rate-only', '--threads', String(n), ...(quick ? ['--quick'] : [])], { encoding: 'utf8' });
  const m = /rate=([\d.]+)/.exec(out);
  if (!m) throw new Error(`bench child (${n} threads) printed no rate: ${out}`);
  return Number(m[1]);
}

async function main(): Promise<void> {
  const backend = await initBackend(preferred, threads);
  const ds = referenceDataset(new Rng(7));
  if (rateOnly) {
    console.log(`rate=${(await benchBatch(ds, 512, null)).ours.toFixed(1)}`);
    return;
  }
  const peer = noPeer ? null : new Peer();
  const peerInfo = peer ? await peer.ready() : 'skipped (--no-peer)';
  console.log(`train-throughput: reference model (${USERS} users × ${ITEMS} items, ID 32 + 2×cat 8 + 2 cont → MLP [128, 64] ReLU → 64, L2, in-batch softmax τ=0.05, Adam 1e-3)`);
  console.log(`ours: tfjs ${tf.version_core} backend=${backend}; peer: ${peerInfo}; ${quick ? 'quick' : 'full'}: warm-up ${plan.warmup} steps, ${plan.windows} windows × ${plan.steps} steps, interleaved`);
  const rows: Row[] = [];
  try {
    for (const b of BATCHES) rows.push(await benchBatch(ds, b, peer));
  } finally {
    peer?.close();
  }
  // Per CPU second counts only each process's own time on a core: steadier than wall time when others load the machine.
  console.log('| B | ours (examples/s) | ms/step | PyTorch (examples/s) | ratio | ours per CPU-s | PyTorch per CPU-s | CPU ratio | numTensors after each window |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  const fmt = (x: number | undefined, digits = 0) => (x === undefined ? '–' : x.toFixed(digits));
  for (const r of rows) {
    const ratio = r.peer ? r.ours / r.peer : undefined;
    const cpuRatio = r.peerCpu ? r.oursCpu / r.peerCpu : undefined;
    console.log(`| ${r.batch} | ${fmt(r.ours)} | ${fmt((r.batch * 1000) / r.ours, 1)} | ${fmt(r.peer)} | ${fmt(ratio, 2)} | ${fmt(r.oursCpu)} | ${fmt(r.peerCpu)} | ${fmt(cpuRatio, 2)} | ${r.numTensors.join(' ')} |`);
  }
  const r512 = rows.find((r) => r.batch === 512);
  if (backend === 'wasm') {
    const one: number[] = [];
    const two: number[] = [];
    for (let round = 0; round < 3; round++) {
      one.push(childRate(1));
      two.push(childRate(2));
    }
    console.log(`wasm threads at B = 512, examples/s per round: 1 thread ${one.map((x) => x.toFixed(0)).join(' ')}; 2 threads ${two.map((x) => x.toFixed(0)).join(' ')}`);
    console.log(`ratio_vs_pytorch_b512=${r512 && r512.peer ? (r512.ours / r512.peer).toFixed(3) : 'NaN'}`);
    console.log(`threads2_over_threads1=${(median(two) / median(one)).toFixed(3)}`);
  } else {
    console.log(`ratio_vs_pytorch_b512=${r512 && r512.peer ? (r512.ours / r512.peer).toFixed(3) : 'NaN'}`);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : String(err));
  process.exit(1);
});
