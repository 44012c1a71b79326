/**
 * A trainer command run to completion in a child process (`doctor --json`, `data --json`, `recommend`):
 * the one place that spawns it, with the extension's environment under the command line's, a time limit
 * and an output limit. Callers read its stdout and word its failures. No `vscode`.
 */
import { execFile } from 'node:child_process';

import type { TrainerCommandLine } from './runs/trainerCommand';

export interface TrainerChildResult {
  stdout: string;
  stderr: string;
  /** Why it did not exit 0 (undefined when it did): `timedOut` when it was cut off at the time limit. */
  failure?: { message: string; timedOut: boolean };
}

export function runTrainerChild(line: TrainerCommandLine, cwd: string, limits: { timeoutMs: number; maxBufferBytes: number }): Promise<TrainerChildResult> {
  return new Promise((resolve) => {
    execFile(line.command, line.args, { cwd, env: { ...process.env, ...line.env }, timeout: limits.timeoutMs, maxBuffer: limits.maxBufferBytes, encoding: 'utf8' }, (error, stdout, stderr) => {
      resolve({ stdout, stderr, failure: error ? { message: error.message.split('\n')[0], timedOut: error.killed === true } : undefined });
    });
  });
}
