/**
 * Finds the Python that has torch and asks it what it can do: versions, CUDA devices, gloo/nccl,
 * torchrun. The front door probes before it makes a run folder (a missing torch is a clear message,
 * never a stack trace), and `two-tower-lab doctor` prints the same facts.
 */
import { spawnSync } from 'node:child_process';

/** Interpreters tried when none is configured: the PATH's python3, then Debian's (python3-torch installs there). */
export const DEFAULT_PYTHONS = ['python3', '/usr/bin/python3'] as const;

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

const PROBE_SCRIPT = `
import json, sys, platform
out = {"pythonVersion": platform.python_version()}
try:
    import numpy
    out["numpy"] = numpy.__version__
    import torch, torch.distributed as dist
    out["torch"] = torch.__version__
    out["cuda"] = bool(torch.cuda.is_available())
    out["cudaDevices"] = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())] if out["cuda"] else []
    out["gloo"] = bool(dist.is_available() and dist.is_gloo_available())
    out["nccl"] = bool(dist.is_available() and dist.is_nccl_available())
    import importlib.util
    out["torchrun"] = importlib.util.find_spec("torch.distributed.run") is not None
except Exception as e:
    out["problem"] = f"{type(e).__name__}: {e}"
print(json.dumps(out))
`;

/** Probes one interpreter; `problem` says what is missing. */
export function probePython(python: string): TorchProbe {
  const base: TorchProbe = { python, cuda: false, cudaDevices: [], gloo: false, nccl: false, torchrun: false };
  const r = spawnSync(python, ['-c', PROBE_SCRIPT], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, PYTHONWARNINGS: 'ignore' } });
  if (r.error) return { ...base, problem: `cannot run '${python}': ${(r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : r.error.message}` };
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return { ...base, ...(JSON.parse(line) as Partial<TorchProbe>) };
  } catch {
    return { ...base, problem: `'${python}' did not answer the probe (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' ')}` };
  }
}

/**
 * The interpreter to train with: the configured one (engine_options.python / twoTowerLab.pythonPath /
 * --python), else the first default that imports torch. Returns every probe made, for the message.
 */
export function findTorch(configured: string | undefined): { chosen?: TorchProbe; probes: TorchProbe[] } {
  const candidates = configured ? [configured] : [...DEFAULT_PYTHONS];
  const probes: TorchProbe[] = [];
  for (const python of candidates) {
    const p = probePython(python);
    probes.push(p);
    if (!p.problem && p.torch && p.torchrun) return { chosen: p, probes };
  }
  return { probes };
}

/** What to tell a user whose machine has no usable torch. */
export function noTorchMessage(probes: TorchProbe[]): string {
  const tried = probes.map((p) => `  ${p.python}: ${p.problem ?? (p.torch ? 'torch without torch.distributed.run' : 'no torch')}`).join('\n');
  return (
    'The torch engine needs a Python with PyTorch and numpy, and none was found:\n' +
    `${tried}\n` +
    'Install them (Debian/Ubuntu: `sudo apt-get install python3-torch python3-numpy`; elsewhere: `pip install torch numpy`), ' +
    'or point to the interpreter that has them with `training.engine_options.python` (CLI: --python PATH; editor: the setting twoTowerLab.pythonPath). ' +
    '`two-tower-lab doctor` shows what this machine has. The embedded engine needs nothing: `training.engine: tfjs`.'
  );
}

/** The device the workers will use for `device: auto|cpu|cuda`, or a message when cuda is asked for and missing. */
export function resolveDevice(requested: 'auto' | 'cpu' | 'cuda', probe: TorchProbe): { device: 'cpu' | 'cuda' } | { error: string } {
  if (requested === 'cpu') return { device: 'cpu' };
  if (probe.cuda && probe.nccl) return { device: 'cuda' };
  if (requested === 'auto') return { device: 'cpu' };
  return {
    error: `training.engine_options.device is \`cuda\`, but ${probe.python} (torch ${probe.torch}) finds ${probe.cuda ? 'CUDA without NCCL' : 'no CUDA device'}. Use \`device: auto\` (CUDA when present, else CPU) or \`cpu\`, or run on a machine with a GPU and a CUDA build of torch.`,
  };
}
