/**
 * Training throughput of the two engines behind the same front door, side by side in one run: the
 * reference-like model (PERFORMANCE.md's towers — ID 32, a categorical feature embedded in 8, two
 * continuous features, MLP [128, 64] ReLU, linear 64, L2-normalised; in-batch softmax τ = 0.05, Adam
 * 1e-3, B = 512) on synthetic data of the reference size (6,040 users × 3,706 items), trained by
 * `two-tower-lab train` on tfjs, on torch × 1 process and on torch × 2 processes (gloo), and the raw
 * PyTorch peer (bench/peers/two_tower_torch.py: the same model's bare step, one thread) for scale.
 * Examples/s are the trainer's own `epoch` events (epochs after the first, so start-up and warm-up are
 * left out); each engine runs `--rounds` times, interleaved with the others, and the median is shown.
 *
 *   npm run build && npx tsx bench/engines.ts [--rounds 3] [--epochs 3] [--python /usr/bin/python3]
 *
 * The last line is `torch2_over_tfjs=<number>`. Timings depend on the machine's load: quote the
 * load average printed with them.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(__dirname, '..');
const TRAINER = path.join(ROOT, 'dist', 'trainer.js');

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, epochs: { type: 'string', default: '3' }, python: { type: 'string', default: '/usr/bin/python3' } } });
const rounds = Number(values.rounds);
const epochs = Number(values.epochs);
const python = values.python ?? '/usr/bin/python3';

const EXPERIMENT = `name: engines-reference
data:
  synthetic: { users: 6040, items: 3706, impressions_per_user: 60, ranking_log: false }
user_tower:
  id_embedding_dim: 32
  categorical: [{ name: segment, embedding_dim: 8 }]
  continuous: [{ name: age }, { name: activity, normalize: log }]
  mlp: { hidden: [128, 64], activation: relu }
  output_dim: 64
item_tower:
  id_embedding_dim: 32
  categorical: [{ name: category, embedding_dim: 8 }]
  continuous: [{ name: price, normalize: log }, { name: age_days, normalize: minmax }]
  mlp: { hidden: [128, 64], activation: relu }
  output_dim: 64
score: { temperature: 0.05 }
training:
  mode: listwise
  loss: softmax
  negatives: { source: in_batch }
  optimizer: adam
  learning_rate: 0.001
  batch_size: 512
evaluation: { k: [50], metrics: [recall], max_users: 200 }
`;

interface Engine {
  name: string;
  args: string[];
}

const ENGINES: Engine[] = [
  { name: 'tfjs (wasm, 1 process)', args: ['--engine', 'tfjs'] },
  { name: 'torch × 1 process', args: ['--engine', 'torch', '--processes', '1', '--python', python, '--set', 'training.engine_options.threads=1'] },
  { name: 'torch × 2 processes (gloo)', args: ['--engine', 'torch', '--processes', '2', '--python', python, '--set', 'training.engine_options.threads=1'] },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Examples/s of the epochs after the first, from the run's events. */
function trainOnce(file: string, engine: Engine, runsDir: string): number[] {
  const r = spawnSync(process.execPath, [TRAINER, 'train', file, '--epochs', String(epochs), '--runs-dir', runsDir, '--quiet', '--events-stdout', 'off', ...engine.args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${engine.name} failed (exit ${r.status}): ${r.stderr.slice(-1500)}`);
  const runs = readdirSync(runsDir).sort();
  const events = readFileSync(path.join(runsDir, runs[runs.length - 1], 'events.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { type: string; epoch?: number; examplesPerSec?: number });
  return events.filter((e) => e.type === 'epoch' && (e.epoch ?? 0) > 1).map((e) => e.examplesPerSec ?? NaN);
}

function peerRate(): number | undefined {
  const r = spawnSync(python, [path.join(__dirname, 'peers', 'two_tower_torch.py'), '--batch-sizes', '512', '--windows', '7', '--steps', '20'], { encoding: 'utf8' });
  if (r.status !== 0) {
    process.stderr.write(`peer failed: ${r.stderr.slice(-500)}\n`);
    return undefined;
  }
  const line = r.stdout.trim().split('\n').pop() ?? '{}';
  return (JSON.parse(line) as { examples_per_s?: number }).examples_per_s;
}

function main(): void {
  const dir = mkdtempSync(path.join(tmpdir(), 'engines-bench-'));
  const loads: number[] = [];
  try {
    const file = path.join(dir, 'reference.tower.yaml');
    writeFileSync(file, EXPERIMENT);
    const rates = new Map<string, number[]>(ENGINES.map((e) => [e.name, []]));
    const peer: number[] = [];
    for (let round = 0; round < rounds; round++) {
      for (const engine of ENGINES) {
        loads.push(loadavg()[0]);
        const runsDir = path.join(dir, `runs-${round}`);
        rates.get(engine.name)!.push(...trainOnce(file, engine, runsDir));
        process.stderr.write(`[round ${round + 1}/${rounds}] ${engine.name}: ${rates.get(engine.name)!.map((r) => Math.round(r)).join(', ')} ex/s (load ${loadavg()[0].toFixed(2)})\n`);
      }
      const p = peerRate();
      if (p !== undefined) peer.push(p);
      rmSync(path.join(dir, `runs-${round}`), { recursive: true, force: true });
    }
    const peerMedian = median(peer);
    process.stdout.write(`\nB = 512, ${epochs} epochs per run (epochs after the first counted), ${rounds} rounds; load average ${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)}\n\n`);
    process.stdout.write('| engine | examples/s (median) | runs | / raw PyTorch peer |\n|---|---:|---:|---:|\n');
    for (const engine of ENGINES) {
      const m = median(rates.get(engine.name)!);
      process.stdout.write(`| ${engine.name} | ${Math.round(m).toLocaleString('en-US')} | ${rates.get(engine.name)!.length} | ${Number.isFinite(peerMedian) ? (m / peerMedian).toFixed(2) : '–'} |\n`);
    }
    process.stdout.write(`| raw PyTorch peer (bare step, 1 thread) | ${Number.isFinite(peerMedian) ? Math.round(peerMedian).toLocaleString('en-US') : '–'} | ${peer.length} | 1.00 |\n\n`);
    const tfjs = median(rates.get(ENGINES[0].name)!);
    const torch1 = median(rates.get(ENGINES[1].name)!);
    const torch2 = median(rates.get(ENGINES[2].name)!);
    process.stdout.write(`torch2_over_torch1=${(torch2 / torch1).toFixed(3)}\n`);
    process.stdout.write(`torch2_over_tfjs=${(torch2 / tfjs).toFixed(3)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
