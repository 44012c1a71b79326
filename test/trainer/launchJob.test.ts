/**
 * The launch-side subcommands through the real CLI (`node dist/trainer.js`): `prepare` makes a run for
 * workers started elsewhere (run folder, config.yaml with the job's shape, prepared arrays, `started` with
 * the job shell's pid and this host, no lock left), `close-run` records a failure the workers did not; and,
 * with torch, the jobs `launch` emits run for real on this machine: the Slurm script (with stand-ins for
 * scontrol and srun: one node × 2 processes, c10d rendezvous) and the pods' script of the Kubernetes Job
 * as two "pods" (2 torchrun agents of 1 process, the second waiting for the first to prepare).
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { loadExperiment } from '../../src/core/config/load';
import { parseLaunchArgs, planLaunch, podScript } from '../../src/trainer/launch';
import { prepareOverrides } from '../../src/trainer/prepareRun';
import { parseEventLines, type StartedEvent, type TrainerEvent } from '../../src/shared/events';
import { cleanup, REPO, runTrainer, TRAINER, tinySynthetic, workspace } from './trainerProcess';

afterAll(cleanup);

const PYTHON = '/usr/bin/python3';
const hasTorch = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8' }).status === 0;

const eventsOf = (runDir: string): TrainerEvent[] => parseEventLines(readFileSync(path.join(runDir, 'events.jsonl'), 'utf8')).events;

describe('two-tower-lab prepare and close-run', () => {
  it('prepares a run of 3 nodes × 2 processes without training, and leaves the folder to the workers', async () => {
    const cwd = workspace({ 'tiny.tower.yaml': tinySynthetic() });
    const r = await runTrainer(['prepare', 'tiny.tower.yaml', '--run-id', 'multi-1', '--runs-dir', 'runs', '--nodes', '3', '--processes', '2', '--device', 'cpu', '--threads', '4', '--pid', String(process.pid)], cwd);
    expect(r.code, r.stderr).toBe(0);
    const run = path.join(cwd, 'runs', 'multi-1');
    expect(r.stdout.trim()).toBe(run);
    const config = readFileSync(path.join(run, 'config.yaml'), 'utf8');
    expect(config).toMatch(/^ {2}engine: torch$/m);
    expect(config).toMatch(/^ {4}nodes: 3$/m);
    expect(config).toMatch(/^ {4}processes: 2$/m);
    expect(JSON.parse(readFileSync(path.join(run, 'prepared', 'meta.json'), 'utf8'))).toMatchObject({ format: 'two-tower-lab/prepared@1', runId: 'multi-1' });
    const events = eventsOf(run);
    expect(events.map((e) => e.type)).toEqual(['started']);
    const started = events[0] as StartedEvent;
    expect(started).toMatchObject({ engine: 'torch', backend: 'torch', device: 'cpu', processes: 2, worldSize: 6, threads: 4, pid: process.pid, host: hostname() });
    expect(existsSync(path.join(run, 'run.lock')), 'prepare left its lock: the workers write the folder now').toBe(false);
    // The same id again is refused: the folder holds a run.
    const again = await runTrainer(['prepare', 'tiny.tower.yaml', '--run-id', 'multi-1', '--runs-dir', 'runs'], cwd);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already holds run multi-1/);
  }, 120_000);

  it('close-run records a failure once, with the exit code, and exits with the run\'s outcome', async () => {
    const cwd = workspace({ 'tiny.tower.yaml': tinySynthetic() });
    expect((await runTrainer(['prepare', 'tiny.tower.yaml', '--run-id', 'closed', '--runs-dir', 'runs', '--nodes', '2'], cwd)).code).toBe(0);
    const run = path.join(cwd, 'runs', 'closed');
    const first = await runTrainer(['close-run', 'closed', '--runs-dir', 'runs', '--exit-code', '137', '--grace-sec', '0'], cwd);
    expect(first.code).toBe(1);
    const ended = eventsOf(run).at(-1)!;
    expect(ended).toMatchObject({ type: 'ended', status: 'failed', epoch: 0, step: 0 });
    expect(ended.type === 'ended' && ended.error).toMatch(/exited \(exit code 137: killed by signal 9\) without recording how the run ended.*torchrun\//);
    expect((await runTrainer(['close-run', 'closed', '--runs-dir', 'runs', '--exit-code', '1', '--grace-sec', '0'], cwd)).code).toBe(1);
    expect(eventsOf(run).filter((e) => e.type === 'ended')).toHaveLength(1);
    // A run its workers stopped (SIGTERM: torchrun's agent exits 1) is not a failure of the job.
    writeFileSync(path.join(run, 'events.jsonl'), `${readFileSync(path.join(run, 'events.jsonl'), 'utf8').split('\n').filter((l) => !l.includes('"ended"')).join('\n')}${JSON.stringify({ schemaVersion: 1, time: new Date().toISOString(), runId: 'closed', type: 'ended', status: 'stopped', epoch: 1, step: 5, elapsedSec: 2 })}\n`);
    expect((await runTrainer(['close-run', 'closed', '--runs-dir', 'runs', '--exit-code', '1', '--grace-sec', '0'], cwd)).code).toBe(0);
  }, 120_000);
});

/** Runs a shell script; resolves with its exit code and output. */
function sh(shell: string, script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(shell, [script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

/** `scontrol`, `srun` (one node: runs the command) and `two-tower-lab` (this build) for the jobs' scripts. */
function standIns(cwd: string): NodeJS.ProcessEnv {
  const bin = path.join(cwd, 'bin');
  mkdirSync(bin);
  const put = (name: string, text: string): void => {
    writeFileSync(path.join(bin, name), text);
    chmodSync(path.join(bin, name), 0o755);
  };
  put('scontrol', '#!/bin/sh\necho localhost\n');
  put('srun', '#!/bin/sh\nwhile [ $# -gt 0 ]; do case "$1" in --*) shift;; *) break;; esac; done\nexec "$@"\n');
  put('two-tower-lab', `#!/bin/sh\nexec ${process.execPath} ${TRAINER} "$@"\n`);
  return { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`, SLURM_JOB_NODELIST: 'localhost', TWO_TOWER_LAB_PYTHON_PACKAGE: path.join(REPO, 'python') };
}

describe.skipIf(!hasTorch)('the emitted jobs, run on this machine (skipped without torch in /usr/bin/python3)', () => {
  it('the Slurm script prepares once and trains one node × 2 processes through a c10d rendezvous', async () => {
    const cwd = workspace({ 'tiny.tower.yaml': tinySynthetic() });
    const env = standIns(cwd);
    const emitted = await runTrainer(['launch', '--emit', 'slurm', 'tiny.tower.yaml', '--nodes', '1', '--processes', '2', '--cpus', '2', '--run-id', 'slurm-1', '--runs-dir', 'runs', '--python', PYTHON, '--port', '29521', '--set', 'training.epochs=2', '--out', 'job.sbatch'], cwd);
    expect(emitted.code, emitted.stderr).toBe(0);
    const job = await sh('bash', 'job.sbatch', cwd, env);
    expect(job.code, job.output).toBe(0);
    const events = eventsOf(path.join(cwd, 'runs', 'slurm-1'));
    expect(events.filter((e) => e.type === 'started')).toHaveLength(1);
    expect(events.find((e) => e.type === 'started')).toMatchObject({ worldSize: 2, processes: 2, threads: 1, host: hostname() });
    expect(events.at(-1)).toMatchObject({ type: 'ended', status: 'completed', epoch: 2 });
  }, 240_000);

  it('the Kubernetes pods\' script: pod 1 waits for pod 0 to prepare, then 2 agents train one run', async () => {
    const cwd = workspace({ 'tiny.tower.yaml': tinySynthetic() });
    const env = standIns(cwd);
    // The manifest's script, with the rendezvous on this machine instead of pod 0's cluster name.
    const args = parseLaunchArgs(['--emit', 'k8s', 'tiny.tower.yaml', '--image', 'unused', '--nodes', '2', '--processes', '1', '--run-id', 'k8s-1', '--runs-dir', 'runs', '--mount', cwd, '--python', PYTHON, '--port', '29522', '--set', 'training.epochs=2']);
    const loaded = await loadExperiment(path.join(cwd, 'tiny.tower.yaml'), prepareOverrides(args));
    const plan = planLaunch(loaded.config, args, path.join(cwd, 'tiny.tower.yaml'), { cwd, cli: 'unused', packageDir: 'unused' });
    writeFileSync(path.join(cwd, 'launch.sh'), podScript(plan, 'localhost'));
    const podEnv = { ...env, PYTHONPATH: path.join(REPO, 'python'), TWO_TOWER_LAB_DEVICE: 'cpu' };
    const pod1 = sh('sh', 'launch.sh', cwd, { ...podEnv, JOB_COMPLETION_INDEX: '1' });
    const pod0 = sh('sh', 'launch.sh', cwd, { ...podEnv, JOB_COMPLETION_INDEX: '0' });
    const [zero, one] = await Promise.all([pod0, pod1]);
    expect(zero.code, zero.output).toBe(0);
    expect(one.code, one.output).toBe(0);
    const events = eventsOf(path.join(cwd, 'runs', 'k8s-1'));
    expect(events.filter((e) => e.type === 'started')).toHaveLength(1);
    expect(events.find((e) => e.type === 'started')).toMatchObject({ worldSize: 2, processes: 1 });
    expect(events.at(-1)).toMatchObject({ type: 'ended', status: 'completed', epoch: 2 });
  }, 240_000);
});
