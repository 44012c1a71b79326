/**
 * "Check Engines" without `vscode`: the `two-tower-lab doctor --json` command line (the trainer bundle
 * run by the same Node as a training run), running it as a child process (the extension host never
 * loads tfjs or asks Python itself here), reading its one JSON line, and the one-line summary the
 * notification shows.
 */
import type { DoctorReport } from '../../shared/engines';
import { trainerNode, type TrainerCommandLine, type TrainerLaunch } from '../runs/trainerCommand';
import { runTrainerChild } from '../trainerChild';
import { lastJsonLine } from '../trainerOutput';

/** Starting tfjs and importing torch take seconds; a probe that hangs is cut off by the trainer's own 60 s limit. */
export const DOCTOR_TIMEOUT_MS = 180_000;

export function doctorCommandLine(launch: Pick<TrainerLaunch, 'trainerScript' | 'nodePath' | 'hostExecPath'>, python?: string): TrainerCommandLine {
  const { command, env } = trainerNode(launch);
  return { command, args: [launch.trainerScript, 'doctor', '--json', ...(python ? ['--python', python] : [])], env };
}

/** Reads the report from the doctor's stdout: its last line that parses as a report. */
export function parseDoctorOutput(stdout: string): DoctorReport | undefined {
  return lastJsonLine<DoctorReport>(stdout, (v) => Boolean(v.tfjs) && Boolean(v.torch) && Array.isArray(v.torch?.probes));
}

/** Runs the doctor in `cwd` and resolves with its report; rejects with what went wrong and the end of its stderr. */
export async function runDoctor(line: TrainerCommandLine, cwd: string): Promise<DoctorReport> {
  const { stdout, stderr, failure } = await runTrainerChild(line, cwd, { timeoutMs: DOCTOR_TIMEOUT_MS, maxBufferBytes: 4 * 1024 * 1024 });
  const report = parseDoctorOutput(stdout);
  if (report) return report;
  const tail = stderr.trim().split('\n').slice(-5).join('\n');
  const why = failure ? (failure.timedOut ? `no answer within ${DOCTOR_TIMEOUT_MS / 1000} s` : failure.message) : 'it printed no report';
  throw new Error(`\`two-tower-lab doctor --json\` failed: ${why}${tail ? `\n${tail}` : ''}`);
}

/** What the notification says: both engines in one line, and whether something needs the user. */
export function doctorSummary(r: DoctorReport): { ok: boolean; message: string } {
  const tfjs = r.tfjs.backend ? `tfjs ready (${r.tfjs.backend})` : 'tfjs not ready';
  const usable = r.torch.usable;
  if (usable && !r.torch.problem) {
    const device = usable.cuda ? `cuda: ${usable.cudaDevices.length} GPU${usable.cudaDevices.length === 1 ? '' : 's'}` : 'cpu';
    return { ok: r.tfjs.backend !== undefined, message: `Two-Tower Lab: ${tfjs}; torch ${usable.torch} ready with ${usable.python} (${device}${usable.gloo ? ', gloo' : ''}${usable.nccl ? ', nccl' : ''}).` };
  }
  const tried = r.torch.probes.map((p) => p.python).join(', ');
  const why = usable ? (r.torch.problem ?? 'not usable') : `no Python with torch, numpy and torchrun${tried ? ` (tried ${tried})` : ''}`;
  return {
    ok: false,
    message: `Two-Tower Lab: ${tfjs}; torch engine not ready: ${why.split('\n')[0]}. Install python3-torch and python3-numpy (or pip install torch numpy), or set twoTowerLab.pythonPath to the Python that has them.`,
  };
}
