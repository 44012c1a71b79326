/**
 * "Recommend for a User…" without `vscode`: the `two-tower-lab recommend … --format jsonl` and
 * `--list-users` command lines (the trainer bundle in a child process, run by the same Node as a
 * training run: the extension host never loads tfjs, usearch or DuckDB), and reading their output.
 */
import type { RecommendRow } from '../../shared/recommendProtocol';
import { trainerNode, type TrainerCommandLine, type TrainerLaunch } from '../runs/trainerCommand';
import { runTrainerChild, type TrainerChildResult } from '../trainerChild';

/** Loading the data and the model of a large run takes a while; a process that hangs is cut off. */
export const RECOMMEND_TIMEOUT_MS = 300_000;

export type RecommendLaunch = Pick<TrainerLaunch, 'trainerScript' | 'nodePath' | 'hostExecPath' | 'runsDir' | 'runId'>;

export interface RecommendQuery {
  user: string;
  k: number;
  exact: boolean;
}

export function recommendCommandLine(launch: RecommendLaunch, query: RecommendQuery): TrainerCommandLine {
  const { command, env } = trainerNode(launch);
  const args = [launch.trainerScript, 'recommend', launch.runId, '--user', query.user, '-k', String(query.k), '--format', 'jsonl', '--runs-dir', launch.runsDir];
  return { command, args: query.exact ? [...args, '--exact'] : args, env };
}

export function listUsersCommandLine(launch: RecommendLaunch): TrainerCommandLine {
  const { command, env } = trainerNode(launch);
  return { command, args: [launch.trainerScript, 'recommend', launch.runId, '--list-users', '--runs-dir', launch.runsDir], env };
}

/** A user of the run as `--list-users` prints it; users with held-out positives are the test users. */
export interface RunUser {
  user: string;
  trainPositives: number;
  heldOut: number;
}

/** The fields of a `recommend --format jsonl` line before the item table's columns. */
const ROW_FIELDS = new Set(['user', 'rank', 'item', 'score', 'seen', 'heldOut', 'popularityRank']);

/** The rows of `recommend --format jsonl`, and the item table's columns (the other keys, in the order the trainer wrote them). */
export function parseRecommendOutput(stdout: string): { columns: string[]; rows: RecommendRow[] } {
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  const objects = lines.map((line, i) => {
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new Error(`line ${i + 1} of the trainer's output is not JSON: ${line.slice(0, 80)}`);
    }
  });
  const columns = objects.length > 0 ? Object.keys(objects[0]).filter((key) => !ROW_FIELDS.has(key)) : [];
  const rows = objects.map((o, i): RecommendRow => {
    if (typeof o.item !== 'string' || typeof o.score !== 'number' || typeof o.rank !== 'number' || typeof o.popularityRank !== 'number') {
      throw new Error(`line ${i + 1} of the trainer's output is no recommendation (item, rank, score, popularityRank): ${lines[i].slice(0, 80)}`);
    }
    return { rank: o.rank, item: o.item, score: o.score, seen: o.seen === true, heldOut: o.heldOut === true, popularityRank: o.popularityRank, cells: columns.map((c) => (o[c] === undefined || o[c] === null ? '' : String(o[c]))) };
  });
  return { columns, rows };
}

export function parseUserList(stdout: string): RunUser[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line, i) => {
      const u = JSON.parse(line) as Partial<RunUser>;
      if (typeof u.user !== 'string' || typeof u.trainPositives !== 'number' || typeof u.heldOut !== 'number') throw new Error(`line ${i + 1} of the user list is not {user, trainPositives, heldOut}: ${line.slice(0, 80)}`);
      return { user: u.user, trainPositives: u.trainPositives, heldOut: u.heldOut };
    });
}

/**
 * What went wrong, from the trainer's stderr: its own `two-tower-lab: …` lines (the message says what to
 * do, e.g. for an unknown user), else the last lines; a run without a checkpoint gets what to do added.
 */
export function trainerFailure(stderr: string, error: TrainerChildResult['failure']): string {
  if (error?.timedOut) return `no answer within ${RECOMMEND_TIMEOUT_MS / 1000} s`;
  const own = stderr.split('\n').filter((l) => l.startsWith('two-tower-lab')).map((l) => l.replace(/^two-tower-lab( recommend)?: /, ''));
  const why = own.length > 0 ? own.join(' ') : stderr.trim().split('\n').slice(-6).join('\n') || (error ? error.message : 'it printed nothing');
  return /has no checkpoint yet/.test(why) ? `${why} Resume the run (or run the experiment again) until it completes an epoch.` : why;
}

/** Runs a trainer command line in `cwd`; resolves with its stdout when it exits 0, else rejects with trainerFailure's message. */
export async function runTrainerCommand(line: TrainerCommandLine, cwd: string): Promise<string> {
  const { stdout, stderr, failure } = await runTrainerChild(line, cwd, { timeoutMs: RECOMMEND_TIMEOUT_MS, maxBufferBytes: 256 * 1024 * 1024 });
  if (!failure) return stdout;
  throw new Error(trainerFailure(stderr, failure));
}
