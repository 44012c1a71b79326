/** Flag parsing of the launch-side subcommands (`launch`, `prepare`, `close-run`): node:util parseArgs, bad usage → UsageError (exit 2). */
import { parseArgs } from 'node:util';

import { runIdProblem, RUN_ID_RULE } from '../core/runs/runId';
import { UsageError } from './args';

export type FlagValues = Record<string, string | string[] | boolean | undefined>;

export function parseFlags(argv: string[], options: NonNullable<Parameters<typeof parseArgs>[0]>['options']): { values: FlagValues; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: values as FlagValues, positionals };
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}

export function stringFlag(v: FlagValues, name: string): string | undefined {
  const value = v[name];
  return typeof value === 'string' ? value : undefined;
}

export function positiveIntFlag(v: FlagValues, name: string): number | undefined {
  const value = stringFlag(v, name);
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`--${name} takes a whole number ≥ 1, got '${value}'.`);
  return Number(value);
}

export function oneOfFlag<T extends string>(v: FlagValues, name: string, allowed: readonly T[]): T | undefined {
  const value = stringFlag(v, name);
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}; got '${value}'.`);
  return value as T;
}

/** The one run-id rule (core/runs/runId) as a usage error. */
export function runIdArg(what: string, id: string): string {
  const problem = runIdProblem(id);
  if (problem !== undefined) throw new UsageError(`${what} '${id}' is not a run id: ${problem}. A run id names a folder inside the runs folder (--runs-dir): ${RUN_ID_RULE}.`);
  return id;
}
