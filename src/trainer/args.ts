/** Command-line options of `two-tower-lab`, parsed with node:util parseArgs; bad usage → UsageError (exit 2). */
import { parseArgs } from 'node:util';
import { ENGINES, type EngineName } from '../core/config/schema';
import { LOSSES, TRAINING_MODES } from '../shared/vocabulary';
import { runIdProblem, RUN_ID_RULE } from '../core/runs/runId';
import { runNameProblem } from '../core/runs/runMeta';
import { choiceOverrides } from '../core/config/choiceOverrides';
import type { BackendName, LossName, TrainingMode } from '../shared/events';

export class UsageError extends Error {}

export interface TrainArgs {
  file?: string;
  mode?: TrainingMode;
  loss?: LossName;
  epochs?: number;
  seed?: number;
  runsDir: string;
  resume?: string;
  runId?: string;
  /** `--name`: the run's name in the tree and tables (meta.json). */
  name?: string;
  set: string[];
  backend?: BackendName;
  /** `--engine`, `--processes`, `--python`: training.engine and its engine_options. */
  engine?: EngineName;
  processes?: number;
  python?: string;
  quiet: boolean;
  /** Mirror events on stdout: `auto` = when stdout is not a terminal. */
  eventsStdout: 'auto' | 'on' | 'off';
  /** Set by `two-tower-lab sweep`: the sweep and point this run belongs to (`sweep.id`, `sweep.point` in its params). */
  sweepTag?: { id: string; point: number };
}

export interface RunArgs {
  runId: string;
  runsDir: string;
  backend?: BackendName;
  out?: string;
  /** Use the last checkpoint even when the run kept its best epoch's (checkpoint/best). */
  last: boolean;
  quiet: boolean;
}

export interface GenerateArgs {
  out: string;
  users?: number;
  items?: number;
  seed?: number;
}

export const DEFAULT_RUNS_DIR = '.two-tower-lab/runs';

export const TRAIN_USAGE = `usage: two-tower-lab train <file.tower.yaml> [options]
       two-tower-lab train --resume <run-id> [--epochs N] [--runs-dir DIR]

options:
  ${`--mode ${TRAINING_MODES.join('|')}`.padEnd(37)}training mode (overrides training.mode)
  ${`--loss ${LOSSES.join('|')}`.padEnd(37)}loss (overrides training.loss; must suit the mode)
  --epochs N                           epochs (overrides training.epochs; with --resume: the new total)
  --seed N                             seed of initialisation, shuffling and sampling (training.seed)
  --set path.to.key=value              override any field of the file; repeatable
  --runs-dir DIR                       where runs go (default ${DEFAULT_RUNS_DIR} under the current folder)
  --resume RUN_ID                      continue a stopped run from its last checkpoint
  --run-id ID                          use this run id instead of <name>-<yyyymmdd-hhmmss>-<hex>
  --name TEXT                          the run's name in the editor's tree and tables (rename it there later)
  --backend tensorflow|wasm|cpu        preferred tfjs backend (default: the first that works)
  --engine tfjs|torch                  the engine (overrides training.engine; torch: PyTorch workers under torchrun)
  --processes N                        torch: worker processes (overrides training.engine_options.processes)
  --python PATH                        torch: the interpreter with torch (overrides training.engine_options.python)
  --events-stdout auto|on|off          mirror events.jsonl on stdout (auto: when stdout is not a terminal)
  --quiet                              no progress or table on stderr
`;

function int(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v)) throw new UsageError(`--${name} takes an integer, got '${v}'.`);
  return Number(v);
}

function oneOf<T extends string>(name: string, v: string | undefined, allowed: readonly T[]): T | undefined {
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}; got '${v}'.`);
  return v as T;
}

function parse(argv: string[], options: NonNullable<Parameters<typeof parseArgs>[0]>['options']) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}

/** String options `names` (each `--name VALUE`) and the positionals, for the serving commands. */
export function parseCommandArgs(
  argv: string[],
  names: readonly string[],
  flags: readonly string[] = [],
  shorts: Record<string, string> = {},
): { values: Record<string, string | undefined>; flags: Record<string, boolean>; positionals: string[] } {
  const options: NonNullable<Parameters<typeof parseArgs>[0]>['options'] = {};
  for (const n of names) options[n] = shorts[n] !== undefined ? { type: 'string', short: shorts[n] } : { type: 'string' };
  for (const f of flags) options[f] = { type: 'boolean' };
  const parsed = parse(argv, options);
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const positionals = parsed.positionals;
  const strings: Record<string, string | undefined> = {};
  const booleans: Record<string, boolean> = {};
  for (const n of names) strings[n] = typeof values[n] === 'string' ? (values[n] as string) : undefined;
  for (const f of flags) booleans[f] = values[f] === true;
  return { values: strings, flags: booleans, positionals };
}

export function parseTrainArgs(argv: string[]): TrainArgs {
  const { values, positionals } = parse(argv, {
    mode: { type: 'string' },
    loss: { type: 'string' },
    epochs: { type: 'string' },
    seed: { type: 'string' },
    'runs-dir': { type: 'string' },
    resume: { type: 'string' },
    'run-id': { type: 'string' },
    name: { type: 'string' },
    set: { type: 'string', multiple: true },
    backend: { type: 'string' },
    engine: { type: 'string' },
    processes: { type: 'string' },
    python: { type: 'string' },
    'events-stdout': { type: 'string' },
    'sweep-tag': { type: 'string' },
    quiet: { type: 'boolean' },
  });
  const v = values as Record<string, string | string[] | boolean | undefined>;
  const str = (k: string): string | undefined => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  if (positionals.length > 1) throw new UsageError(`train takes one experiment file, got ${positionals.length}: ${positionals.join(' ')}.`);
  const file = positionals[0];
  const resume = str('resume');
  if (file === undefined && resume === undefined) throw new UsageError('train needs an experiment file (two-tower-lab train <file.tower.yaml>) or --resume <run-id>.');
  if (file !== undefined && resume !== undefined) throw new UsageError(`--resume continues run '${resume}' with the config.yaml saved in its folder; do not give an experiment file as well.`);
  const args: TrainArgs = {
    file,
    mode: oneOf('mode', str('mode'), TRAINING_MODES),
    loss: oneOf('loss', str('loss'), LOSSES),
    epochs: int('epochs', str('epochs')),
    seed: int('seed', str('seed')),
    runsDir: str('runs-dir') ?? DEFAULT_RUNS_DIR,
    resume,
    runId: str('run-id'),
    name: str('name'),
    set: (v.set as string[] | undefined) ?? [],
    backend: oneOf('backend', str('backend'), ['tensorflow', 'wasm', 'cpu'] as const),
    engine: oneOf('engine', str('engine'), ENGINES),
    processes: int('processes', str('processes')),
    python: str('python'),
    quiet: v.quiet === true,
    eventsStdout: oneOf('events-stdout', str('events-stdout'), ['auto', 'on', 'off'] as const) ?? 'auto',
    sweepTag: sweepTagArg(str('sweep-tag')),
  };
  if (args.runId !== undefined) usageRunId('--run-id', args.runId);
  if (args.resume !== undefined) usageRunId('--resume', args.resume);
  if (args.name !== undefined) {
    const problem = runNameProblem(args.name);
    if (problem) throw new UsageError(`--name: ${problem}`);
    if (args.resume !== undefined) throw new UsageError(`--name names a new run; rename run '${args.resume}' in the editor ("Rename Run") instead.`);
  }
  return args;
}

/**
 * The `--set` overrides the dedicated flags stand for, before the explicit `--set`s (which win).
 * `--mode` alone keeps the file's loss when it suits the new mode and otherwise takes the mode's
 * default loss, so `--mode pairwise` on a listwise file means hinge rather than an error.
 */
export function flagOverrides(a: TrainArgs, fileLoss?: unknown): string[] {
  return [...choiceOverrides(a, fileLoss), ...a.set];
}

/** `--sweep-tag <sweep-id>:<point>` (written by `two-tower-lab sweep`, not by hand). */
function sweepTagArg(text: string | undefined): TrainArgs['sweepTag'] {
  if (text === undefined) return undefined;
  const m = /^(.+):(\d+)$/.exec(text);
  if (!m) throw new UsageError(`--sweep-tag takes <sweep-id>:<point index> (two-tower-lab sweep sets it), got '${text}'.`);
  return { id: usageRunId('--sweep-tag', m[1]), point: Number(m[2]) };
}

/** The run's params with its sweep tag, for the `started` event (tables, the editor's sweep node). */
export function taggedParams(params: Record<string, string | number | boolean>, tag: TrainArgs['sweepTag']): Record<string, string | number | boolean> {
  return tag === undefined ? params : { ...params, 'sweep.id': tag.id, 'sweep.point': tag.point };
}

/** The one run-id rule (core/runs/runId) as a usage error: the id is a folder name inside --runs-dir, never a path. */
function usageRunId(what: string, id: string): string {
  const problem = runIdProblem(id);
  if (problem !== undefined) throw new UsageError(`${what} '${id}' is not a run id: ${problem}. A run id names a folder inside the runs folder (--runs-dir): ${RUN_ID_RULE}.`);
  return id;
}

export function parseRunArgs(command: 'eval' | 'export', argv: string[]): RunArgs {
  const { values, positionals } = parse(argv, { 'runs-dir': { type: 'string' }, backend: { type: 'string' }, out: { type: 'string' }, last: { type: 'boolean' }, quiet: { type: 'boolean' } });
  const v = values as Record<string, string | boolean | undefined>;
  if (positionals.length !== 1) throw new UsageError(`${command} takes one run id (two-tower-lab ${command} <run-id>), got ${positionals.length}.`);
  return {
    runId: usageRunId(command, positionals[0]),
    runsDir: typeof v['runs-dir'] === 'string' ? v['runs-dir'] : DEFAULT_RUNS_DIR,
    backend: oneOf('backend', typeof v.backend === 'string' ? v.backend : undefined, ['tensorflow', 'wasm', 'cpu'] as const),
    out: typeof v.out === 'string' ? v.out : undefined,
    last: v.last === true,
    quiet: v.quiet === true,
  };
}

export function parseGenerateArgs(argv: string[]): GenerateArgs {
  const { values, positionals } = parse(argv, { out: { type: 'string' }, users: { type: 'string' }, items: { type: 'string' }, seed: { type: 'string' } });
  const v = values as Record<string, string | undefined>;
  if (positionals.length > 0) throw new UsageError(`generate takes no positional argument, got: ${positionals.join(' ')}. Use --out DIR.`);
  const users = int('users', v.users);
  const items = int('items', v.items);
  if (users !== undefined && users < 2) throw new UsageError(`--users must be at least 2, got ${users}.`);
  if (items !== undefined && items < 2) throw new UsageError(`--items must be at least 2, got ${items}.`);
  return { out: v.out ?? 'synthetic-data', users, items, seed: int('seed', v.seed) };
}
