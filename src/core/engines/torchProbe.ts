/**
 * Finds the Python that has torch and asks it what it can do: versions, CUDA devices, gloo/nccl,
 * torchrun. The front door probes before it makes a run folder (a missing torch is a clear message,
 * never a stack trace), `two-tower-lab doctor` prints the same facts, and the language server and the
 * editor's Run command ask the same questions; none of them blocks on it. No `vscode`, no torch or
 * tfjs import: the probe is a child process.
 */
import { execFile } from 'node:child_process';

import { DEFAULT_PYTHONS, type TorchProbe } from '../../shared/engines';

export { DEFAULT_PYTHONS, type TorchProbe };

/** What findTorchAsync found: the usable interpreter, if any, and every probe made (for the message). */
export interface TorchFinding {
  chosen?: TorchProbe;
  probes: TorchProbe[];
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

const PROBE_TIMEOUT_MS = 60_000;

/**
 * `python -c` puts the working folder first on sys.path, so a `json.py` or `torch.py` there would run
 * instead of the real module: the probe runs in this module's own folder (inside the installation),
 * never in a workspace or project folder.
 */
function probeOptions(): { cwd: string; env: NodeJS.ProcessEnv; timeout: number; encoding: 'utf8' } {
  return { cwd: __dirname, env: { ...process.env, PYTHONWARNINGS: 'ignore' }, timeout: PROBE_TIMEOUT_MS, encoding: 'utf8' };
}

function baseProbe(python: string): TorchProbe {
  return { python, cuda: false, cudaDevices: [], gloo: false, nccl: false, torchrun: false };
}

/** The probe from what the interpreter printed, or from the error that kept it from running (not found, timed out). */
export function readProbeOutput(python: string, out: { runError?: NodeJS.ErrnoException; stdout: string; stderr: string; status: number | null }): TorchProbe {
  const base = baseProbe(python);
  if (out.runError) return { ...base, problem: `cannot run '${python}': ${out.runError.code === 'ENOENT' ? 'not found' : out.runError.message}` };
  const line = out.stdout.trim().split('\n').pop() ?? '';
  try {
    return { ...base, ...(JSON.parse(line) as Partial<TorchProbe>) };
  } catch {
    return { ...base, problem: `'${python}' did not answer the probe (exit ${out.status}): ${out.stderr.trim().split('\n').slice(-3).join(' ')}` };
  }
}

/** Probes one interpreter without blocking the caller; `problem` says what is missing. */
export function probePythonAsync(python: string): Promise<TorchProbe> {
  return new Promise((resolve) => {
    execFile(python, ['-c', PROBE_SCRIPT], probeOptions(), (error, stdout, stderr) => {
      // execFile reports a non-zero exit as an error with a numeric code; a string code (ENOENT) or a kill (timeout) means it did not run.
      const exit = error && typeof error.code === 'number' ? error.code : null;
      let runError: NodeJS.ErrnoException | undefined;
      if (error && exit === null) runError = error.killed ? Object.assign(new Error(`no answer within ${PROBE_TIMEOUT_MS / 1000} s`), { code: 'ETIMEDOUT' }) : Object.assign(new Error(error.message), { code: typeof error.code === 'string' ? error.code : undefined });
      resolve(readProbeOutput(python, { runError, stdout: String(stdout), stderr: String(stderr), status: error ? exit : 0 }));
    });
  });
}

/** The interpreters findTorchAsync tries: the configured one alone, else the defaults in order. */
export function candidatePythons(configured: string | undefined): string[] {
  return configured ? [configured] : [...DEFAULT_PYTHONS];
}

function usable(p: TorchProbe): boolean {
  return !p.problem && p.torch !== undefined && p.torchrun;
}

/**
 * The interpreter to train with: the configured one (engine_options.python / twoTowerLab.pythonPath /
 * --python), else the first default that imports torch. Returns every probe made, for the message.
 */
export async function findTorchAsync(configured: string | undefined): Promise<TorchFinding> {
  const probes: TorchProbe[] = [];
  for (const python of candidatePythons(configured)) {
    const p = await probePythonAsync(python);
    probes.push(p);
    if (usable(p)) return { chosen: p, probes };
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

/**
 * Why `two-tower-lab train` does not start a run of several nodes, and what does: the front door
 * refuses it with this text, and the language server warns with the same.
 */
export function multiNodeMessage(nodes: number, resumeRunId?: string): string {
  const start = `training.engine_options.nodes is ${nodes}: \`two-tower-lab train\` starts the workers of one machine.`;
  if (resumeRunId !== undefined) {
    return `${start} To continue run ${resumeRunId} on ${nodes} nodes, \`two-tower-lab launch --emit k8s|slurm --resume ${resumeRunId}\` writes the job that resumes it from its checkpoint (docs/scale-out.md); or continue it here on one node with --set training.engine_options.nodes=1.`;
  }
  return `${start} For ${nodes} nodes, prepare the run once and start torchrun on every node with a rendezvous endpoint: \`two-tower-lab launch --emit k8s|slurm <file>\` writes the manifest or script (docs/scale-out.md).`;
}
