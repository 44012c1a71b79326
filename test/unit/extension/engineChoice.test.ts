/** The Run command's engine pick, the flags it stands for, pythonPath, the torch availability cache and the doctor's summary. */
import { describe, expect, it } from 'vitest';

import type { TorchFinding } from '../../../src/core/engines/torchProbe';
import { doctorCommandLine, doctorSummary, parseDoctorOutput } from '../../../src/extension/engines/doctor';
import { enginePickItems, engineRequestOf, fileEngineOfText, withPythonPath, type FileEngine } from '../../../src/extension/runs/engineChoice';
import { RETRY_MISSING_TORCH_MS, TorchAvailability } from '../../../src/extension/runs/torchAvailability';
import type { DoctorReport, TorchProbe } from '../../../src/shared/engines';
import { SYNTHETIC } from '../config/helpers';

const torch: TorchProbe = { python: '/usr/bin/python3', pythonVersion: '3.11.2', torch: '1.13.0', numpy: '1.24.2', cuda: false, cudaDevices: [], gloo: true, nccl: false, torchrun: true };
const tfjsFile: FileEngine = { engine: 'tfjs', processes: 1, nodes: 1, device: 'auto' };

describe('the engine pick', () => {
  it('offers tfjs first for a tfjs file, then torch with 1 process and one per core', () => {
    const items = enginePickItems(tfjsFile, torch, 8);
    expect(items.map((i) => ({ label: i.label, description: i.description }))).toEqual([
      { label: 'tfjs (embedded)', description: 'as in the file' },
      { label: 'torch · 1 process', description: 'PyTorch 1.13.0, cpu' },
      { label: 'torch · 8 processes', description: 'PyTorch 1.13.0, cpu' },
    ]);
  });

  it('puts the file\'s own torch process count first, and has one torch item on a one-core machine', () => {
    const file: FileEngine = { engine: 'torch', processes: 3, nodes: 1, device: 'auto' };
    expect(enginePickItems(file, torch, 2).map((i) => i.label)).toEqual(['torch · 3 processes', 'tfjs (embedded)', 'torch · 1 process', 'torch · 2 processes']);
    expect(enginePickItems(file, torch, 2)[0].description).toBe('as in the file · PyTorch 1.13.0, cpu');
    expect(enginePickItems(tfjsFile, torch, 1).map((i) => i.label)).toEqual(['tfjs (embedded)', 'torch · 1 process']);
  });

  it('says cuda where torch has a GPU, and that none is found for device: cuda without one', () => {
    const gpu = { ...torch, cuda: true, nccl: true, cudaDevices: ['A100'] };
    expect(enginePickItems(tfjsFile, gpu, 4)[1].description).toBe('PyTorch 1.13.0, cuda');
    expect(enginePickItems({ ...tfjsFile, device: 'cuda' }, torch, 4)[1].description).toBe('PyTorch 1.13.0, no CUDA found');
  });

  it('turns a pick into --engine/--processes only where it differs from the file', () => {
    expect(engineRequestOf({ engine: 'tfjs' }, tfjsFile)).toEqual({});
    expect(engineRequestOf({ engine: 'torch', processes: 2 }, tfjsFile)).toEqual({ engine: 'torch', processes: 2 });
    const torchFile: FileEngine = { engine: 'torch', processes: 2, nodes: 1, device: 'auto' };
    expect(engineRequestOf({ engine: 'torch', processes: 2 }, torchFile)).toEqual({});
    expect(engineRequestOf({ engine: 'torch', processes: 1 }, torchFile)).toEqual({ engine: 'torch', processes: 1 });
    expect(engineRequestOf({ engine: 'tfjs' }, torchFile)).toEqual({ engine: 'tfjs' });
  });

  it('reads the engine of an experiment text, with overrides', () => {
    const text = SYNTHETIC.replace('training:\n', 'training:\n  engine: torch\n  engine_options:\n    processes: 2\n    python: /opt/py/bin/python3\n');
    expect(fileEngineOfText(text, '/w/x.tower.yaml')).toEqual({ engine: 'torch', processes: 2, nodes: 1, device: 'auto', python: '/opt/py/bin/python3' });
    expect(fileEngineOfText(SYNTHETIC, '/w/x.tower.yaml', ['training.engine_options.nodes=3'])).toMatchObject({ engine: 'tfjs', nodes: 3 });
    expect(fileEngineOfText('training: [', '/w/x.tower.yaml')).toBeUndefined();
  });
});

describe('twoTowerLab.pythonPath', () => {
  it('becomes --python only for a torch run whose experiment names no interpreter', () => {
    const torchRun: FileEngine = { engine: 'torch', processes: 1, nodes: 1, device: 'auto' };
    expect(withPythonPath({}, torchRun, '/opt/py/bin/python3')).toEqual({ python: '/opt/py/bin/python3' });
    expect(withPythonPath({ engine: 'torch' }, { ...torchRun, python: '/usr/bin/python3' }, '/opt/py/bin/python3')).toEqual({ engine: 'torch' });
    expect(withPythonPath({}, tfjsFile, '/opt/py/bin/python3')).toEqual({});
    expect(withPythonPath({}, torchRun, undefined)).toEqual({});
  });
});

describe('TorchAvailability', () => {
  it('probes an interpreter once, asks again about a missing torch after a minute, and forgets on clear()', async () => {
    const asked: (string | undefined)[] = [];
    let answer: TorchFinding = { probes: [{ ...torch, problem: 'no torch', torch: undefined }] };
    let now = 0;
    const cache = new TorchAvailability(
      (python) => {
        asked.push(python);
        return Promise.resolve(answer);
      },
      () => now,
    );
    expect((await cache.get(undefined)).chosen).toBeUndefined();
    expect((await cache.get(undefined)).chosen).toBeUndefined();
    expect(asked).toEqual([undefined]);
    answer = { chosen: torch, probes: [torch] };
    now += RETRY_MISSING_TORCH_MS;
    expect((await cache.get(undefined)).chosen).toBe(torch);
    now += 10 * RETRY_MISSING_TORCH_MS;
    expect((await cache.get(undefined)).chosen).toBe(torch);
    expect(asked).toEqual([undefined, undefined]);
    await cache.get('/opt/py/bin/python3');
    cache.clear();
    await cache.get('/opt/py/bin/python3');
    expect(asked).toEqual([undefined, undefined, '/opt/py/bin/python3', '/opt/py/bin/python3']);
  });
});

describe('Check Engines', () => {
  const ready: DoctorReport = { tfjs: { backend: 'wasm' }, torch: { usable: torch, probes: [torch], packageDir: '/ext/python' } };

  it('runs the trainer bundle\'s doctor --json with the trainer\'s Node, and --python for the setting', () => {
    expect(doctorCommandLine({ trainerScript: '/ext/dist/trainer.js', hostExecPath: '/vscode/code' })).toEqual({ command: '/vscode/code', args: ['/ext/dist/trainer.js', 'doctor', '--json'], env: { ELECTRON_RUN_AS_NODE: '1' } });
    expect(doctorCommandLine({ trainerScript: '/ext/dist/trainer.js', hostExecPath: '/vscode/code', nodePath: '/usr/bin/node' }, '/opt/py/bin/python3')).toEqual({
      command: '/usr/bin/node',
      args: ['/ext/dist/trainer.js', 'doctor', '--json', '--python', '/opt/py/bin/python3'],
      env: {},
    });
  });

  it('reads the report from the last JSON line, ignoring other lines', () => {
    expect(parseDoctorOutput(`a warning\n${JSON.stringify(ready)}\n`)).toEqual(ready);
    expect(parseDoctorOutput('{"not":"a report"}\n')).toBeUndefined();
  });

  it('sums both engines up in one line, with what to do when torch is missing', () => {
    expect(doctorSummary(ready)).toEqual({ ok: true, message: 'Two-Tower Lab: tfjs ready (wasm); torch 1.13.0 ready with /usr/bin/python3 (cpu, gloo).' });
    const gpus = { ...torch, cuda: true, nccl: true, cudaDevices: ['A100', 'A100'] };
    expect(doctorSummary({ ...ready, torch: { usable: gpus, probes: [gpus] } }).message).toBe('Two-Tower Lab: tfjs ready (wasm); torch 1.13.0 ready with /usr/bin/python3 (cuda: 2 GPUs, gloo, nccl).');
    const missing = doctorSummary({ tfjs: { backend: 'wasm' }, torch: { probes: [{ ...torch, python: 'python3', torch: undefined, problem: 'no torch' }, { ...torch, problem: 'no torch' }], problem: 'The torch engine needs…' } });
    expect(missing.ok).toBe(false);
    expect(missing.message).toBe(
      'Two-Tower Lab: tfjs ready (wasm); torch engine not ready: no Python with torch, numpy and torchrun (tried python3, /usr/bin/python3). Install python3-torch and python3-numpy (or pip install torch numpy), or set twoTowerLab.pythonPath to the Python that has them.',
    );
  });
});
