/**
 * `two-tower-lab compare <run-a> <run-b> [--resamples N] [--seed S] [--last] [--json]`: each per-user
 * metric's difference a − b with its 95% paired bootstrap interval over the test users both runs were
 * evaluated on (their `eval/epoch-N.bin` of the model eval/export use: the best epoch when kept), and a
 * mark where the interval excludes zero. Runs on different splits are refused, saying what differs.
 */
import { readFileSync } from 'node:fs';

import { loadExperiment } from '../core/config/load';
import { readPerUserEval } from '../core/eval/perUser';
import { splitDifferences, splitIdentity } from '../core/runs/splitIdentity';
import { DEFAULT_BOOTSTRAP_SEED, DEFAULT_RESAMPLES, MIN_RESAMPLES, pairedBootstrap, type DifferenceInterval } from '../core/stats/bootstrap';
import { resolveRunModel } from '../core/train/runModel';
import { parseEventLines, type StartedEvent } from '../shared/events';
import { DEFAULT_RUNS_DIR, UsageError } from './args';
import { parseFlags, runIdArg, stringFlag } from './cliFlags';
import type { ProgressSink } from './progress';
import { existingRunPaths, RunNotFound } from './runCommands';
import { EXIT_INVALID, EXIT_OK } from './train';

export const COMPARE_USAGE = `usage: two-tower-lab compare <run-a> <run-b> [options]

Each metric's difference (a − b) with a 95% paired bootstrap interval over the test users both runs were
evaluated on; * marks an interval that excludes zero. Uses each run's best epoch when it kept one.

options:
  --resamples N     bootstrap resamples (default ${DEFAULT_RESAMPLES}, at least ${MIN_RESAMPLES})
  --seed S          seed of the resampling (default ${DEFAULT_BOOTSTRAP_SEED})
  --last            compare the runs' last evaluations instead of their best epochs
  --json            print the comparison as JSON
  --runs-dir DIR    where the runs are (default ${DEFAULT_RUNS_DIR})
`;

export interface CompareArgs {
  runA: string;
  runB: string;
  runsDir: string;
  resamples: number;
  seed: number;
  last: boolean;
  json: boolean;
}

export function parseCompareArgs(argv: string[]): CompareArgs {
  const { values: v, positionals } = parseFlags(argv, {
    'runs-dir': { type: 'string' },
    resamples: { type: 'string' },
    seed: { type: 'string' },
    last: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  if (positionals.length !== 2) throw new UsageError(`compare takes two run ids (two-tower-lab compare <run-a> <run-b>), got ${positionals.length}.`);
  const resamples = stringFlag(v, 'resamples');
  if (resamples !== undefined && (!/^\d+$/.test(resamples) || Number(resamples) < MIN_RESAMPLES)) {
    throw new UsageError(`--resamples takes a whole number ≥ ${MIN_RESAMPLES} (fewer make the 2.5% and 97.5% percentiles rest on a handful of resamples), got '${resamples}'.`);
  }
  const seed = stringFlag(v, 'seed');
  if (seed !== undefined && !/^\d+$/.test(seed)) throw new UsageError(`--seed takes a whole number ≥ 0, got '${seed}'.`);
  return {
    runA: runIdArg('compare', positionals[0]),
    runB: runIdArg('compare', positionals[1]),
    runsDir: stringFlag(v, 'runs-dir') ?? DEFAULT_RUNS_DIR,
    resamples: resamples === undefined ? DEFAULT_RESAMPLES : Number(resamples),
    seed: seed === undefined ? DEFAULT_BOOTSTRAP_SEED : Number(seed),
    last: v.last === true,
    json: v.json === true,
  };
}

/** Two runs that cannot be compared user by user; exit 2 with the reason. */
export class NotComparable extends Error {}

export interface MetricComparison extends DifferenceInterval {
  metric: string;
  a: number;
  b: number;
}

export interface Comparison {
  a: { runId: string; epoch: number; model: 'best' | 'last' };
  b: { runId: string; epoch: number; model: 'best' | 'last' };
  users: number;
  resamples: number;
  seed: number;
  metrics: MetricComparison[];
}

async function runSide(runsDir: string, runId: string, last: boolean) {
  const paths = existingRunPaths(runsDir, runId);
  const { config } = await loadExperiment(paths.config);
  const events = parseEventLines(readFileSync(paths.events, 'utf8')).events;
  const started = events.filter((e): e is StartedEvent => e.type === 'started').at(-1);
  const model = resolveRunModel(paths, { last });
  if (model.epoch === undefined) throw new NotComparable(`Run ${runId} has no checkpoint yet, so it has no evaluated model to compare.`);
  const perUser = readPerUserEval(paths.dir, model.epoch);
  if (perUser === undefined) {
    throw new NotComparable(
      `Run ${runId} has no per-user values for epoch ${model.epoch} (${paths.dir}/eval/epoch-${model.epoch}.bin): it was trained before they were kept. Write them with: two-tower-lab eval ${runId}${last ? ' --last' : ''}${runsDir !== DEFAULT_RUNS_DIR ? ` --runs-dir ${runsDir}` : ''}`,
    );
  }
  return { runId, config, started, model, perUser };
}

export async function compareRuns(args: CompareArgs): Promise<Comparison> {
  const a = await runSide(args.runsDir, args.runA, args.last);
  const b = await runSide(args.runsDir, args.runB, args.last);
  const differences = splitDifferences(splitIdentity(a.config, a.started), splitIdentity(b.config, b.started));
  if (differences.length > 0) {
    throw new NotComparable(`Runs ${a.runId} and ${b.runId} were evaluated on different splits, so their users cannot be paired:\n  ${differences.join('\n  ')}\nCompare runs of the same data, split and data.seed.`);
  }
  const usersA = a.perUser.users;
  const usersB = b.perUser.users;
  if (usersA.length !== usersB.length || usersA.some((u, i) => u !== usersB[i])) {
    throw new NotComparable(`Runs ${a.runId} and ${b.runId} were evaluated on different test users (${usersA.length} and ${usersB.length}) although their split settings agree: the data changed between them. Evaluate both again on the same data (two-tower-lab eval <run-id>).`);
  }
  const columns = a.perUser.columns.filter((c) => b.perUser.columns.includes(c));
  if (columns.length === 0) throw new NotComparable(`Runs ${a.runId} and ${b.runId} share no per-user metric (${a.perUser.columns.join(', ')} vs ${b.perUser.columns.join(', ')}).`);
  const pick = (side: typeof a): Float64Array[] => columns.map((c) => side.perUser.values[side.perUser.columns.indexOf(c)]);
  const intervals = pairedBootstrap(pick(a), pick(b), { resamples: args.resamples, seed: args.seed });
  const mean = (v: Float64Array): number => v.reduce((s, x) => s + x, 0) / v.length;
  return {
    a: { runId: a.runId, epoch: a.model.epoch!, model: a.model.which },
    b: { runId: b.runId, epoch: b.model.epoch!, model: b.model.which },
    users: usersA.length,
    resamples: args.resamples,
    seed: args.seed,
    metrics: columns.map((metric, i) => ({ metric, a: mean(pick(a)[i]), b: mean(pick(b)[i]), ...intervals[i] })),
  };
}

const signed = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(4)}`;

export function formatComparison(c: Comparison): string {
  const head = `a = ${c.a.runId} (${c.a.model} epoch ${c.a.epoch}), b = ${c.b.runId} (${c.b.model} epoch ${c.b.epoch})\n${c.users} test users, paired bootstrap: ${c.resamples} resamples, seed ${c.seed}\n`;
  const rows = c.metrics.map((m) => [m.metric, m.a.toFixed(4), m.b.toFixed(4), signed(m.difference), `[${signed(m.low)}, ${signed(m.high)}]`, m.excludesZero ? '*' : '']);
  const header = ['metric', 'a', 'b', 'a − b', '95% interval', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ').trimEnd();
  const real = c.metrics.filter((m) => m.excludesZero).length;
  const foot = real > 0 ? `* the interval excludes zero: ${real} of ${c.metrics.length} differences are unlikely to be noise of the test users.\n` : 'no interval excludes zero: these differences are within the noise of the test users.\n';
  return `${head}${[line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n')}\n${foot}`;
}

export async function compareCommand(args: CompareArgs, stdout: ProgressSink, stderr: ProgressSink): Promise<number> {
  try {
    const comparison = await compareRuns(args);
    stdout.write(args.json ? `${JSON.stringify(comparison)}\n` : formatComparison(comparison));
    return EXIT_OK;
  } catch (e) {
    if (e instanceof NotComparable || e instanceof RunNotFound) {
      stderr.write(`two-tower-lab: ${e.message}\n`);
      return EXIT_INVALID;
    }
    throw e;
  }
}
