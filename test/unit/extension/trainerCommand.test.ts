import { flagOverrides } from '../../../src/trainer/args';
import { describe, expect, it } from 'vitest';
import { requestOverrides, trainerCommandLine } from '../../../src/extension/runs/trainerCommand';

const launch = { trainerScript: '/ext/dist/trainer.js', hostExecPath: '/vscode/code', runsDir: '/ws/.two-tower-lab/runs', runId: 'exp-20260101-000000-abcd' };

describe('trainerCommandLine', () => {
  it('runs dist/trainer.js with the host executable as Node, a fixed run id, and the file-based event stream', () => {
    const line = trainerCommandLine(launch, { kind: 'train', experiment: '/ws/exp.tower.yaml', mode: 'pairwise', loss: 'logistic', set: ['training.epochs=2'] });
    expect(line.command).toBe('/vscode/code');
    expect(line.env).toEqual({ ELECTRON_RUN_AS_NODE: '1' });
    expect(line.args).toEqual([
      '/ext/dist/trainer.js', 'train', '/ws/exp.tower.yaml', '--run-id', 'exp-20260101-000000-abcd',
      '--runs-dir', '/ws/.two-tower-lab/runs', '--events-stdout', 'off',
      '--mode', 'pairwise', '--loss', 'logistic', '--set', 'training.epochs=2',
    ]);
  });

  it('uses twoTowerLab.nodePath when set (no Electron variable), and resumes by run id', () => {
    const line = trainerCommandLine({ ...launch, nodePath: ' /usr/bin/node ' }, { kind: 'resume' });
    expect(line.command).toBe('/usr/bin/node');
    expect(line.env).toEqual({});
    expect(line.args).toEqual(['/ext/dist/trainer.js', 'train', '--resume', 'exp-20260101-000000-abcd', '--runs-dir', '/ws/.two-tower-lab/runs', '--events-stdout', 'off']);
  });

  it('validates the same overrides the trainer will apply', () => {
    expect(requestOverrides({ kind: 'train', experiment: 'x', loss: 'hinge', set: ['a.b=1'] }, 'softmax')).toEqual(['training.loss=hinge', 'a.b=1']);
    expect(requestOverrides({ kind: 'resume' }, undefined)).toEqual([]);
  });

  it('a mode alone takes that mode\'s default loss unless the file\'s suits it, as the CLI\'s --mode does (one translation)', () => {
    const modeAlone = { kind: 'train' as const, experiment: 'x', mode: 'pairwise' as const };
    expect(requestOverrides(modeAlone, 'softmax')).toEqual(['training.mode=pairwise', 'training.loss=hinge']);
    expect(requestOverrides(modeAlone, 'logistic')).toEqual(['training.mode=pairwise']);
    expect(requestOverrides(modeAlone, 'softmax')).toEqual(flagOverrides({ mode: 'pairwise', set: [], runsDir: 'r', quiet: false, eventsStdout: 'auto' }, 'softmax'));
  });
});

describe('the engine of a run', () => {
  it('passes the engine chosen in the Run pick and the pythonPath setting as --engine/--processes/--python', () => {
    const request = { kind: 'train' as const, experiment: '/ws/exp.tower.yaml', engine: { engine: 'torch' as const, processes: 2, python: '/opt/py 3/bin/python3' }, set: ['training.epochs=2'] };
    expect(trainerCommandLine(launch, request).args).toEqual([
      '/ext/dist/trainer.js', 'train', '/ws/exp.tower.yaml', '--run-id', 'exp-20260101-000000-abcd',
      '--runs-dir', '/ws/.two-tower-lab/runs', '--events-stdout', 'off',
      '--engine', 'torch', '--processes', '2', '--python', '/opt/py 3/bin/python3', '--set', 'training.epochs=2',
    ]);
    // Validated as the trainer's flagOverrides spells them (the path as a JSON string).
    expect(requestOverrides(request, undefined)).toEqual(['training.engine=torch', 'training.engine_options.processes=2', 'training.engine_options.python="/opt/py 3/bin/python3"', 'training.epochs=2']);
  });
  it('adds nothing for a run as the file says', () => {
    expect(trainerCommandLine(launch, { kind: 'train', experiment: '/ws/exp.tower.yaml', engine: {} }).args).not.toContain('--engine');
    expect(requestOverrides({ kind: 'train', experiment: 'x', engine: {} }, undefined)).toEqual([]);
  });
});
