/**
 * `two-tower-lab sweep <file.tower.yaml> [--parallel N] [--dry-run]` and `sweep --resume <sweep-id>`:
 * expands the file's `sweep:` section (core/sweep/expand.ts), checks every run's config with the same
 * check as `train --set` (refused combinations are skipped and listed), and trains the runs as `train`
 * processes of this same program, N at once, into the ordinary run folders (each tagged with the sweep
 * id and its point). The sweep's plan is `<runs-dir>/sweeps/<sweep-id>/sweep.json`; a killed sweep
 * resumes from it: completed and failed runs are kept, running ones waited for, dead ones resumed from
 * their checkpoint (or started again under a new attempt id), unstarted ones launched. A line per
 * finished run, and at the end the points sorted by the metric with mean ± 95% interval across seeds.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import { createWriteStream, readFileSync } from 'node:fs';
import * as path from 'node:path';

import { checkExperimentText } from '../core/config/check';
import { createFileDataProbe } from '../core/config/dataProbe';
import { formatDiagnostic } from '../core/config/diagnostics';
import { ConfigError, loadExperiment } from '../core/config/load';
import type { Experiment } from '../core/config/schema';
import { sweepParameterSchema } from '../core/config/sweepRules';
import { meanInterval } from '../shared/meanInterval';
import { describePoint, expandSweep, sweepPoints } from '../core/sweep/expand';
import {
  readSweepState,
  runMetricValue,
  sha256,
  SWEEP_FORMAT,
  SWEEP_LOGS_DIR,
  sweepDir,
  sweepRunFacts,
  SweepNotFound,
  writeSweepState,
  type SkippedCombination,
  type SweepRunEntry,
  type SweepState,
} from '../core/sweep/sweepState';
import { RunEvaluator } from '../core/train/runEval';
import { experimentName, makeRunId } from '../core/train/runFolder';
import { DEFAULT_RUNS_DIR, UsageError } from './args';
import { parseFlags, positiveIntFlag, runIdArg, stringFlag } from './cliFlags';
import type { ProgressSink } from './progress';
import { EXIT_FAILED, EXIT_INVALID, EXIT_OK, errorText } from './train';

export const SWEEP_USAGE = `usage: two-tower-lab sweep <file.tower.yaml> [options]
       two-tower-lab sweep --resume <sweep-id> [--parallel N] [--runs-dir DIR]

Trains every run of the file's sweep: section (grid × random trials × seeds) into the runs folder.
Combinations the experiment's rules refuse are skipped and listed. A killed sweep resumes with --resume.

options:
  --parallel N      runs trained at once (overrides sweep.parallel; default 1)
  --dry-run         list the runs and the skipped combinations; train nothing, write nothing
  --resume ID       continue sweep ID: finished runs are kept, dead ones resumed, unstarted ones launched
  --runs-dir DIR    where runs and sweeps go (default ${DEFAULT_RUNS_DIR})
  --quiet           only the final table
`;

export interface SweepArgs {
  file?: string;
  resume?: string;
  runsDir: string;
  parallel?: number;
  dryRun: boolean;
  quiet: boolean;
}

export function parseSweepArgs(argv: string[]): SweepArgs {
  const { values: v, positionals } = parseFlags(argv, {
    'runs-dir': { type: 'string' },
    parallel: { type: 'string' },
    'dry-run': { type: 'boolean' },
    resume: { type: 'string' },
    quiet: { type: 'boolean' },
  });
  const resume = stringFlag(v, 'resume');
  if (positionals.length > 1) throw new UsageError(`sweep takes one experiment file, got ${positionals.length}: ${positionals.join(' ')}.`);
  if (resume === undefined && positionals.length === 0) throw new UsageError('sweep needs an experiment file with a sweep: section (two-tower-lab sweep <file.tower.yaml>) or --resume <sweep-id>.');
  if (resume !== undefined && positionals.length > 0) throw new UsageError(`--resume continues sweep '${resume}' from its sweep.json; do not give an experiment file as well.`);
  if (resume !== undefined && v['dry-run'] === true) throw new UsageError('--dry-run lists the runs of a new sweep; a sweep being resumed already has them in its sweep.json.');
  return {
    file: positionals[0],
    resume: resume === undefined ? undefined : runIdArg('--resume', resume),
    runsDir: stringFlag(v, 'runs-dir') ?? DEFAULT_RUNS_DIR,
    parallel: positiveIntFlag(v, 'parallel'),
    dryRun: v['dry-run'] === true,
    quiet: v.quiet === true,
  };
}

export interface SweepIo {
  stdout: ProgressSink;
  stderr: ProgressSink;
  onStopSignal(handler: (signal: string) => void): () => void;
  /** The command that starts this program (`node dist/trainer.js`); tests may point it elsewhere. */
  trainer?: string[];
}

/** Paths whose field is an integer, so that random draws of them are rounded. */
function integerPaths(config: Experiment): Set<string> {
  const out = new Set<string>();
  for (const name of Object.keys(config.sweep?.random?.parameters ?? {})) {
    const found = sweepParameterSchema(name);
    if (!('error' in found) && (found.schema as { type?: string }).type === 'integer') out.add(name);
  }
  return out;
}

/** The new sweep's plan: runs (with their ids) and skipped combinations, from the checked experiment. */
export async function planSweep(file: string, runsDir: string, parallel: number | undefined): Promise<SweepState> {
  const loaded = await loadExperiment(file);
  const config = loaded.config;
  const sweep = config.sweep;
  if (!sweep) throw new UsageError(`${loaded.filePath} has no sweep: section, so there is nothing to sweep. Add one (grid:, random:, seeds:; see docs/sweeps.md), or train it with: two-tower-lab train ${file}`);
  const text = readFileSync(loaded.filePath, 'utf8');
  const sweepId = makeRunId(`${experimentName(loaded.filePath, config.name)}-sweep`);
  const plans = expandSweep(sweep, { baseSeed: config.training.seed, integerPaths: integerPaths(config) });
  const probe = createFileDataProbe();
  const runs: SweepRunEntry[] = [];
  const skipped: SkippedCombination[] = [];
  // A point's seeds differ only in training.seed, which no rule looks at: one check per point.
  const refusals = new Map<number, string[]>();
  for (const plan of plans) {
    if (!refusals.has(plan.point.index)) {
      const checked = await checkExperimentText(text, { filePath: loaded.filePath, overrides: plan.overrides, probe });
      refusals.set(plan.point.index, checked.config ? [] : checked.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(loaded.filePath, d)));
    }
    const reasons = refusals.get(plan.point.index)!;
    if (reasons.length > 0) {
      const known = skipped.find((s) => s.point === plan.point.index);
      if (known) known.seeds.push(plan.seed);
      else skipped.push({ point: plan.point.index, seeds: [plan.seed], values: plan.point.values, reasons });
      continue;
    }
    const runId = `${sweepId}-p${plan.point.index}-s${plan.seed}`;
    runs.push({ runId, attempts: [runId], point: plan.point.index, seed: plan.seed, values: plan.point.values, overrides: plan.overrides, status: 'unstarted' });
  }
  const now = new Date().toISOString();
  return {
    format: SWEEP_FORMAT,
    sweepId,
    experiment: loaded.filePath,
    experimentSha256: sha256(text),
    createdAt: now,
    updatedAt: now,
    metric: sweep.metric ?? RunEvaluator.headline(config.evaluation, config.training.early_stopping?.metric),
    goal: sweep.goal,
    parallel: parallel ?? sweep.parallel ?? 1,
    points: sweepPoints(sweep, integerPaths(config)).length,
    runs,
    skipped,
  };
}

function formatPlan(state: SweepState, dryRun: boolean): string {
  const lines = [`${dryRun ? 'dry run (nothing trained or written): ' : ''}sweep ${state.sweepId}: ${state.points} points, ${state.runs.length} runs to train, ${state.skipped.length} skipped; judged by ${state.metric} (${state.goal}), ${state.parallel} at once`];
  for (const r of state.runs) lines.push(`  ${r.runId}  ${describePoint(r.values)}  seed ${r.seed}`);
  if (state.skipped.length > 0) {
    lines.push('skipped (the experiment\'s check refuses these combinations):');
    for (const s of state.skipped) lines.push(`  point ${s.point}  ${describePoint(s.values)}  (${s.seeds.length} seed${s.seeds.length === 1 ? '' : 's'})\n    ${s.reasons.join('\n    ')}`);
  }
  return `${lines.join('\n')}\n`;
}

/** One finished run's line: `[3/8] <run-id>  training.loss=hinge  seed 43  completed  recall@10 0.2345  (4.1 s)`. */
function finishedLine(done: number, total: number, entry: SweepRunEntry, status: string, metric: string, value: number | undefined, durationSec: number | undefined, error?: string): string {
  const shown = value === undefined ? `${metric} –` : `${metric} ${value.toFixed(4)}`;
  const time = durationSec === undefined ? '' : `  (${durationSec.toFixed(1)} s)`;
  return `[${done}/${total}] ${entry.runId}  ${describePoint(entry.values)}  seed ${entry.seed}  ${status}  ${shown}${time}${error ? `\n      ${error.split('\n')[0]}` : ''}`;
}

/** The final table: each point's runs, mean ± 95% interval across seeds, sorted by the goal. */
export function formatSweepTable(state: SweepState, values: Map<string, number | undefined>): string {
  const byPoint = new Map<number, { entry: SweepRunEntry; value?: number }[]>();
  for (const entry of state.runs) byPoint.set(entry.point, [...(byPoint.get(entry.point) ?? []), { entry, value: values.get(entry.runId) }]);
  const rows = [...byPoint.values()].map((runs) => {
    const finite = runs.map((r) => r.value).filter((v): v is number => v !== undefined && Number.isFinite(v));
    return { runs, interval: meanInterval(finite) };
  });
  const sign = state.goal === 'max' ? -1 : 1;
  rows.sort((a, b) => (Number.isNaN(a.interval.mean) ? 1 : Number.isNaN(b.interval.mean) ? -1 : sign * (a.interval.mean - b.interval.mean)));
  const header = ['#', 'point', 'seeds', `${state.metric} mean ± 95%`, 'per seed'];
  const cells = rows.map((row, i) => [
    String(i + 1),
    describePoint(row.runs[0].entry.values),
    `${row.interval.n}/${row.runs.length}`,
    Number.isNaN(row.interval.mean) ? '–' : `${row.interval.mean.toFixed(4)}${row.interval.halfWidth !== undefined ? ` ± ${row.interval.halfWidth.toFixed(4)}` : ''}`,
    row.runs.map((r) => (r.value === undefined ? '–' : r.value.toFixed(4))).join(' '),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]): string => c.map((cell, i) => (i === 3 ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ').trimEnd();
  const skipped = state.skipped.length > 0 ? `${state.skipped.length} point${state.skipped.length === 1 ? '' : 's'} skipped, refused by the experiment's rules: ${state.skipped.map((s) => describePoint(s.values)).join('; ')} (sweep.json says why).\n` : '';
  return `sweep ${state.sweepId}: ${state.metric} (${state.goal === 'max' ? 'higher' : 'lower'} is better) at each run's kept model; 95% interval across seeds (Student t)\n${[line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...cells.map(line)].join('\n')}\n${skipped}`;
}

const POLL_MS = 300;

/** A run that died before its first checkpoint has nothing to continue: a new attempt id, the dead folder left as it is. */
function newAttempt(entry: SweepRunEntry): SweepRunEntry {
  const attempt = `${entry.attempts[0]}-r${entry.attempts.length + 1}`;
  entry.attempts.push(attempt);
  entry.runId = attempt;
  return entry;
}
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function executeSweep(state: SweepState, args: SweepArgs, io: SweepIo): Promise<number> {
  const runsDir = path.resolve(args.runsDir);
  const parallel = args.parallel ?? state.parallel;
  const trainer = io.trainer ?? [process.execPath, ...process.execArgv, process.argv[1]];
  const logs = path.join(sweepDir(runsDir, state.sweepId), SWEEP_LOGS_DIR);
  const say = (text: string): void => {
    if (!args.quiet) io.stderr.write(`${text}\n`);
  };
  const save = (): void => writeSweepState(runsDir, state);
  state.driver = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  const total = state.runs.length;
  const values = new Map<string, number | undefined>();
  let done = 0;
  let failed = 0;

  // What each run needs: nothing (finished), waiting (another process trains it), a resume, or a start.
  type Job = { entry: SweepRunEntry; kind: 'wait' | 'resume' | 'start' };
  const jobs: Job[] = [];
  for (const entry of state.runs) {
    const facts = await sweepRunFacts(runsDir, entry.runId);
    if (facts.status === 'completed' || facts.status === 'failed') {
      entry.status = facts.status;
      values.set(entry.runId, runMetricValue(facts.events, state.metric));
      done++;
      if (facts.status === 'failed') failed++;
      continue;
    }
    if (facts.status === 'running') jobs.push({ entry, kind: 'wait' });
    else if (facts.status === 'dead' && facts.resumable) jobs.push({ entry, kind: 'resume' });
    else if (facts.status === 'dead') jobs.push({ entry: newAttempt(entry), kind: 'start' });
    else jobs.push({ entry, kind: 'start' });
  }
  save();
  if (done > 0) say(`sweep ${state.sweepId}: ${done} of ${total} runs already finished; ${jobs.length} to go.`);
  else say(`sweep ${state.sweepId}: ${total} runs, ${parallel} at once (state in ${sweepDir(runsDir, state.sweepId)}).`);

  const children = new Set<ChildProcess>();
  let stopSignal: string | undefined;
  const unregister = io.onStopSignal((signal) => {
    if (stopSignal !== undefined) return;
    stopSignal = signal;
    say(`${signal}: stopping the sweep's runs (each checkpoints first); continue with: two-tower-lab sweep --resume ${state.sweepId}${args.runsDir !== DEFAULT_RUNS_DIR ? ` --runs-dir ${args.runsDir}` : ''}`);
    for (const child of children) child.kill('SIGTERM');
  });

  const runOne = async (job: Job): Promise<void> => {
    const { entry } = job;
    const began = performance.now();
    if (job.kind === 'wait') {
      say(`  waiting for ${entry.runId} (its trainer, pid ${(await sweepRunFacts(runsDir, entry.runId)).pid ?? '?'}, is still running)`);
      let facts = await sweepRunFacts(runsDir, entry.runId);
      while (stopSignal === undefined && facts.status === 'running') {
        await sleep(POLL_MS);
        facts = await sweepRunFacts(runsDir, entry.runId);
      }
      // Its trainer died instead of finishing: continue it like any dead run.
      if (stopSignal === undefined && facts.status === 'dead') return runOne(facts.resumable ? { entry, kind: 'resume' } : { entry: newAttempt(entry), kind: 'start' });
    } else {
      const tag = ['--sweep-tag', `${state.sweepId}:${entry.point}`];
      const common = ['--runs-dir', runsDir, '--quiet', '--events-stdout', 'off', ...tag];
      const argv = job.kind === 'resume' ? ['train', '--resume', entry.runId, ...common] : ['train', state.experiment, '--run-id', entry.runId, ...common, ...entry.overrides.flatMap((o) => ['--set', o])];
      entry.status = 'running';
      save();
      const log = createWriteStream(path.join(logs, `${entry.runId}.log`), { flags: 'a' });
      const child = spawn(trainer[0], [...trainer.slice(1), ...argv], { stdio: ['ignore', 'ignore', 'pipe'] });
      children.add(child);
      child.stderr?.pipe(log);
      await new Promise<void>((resolve) => child.on('close', () => resolve()));
      children.delete(child);
      log.end();
    }
    const facts = await sweepRunFacts(runsDir, entry.runId);
    entry.status = facts.status;
    save();
    if (facts.status !== 'completed' && facts.status !== 'failed') return; // stopped by the signal: the resume continues it
    const value = runMetricValue(facts.events, state.metric);
    values.set(entry.runId, value);
    done++;
    if (facts.status === 'failed') failed++;
    say(finishedLine(done, total, entry, facts.status, state.metric, value, facts.durationSec ?? (performance.now() - began) / 1000, facts.ended?.error ?? (facts.status === 'failed' ? `see ${path.join(logs, `${entry.runId}.log`)}` : undefined)));
  };

  try {
    const queue = [...jobs];
    const workers = Array.from({ length: Math.min(parallel, queue.length) }, async () => {
      for (let job = queue.shift(); job !== undefined && stopSignal === undefined; job = queue.shift()) await runOne(job);
    });
    await Promise.all(workers);
  } finally {
    unregister();
    delete state.driver;
    save();
  }
  if (stopSignal !== undefined) return EXIT_OK;
  io.stdout.write(formatSweepTable(state, values));
  if (failed > 0) {
    io.stderr.write(`two-tower-lab: ${failed} of ${total} runs of sweep ${state.sweepId} failed; their errors are in their events and in ${logs}/.\n`);
    return EXIT_FAILED;
  }
  return EXIT_OK;
}

export async function sweepCommand(args: SweepArgs, io: SweepIo): Promise<number> {
  try {
    if (args.resume !== undefined) {
      const state = readSweepState(args.runsDir, args.resume);
      let text: string | undefined;
      try {
        text = readFileSync(state.experiment, 'utf8');
      } catch (error) {
        void error;
      }
      if (text === undefined || sha256(text) !== state.experimentSha256) {
        io.stderr.write(
          `two-tower-lab: sweep ${state.sweepId} was planned from ${state.experiment}, which ${text === undefined ? 'is gone' : 'has changed since'}; its remaining runs would train another experiment than its finished ones. Restore the file, or start a new sweep.\n`,
        );
        return EXIT_INVALID;
      }
      return await executeSweep(state, args, io);
    }
    const state = await planSweep(args.file ?? '', args.runsDir, args.parallel);
    if (args.dryRun) {
      io.stdout.write(formatPlan(state, true));
      return EXIT_OK;
    }
    if (state.runs.length === 0) {
      io.stdout.write(formatPlan(state, false));
      io.stderr.write(`two-tower-lab: every combination of the sweep is refused by the experiment's rules; nothing to train.\n`);
      return EXIT_INVALID;
    }
    writeSweepState(args.runsDir, state);
    if (state.skipped.length > 0 && !args.quiet) {
      io.stderr.write(`skipped ${state.skipped.length} point${state.skipped.length === 1 ? '' : 's'} the experiment's rules refuse:\n`);
      for (const s of state.skipped) io.stderr.write(`  ${describePoint(s.values)}: ${s.reasons[0] ?? ''}\n`);
    }
    return await executeSweep(state, args, io);
  } catch (e) {
    if (e instanceof ConfigError) {
      io.stderr.write(`${e.message}\n`);
      return EXIT_INVALID;
    }
    if (e instanceof SweepNotFound || e instanceof UsageError) {
      io.stderr.write(`two-tower-lab: ${e.message}\n`);
      return EXIT_INVALID;
    }
    io.stderr.write(`two-tower-lab: the sweep failed: ${errorText(e)}\n`);
    return EXIT_FAILED;
  }
}
