/**
 * `two-tower-lab doctor`: what this machine can train with. The tfjs backend that starts, and for the
 * torch engine every Python interpreter tried, its torch and numpy, CUDA devices, gloo/nccl and
 * torchrun. `--json` prints the same as one object (the editor's "Check Engines" command reads it).
 */
import type { BackendName } from '../shared/events';
import type { ProgressSink } from './progress';
import { DEFAULT_PYTHONS, findTorch, noTorchMessage, type TorchProbe } from '../core/engines/torchProbe';
import { findPackageDir } from './torch/runner';

export interface DoctorReport {
  tfjs: { backend?: BackendName; problem?: string };
  torch: { usable?: TorchProbe; probes: TorchProbe[]; packageDir?: string; problem?: string };
}

export async function doctorReport(initBackend: () => Promise<BackendName>, python?: string): Promise<DoctorReport> {
  const tfjs: DoctorReport['tfjs'] = {};
  try {
    tfjs.backend = await initBackend();
  } catch (e) {
    tfjs.problem = e instanceof Error ? e.message : String(e);
  }
  const { chosen, probes } = findTorch(python);
  const torch: DoctorReport['torch'] = { probes, ...(chosen ? { usable: chosen } : { problem: noTorchMessage(probes) }) };
  try {
    torch.packageDir = findPackageDir();
  } catch (e) {
    torch.problem = e instanceof Error ? e.message : String(e);
  }
  return { tfjs, torch };
}

export function formatDoctor(r: DoctorReport): string {
  const lines: string[] = [];
  lines.push(`tfjs engine     ${r.tfjs.backend ? `ready (backend ${r.tfjs.backend})` : `not ready: ${r.tfjs.problem}`}`);
  for (const p of r.torch.probes) {
    if (p.problem) {
      lines.push(`python          ${p.python}${p.pythonVersion ? ` (Python ${p.pythonVersion})` : ''}: ${p.problem}`);
      continue;
    }
    lines.push(`python          ${p.python} (Python ${p.pythonVersion})`);
    lines.push(`  torch         ${p.torch ?? 'not installed'}   numpy ${p.numpy ?? 'not installed'}`);
    lines.push(`  cuda          ${p.cuda ? `yes: ${p.cudaDevices.join(', ')}` : 'no'}`);
    lines.push(`  distributed   gloo ${p.gloo ? 'yes' : 'no'}   nccl ${p.nccl ? 'yes' : 'no'}   torchrun ${p.torchrun ? 'yes' : 'no'}`);
  }
  if (r.torch.packageDir) lines.push(`torch package   ${r.torch.packageDir}`);
  lines.push(
    r.torch.usable && !r.torch.problem
      ? `torch engine    ready with ${r.torch.usable.python} (device ${r.torch.usable.cuda ? 'cuda' : 'cpu'}${r.torch.usable.gloo ? ', gloo' : ''}${r.torch.usable.nccl ? ', nccl' : ''})`
      : `torch engine    not ready.\n${r.torch.problem ?? ''}`,
  );
  if (!r.torch.usable && r.torch.probes.length === DEFAULT_PYTHONS.length) lines.push('(tried the defaults; give another interpreter with --python PATH)');
  return `${lines.join('\n')}\n`;
}

export async function doctorCommand(argv: string[], initBackend: () => Promise<BackendName>, out: ProgressSink): Promise<number> {
  const python = argv.includes('--python') ? argv[argv.indexOf('--python') + 1] : undefined;
  const report = await doctorReport(initBackend, python);
  out.write(argv.includes('--json') ? `${JSON.stringify(report)}\n` : formatDoctor(report));
  return 0;
}
