/**
 * What crosses process boundaries about the engines: `two-tower-lab doctor --json` (read by the
 * editor's "Check Engines" command), the facts a Python interpreter reports about torch, and how a
 * run's engine is shown (tree tooltip and row, plots runs table) from its `started` event. Imported by
 * the trainer, the extension and the webview.
 */
import type { BackendName, StartedEvent } from './events';

/** Interpreters tried when none is configured: the PATH's python3, then Debian's (python3-torch installs there). */
export const DEFAULT_PYTHONS = ['python3', '/usr/bin/python3'] as const;

/** What one Python interpreter said about torch (src/core/engines/torchProbe.ts asks it). */
export interface TorchProbe {
  python: string;
  pythonVersion?: string;
  /** Set when the interpreter runs but cannot import torch (or numpy). */
  problem?: string;
  torch?: string;
  numpy?: string;
  cuda: boolean;
  cudaDevices: string[];
  gloo: boolean;
  nccl: boolean;
  torchrun: boolean;
}

/** `two-tower-lab doctor --json`: one line, this object. */
export interface DoctorReport {
  tfjs: { backend?: BackendName; problem?: string };
  torch: { usable?: TorchProbe; probes: TorchProbe[]; packageDir?: string; problem?: string };
}

/**
 * How a run trains, in a few characters: `tfjs · wasm` (the tfjs backend), or `torch · cpu × 2` (the
 * device and the ranks; several nodes add `(2 nodes × 4)`). Runs written before there were two engines
 * have no `engine`: tfjs.
 */
export function engineLabel(started: Pick<StartedEvent, 'backend' | 'engine' | 'device' | 'processes' | 'worldSize'>): string {
  if (started.engine !== 'torch' && started.backend !== 'torch') return `tfjs · ${started.backend}`;
  const perNode = started.processes ?? 1;
  const ranks = started.worldSize ?? perNode;
  const nodes = ranks > perNode && ranks % perNode === 0 ? ranks / perNode : 1;
  return `torch · ${started.device ?? 'cpu'} × ${ranks}${nodes > 1 ? ` (${nodes} nodes × ${perNode})` : ''}`;
}

/** The report as `two-tower-lab doctor` prints it (and the editor's "Check Engines" shows it). */
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
