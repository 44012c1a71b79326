/**
 * "Profile Data" without `vscode`: the `two-tower-lab data <file> --json` command line (the trainer bundle
 * run by the same Node as a training run: the extension host never loads DuckDB), running it in a child
 * process, and reading the profile from its one JSON line.
 */
import type { DataProfile } from '../../core/data/profile';
import { trainerNode, type TrainerCommandLine, type TrainerLaunch } from '../runs/trainerCommand';
import { runTrainerChild } from '../trainerChild';
import { lastJsonLine } from '../trainerOutput';

/** Loading a large log takes a while; a profile that hangs is cut off. */
export const PROFILE_TIMEOUT_MS = 600_000;

export function dataCommandLine(launch: Pick<TrainerLaunch, 'trainerScript' | 'nodePath' | 'hostExecPath'>, experimentFile: string): TrainerCommandLine {
  const { command, env } = trainerNode(launch);
  return { command, args: [launch.trainerScript, 'data', experimentFile, '--json'], env };
}

/** The profile from the command's stdout: its last line that parses as one. */
export function parseProfileOutput(stdout: string): DataProfile | undefined {
  return lastJsonLine<DataProfile>(stdout, (v) => typeof v.rows === 'number' && Boolean(v.popularity) && Array.isArray(v.rankFrequency));
}

/** Runs the profile in `cwd` (the experiment's folder); rejects with the trainer's message (a data error names the file and line). */
export async function runDataProfile(line: TrainerCommandLine, cwd: string): Promise<DataProfile> {
  const { stdout, stderr, failure } = await runTrainerChild(line, cwd, { timeoutMs: PROFILE_TIMEOUT_MS, maxBufferBytes: 64 * 1024 * 1024 });
  const profile = parseProfileOutput(stdout);
  if (profile) return profile;
  const tail = stderr.trim().split('\n').slice(-8).join('\n');
  const why = failure?.timedOut ? `no answer within ${PROFILE_TIMEOUT_MS / 1000} s` : tail || (failure ? failure.message : 'it printed no profile');
  throw new Error(`\`two-tower-lab data\` failed: ${why}`);
}
