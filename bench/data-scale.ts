/**
 * The data layer and evaluation at scale, ours beside a peer in one run (bench/peers/data_scale_peer.py,
 * Debian's /usr/bin/python3 with pandas and numpy, one thread):
 * 1. generates a log with `two-tower-lab generate` (50,000 users × 20,000 items ≈ 3M rows; the time is printed);
 * 2. load time and peak memory: our reader (readInteractions through DuckDB, in its own process; the whole
 *    loadDataset is printed beside it) vs pandas `read_csv` of the same file; and the generated ranking log
 *    (readRankingLog, ids looked up in the interactions' vocabularies) vs pandas `read_csv` of it;
 * 3. full-corpus top-100 of 50,000 users × 20,000 items (dim 32, random unit vectors): our evaluateRetrieval
 *    (tfjs wasm matMul in blocks + partial selection, with the metrics) vs numpy (matmul + argpartition).
 *
 *   node esbuild.mjs && npx tsx bench/data-scale.ts [--users N] [--items N] [--eval-users N] [--eval-items N] [--small]
 *
 * `--small` is 5,000 × 2,000 (≈ 0.3M rows) for checking that the bench works. The last lines are
 * `load_over_pandas=<n>` (our read time / pandas'), `ranking_log_over_pandas=<n>` and `eval_over_numpy=<n>`; a figure taken at a
 * 1-minute load average above 3 is printed but is not a result.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';

import { evaluateRetrieval, planRetrieval } from '../src/core/eval/retrieval';
import { dotScorer } from '../src/core/eval/scorers';
import { initBackend } from '../src/core/train/backend';
import { matMulKernel } from '../src/core/train/matMulKernel';
import { Rng } from '../src/core/util/rng';

const REPO = path.resolve(__dirname, '..');
const PYTHON = '/usr/bin/python3';
const PEER = path.join(REPO, 'bench', 'peers', 'data_scale_peer.py');
const ONE_THREAD = { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => (args.includes(`--${name}`) ? Number(args[args.indexOf(`--${name}`) + 1]) : fallback);
const small = args.includes('--small');
const USERS = flag('users', small ? 5000 : 50000);
const ITEMS = flag('items', small ? 2000 : 20000);
const EVAL_USERS = flag('eval-users', small ? 5000 : 50000);
const EVAL_ITEMS = flag('eval-items', small ? 2000 : 20000);
const DIM = 32;
const K = 100;

const load = () => loadavg()[0].toFixed(2);

function unitVectors(rng: Rng, n: number): Float32Array {
  const out = new Float32Array(n * DIM);
  for (let r = 0; r < n; r++) {
    let norm = 0;
    for (let d = 0; d < DIM; d++) {
      const v = rng.next() * 2 - 1;
      out[r * DIM + d] = v;
      norm += v * v;
    }
    for (let d = 0; d < DIM; d++) out[r * DIM + d] /= Math.sqrt(norm);
  }
  return out;
}

function json<T>(text: string): T {
  return JSON.parse(text.trim().split('\n').pop()!) as T;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'data-scale-'));
  try {
    console.log(`load average at start: ${load()}`);
    // 1. The log.
    let t = performance.now();
    execFileSync(process.execPath, [path.join(REPO, 'dist', 'trainer.js'), 'generate', '--users', String(USERS), '--items', String(ITEMS), '--out', dir], { stdio: 'ignore' });
    const csv = path.join(dir, 'interactions.csv');
    console.log(`generate ${USERS} users × ${ITEMS} items: ${((performance.now() - t) / 1000).toFixed(1)} s`);

    // 2. Load: ours in its own process (after a warm-up on the first 1,000 lines), then pandas.
    const warmup = path.join(dir, 'warmup.csv');
    writeFileSync(warmup, `${readFileSync(csv, 'utf8').split('\n', 1001).join('\n')}\n`);
    const rankingLog = path.join(dir, 'ranking_log.csv');
    const ours = json<{ rows: number; readSec: number; readRssMB: number; rankingLogSec: number; rankingLogRows: number; loadSec: number; maxRssMB: number }>(
      execFileSync(process.execPath, [path.join(REPO, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(REPO, 'bench', 'data-scale.load.ts'), csv, warmup, rankingLog], { encoding: 'utf8' }),
    );
    const peer = spawnSync(PYTHON, [PEER, 'load', csv], { encoding: 'utf8', env: ONE_THREAD });
    if (peer.status !== 0) throw new Error(`pandas peer failed: ${peer.stderr}`);
    const pandas = json<{ sec: number; rows: number; maxRssMB: number }>(peer.stdout);
    const peerLog = spawnSync(PYTHON, [PEER, 'load', rankingLog], { encoding: 'utf8', env: ONE_THREAD });
    if (peerLog.status !== 0) throw new Error(`pandas peer failed on the ranking log: ${peerLog.stderr}`);
    const pandasLog = json<{ sec: number; rows: number }>(peerLog.stdout);
    console.log(`ranking log ${ours.rankingLogRows} rows: ours ${ours.rankingLogSec.toFixed(2)} s (ids looked up in the vocabularies); pandas read_csv ${pandasLog.sec.toFixed(2)} s  [load ${load()}]`);
    console.log(`load ${ours.rows} rows: ours read ${ours.readSec.toFixed(2)} s (peak ${ours.readRssMB.toFixed(0)} MB), whole loadDataset ${ours.loadSec.toFixed(2)} s (peak ${ours.maxRssMB.toFixed(0)} MB); pandas read_csv ${pandas.sec.toFixed(2)} s (peak ${pandas.maxRssMB.toFixed(0)} MB)  [load ${load()}]`);

    // 3. Evaluation: the same vectors for both.
    const rng = new Rng(11);
    const users = unitVectors(rng, EVAL_USERS);
    const items = unitVectors(rng, EVAL_ITEMS);
    writeFileSync(path.join(dir, 'users.f32'), users);
    writeFileSync(path.join(dir, 'items.f32'), items);
    // One held-out item and one training item per user (user u ≥ 1; the OOV row 0 is never ranked).
    const n = EVAL_USERS - 1;
    const test = { users: new Int32Array(n), items: new Int32Array(n) };
    const train = { users: new Int32Array(n), items: new Int32Array(n) };
    for (let u = 1; u < EVAL_USERS; u++) {
      test.users[u - 1] = train.users[u - 1] = u;
      test.items[u - 1] = 1 + Math.floor(rng.next() * (EVAL_ITEMS - 1));
      train.items[u - 1] = 1 + Math.floor(rng.next() * (EVAL_ITEMS - 1));
    }
    const clicks = new Float64Array(EVAL_ITEMS);
    for (const i of train.items) clicks[i]++;
    const backend = await initBackend('wasm');
    const plan = planRetrieval({ numItems: EVAL_ITEMS, numUsers: EVAL_USERS, train, test, itemClicks: clicks, ks: [10, K], metrics: ['recall', 'ndcg', 'hit_rate', 'mrr', 'coverage'], excludeSeen: true });
    t = performance.now();
    const kernel = matMulKernel(items, DIM);
    const metrics = evaluateRetrieval(plan, dotScorer((us) => {
      const out = new Float32Array(us.length * DIM);
      for (let r = 0; r < us.length; r++) out.set(users.subarray(us[r] * DIM, (us[r] + 1) * DIM), r * DIM);
      return out;
    }, items, DIM, kernel.kernel));
    kernel.dispose();
    const oursEval = (performance.now() - t) / 1000;
    const np = spawnSync(PYTHON, [PEER, 'eval', path.join(dir, 'users.f32'), path.join(dir, 'items.f32'), String(DIM), String(K)], { encoding: 'utf8', env: ONE_THREAD });
    if (np.status !== 0) throw new Error(`numpy peer failed: ${np.stderr}`);
    const numpy = json<{ sec: number }>(np.stdout);
    console.log(`eval ${plan.users.length} users × ${EVAL_ITEMS} items top-${K} (dim ${DIM}): ours ${oursEval.toFixed(2)} s on ${backend} with all metrics (recall@${K} ${metrics[`recall@${K}`].toFixed(4)}); numpy matmul + argpartition ${numpy.sec.toFixed(2)} s  [load ${load()}]`);
    console.log(`load average at end: ${load()}`);
    console.log(`load_over_pandas=${(ours.readSec / pandas.sec).toFixed(2)}`);
    console.log(`ranking_log_over_pandas=${(ours.rankingLogSec / pandasLog.sec).toFixed(2)}`);
    console.log(`eval_over_numpy=${(oursEval / numpy.sec).toFixed(2)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
