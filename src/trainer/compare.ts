/**
 * `two-tower-lab compare <run-a> <run-b> [--resamples N] [--seed S] [--last] [--json]`: each per-user
 * metric's difference a − b with its 95% paired bootstrap interval over the test users both runs were
 * evaluated on (their `eval/epoch-N.bin` of the model eval/export use: the best epoch when kept), and a
 * mark where the interval excludes zero. Runs on different splits are refused, saying what differs.
 */
import { readFileSync } from 'node:fs';

import { loadExperiment } from '../core/config/load';
import { NotComparable, pairRuns, readComparableRun, type ComparableRun, type MetricComparison } from '../core/runs/runComparison';
import { DEFAULT_BOOTSTRAP_SEED, DEFAULT_RESAMPLES, MIN_RESAMPLES } from '../core/stats/bootstrap';
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

export { NotComparable, type MetricComparison };

export interface Comparison {
  a: { runId: string; epoch: number; model: 'best' | 'last' };
  b: { runId: string; epoch: number; model: 'best' | 'last' };
  users: number;
  resamples: number;
  seed: number;
  metrics: MetricComparison[];
}

async function runSide(runsDir: string, runId: string, last: boolean): Promise<ComparableRun> {
  const paths = existingRunPaths(runsDir, runId);
  const { config } = await loadExperiment(paths.config);
  const events = parseEventLines(readFileSync(paths.events, 'utf8')).events;
  const started = events.filter((e): e is StartedEvent => e.type === 'started').at(-1);
  try {
    return readComparableRun(paths.dir, runId, config, started, { last });
  } catch (error) {
    // The CLI says how to give the runs folder too.
    if (error instanceof NotComparable && runsDir !== DEFAULT_RUNS_DIR && /two-tower-lab eval /.test(error.message)) throw new NotComparable(`${error.message} --runs-dir ${runsDir}`);
    throw error;
  }
}

/** The paired comparison of two runs (core/runs/runComparison.ts, the same as the plots panel's runs table). */
export async function compareRuns(args: CompareArgs): Promise<Comparison> {
  const a = await runSide(args.runsDir, args.runA, args.last);
  const b = await runSide(args.runsDir, args.runB, args.last);
  const paired = pairRuns(a, b, { resamples: args.resamples, seed: args.seed });
  return {
    a: { runId: a.runId, epoch: a.model.epoch, model: a.model.which },
    b: { runId: b.runId, epoch: b.model.epoch, model: b.model.which },
    users: paired.users,
    resamples: args.resamples,
    seed: args.seed,
    metrics: paired.metrics,
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
