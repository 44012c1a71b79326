/**
 * The per-mode sweeps of bench/sweeps/defaults-<mode>-<loss>-<data>.tower.yaml, read back from their run
 * folders: each sweep's points with recall@10/50/100 and NDCG@10 at each run's kept model (mean ± 95%
 * interval over its seeds, Student t), and per mode · loss the point that holds on both data sets — the
 * highest geometric mean over the two of recall@50 / popularity (the same sweep seed drew the same
 * points on both) — in one table beside popularity. Markdown on stdout. Run the sweeps first:
 *
 *   node dist/trainer.js sweep bench/sweeps/defaults-pairwise-hinge-movielens.tower.yaml --parallel 2 --runs-dir DIR   (each file)
 *   bash bench/sweeps/base-points.sh DIR      (each file's own settings, the point "base", at the same seeds)
 *   npx tsx bench/mode-defaults.ts --runs-dir DIR
 *
 * A sweep run more than once (an interrupted one resumed under the same id counts once): the newest
 * sweep of each experiment name is read.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';

import { readSweepState, type SweepState } from '../src/core/sweep/sweepState';
import { describePoint } from '../src/core/sweep/expand';
import { meanInterval } from '../src/shared/meanInterval';
import { parseEventLines, type EndedEvent, type EvalEvent, type TrainerEvent } from '../src/shared/events';

const METRICS = ['recall@10', 'recall@50', 'recall@100', 'ndcg@10'] as const;
const HEADLINE = 'recall@50';
const DATA_SETS = ['synthetic', 'movielens'] as const;

interface RunResult {
  metrics: Record<string, number>;
  baseline: Record<string, number>;
  epoch: number;
}

/** The base point (the file's own settings, bench/sweeps/base-points.sh) is numbered −1 and shown as "base". */
const BASE_POINT = -1;

interface PointResult {
  point: number;
  values: Record<string, unknown>;
  runs: RunResult[];
}

/** The eval event of the model a run keeps: its best epoch's when kept, else its last. */
function keptEval(events: readonly TrainerEvent[]): EvalEvent | undefined {
  const evals = events.filter((e): e is EvalEvent => e.type === 'eval');
  const ended = events.filter((e): e is EndedEvent => e.type === 'ended').at(-1);
  if (ended?.status !== 'completed') return undefined;
  const epoch = ended.best?.checkpoint !== undefined ? ended.best.epoch : evals.at(-1)?.epoch;
  return evals.filter((e) => e.epoch === epoch).at(-1);
}

function pointsOf(runsDir: string, state: SweepState): PointResult[] {
  const byPoint = new Map<number, PointResult>();
  for (const run of state.runs) {
    const file = path.join(runsDir, run.runId, 'events.jsonl');
    if (!existsSync(file)) continue;
    const kept = keptEval(parseEventLines(readFileSync(file, 'utf8')).events);
    if (!kept) continue;
    const entry = byPoint.get(run.point) ?? { point: run.point, values: run.values, runs: [] };
    entry.runs.push({ metrics: kept.metrics, baseline: kept.baseline, epoch: kept.epoch });
    byPoint.set(run.point, entry);
  }
  return [...byPoint.values()].sort((a, b) => a.point - b.point);
}

/** The value at a dotted path of a parsed config (`training.negatives.source`). */
function valueAt(config: unknown, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), config);
}

/**
 * The runs of bench/sweeps/base-points.sh for sweep `name` (run names `base-<name>-s<seed>`), as one
 * point whose values are the file's own values of the parameters the sweep varies.
 */
function basePointOf(runsDir: string, name: string, state: SweepState): PointResult | undefined {
  const varied = Object.keys(state.runs[0]?.values ?? {});
  const point: PointResult = { point: BASE_POINT, values: {}, runs: [] };
  for (const id of readdirSync(runsDir)) {
    const meta = path.join(runsDir, id, 'meta.json');
    if (!existsSync(meta)) continue;
    let runName: unknown;
    try {
      runName = (JSON.parse(readFileSync(meta, 'utf8')) as { name?: unknown }).name;
    } catch {
      continue;
    }
    if (typeof runName !== 'string' || !runName.startsWith(`base-${name}-s`)) continue;
    const kept = keptEval(parseEventLines(readFileSync(path.join(runsDir, id, 'events.jsonl'), 'utf8')).events);
    if (!kept) continue;
    if (point.runs.length === 0) {
      const config = parseYaml(readFileSync(path.join(runsDir, id, 'config.yaml'), 'utf8')) as unknown;
      for (const key of varied) point.values[key] = valueAt(config, key);
    }
    point.runs.push({ metrics: kept.metrics, baseline: kept.baseline, epoch: kept.epoch });
  }
  return point.runs.length > 0 ? point : undefined;
}

const pointLabel = (p: PointResult): string => (p.point === BASE_POINT ? 'base' : `p${p.point}`);

const stat = (p: PointResult, metric: string) => meanInterval(p.runs.map((r) => r.metrics[metric]));
const baselineOf = (p: PointResult, metric: string): number => p.runs[0].baseline[metric];
const shortPoint = (values: Record<string, unknown>): string => describePoint(values).replace(/\btraining\.(negatives\.)?/g, '');
const fmt = (m: { mean: number; halfWidth?: number }): string => `${m.mean.toFixed(4)}${m.halfWidth !== undefined ? ` ± ${m.halfWidth.toFixed(4)}` : ''}`;
const lift = (p: PointResult): number => stat(p, HEADLINE).mean / baselineOf(p, HEADLINE);

function sweepTable(name: string, points: PointResult[]): string {
  const sorted = [...points].sort((a, b) => stat(b, HEADLINE).mean - stat(a, HEADLINE).mean);
  const lines = [
    `#### ${name}`,
    '',
    `| # | point | ${METRICS.join(' | ')} | epochs kept | ${HEADLINE} × popularity |`,
    `|---|---|${METRICS.map(() => '---:').join('|')}|---:|---:|`,
  ];
  for (const p of sorted) {
    const epochs = p.runs.map((r) => r.epoch).join(' ');
    lines.push(`| ${pointLabel(p)} | ${shortPoint(p.values)} | ${METRICS.map((m) => fmt(stat(p, m))).join(' | ')} | ${epochs} | ${lift(p).toFixed(2)} |`);
  }
  const base = sorted[0];
  if (base) lines.push(`| | popularity | ${METRICS.map((m) => baselineOf(base, m).toFixed(4)).join(' | ')} | | 1.00 |`);
  return `${lines.join('\n')}\n`;
}

/** The newest sweep of each experiment name under `runsDir/sweeps`. */
function newestSweeps(runsDir: string): Map<string, SweepState> {
  const dir = path.join(runsDir, 'sweeps');
  const out = new Map<string, SweepState>();
  for (const id of existsSync(dir) ? readdirSync(dir) : []) {
    let state: SweepState;
    try {
      state = readSweepState(runsDir, id);
    } catch {
      continue;
    }
    const name = path.basename(state.experiment).replace(/\.tower\.yaml$/, '');
    const known = out.get(name);
    if (!known || known.createdAt < state.createdAt) out.set(name, state);
  }
  return out;
}

function main(): void {
  const { values } = parseArgs({ options: { 'runs-dir': { type: 'string', default: '.two-tower-lab/runs' } } });
  const runsDir = path.resolve(values['runs-dir']!);
  const sweeps = newestSweeps(runsDir);
  const byModeLoss = new Map<string, Partial<Record<(typeof DATA_SETS)[number], PointResult[]>>>();
  const out: string[] = [];
  for (const [name, state] of [...sweeps].sort(([a], [b]) => a.localeCompare(b))) {
    const m = /^defaults-(\w+-\w+)-(synthetic|movielens)$/.exec(name);
    if (!m) continue;
    const base = basePointOf(runsDir, name, state);
    const points = [...pointsOf(runsDir, state), ...(base ? [base] : [])];
    out.push(sweepTable(`${name} (sweep ${state.sweepId}, ${points.reduce((a, p) => a + p.runs.length, 0)} runs)`, points));
    const entry = byModeLoss.get(m[1]) ?? {};
    entry[m[2] as (typeof DATA_SETS)[number]] = points;
    byModeLoss.set(m[1], entry);
  }
  const table = [
    '| mode · loss | tuned point | data | ' + METRICS.join(' | ') + ` | ${HEADLINE} × popularity |`,
    `|---|---|---|${METRICS.map(() => '---:').join('|')}|---:|`,
  ];
  for (const [modeLoss, data] of byModeLoss) {
    const syn = data.synthetic ?? [];
    const ml = data.movielens ?? [];
    // The point that holds on both: the highest geometric mean of the two lifts over popularity.
    const candidates = syn.map((p) => ({ p, q: ml.find((x) => x.point === p.point) })).filter((c): c is { p: PointResult; q: PointResult } => c.q !== undefined);
    const best = candidates.sort((a, b) => Math.sqrt(lift(b.p) * lift(b.q)) - Math.sqrt(lift(a.p) * lift(a.q)))[0];
    if (!best) continue;
    for (const [label, p] of [['synthetic', best.p], ['MovieLens', best.q]] as const) {
      table.push(`| ${modeLoss.replace('-', ' · ')} | ${pointLabel(p)}: ${shortPoint(p.values)} | ${label} | ${METRICS.map((x) => fmt(stat(p, x))).join(' | ')} | ${lift(p).toFixed(2)} |`);
    }
  }
  for (const ds of DATA_SETS) {
    const any = [...byModeLoss.values()].map((d) => d[ds]?.[0]).find((p) => p !== undefined);
    if (any) table.push(`| popularity | | ${ds === 'synthetic' ? 'synthetic' : 'MovieLens'} | ${METRICS.map((x) => baselineOf(any, x).toFixed(4)).join(' | ')} | 1.00 |`);
  }
  process.stdout.write(`### Every mode at its tuned point\n\n${table.join('\n')}\n\n### The sweeps\n\n${out.join('\n')}`);
}

main();
