/**
 * The engine rules: engine_options written for tfjs, several nodes for `train`, and what the machine has
 * for the torch engine (a faked EngineProbe: no torch, torch without CUDA, torch with CUDA but no NCCL).
 */
import { describe, expect, it } from 'vitest';

import { checkExperimentText, checkExperimentTextSync } from '../../../src/core/config/check';
import type { EngineProbe } from '../../../src/core/config/engineRules';
import type { TorchFinding, TorchProbe } from '../../../src/core/engines/torchProbe';
import { multiNodeMessage } from '../../../src/core/engines/torchProbe';
import { SYNTHETIC, at, codes, only } from './helpers';

const file = '/tmp/exp/a.tower.yaml';
const training = 'training:\n  mode: listwise\n';
/** The codes, without the index's note on every torch run (ann-eval-engine: its own test, servingRules.test.ts). */
const engineCodes = (diagnostics: Parameters<typeof codes>[0]): string[] => codes(diagnostics).filter((code) => code !== 'ann-eval-engine');
const withTraining = (lines: string): string => {
  expect(SYNTHETIC.includes(training)).toBe(true);
  return SYNTHETIC.replace(training, `${training}${lines}`);
};

const cpuTorch: TorchProbe = { python: '/opt/py/bin/python3', pythonVersion: '3.11.2', torch: '2.3.0', numpy: '1.26.4', cuda: false, cudaDevices: [], gloo: true, nccl: false, torchrun: true };
const noTorch: TorchFinding = {
  probes: [
    { python: 'python3', pythonVersion: '3.12.1', problem: "ModuleNotFoundError: No module named 'torch'", cuda: false, cudaDevices: [], gloo: false, nccl: false, torchrun: false },
    { python: '/usr/bin/python3', problem: "cannot run '/usr/bin/python3': not found", cuda: false, cudaDevices: [], gloo: false, nccl: false, torchrun: false },
  ],
};

/** A probe that answers `finding` and records which interpreters it was asked about. */
function fakeProbe(finding: TorchFinding | undefined): EngineProbe & { asked: (string | undefined)[] } {
  const asked: (string | undefined)[] = [];
  return {
    asked,
    torch: (python) => {
      asked.push(python);
      return Promise.resolve(finding);
    },
  };
}

const check = (text: string, engines?: EngineProbe) => checkExperimentText(text, { filePath: file, engines });

describe('threads-on-torch', () => {
  it('warns on training.threads written for the torch engine, whose workers read engine_options.threads', () => {
    const r = checkExperimentTextSync(withTraining('  engine: torch\n  threads: 2\n'), { filePath: file });
    const d = only(r.diagnostics, 'threads-on-torch');
    expect(d.severity).toBe('warning');
    expect(d.message).toMatch(/`engine` is `torch`: its workers read `engine_options.threads`/);
    // Line 12 is `  threads: 2`: the key spans columns 2..9.
    expect(at(d)).toEqual([12, 2, 12, 9]);
    expect(d.data).toEqual({ remove: ['training', 'threads'] });
  });
  it('is silent for tfjs, and for the torch engine when nobody wrote threads', () => {
    expect(engineCodes(checkExperimentTextSync(withTraining('  threads: 2\n'), { filePath: file }).diagnostics)).not.toContain('threads-on-torch');
    expect(engineCodes(checkExperimentTextSync(withTraining('  engine: torch\n'), { filePath: file }).diagnostics)).not.toContain('threads-on-torch');
  });
  it('refuses more threads than the wasm build pre-starts (8)', () => {
    expect(checkExperimentTextSync(withTraining('  threads: 9\n'), { filePath: file }).diagnostics.some((d) => d.severity === 'error' && /threads/.test(d.message))).toBe(true);
  });
});

describe('engine-options-unused', () => {
  it('warns on engine_options written while the engine is the default tfjs, with both fixes', () => {
    const r = checkExperimentTextSync(withTraining('  engine_options:\n    processes: 4\n'), { filePath: file });
    const d = only(r.diagnostics, 'engine-options-unused');
    expect(d.severity).toBe('warning');
    expect(d.message).toMatch(/configure the torch engine.*`engine` is `tfjs` \(the default\).*reads none of them/);
    expect(d.message).toMatch(/Remove `engine_options`, or set `engine: torch`/);
    // Line 11 is `  engine_options:`: the key spans columns 2..16.
    expect(at(d)).toEqual([11, 2, 11, 16]);
    expect(d.data).toEqual({ remove: ['training', 'engine_options'], alternative: { path: ['training', 'engine'], value: 'torch' } });
    expect(r.config).toBeDefined();
  });
  it('says "engine is tfjs" without "(the default)" when the file writes it', () => {
    const r = checkExperimentTextSync(withTraining('  engine: tfjs\n  engine_options: { device: cpu }\n'), { filePath: file });
    expect(only(r.diagnostics, 'engine-options-unused').message).toMatch(/but `engine` is `tfjs`: the embedded/);
  });
  it('is silent with engine: torch, and for defaults nobody wrote', () => {
    expect(engineCodes(checkExperimentTextSync(withTraining('  engine: torch\n  engine_options:\n    processes: 2\n'), { filePath: file }).diagnostics)).toEqual([]);
    expect(engineCodes(checkExperimentTextSync(SYNTHETIC, { filePath: file }).diagnostics)).toEqual([]);
  });
  it('counts a --set of an engine option as written', () => {
    const r = checkExperimentTextSync(SYNTHETIC, { filePath: file, overrides: ['training.engine_options.python=/opt/py/bin/python3'] });
    expect(engineCodes(r.diagnostics)).toEqual(['engine-options-unused']);
  });
});

describe('engine-multi-node', () => {
  it('informs that train runs one node and launch starts several, with the front door\'s own words', () => {
    const r = checkExperimentTextSync(withTraining('  engine: torch\n  engine_options:\n    nodes: 4\n    processes: 8\n'), { filePath: file });
    const d = only(r.diagnostics, 'engine-multi-node');
    expect(d.severity).toBe('info');
    expect(d.message).toBe(multiNodeMessage(4));
    expect(d.message).toMatch(/`two-tower-lab train` starts the workers of one machine.*`two-tower-lab launch --emit k8s\|slurm <file>`/);
    expect(d.path).toEqual(['training', 'engine_options', 'nodes']);
    // `    nodes: 4` on line 13: the value 4 at column 11.
    expect(at(d)).toEqual([13, 11, 13, 12]);
    // Info: the file is valid (launch runs it).
    expect(r.config).toBeDefined();
  });
  it('is silent for one node, and for tfjs (engine-options-unused covers it)', () => {
    expect(engineCodes(checkExperimentTextSync(withTraining('  engine: torch\n  engine_options: { nodes: 1 }\n'), { filePath: file }).diagnostics)).toEqual([]);
    expect(engineCodes(checkExperimentTextSync(withTraining('  engine_options: { nodes: 3 }\n'), { filePath: file }).diagnostics)).toEqual(['engine-options-unused']);
  });
});

describe('torch-not-found', () => {
  it('warns at `engine: torch` with the install hint and every interpreter tried, and offers tfjs', async () => {
    const probe = fakeProbe(noTorch);
    const r = await check(withTraining('  engine: torch\n'), probe);
    const d = only(r.diagnostics, 'torch-not-found');
    expect(d.severity).toBe('warning');
    expect(d.message).toMatch(/^The torch engine needs a Python with PyTorch and numpy, and none was found:\n {2}python3: ModuleNotFoundError: No module named 'torch'\n {2}\/usr\/bin\/python3: cannot run/);
    expect(d.message).toMatch(/sudo apt-get install python3-torch python3-numpy.*pip install torch numpy/);
    expect(d.message).toMatch(/the setting twoTowerLab\.pythonPath/);
    expect(d.path).toEqual(['training', 'engine']);
    expect(at(d)).toEqual([11, 10, 11, 15]);
    expect(d.data).toEqual({ replacement: 'tfjs', replacementPath: ['training', 'engine'] });
    // Asked about the default interpreter: the file names none.
    expect(probe.asked).toEqual([undefined]);
  });
  it('points at engine_options.python when the file names the interpreter', async () => {
    const probe = fakeProbe({ probes: [{ ...noTorch.probes[0], python: '/opt/none/python3' }] });
    const r = await check(withTraining('  engine: torch\n  engine_options:\n    python: /opt/none/python3\n'), probe);
    const d = only(r.diagnostics, 'torch-not-found');
    expect(d.path).toEqual(['training', 'engine_options', 'python']);
    expect(probe.asked).toEqual(['/opt/none/python3']);
  });
  it('says nothing when the probe does not know (untrusted workspace, probe still running), for tfjs, and for several nodes', async () => {
    expect(engineCodes((await check(withTraining('  engine: torch\n'), fakeProbe(undefined))).diagnostics)).toEqual([]);
    const asked = fakeProbe(noTorch);
    expect(engineCodes((await check(SYNTHETIC, asked)).diagnostics)).toEqual([]);
    expect(engineCodes((await check(withTraining('  engine: torch\n  engine_options: { nodes: 2 }\n'), asked)).diagnostics)).toEqual(['engine-multi-node']);
    expect(asked.asked, 'tfjs and multi-node experiments never probe this machine').toEqual([]);
  });
});

describe('cuda-not-found', () => {
  it('warns at `device: cuda` when torch finds no CUDA device, and offers device: auto', async () => {
    const r = await check(withTraining('  engine: torch\n  engine_options:\n    device: cuda\n'), fakeProbe({ chosen: cpuTorch, probes: [cpuTorch] }));
    const d = only(r.diagnostics, 'cuda-not-found');
    expect(d.severity).toBe('warning');
    expect(d.message).toBe('training.engine_options.device is `cuda`, but /opt/py/bin/python3 (torch 2.3.0) finds no CUDA device. Use `device: auto` (CUDA when present, else CPU) or `cpu`, or run on a machine with a GPU and a CUDA build of torch.');
    expect(at(d)).toEqual([13, 12, 13, 16]);
    expect(d.data).toEqual({ replacement: 'auto' });
  });
  it('says CUDA without NCCL when that is what is missing', async () => {
    const noNccl = { ...cpuTorch, cuda: true, cudaDevices: ['NVIDIA A100'] };
    const r = await check(withTraining('  engine: torch\n  engine_options: { device: cuda }\n'), fakeProbe({ chosen: noNccl, probes: [noNccl] }));
    expect(only(r.diagnostics, 'cuda-not-found').message).toMatch(/finds CUDA without NCCL/);
  });
  it('is silent with a GPU, and for device auto or cpu on a CPU machine', async () => {
    const gpu = { ...cpuTorch, cuda: true, nccl: true, cudaDevices: ['NVIDIA A100'] };
    expect(engineCodes((await check(withTraining('  engine: torch\n  engine_options: { device: cuda }\n'), fakeProbe({ chosen: gpu, probes: [gpu] }))).diagnostics)).toEqual([]);
    for (const device of ['auto', 'cpu']) {
      const r = await check(withTraining(`  engine: torch\n  engine_options: { device: ${device} }\n`), fakeProbe({ chosen: cpuTorch, probes: [cpuTorch] }));
      expect(engineCodes(r.diagnostics), device).toEqual([]);
    }
  });
});
