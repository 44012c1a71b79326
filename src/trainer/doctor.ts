/**
 * `two-tower-lab doctor`: what this machine can train with. The tfjs backend that starts, and for the
 * torch engine every Python interpreter tried, its torch and numpy, CUDA devices, gloo/nccl and
 * torchrun. `--json` prints the same as one object (the editor's "Check Engines" command reads it).
 */
import { formatDoctor, type DoctorReport } from '../shared/engines';
import type { BackendName } from '../shared/events';
import type { ProgressSink } from './progress';
import { findTorchAsync, noTorchMessage } from '../core/engines/torchProbe';
import { findPackageDir } from './torch/runner';

export { formatDoctor, type DoctorReport };

export async function doctorReport(initBackend: () => Promise<BackendName>, python?: string): Promise<DoctorReport> {
  const tfjs: DoctorReport['tfjs'] = {};
  try {
    tfjs.backend = await initBackend();
  } catch (e) {
    tfjs.problem = e instanceof Error ? e.message : String(e);
  }
  const { chosen, probes } = await findTorchAsync(python);
  const torch: DoctorReport['torch'] = { probes, ...(chosen ? { usable: chosen } : { problem: noTorchMessage(probes) }) };
  try {
    torch.packageDir = findPackageDir();
  } catch (e) {
    torch.problem = e instanceof Error ? e.message : String(e);
  }
  return { tfjs, torch };
}

export async function doctorCommand(argv: string[], initBackend: () => Promise<BackendName>, out: ProgressSink): Promise<number> {
  const python = argv.includes('--python') ? argv[argv.indexOf('--python') + 1] : undefined;
  const report = await doctorReport(initBackend, python);
  out.write(argv.includes('--json') ? `${JSON.stringify(report)}\n` : formatDoctor(report));
  return 0;
}
