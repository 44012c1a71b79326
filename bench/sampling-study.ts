/**
 * Sampling study: which negatives (and positive rebalancing) give the best retrieval, overall and on
 * head vs tail items, and what sampling costs per step. Every configuration is trained by the real
 * trainer through its CLI (`two-tower-lab train <file> --set …`), on the synthetic data and on
 * MovieLens latest-small; metrics come from the runs' events.jsonl. The sampling cost is measured in
 * this process by doing exactly the sampling work of the loop for one epoch (rebalance, in-batch
 * mask and logQ, sampler draws, counters, mining; per batch the loop's own TrainBatchBuilder) and
 * dividing by the step time the run reported.
 *
 *   npx tsx bench/sampling-study.ts [--epochs N] [--datasets synthetic,movielens] [--per-positive N] [--k 50] [--out FILE]
 *                                   [--only=REGEX of run ids like synthetic-3-1] [--keep] [--profile-only]
 *                                   [--gamma-sweep [--svg FILE]]
 *
 * `--gamma-sweep` trains in-batch + logQ at logq_strength γ ∈ {0, 0.25, 0.5, 0.75, 1} instead, prints
 * overall, head and tail recall per γ, and with --svg draws head against tail recall per data set.
 *
 * Run ids are <data>-<strategy>-<rebalancing>: `--only=-4-` re-runs the hard-mix rows (write `--only=`
 * with `=`: node's parseArgs refuses a separate value that starts with a dash).
 *
 * Prints a Markdown table (also written to --out). Timing figures are of this machine and its load.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { loadExperiment, withAbsoluteDataPaths } from '../src/core/config/load';
import type { Experiment } from '../src/core/config/schema';
import type { Dataset, PositivePairs } from '../src/core/data/dataset';
import { loadDataset } from '../src/core/data/load';
import {
  buildUserPositiveIndex,
  createInBatchCorrection,
  createNegativeSampler,
  minedSamplerOf,
  rebalancePositives,
  SamplingCounters,
  type ScoreTopK,
} from '../src/core/sampling';
import { topK } from '../src/core/eval/topk';
import { batchSamplersFor, TrainBatchBuilder } from '../src/core/train/batchBuilder';
import { EpochBatches } from '../src/core/train/runBatches';
import { Rng } from '../src/core/util/rng';
import type { TrainerEvent } from '../src/shared/events';

const ROOT = path.resolve(import.meta.dirname, '..');

interface DatasetSpec {
  name: string;
  file: string;
  /** Overrides every configuration of this data set shares. */
  base: string[];
  /** The hard-negative source of the "+ hard" strategy. */
  hard: 'ranking_log' | 'mined';
}

const DATASETS: Record<string, DatasetSpec> = {
  // The ranking log is generated from its own Rng stream: turning it on does not change the clicks.
  synthetic: { name: 'synthetic', file: 'examples/synthetic.tower.yaml', base: ['data.synthetic.ranking_log=true'], hard: 'ranking_log' },
  movielens: { name: 'MovieLens latest-small', file: 'examples/movielens.tower.yaml', base: [], hard: 'mined' },
};

interface Strategy {
  name: string;
  sets: (ds: DatasetSpec, perPositive: number) => string[];
}

const STRATEGIES: Strategy[] = [
  { name: 'uniform', sets: (_d, n) => ['training.negatives.source=uniform', 'training.negatives.logq_correction=false', `training.negatives.per_positive=${n}`] },
  {
    name: 'popularity^0.75',
    sets: (_d, n) => ['training.negatives.source=popularity', 'training.negatives.alpha=0.75', 'training.negatives.logq_correction=false', `training.negatives.per_positive=${n}`],
  },
  { name: 'in-batch', sets: () => ['training.negatives.source=in_batch', 'training.negatives.logq_correction=false'] },
  { name: 'in-batch + logQ', sets: () => ['training.negatives.source=in_batch', 'training.negatives.logq_correction=true'] },
  {
    name: 'popularity^0.75 + logQ (sampled softmax)',
    sets: (_d, n) => ['training.negatives.source=popularity', 'training.negatives.alpha=0.75', 'training.negatives.logq_correction=true', `training.negatives.per_positive=${n}`],
  },
  {
    name: 'mixed: in-batch + 128 uniform + logQ',
    sets: () => ['training.negatives.source=mixed', 'training.negatives.extra=128', 'training.negatives.extra_sampler=uniform', 'training.negatives.logq_correction=true'],
  },
  {
    name: 'in-batch + logQ + hard (mix 0.5/0.5)',
    sets: (d, n) => [
      'training.negatives.source=in_batch',
      'training.negatives.logq_correction=true',
      `training.negatives.hard.source=${d.hard}`,
      `training.negatives.per_positive=${n}`,
      ...(d.hard === 'mined' ? ['training.negatives.hard.mine_top_k=200'] : []),
    ],
  },
];

/** `--gamma-sweep`: in-batch + logQ at each strength γ (negatives ∝ clicks^(1−γ)), no rebalancing. */
const GAMMAS = [0, 0.25, 0.5, 0.75, 1];

const REBALANCING: Array<{ name: string; sets: string[] }> = [
  { name: 'none', sets: ['training.positives.rebalance.method=none'] },
  { name: 'exponent β=0.5', sets: ['training.positives.rebalance.method=exponent', 'training.positives.rebalance.exponent=0.5'] },
];

interface RunFigures {
  metrics: Record<string, number>;
  baseline: Record<string, number>;
  /** Mean seconds per training step over the epochs (epoch duration / steps). */
  stepSec: number;
  examplesPerSec: number;
  status: string;
  error?: string;
}

function train(ds: DatasetSpec, sets: string[], epochs: number, runsDir: string, runId: string): RunFigures {
  const args = ['--import', 'tsx', path.join(ROOT, 'src/trainer/main.ts'), 'train', path.join(ROOT, ds.file), '--epochs', String(epochs), '--runs-dir', runsDir, '--run-id', runId, '--quiet', '--events-stdout', 'off'];
  for (const s of sets) args.push('--set', s);
  const child = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const eventsFile = path.join(runsDir, runId, 'events.jsonl');
  let events: TrainerEvent[] = [];
  try {
    events = readFileSync(eventsFile, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as TrainerEvent);
  } catch (e) {
    throw new Error(`Run ${runId} left no readable ${eventsFile} (exit ${child.status}): ${child.stderr.slice(-2000)} ${e instanceof Error ? e.message : String(e)}`);
  }
  const started = events.find((e) => e.type === 'started');
  const evals = events.filter((e) => e.type === 'eval');
  const epochEvents = events.filter((e) => e.type === 'epoch');
  const ended = events.find((e) => e.type === 'ended');
  if (!started || evals.length === 0 || epochEvents.length === 0) {
    throw new Error(`Run ${runId} did not train (exit ${child.status}): ${ended?.type === 'ended' ? ended.error : ''} ${child.stderr.slice(-2000)}`);
  }
  const lastEval = evals[evals.length - 1];
  const steps = started.type === 'started' ? started.stepsPerEpoch : 1;
  let seconds = 0;
  let examples = 0;
  for (const e of epochEvents) {
    if (e.type !== 'epoch') continue;
    seconds += e.durationSec;
    examples += e.examplesPerSec * e.durationSec;
  }
  return {
    metrics: lastEval.type === 'eval' ? lastEval.metrics : {},
    baseline: lastEval.type === 'eval' ? lastEval.baseline : {},
    stepSec: seconds / (steps * epochEvents.length),
    examplesPerSec: examples / seconds,
    status: ended?.type === 'ended' ? ended.status : 'unknown',
    error: ended?.type === 'ended' ? ended.error : undefined,
  };
}

/** Random unit vectors stand in for the model when timing mining: the cost does not depend on their values. */
function randomScoreTopK(dataset: Dataset, dim: number, rng: Rng): ScoreTopK {
  const items = new Float32Array(dataset.items.size * dim).map(() => rng.normal());
  const user = new Float32Array(dim);
  return (users, k) => {
    const out = new Int32Array(users.length * k);
    const scores = new Float32Array(dataset.items.size);
    const top = new Int32Array(k);
    for (let r = 0; r < users.length; r++) {
      for (let d = 0; d < dim; d++) user[d] = rng.normal();
      for (let i = 0; i < scores.length; i++) {
        let s = 0;
        for (let d = 0; d < dim; d++) s += user[d] * items[i * dim + d];
        scores[i] = s;
      }
      scores[0] = -Infinity;
      const found = topK(scores, k, top);
      out.set(top.subarray(0, found), r * k);
    }
    return out;
  };
}

/**
 * Seconds per step of the loop's sampling work, as the loop does it: once per run the user-positive
 * index, the sampler and the logQ estimator (amortised over all steps of the run); once per epoch the
 * rebalancing and the mining (amortised over the epoch's steps); per batch the counters, logQ, the
 * accidental-hit mask and the sampler's draws (timed over one epoch).
 */
function samplingSecondsPerStep(config: Experiment, dataset: Dataset): { perStep: number; miningSec: number } {
  const training = config.training;
  const rng = new Rng(training.seed);
  let t = performance.now();
  const lap = (): number => {
    const now = performance.now();
    const sec = (now - t) / 1000;
    t = now;
    return sec;
  };
  const userPositives = buildUserPositiveIndex(dataset);
  const sampler = createNegativeSampler(training, dataset, rng, userPositives);
  const counters = new SamplingCounters(dataset.itemClicks);
  const perRunSec = lap();
  let pairs: PositivePairs = dataset.train;
  if (training.positives.rebalance.method !== 'none') pairs = rebalancePositives(dataset.train, dataset.itemClicks, training.positives.rebalance, rng).pairs;
  const perEpochSec = lap();
  const correction = createInBatchCorrection(training, dataset, pairs);
  const batches = new EpochBatches(pairs, training.batch_size, new Rng(1));
  const totalSteps = batches.steps * training.epochs;
  const correctionSec = lap();

  let miningSec = 0;
  let refreshes = 0;
  const mined = minedSamplerOf(sampler);
  if (mined) {
    mined.refresh(randomScoreTopK(dataset, config.item_tower.output_dim, rng));
    miningSec = lap();
    for (let e = 0; e < training.epochs; e++) if (mined.needsRefresh(e)) refreshes++;
  }
  const builder = new TrainBatchBuilder(training, userPositives, batchSamplersFor(training, dataset, userPositives, sampler), counters, rng);
  lap();
  for (let s = 0; s < batches.steps; s++) builder.build(batches.batch(s), s, correction);
  const perStepSec = lap() / batches.steps;
  const perStep = perStepSec + perEpochSec / batches.steps + (perRunSec + correctionSec + miningSec * refreshes) / totalSteps;
  return { perStep, miningSec };
}

/** Best of `repeats` epochs of the per-batch sampling work alone (no setup), in seconds per step: the figure least disturbed by load. */
function perBatchSecondsBest(config: Experiment, dataset: Dataset, repeats: number): number {
  const training = config.training;
  const rng = new Rng(training.seed);
  const userPositives = buildUserPositiveIndex(dataset);
  const sampler = createNegativeSampler(training, dataset, rng, userPositives);
  const mined = minedSamplerOf(sampler);
  if (mined) mined.refresh(randomScoreTopK(dataset, config.item_tower.output_dim, rng));
  const correction = createInBatchCorrection(training, dataset);
  const builder = new TrainBatchBuilder(training, userPositives, batchSamplersFor(training, dataset, userPositives, sampler), new SamplingCounters(dataset.itemClicks), rng);
  let best = Infinity;
  for (let rep = 0; rep < repeats; rep++) {
    const batches = new EpochBatches(dataset.train, training.batch_size, new Rng(rep));
    const t = performance.now();
    for (let s = 0; s < batches.steps; s++) builder.build(batches.batch(s), s, correction);
    best = Math.min(best, (performance.now() - t) / 1000 / batches.steps);
  }
  return best;
}

/** Profiled besides the study's strategies: in-batch negatives drawn as sampled ones (pairwise). */
const PROFILE_EXTRA: Strategy[] = [
  {
    name: 'in-batch drawn as sampled negatives (pairwise hinge)',
    sets: (_d, n) => ['training.mode=pairwise', 'training.loss=hinge', 'training.negatives.source=in_batch', 'training.negatives.logq_correction=false', `training.negatives.per_positive=${n}`],
  },
];

/** `--profile-only`: per-batch sampling cost of every strategy, no training. */
async function profileOnly(names: string[], perPositive: number): Promise<void> {
  process.stdout.write('| data | negatives | per-batch sampling ms/step (best of 4 epochs, B = 256, no rebalancing) |\n|---|---|---|\n');
  for (const n of names) {
    const ds = DATASETS[n];
    let dataset: Dataset | undefined;
    for (const strategy of [...STRATEGIES, ...PROFILE_EXTRA]) {
      const loaded = await loadExperiment(path.join(ROOT, ds.file), [...ds.base, ...strategy.sets(ds, perPositive)]);
      const config = withAbsoluteDataPaths(loaded.config, loaded.filePath);
      dataset ??= await loadDataset(config, loaded.filePath);
      process.stdout.write(`| ${ds.name} | ${strategy.name} | ${fmt(perBatchSecondsBest(config, dataset, 4) * 1000, 3)} |\n`);
    }
  }
}

interface GammaPoint {
  gamma: number;
  overall: number;
  head: number;
  tail: number;
}

function gammaSweep(names: string[], epochs: number, k: number, out: string | undefined, svg: string | undefined): void {
  const runsDir = mkdtempSync(path.join(tmpdir(), 'gamma-sweep-'));
  const lines = [`Epochs ${epochs}; in-batch softmax with logQ at strength γ (negatives ∝ clicks^(1−γ)); recall@${k}; head = top 20% of items by training clicks.`, ''];
  lines.push(`| data | γ | recall@${k} | head | tail | recall@10 |`, '|---|---|---|---|---|---|');
  const curves: Array<{ name: string; points: GammaPoint[]; baseline: GammaPoint }> = [];
  try {
    for (const n of names) {
      const ds = DATASETS[n];
      const points: GammaPoint[] = [];
      let baseline: Record<string, number> = {};
      for (const gamma of GAMMAS) {
        const sets = [...ds.base, 'training.negatives.source=in_batch', 'training.negatives.logq_correction=true', `training.negatives.logq_strength=${gamma}`, 'training.positives.rebalance.method=none'];
        process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${n}: γ = ${gamma}\n`);
        const fig = train(ds, sets, epochs, runsDir, `${n}-gamma-${gamma}`);
        baseline = fig.baseline;
        const m = fig.metrics;
        points.push({ gamma, overall: m[`recall@${k}`], head: m[`recall_head@${k}`], tail: m[`recall_tail@${k}`] });
        lines.push(`| ${ds.name} | ${gamma} | ${fmt(m[`recall@${k}`])} | ${fmt(m[`recall_head@${k}`])} | ${fmt(m[`recall_tail@${k}`])} | ${fmt(m['recall@10'])} |`);
        process.stdout.write(`${lines[lines.length - 1]}\n`);
      }
      lines.push(`| ${ds.name} | popularity baseline | ${fmt(baseline[`recall@${k}`])} | ${fmt(baseline[`recall_head@${k}`])} | ${fmt(baseline[`recall_tail@${k}`])} | ${fmt(baseline['recall@10'])} |`);
      curves.push({ name: ds.name, points, baseline: { gamma: NaN, overall: baseline[`recall@${k}`], head: baseline[`recall_head@${k}`], tail: baseline[`recall_tail@${k}`] } });
    }
  } finally {
    rmSync(runsDir, { recursive: true, force: true });
  }
  if (out) writeFileSync(out, `${lines.join('\n')}\n`);
  else process.stdout.write(`${lines.join('\n')}\n`);
  if (svg) writeFileSync(svg, headTailSvg(curves, k));
}

/** Head recall (x) against tail recall (y) per γ, one panel per data set, the popularity baseline as a cross. */
function headTailSvg(curves: Array<{ name: string; points: GammaPoint[]; baseline: GammaPoint }>, k: number): string {
  const panelW = 360;
  const panelH = 280;
  const pad = { left: 56, right: 16, top: 34, bottom: 44 };
  const width = curves.length * panelW;
  const parts: string[] = [];
  curves.forEach((c, p) => {
    const x0 = p * panelW;
    const pts = [...c.points, c.baseline];
    const maxX = Math.max(...pts.map((q) => q.head)) * 1.1;
    const maxY = Math.max(...pts.map((q) => q.tail)) * 1.15 || 1;
    const sx = (v: number) => x0 + pad.left + (v / maxX) * (panelW - pad.left - pad.right);
    const sy = (v: number) => pad.top + (1 - v / maxY) * (panelH - pad.top - pad.bottom);
    parts.push(`<text x="${x0 + panelW / 2}" y="18" text-anchor="middle" font-weight="bold">${c.name}</text>`);
    parts.push(`<line x1="${sx(0)}" y1="${sy(0)}" x2="${sx(maxX)}" y2="${sy(0)}" stroke="#444"/><line x1="${sx(0)}" y1="${sy(0)}" x2="${sx(0)}" y2="${sy(maxY)}" stroke="#444"/>`);
    for (let t = 0; t <= 4; t++) {
      const vx = (maxX * t) / 4;
      const vy = (maxY * t) / 4;
      parts.push(`<text x="${sx(vx)}" y="${sy(0) + 14}" text-anchor="middle" font-size="10">${vx.toFixed(2)}</text>`);
      parts.push(`<text x="${sx(0) - 4}" y="${sy(vy) + 3}" text-anchor="end" font-size="10">${vy.toFixed(3)}</text>`);
    }
    parts.push(`<text x="${x0 + panelW / 2}" y="${panelH - 8}" text-anchor="middle" font-size="11">head recall@${k}</text>`);
    parts.push(`<text x="${x0 + 12}" y="${panelH / 2}" font-size="11" transform="rotate(-90 ${x0 + 12} ${panelH / 2})" text-anchor="middle">tail recall@${k}</text>`);
    parts.push(`<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="${c.points.map((q) => `${sx(q.head)},${sy(q.tail)}`).join(' ')}"/>`);
    for (const q of c.points) {
      parts.push(`<circle cx="${sx(q.head)}" cy="${sy(q.tail)}" r="3.5" fill="#1f77b4"/><text x="${sx(q.head) + 6}" y="${sy(q.tail) - 6}" font-size="10">γ=${q.gamma}</text>`);
    }
    const b = c.baseline;
    parts.push(`<path d="M${sx(b.head) - 5},${sy(b.tail) - 5}L${sx(b.head) + 5},${sy(b.tail) + 5}M${sx(b.head) - 5},${sy(b.tail) + 5}L${sx(b.head) + 5},${sy(b.tail) - 5}" stroke="#d62728" stroke-width="2"/>`);
    parts.push(`<text x="${sx(b.head) + 7}" y="${sy(b.tail) - 8}" font-size="10" fill="#d62728">popularity baseline</text>`);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${panelH}" viewBox="0 0 ${width} ${panelH}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>${parts.join('')}</svg>\n`;
}

function fmt(v: number | undefined, digits = 4): string {
  return v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      epochs: { type: 'string', default: '5' },
      datasets: { type: 'string', default: 'synthetic,movielens' },
      'per-positive': { type: 'string', default: '4' },
      k: { type: 'string', default: '50' },
      out: { type: 'string' },
      keep: { type: 'boolean', default: false },
      only: { type: 'string', default: '' },
      'profile-only': { type: 'boolean', default: false },
      'gamma-sweep': { type: 'boolean', default: false },
      svg: { type: 'string' },
    },
  });
  const epochs = Number(values.epochs);
  const perPositive = Number(values['per-positive']);
  const k = Number(values.k);
  const names = (values.datasets ?? '').split(',').filter((s) => s !== '');
  for (const n of names) if (!DATASETS[n]) throw new Error(`--datasets: unknown '${n}'; use ${Object.keys(DATASETS).join(', ')}.`);
  if (values['profile-only']) {
    await profileOnly(names, perPositive);
    return;
  }
  if (values['gamma-sweep']) {
    gammaSweep(names, epochs, k, values.out, values.svg);
    return;
  }
  const runsDir = mkdtempSync(path.join(tmpdir(), 'sampling-study-'));
  const lines: string[] = [];
  const emit = (l: string) => {
    lines.push(l);
    process.stdout.write(`${l}\n`);
  };
  emit(`Epochs ${epochs}; sampled negatives per positive ${perPositive} (uniform, popularity, and the hard slots of the last strategy); recall@${k} on held-out positives; head = top 20% of items by training clicks.`);
  emit('');
  emit(`| data | negatives | rebalancing | recall@${k} | head | tail | recall@10 | ex/s | sampling ms/step | sampling share of step | mining s/refresh |`);
  emit('|---|---|---|---|---|---|---|---|---|---|---|');
  try {
    for (const n of names) {
      const ds = DATASETS[n];
      let dataset: Dataset | undefined;
      let baseline: Record<string, number> | undefined;
      for (const strategy of STRATEGIES) {
        for (const reb of REBALANCING) {
          const sets = [...ds.base, ...strategy.sets(ds, perPositive), ...reb.sets];
          const runId = `${n}-${STRATEGIES.indexOf(strategy)}-${REBALANCING.indexOf(reb)}`;
          if (values.only && !new RegExp(values.only).test(runId)) continue;
          process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${runId}: ${strategy.name}, rebalance ${reb.name}\n`);
          let fig: RunFigures;
          try {
            fig = train(ds, sets, epochs, runsDir, runId);
          } catch (e) {
            emit(`| ${ds.name} | ${strategy.name} | ${reb.name} | failed: ${(e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').slice(0, 300)} |`);
            continue;
          }
          baseline ??= fig.baseline;
          const loaded = await loadExperiment(path.join(ROOT, ds.file), sets);
          const config = withAbsoluteDataPaths(loaded.config, loaded.filePath);
          dataset ??= await loadDataset(config, loaded.filePath);
          const cost = samplingSecondsPerStep(config, dataset);
          const m = fig.metrics;
          emit(
            `| ${ds.name} | ${strategy.name} | ${reb.name} | ${fmt(m[`recall@${k}`])} | ${fmt(m[`recall_head@${k}`])} | ${fmt(m[`recall_tail@${k}`])} | ${fmt(m['recall@10'])} | ${fmt(fig.examplesPerSec, 0)} | ${fmt(cost.perStep * 1000, 3)} | ${fmt((100 * cost.perStep) / fig.stepSec, 1)}% | ${cost.miningSec > 0 ? fmt(cost.miningSec, 2) : '–'} |`,
          );
        }
      }
      if (baseline) emit(`| ${ds.name} | popularity baseline (no training) | – | ${fmt(baseline[`recall@${k}`])} | ${fmt(baseline[`recall_head@${k}`])} | ${fmt(baseline[`recall_tail@${k}`])} | ${fmt(baseline['recall@10'])} | | | | |`);
    }
  } finally {
    if (!values.keep) rmSync(runsDir, { recursive: true, force: true });
    else process.stderr.write(`runs kept in ${runsDir}\n`);
  }
  if (values.out) writeFileSync(values.out, `${lines.join('\n')}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`sampling-study: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
